"""One ZeroMQ socket of this program and the inbox of what it received: the
base that ``pgnet.transport``'s listeners, senders, publishers and
subscribers share, with what they all need: receiving frames, waiting,
binding a port, and ``Arrival``, what comes out.

Use it through ``pgnet.transport``, which has every name here too.
Example:

    arrival = endpoint.wait(2.0)     # the first Arrival, or None after 2 s

Threads: endpoints, like ZeroMQ sockets, are used by the main thread only.
"""

import threading
import time
from collections import deque, namedtuple

import zmq

from . import addresses, wire
from .errors import AddressError, DroppedMessageWarning, MessageError, NetworkLimitError, log, warn, warn_limited
from .freshness import is_stale
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
#: What an arrival costs in memory beyond its bytes on the wire (its
#: Python objects), for the inbox's byte count.
_ARRIVAL_COST = 200
_SHARED_SLICE_MS = 50  # the longest a wait holds publishers another thread may want
_PLURAL = {"message": "messages", "command": "commands", "reply": "replies", "news": "news items"}
_BIND_RETRY_INTERVAL_S = 0.01

# pyzmq's flags as plain ints: combining its enum flags costs microseconds,
# and every message is sent and received in several parts.
_NOBLOCK = int(zmq.NOBLOCK)
_MORE = _NOBLOCK | int(zmq.SNDMORE)
_POLLIN = int(zmq.POLLIN)
_RCVTIMEO = int(zmq.RCVTIMEO)

class _NoLock:
    """A lock that is always free: for endpoints only one thread uses."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def acquire(self, blocking=True):
        return True

    def release(self):
        pass


_NO_LOCK = _NoLock()

Arrival = namedtuple("Arrival", "kind source sender data extra")
Arrival.__doc__ = """Something that arrived on one of this program's sockets.

``kind`` is ``"message"``, ``"command"``, ``"reply"`` or ``"news"``;
``source`` is the name or address it came in on (as you wrote it);
``sender`` says who sent it; ``data`` is the message, the reply, the news
or the ``(command, params)`` pair; ``extra`` is the news topic, what is
needed to answer a message, or when a command becomes too old to act on.

Example:

    Arrival("command", "robot", "laptop", ("LEFT", [0.5]), None)
"""


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
    """``sock.send_multipart(frames, zmq.NOBLOCK)``, in a third of the time;
    raises ``zmq.Again`` if the socket cannot take them now.

    Example:

        send_frames(sender.socket, [number, b"", MESSAGE, body])
    """
    for frame in frames[:-1]:
        sock.send(frame, _MORE)
    sock.send(frames[-1], _NOBLOCK)


def _receive_within(endpoint, timeout_ms):
    """The frames of the next message on ``endpoint``, waiting up to
    ``timeout_ms`` for it; or None."""
    sock = endpoint.socket
    if endpoint.timeout_ms != timeout_ms:
        sock.setsockopt(_RCVTIMEO, timeout_ms)
        endpoint.timeout_ms = timeout_ms
    try:
        first = sock.recv(copy=False)
    except zmq.Again:
        return None
    return _frames(sock, first)


def _frames(sock, first):
    """The frames (bytes) of the message whose first frame is ``first``.

    Received as zmq.Frame objects, which say themselves whether more parts
    follow: quicker than asking the socket after each part."""
    frames = [first.bytes]
    while first.more:
        try:
            first = sock.recv(_NOBLOCK, copy=False)
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


def ready(endpoints, timeout_ms=0):
    """The sockets of ``endpoints`` that have something to read, as a set;
    at once, or as soon as one has within ``timeout_ms`` (one look at them
    all costs less than a look at each).

    Example:

        if listener.socket in ready([listener, sender]):
            listener.receive_all()
    """
    return {sock for sock, _ in zmq.zmq_poll([(e.socket, _POLLIN) for e in endpoints], timeout_ms)}


class Inbox:
    """Arrivals waiting to be collected, oldest first, bounded in number
    and in bytes (``settings.inbox_items``, ``settings.inbox_bytes``) for
    each kind of arrival, so that a flood of one kind never crowds out
    another.

    When a kind is full, news follows "newest wins": the oldest item waiting
    is dropped for the new one, and how many were dropped is reported once
    the reader catches up. Messages, commands and replies are refused
    instead (the sender is told nothing; this program warns, once per
    flood).

    Example:

        inbox = Inbox("messages")
        inbox.add(arrival, 120)        # 120: its size in bytes on the wire
        inbox.take("command")          # the oldest command; None if none
        inbox.take()                   # the oldest arrival of any kind
    """

    def __init__(self, what):
        self.what = what
        self.queues = {}  # kind -> deque of (order, arrival, size)
        self.sizes = {}  # kind -> bytes waiting
        self.dropped = {}  # kind -> how many were dropped since the last report
        self.count = 0
        self._order = 0

    def __len__(self):
        return self.count

    def add(self, item, size=0):
        """Keep ``item`` (an ``Arrival`` of ``size`` bytes), if there is
        room for its kind; return True if it was kept.

        Example: ``inbox.add(arrival, len(body))``"""
        kind = item.kind
        queue = self.queues.get(kind)
        if queue is None:
            queue = self.queues[kind] = deque()
            self.sizes[kind] = 0
        size += _ARRIVAL_COST
        while queue and (len(queue) >= settings.inbox_items
                         or self.sizes[kind] + size > settings.inbox_bytes):
            if kind != "news":
                self._note_drop(kind, item.source)
                return False
            self._remove(kind)  # newest wins
            self._note_drop(kind, item.source)
        self._order += 1
        queue.append((self._order, item, size))
        self.sizes[kind] += size
        self.count += 1
        return True

    def _note_drop(self, kind, source):
        dropped = self.dropped.get(kind, 0)
        self.dropped[kind] = dropped + 1
        if not dropped:
            warn(DroppedMessageWarning,
                "Too many %s are waiting to be read on %s; %s. Read them more "
                "often (or ask the sender to send fewer).", _PLURAL.get(kind, kind), source,
                "the oldest are being dropped for newer ones" if kind == "news"
                else "newer ones are being dropped",
            )

    def _remove(self, kind):
        queue = self.queues[kind]
        _, item, size = queue.popleft()
        self.sizes[kind] -= size
        self.count -= 1
        if not queue and self.dropped.get(kind):
            warn(DroppedMessageWarning, "%d %s arriving on %s were dropped while too many were waiting.",
                 self.dropped.pop(kind), _PLURAL.get(kind, kind), item.source)
        return item

    def take(self, kind=None, matches=None):
        """The oldest item (of ``kind``, that ``matches``), removed; or
        None. Without ``matches`` it takes no longer however many wait.
        A command too old to act on (see ``pgnet.freshness``) is dropped,
        with a warning, and the next one taken.

        Example: ``inbox.take("reply", lambda a: a.extra == number)``"""
        item = self._take(kind, matches)
        while item is not None and item.kind == "command" and is_stale(item.extra, time.monotonic()):
            warn_limited((self, "stale"), DroppedMessageWarning,
                "Dropped the command %r from %s on %s: it waited more than %g s to be "
                "read, and a command is for now (a robot must not act on an old "
                "FORWARD). Read commands more often, or raise "
                "pgnet.settings.max_command_age_s.",
                item.data[0], item.sender, item.source, settings.max_command_age_s)
            item = self._take(kind, matches)
        return item

    def _take(self, kind, matches):
        if kind is None:
            heads = [(queue[0][0], k) for k, queue in self.queues.items() if queue]
            if not heads:
                return None
            if matches is None:
                return self._remove(min(heads)[1])
            kinds = [k for _, k in sorted(heads)]
        else:
            if not self.queues.get(kind):
                return None
            if matches is None:
                return self._remove(kind)
            kinds = [kind]
        for k in kinds:
            queue = self.queues[k]
            for index, (_, item, size) in enumerate(queue):
                if matches(item):
                    if index == 0:
                        return self._remove(k)
                    del queue[index]
                    self.sizes[k] -= size
                    self.count -= 1
                    return item
        return None

    def popleft(self):
        """The oldest item of any kind, removed (IndexError if empty).

        Example: ``while inbox: handle(inbox.popleft())``"""
        item = self.take()
        if item is None:
            raise IndexError("the inbox is empty")
        return item


class Endpoint:
    """One ZeroMQ socket of this program, and the inbox of what it received.

    The base of ``Listener``, ``Sender``, ``Publisher`` and ``Subscriber``;
    each says in ``accept(frames)`` what to make of a message that came in.

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

    def __init__(self, kind, address, what):
        self.address = address
        self.inbox = Inbox(what)
        self.socket = open_socket(kind)
        self.socket.setsockopt(zmq.LINGER, LINGER_MS)
        self.socket.setsockopt(zmq.SNDHWM, HWM)
        self.socket.setsockopt(zmq.RCVHWM, RECEIVE_HWM)
        self.socket.setsockopt(zmq.MAXMSGSIZE, self.max_frame or 2 * settings.max_message_bytes + FRAME_SLACK)

    def close(self, linger_ms=LINGER_MS):
        """Close the socket; what is queued gets ``linger_ms`` to leave.

        Example: ``endpoint.close(0)``   # drop what is queued"""
        self.socket.close(linger_ms)

    def receive_all(self, limit=None):
        """Move what has arrived into the inbox, without waiting; return
        how many messages came: at most ``limit``, or
        ``settings.events_per_frame`` (so that no call takes long, however
        much is arriving; the rest waits for the next call). Each goes
        through ``accept(frames)``, which each kind of endpoint defines.

        Example: ``endpoint.receive_all(100)``"""
        sock = self.socket
        if limit is None:
            limit = settings.events_per_frame
        count = 0
        # Asking first is cheaper than the exception a receive that finds
        # nothing raises, and most calls find nothing; but once something has
        # come, receiving until that exception beats asking before each one.
        if zmq.zmq_poll([(sock, _POLLIN)], 0):  # (quicker than getsockopt(EVENTS))
            while count < limit:
                try:
                    first = sock.recv(_NOBLOCK, copy=False)
                except zmq.Again:
                    break
                count += 1
                self.arrived(first)
        return count

    def arrived(self, first):
        """Take in the message whose first part is ``first`` (a
        ``zmq.Frame``): read its other parts and ``accept`` them all.

        Example (``receive_all`` does this):
        ``endpoint.arrived(endpoint.socket.recv(copy=False))``"""
        self.accept(_frames(self.socket, first))

    def wait(self, wait_for_s, kind=None, matches=None):
        """The first inbox item (of ``kind``, that ``matches``), waiting up
        to the limit; or None.

        Example: ``listener.wait(5.0, "command")``"""
        deadline = time.monotonic() + wait_for_s
        # The inbox first: what is in it is older than anything on the socket.
        take = self.inbox.take
        item = take(kind, matches)
        while item is None:
            self.receive_all()
            item = take(kind, matches)
            remaining = deadline - time.monotonic()
            if item is not None or remaining <= 0:
                break
            # Slices keep Ctrl-C prompt: KeyboardInterrupt lands between polls.
            poll(self, int(min(remaining, 0.2) * 1000) + 1)
            item = take(kind, matches)  # what the poll brought, if anything
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
    # Only publishers no other thread is using (a socket is one thread's at
    # a time), for a short slice, so that such a thread waits little.
    held = [p for p in publishers if p.lock.acquire(False)]
    try:
        poller = zmq.Poller()
        poller.register(endpoint.socket, zmq.POLLIN)
        for publisher in held:
            poller.register(publisher.socket, zmq.POLLIN)
        poller.poll(min(timeout_ms, _SHARED_SLICE_MS) if len(held) else timeout_ms)
        for publisher in held:
            publisher.receive_all()
    finally:
        for publisher in held:
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
    deadline = time.monotonic() + wait_for_s
    publishers = {p for e in endpoints for p in e.publishers} - set(endpoints)
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
        held = [p for p in publishers if p.lock.acquire(False)]
        try:
            poller = zmq.Poller()
            for endpoint in list(endpoints) + held:
                poller.register(endpoint.socket, zmq.POLLIN)
            # Slices keep Ctrl-C prompt, as in Endpoint.wait.
            poller.poll(int(min(remaining, 0.2) * 1000) + 1)
            for publisher in held:
                publisher.receive_all()
        finally:
            for publisher in held:
                publisher.lock.release()


def unpack(body, raw, what, source):
    """``(True, value)`` for a well-formed body; ``(False, None)``, warned,
    for one that is too big or not a pgnet message. ``raw`` keeps the
    bytes as they are; ``what`` and ``source`` say what it was, in the
    warning (a flood of them gives a few warnings, not one each).

    Example:

        ok, message = unpack(body, False, "a message from ada", "quiz")
    """
    size = len(body)
    if size > settings.max_message_bytes:
        warn_limited((source, "dropped"), DroppedMessageWarning,
            "Dropped %s of %s on %s: larger than the limit of %s "
            "(pgnet.settings.max_message_bytes).",
            what, wire.describe_size(size), source,
            wire.describe_size(settings.max_message_bytes),
        )
        return False, None
    if raw:
        return True, body
    try:
        return True, wire.decode(body)
    except MessageError as error:
        warn_limited((source, "dropped"), DroppedMessageWarning, "Dropped %s on %s: %s", what, source, error)
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
