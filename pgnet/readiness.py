"""Which of this program's sockets have something to read: for a game's
loop, which waits on all of them at once between frames.

A ZeroMQ socket must never be used by two threads at once, not even
polled: libzmq aborts the program. So a shared socket (a listener or a
publisher, which a worker thread may be using) is looked at only when its
lock is free, and otherwise waited on through its ``wake_fd``.

Example:

    items, now = wake_items(registry.all())
    if now or zmq.zmq_poll(items, 10):
        print("something has come")
"""

import zmq

_POLLIN = int(zmq.POLLIN)
_EVENTS = int(zmq.EVENTS)


def ready(endpoints, timeout_ms=0):
    """The sockets of ``endpoints`` that have something to read, as a set;
    at once, or as soon as one has within ``timeout_ms`` (one look at them
    all costs less than a look at each). Only for endpoints no other thread
    may be using at that moment (see ``wake_items`` for the others).

    Example:

        if sender.socket in ready([sender]):
            sender.receive_all()
    """
    return {sock for sock, _ in zmq.zmq_poll([(e.socket, _POLLIN) for e in endpoints], timeout_ms)}


def wake_items(endpoints):
    """``(items, now)``: what to give ``zmq.zmq_poll`` to wait for what
    comes next to any of ``endpoints``, and True if one of them has
    something to read already (then do not wait).

    A ZeroMQ socket must never be used by two threads at once, not even
    polled: libzmq aborts the program. This thread's own endpoints are
    waited on by their sockets. A shared one (a listener or a publisher,
    whose ``owner`` is None), which another thread may be using, is looked
    at only if its lock is free, and waited on through its ``wake_fd``.

    Example:

        items, now = wake_items(registry.all())
        if now or zmq.zmq_poll(items, 10):
            print("something has come")
    """
    items, now = [], False
    for endpoint in endpoints:
        if endpoint.closing:  # (closed, or about to be, by another thread's close_all)
            continue
        if endpoint.owner is not None:
            items.append((endpoint.socket, _POLLIN))
            continue
        if not now and endpoint.lock.acquire(False):
            try:
                # (Reading what ZeroMQ has to tell it: after that, anything
                # new makes wake_fd readable.)
                now = bool(endpoint.socket.getsockopt(_EVENTS) & _POLLIN)
            finally:
                endpoint.lock.release()
        items.append((endpoint.wake_fd, _POLLIN))
    return items, now
