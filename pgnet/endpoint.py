"""One ZeroMQ socket of this program and the inbox of what it received: the
base that ``pgnet.transport``'s listeners, senders, publishers and
subscribers share, with what they all need: sending and receiving frames,
waiting, binding a port. (What comes out, ``Arrival``, and the ``Inbox``
are ``pgnet.inbox``'s.)

Use it through ``pgnet.transport``, which has every name here too.
Example:

    arrival = endpoint.wait(2.0)     # the first Arrival, or None after 2 s

Threads: endpoints, like ZeroMQ sockets, are used by the main thread only.
"""

import contextlib
import threading
import time

import zmq

from . import addresses, wire
from .errors import AddressError, DroppedMessageWarning, MessageError, NetworkLimitError, log, warn_limited
from .inbox import Inbox, too_old
from .retry import Retry
from .settings import settings

#: How many messages ZeroMQ queues for one connection (each way) before it
#: refuses more: what a slow or stopped peer can make this program hold.
HWM = 100_000
#: How many messages a socket takes in from one connection before the
#: sender's own queue holds the rest: what a flood can pile up in this
#: program's memory while it is not reading (a sender's backlog stays in
#: the sender, which is where it belongs, and nothing is lost).
RECEIVE_HWM = 1000
#: How long what is queued on a closed socket may take to leave, in ms.
LINGER_MS = 500
#: A received frame of up to twice ``settings.max_message_bytes`` (and
#: this much more) is read, then dropped with a warning if over the limit;
#: a peer sending a bigger one is disconnected by ZeroMQ before anything is
#: stored (a 1 GB frame never takes 1 GB here).
FRAME_SLACK = 65536
_BIND_RETRY_INTERVAL_S = 0.001  # (a port closed a moment ago is free again within a few ms)

# Bodies at least this big are handed to ZeroMQ without a copy (it keeps
# them alive until sent); smaller ones cost less to copy. (Without a copy,
# pyzmq's own thread takes Python's lock to let go of each body once it
# has left: at 100 KB, a stream of news cost the publisher more that way.)
_ZERO_COPY_BYTES = 1 << 20

# pyzmq's flags as plain ints: combining its enum flags costs microseconds.
_NOBLOCK = int(zmq.NOBLOCK)
_MORE = _NOBLOCK | int(zmq.SNDMORE)
_POLLIN = int(zmq.POLLIN)
_RCVTIMEO = int(zmq.RCVTIMEO)
# pyzmq's own send and receive, without its Python wrapper (which handles
# options pgnet never uses, and costs as much again as the call itself).
_send = zmq.backend.Socket.send
_recv = zmq.backend.Socket.recv

class _NoLock:
    """A lock that is always free: for endpoints only one thread uses."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def acquire(self, blocking=True, timeout=-1):
        return True

    def release(self):
        pass


_NO_LOCK = _NoLock()


def _context():
    return zmq.Context.instance()


def open_socket(kind):
    """A new ZeroMQ socket of ``kind``; raises ``NetworkLimitError`` (never
    a raw ZeroMQ error) if this program cannot open one more.

    Example: ``sock = open_socket(zmq.DEALER)``"""
    try:
        return _context().socket(kind)
    except zmq.ZMQError as error:
        raise NetworkLimitError(
            "pgnet cannot open another network connection (%s). This program "
            "has too many open: close some with pgnet.close_all(), or lower "
            "pgnet.settings.max_senders." % error.strerror
        ) from None


def send_frames(sock, frames):
    """``sock.send_multipart(frames, zmq.NOBLOCK)``, in a fraction of the
    time; raises ``zmq.Again`` if the socket cannot take them now. A large
    last frame is not copied.

    Example:

        send_frames(sender.socket, [number, b"", MESSAGE, body])
    """
    last = frames[-1]
    if len(frames) > 1:
        for frame in frames[:-1]:
            _send(sock, frame, _MORE)
    _send(sock, last, _NOBLOCK, len(last) < _ZERO_COPY_BYTES)


def _receive_within(endpoint, timeout_ms):
    """The frames of the next message on ``endpoint``, waiting up to
    ``timeout_ms`` for it; or None."""
    _time_limit(endpoint, timeout_ms)
    try:
        return _message(endpoint.socket, 0, endpoint.routed)
    except zmq.Again:
        return None


def receive_frame(endpoint, timeout_ms):
    """The next frame on ``endpoint``, as bytes, waiting up to
    ``timeout_ms`` for it; or None. For a peer that sends one-frame
    messages: the quickest receive. (Should a peer send more frames, each
    comes as a message of its own, to be dropped as malformed.)

    Example: ``frame = receive_frame(sender, slice_ms(5.0))``"""
    _time_limit(endpoint, timeout_ms)
    try:
        return _recv(endpoint.socket)
    except zmq.Again:
        return None


def _time_limit(endpoint, timeout_ms):
    # The socket's receive time limit, set only when it changes.
    if endpoint.timeout_ms != timeout_ms:
        endpoint.socket.setsockopt(_RCVTIMEO, timeout_ms)
        endpoint.timeout_ms = timeout_ms


def slice_ms(remaining_s):
    """How long one receive of a wait with ``remaining_s`` seconds left may
    take, in ms: at most about 0.2 s, so that Ctrl-C lands between two.

    Example: ``slice_ms(5.0)   # 201``"""
    return 201 if remaining_s >= 0.2 else int(remaining_s * 1000) + 1


def _message(sock, flags, routed):
    """The frames (bytes) of the next message on ``sock``, received with
    ``flags``: zmq.Again if there is none. ``routed``: a ROUTER socket,
    whose messages are the sender's routing id and at least one frame more.

    Received as zmq.Frame objects, which say themselves whether more parts
    follow: quicker than asking the socket after each part. (The routing id
    is known to be followed by more, and bytes cost less than a Frame.)"""
    if routed:
        identity = _recv(sock, flags)
        first = _recv(sock, _NOBLOCK, False)
        return [identity, first.bytes] if not first.more else [identity] + frames_from(sock, first)
    first = _recv(sock, flags, False)
    if not first.more:
        return [first.bytes]
    try:
        second = _recv(sock, _NOBLOCK, False)  # (a topic is followed by its news)
    except zmq.Again:
        return [first.bytes]  # (see frames_from)
    if not second.more:
        return [first.bytes, second.bytes]
    return [first.bytes] + frames_from(sock, second)


def frames_from(sock, first):
    """The frames (bytes) of the message on ``sock`` whose first frame is
    ``first`` (a ``zmq.Frame``, received already).

    Example: ``frames_from(sock, sock.recv(copy=False))   # [b"\x01score"]``"""
    frames = [first.bytes]
    while first.more:
        try:
            first = _recv(sock, _NOBLOCK, False)
        except zmq.Again:
            # A peer's odd multipart upstream message on an XPUB socket: it
            # keeps only the parts it understands, so the rest never comes.
            break
        frames.append(first.bytes)
    return frames


def end_context():
    """Give what is still queued on closed sockets (a last command sent
    just before the program ends) up to the sockets' linger time to leave,
    then end ZeroMQ. In a thread, so a socket left open elsewhere cannot
    hang the exit. Close the sockets first.

    Example:

        registry.close_all()
        end_context()
    """
    finisher = threading.Thread(target=_context().term, daemon=True)
    finisher.start()
    finisher.join(LINGER_MS / 1000 + 0.5)


class Endpoint:
    """One ZeroMQ socket of this program, and the inbox of what it received.

    The base of ``Listener``, ``Sender``, ``Publisher`` and ``Subscriber``;
    each says in ``arrive(frames)`` what to make of a message that came in.

    Example:

        endpoint.receive_all()      # what arrived, into endpoint.inbox
        endpoint.wait(2.0)          # the first Arrival, waiting up to 2 s
    """

    #: What this endpoint is for, in words ("sending", ...): its registry key.
    role = None
    port = None
    timeout_ms = -1  # the socket's receive time limit (ZeroMQ's default)
    #: If set, pump() hands this endpoint's arrivals to it instead of
    #: returning them: for pgnet's own protocols (two-player games) whose
    #: traffic must not reach the game's hooks.
    handler = None
    #: This program's publishers, kept working while this endpoint waits
    #: (see ``poll``); set by the registry that made the endpoint.
    publishers = ()
    #: The thread that uses this endpoint (its ``threading.get_ident()``),
    #: or None for a bound one, shared, used under its ``lock``.
    owner = None
    #: Held while a thread uses a shared (bound) endpoint.
    lock = _NO_LOCK

    #: The largest frame this endpoint accepts (None: the message limit).
    max_frame = None
    #: True for a ROUTER socket: each message it receives starts with the
    #: sender's routing id.
    routed = False
    #: True once pgnet was closed (``close_all``, or the program's end):
    #: a thread waiting on it then closes it as its wait ends (see
    #: ``__exit__``). At the program's end, ZeroMQ ends such waits at once.
    closing = False
    #: How many waits (``with endpoint:``) are under way on it now: the
    #: thread waiting closes it, if need be (``close_all`` does not wait).
    waits = 0

    def __init__(self, kind, address, what):
        self.address = address
        self.inbox = Inbox(what)
        self.socket = open_socket(kind)
        self.socket.setsockopt(zmq.LINGER, LINGER_MS)
        self.socket.setsockopt(zmq.SNDHWM, HWM)
        self.socket.setsockopt(zmq.RCVHWM, RECEIVE_HWM)
        self.socket.setsockopt(zmq.MAXMSGSIZE, self.max_frame or 2 * settings.max_message_bytes + FRAME_SLACK)
        #: Readable when something may have come (ZeroMQ's ZMQ_FD): what
        #: another thread's wait watches, instead of the socket, which is
        #: one thread's at a time (see ``readiness.wake_items``).
        self.wake_fd = self.socket.getsockopt(zmq.FD)

    def __enter__(self):
        """Use the endpoint for a wait: ``with endpoint:`` holds its lock, so
        that no other thread closes its socket meanwhile (ZeroMQ would abort
        the whole program).

        Example:

            with listener:
                listener.wait(5.0)
        """
        self.lock.acquire()
        self.waits += 1
        return self

    def __exit__(self, *exc):
        # Closed meanwhile by another thread (see ``closing``): close it here.
        self.waits -= 1
        try:
            if self.closing:
                self.close()
        finally:
            self.lock.release()
        return False

    def close(self, linger_ms=LINGER_MS):
        """Close the socket; what is queued gets ``linger_ms`` to leave.

        Example: ``endpoint.close(0)``   # drop what is queued"""
        self.socket.close(linger_ms)

    def arrive(self, frames):
        """What the message ``frames`` (bytes) that came in is:
        ``(arrival, size)``, ``size`` its bytes on the wire; or None if it
        was dropped (warned) or needs no collecting. Each kind of endpoint
        says.

        Example: ``arrival, size = listener.arrive([identity, b"", COMMAND, body])``"""
        raise NotImplementedError

    def accept(self, frames):
        """Put what the message ``frames`` is (see ``arrive``) in the inbox.

        Example (``receive_all`` does this): ``listener.accept([identity, b"", COMMAND, body])``"""
        got = self.arrive(frames)
        if got is not None:
            self.inbox.add(*got)

    def receive_all(self, limit=None):
        """Move what has arrived into the inbox, without waiting; return
        how many messages came: at most ``limit``, or
        ``settings.events_per_frame`` (so that no call takes long, however
        much is arriving; the rest waits for the next call). Each goes
        through ``accept(frames)``.

        Example: ``endpoint.receive_all(100)``"""
        sock = self.socket
        if limit is None:
            limit = settings.events_per_frame
        count = 0
        # Asking first is cheaper than the exception a receive that finds
        # nothing raises, and most calls find nothing; but once something has
        # come, receiving until that exception beats asking before each one.
        if zmq.zmq_poll([(sock, _POLLIN)], 0):  # (quicker than getsockopt(EVENTS))
            take = self.next_message
            while count < limit:
                try:
                    frames = take(_NOBLOCK)
                except zmq.Again:
                    break
                count += 1
                self.accept(frames)
        return count

    def next_message(self, flags):
        """The frames (bytes) of the next message on the socket, received
        with ``flags`` (zmq.Again if there is none). A kind of endpoint
        that must see a message as ZeroMQ gave it (with its sender's
        address) says how.

        Example: ``frames = endpoint.next_message(zmq.NOBLOCK)``"""
        return _message(self.socket, flags, self.routed)

    def straight(self):
        """True if a wait may read straight off this socket: no publisher
        of this program needs keeping working meanwhile (see ``poll``).

        Example: ``if endpoint.straight(): ...``"""
        publishers = self.publishers
        return not publishers or (len(publishers) == 1 and publishers[0] is self)

    def wait(self, wait_for_s, kind=None, matches=None):
        """The first inbox item (of ``kind``, that ``matches``), waiting up
        to the limit; or None.

        What it waits for comes straight off the socket when it can (see
        ``straight``): what it does not want goes to the inbox, in order.

        Example: ``listener.wait(5.0, "command")``"""
        # The inbox first: what is in it is older than anything on the socket.
        # (Taking from it needs no socket, so no lock: news in a burst comes
        # this way.)
        inbox = self.inbox
        item = inbox.take(kind, matches) if inbox.count else None
        if item is not None:
            return item
        with self:
            return self._wait(wait_for_s, kind, matches)

    def _wait(self, wait_for_s, kind, matches):
        inbox = self.inbox
        take = inbox.take
        item = take(kind, matches) if inbox.count else None  # (again: under the lock now)
        if item is None and wait_for_s <= 0:  # just a look
            self.receive_all()
            item = take(kind, matches)
        deadline = time.monotonic() + wait_for_s
        while item is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            timeout_ms = slice_ms(remaining)
            if not self.straight():
                poll(self, timeout_ms)
                self.receive_all()
                item = take(kind, matches)
                continue
            frames = _receive_within(self, timeout_ms)
            if frames is None:
                continue
            got = self.arrive(frames)
            if got is not None and not too_old(got[0]):
                arrival = got[0]
                if (kind is None or arrival.kind == kind) and (matches is None or matches(arrival)):
                    return arrival
                self.inbox.add(*got)
            if inbox.count:  # (what it did not want, or what it released: see Subscriber)
                item = take(kind, matches)
        return item


def poll(endpoint, timeout_ms):
    """Wait up to ``timeout_ms`` for input on ``endpoint``, keeping this
    program's publishers working meanwhile.

    ZeroMQ greets a new subscriber (and registers its topics) only while the
    publishing socket is in use, so without this a program waiting for a
    message would leave the subscribers to its news waiting too.

    Example:

        poll(subscriber, 200)
        subscriber.receive_all()
    """
    publishers = [p for p in endpoint.publishers if p is not endpoint]
    if not publishers:
        # Receiving with a time limit is what raw ZeroMQ programs do, and
        # costs less than polling and then receiving.
        frames = _receive_within(endpoint, timeout_ms)
        if frames is not None:
            endpoint.accept(frames)
        return
    _wait_keeping_publishers([endpoint.socket], publishers, timeout_ms)


def _wait_keeping_publishers(sockets, publishers, timeout_ms):
    # Wait up to timeout_ms for input on this thread's sockets, and keep
    # the publishers working meanwhile. Another thread (a game publishing
    # every frame) may use a publisher at any moment, so the wait is on the
    # publisher's file descriptor, which ZeroMQ makes readable when
    # something may have come, not on its socket; its lock is taken only to
    # read what came, never during the wait.
    items = [(sock, _POLLIN) for sock in sockets]
    items += [(publisher.wake_fd, _POLLIN) for publisher in publishers]
    try:
        zmq.zmq_poll(items, timeout_ms)
    except zmq.ZMQError:  # a publisher closed meanwhile: the caller looks again
        pass
    for publisher in publishers:
        if publisher.lock.acquire(False):
            try:
                if not publisher.closing:  # (closed by another thread meanwhile)
                    publisher.receive_all()
            finally:
                publisher.lock.release()


def wait_any(endpoints, wait_for_s, kind=None, matches=None):
    """The first inbox item (of ``kind``, that ``matches``) of any of
    ``endpoints``, waiting up to ``wait_for_s`` seconds; or None. (For one
    endpoint it is that endpoint's ``wait``.)

    Example:

        arrival = wait_any([news_from_alice, news_from_bob], 5.0)
    """
    if len(endpoints) == 1:
        return endpoints[0].wait(wait_for_s, kind, matches)
    with contextlib.ExitStack() as using:
        for endpoint in endpoints:
            using.enter_context(endpoint)
        return _wait_any(endpoints, wait_for_s, kind, matches)


def _wait_any(endpoints, wait_for_s, kind, matches):
    deadline = time.monotonic() + wait_for_s
    while True:
        for endpoint in endpoints:
            item = endpoint.inbox.take(kind, matches)
            if item is None:
                endpoint.receive_all()
                item = endpoint.inbox.take(kind, matches)
            if item is not None:
                return item
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        # (Every endpoint has the same list of publishers, kept up to date.)
        publishers = [p for p in endpoints[0].publishers if p not in endpoints]
        # Slices keep Ctrl-C prompt, as in Endpoint.wait.
        _wait_keeping_publishers([e.socket for e in endpoints], publishers, slice_ms(remaining))


def unpack(body, raw, what, source, *args):
    """``(True, value)`` for a well-formed body; ``(False, None)``, warned,
    for one that is too big or not a pgnet message. ``raw`` keeps the
    bytes as they are; ``what`` and ``source`` say what it was, in the
    warning (a flood of them gives a few warnings, not one each); ``what``
    is formatted with ``args``, only if there is a warning.

    Example:

        ok, message = unpack(body, False, "a message from %s", "quiz", "ada")
    """
    size = len(body)
    if size > settings.max_message_bytes:
        warn_limited((source, "dropped"), DroppedMessageWarning,
            "Dropped %s of %s on %s: larger than the limit of %s "
            "(pgnet.settings.max_message_bytes).",
            what % args if args else what, wire.describe_size(size), source,
            wire.describe_size(settings.max_message_bytes),
        )
        return False, None
    if raw:
        return True, body
    try:
        return True, wire.decode(body)
    except MessageError as error:
        warn_limited((source, "dropped"), DroppedMessageWarning, "Dropped %s on %s: %s",
                     what % args if args else what, source, error)
        return False, None


def bind(sock, where, retry_for_s=0):
    """Bind ``sock`` where ``where`` (an ``addresses.ListenAddress``) says;
    raise ``AddressError`` if the port cannot be had.

    A port this program closed a moment ago may still be closing (ZeroMQ
    finishes closing in the background): ``retry_for_s`` gives it that long.
    A socket pinned to one network is also bound on 127.0.0.1, for
    programs on this computer.

    Example:

        bind(sock, addresses.for_listening(5000))
    """
    endpoint = "tcp://%s:%d" % (where.host, where.port)
    retry = Retry(_BIND_RETRY_INTERVAL_S, retry_for_s)
    while True:
        try:
            sock.bind(endpoint)
            break
        except zmq.ZMQError as error:
            if error.errno == zmq.EADDRINUSE and not retry.expired(time.monotonic()):
                time.sleep(retry.interval_s)
                continue
            sock.close(0)
            if error.errno == zmq.EADDRINUSE:
                raise AddressError(
                    "Port %d is already in use by another program. Choose "
                    "another port, or leave the port out and pgnet picks a free "
                    "one." % where.port
                ) from None
            raise AddressError("Cannot listen on %s: %s" % (where.shown, error)) from None
    if where.host != "*" and not where.host.startswith("127."):
        # Pinned to one network (or one address): still reachable from
        # programs on this computer, which send to 127.0.0.1.
        try:
            sock.bind("tcp://%s:%d" % (addresses.LOOPBACK, where.port))
        except zmq.ZMQError as error:
            log.debug("cannot also listen on 127.0.0.1:%d: %s", where.port, error)
