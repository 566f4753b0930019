"""Sending and receiving over ZeroMQ: messages, commands and news.

Three ways for programs to talk, each a pair of functions:

* **messages** (a question and its answer): ``send_message`` waits for
  the reply that the other program gives with ``send_reply`` after
  ``wait_for_message``;
* **commands** (do this, no answer needed): ``send_command`` and
  ``wait_for_command``, a command word with parameters, like
  ``"LEFT", 0.5``;
* **news** (tell everyone who is interested): ``publish_news`` and
  ``wait_for_news``, each item with a topic, such as ``"score"``.

Wherever an address is asked for, a service name works too: sending to
``"robot"`` finds the program advertising "robot" first, and waiting for
messages on ``"robot"`` advertises that name.

Every wait takes a time limit in seconds; 0 means "just check". If nothing
arrives in time, the ``wait_for_...`` calls quietly return ``None`` (or
``(None, None)``): waiting and finding nothing is normal. A message that
gets no reply in time is a soft failure: pgnet warns and returns ``None``.

Example, the listener:

    import pgnet
    while True:
        name = pgnet.wait_for_message("greeter", wait_for_s=60)
        if name is not None:
            pgnet.send_reply("greeter", "Hello, " + name)

and the sender, on the same computer or another:

    import pgnet
    print(pgnet.send_message("greeter", "Ada"))    # Hello, Ada

Under the covers (see ``docs/wire-format.md`` for other languages): a
listener is a ZeroMQ ROUTER socket, a sender a DEALER (so a timeout never
leaves a socket stuck, and replies are matched to requests by number), news
goes out on an XPUB socket to SUB sockets.
"""

import atexit
import itertools
import os
import socket
import struct
import threading
import time
from collections import deque, namedtuple

import zmq

from . import addresses, discovery, wire
from .commands import encode_command, split_command  # (split_command: a public call here too)
from .errors import AddressError, DroppedMessageWarning, MessageError, NoReplyWarning, NotFoundWarning, NotSentWarning, PgnetError, SocketRoleError, log, warn
from .retry import Retry
from .settings import settings

#: How long the blocking calls wait when not told, in seconds.
DEFAULT_WAIT_S = 5.0

MESSAGE = b"message"
COMMAND = b"command"
WELCOME = b"\x00pgnet-welcome"
CONFIRM = b"\x00pgnet-confirm-"  # + a token: see subscribe()

_HWM = 100_000
_LINGER_MS = 500
_INBOX_LIMIT = 100_000

# pyzmq's flags as plain ints: combining its enum flags costs microseconds,
# and every message is sent and received in several parts.
_NOBLOCK = int(zmq.NOBLOCK)
_MORE = _NOBLOCK | int(zmq.SNDMORE)
_POLLIN = int(zmq.POLLIN)
_RCVTIMEO = int(zmq.RCVTIMEO)

#: Something that arrived. ``kind`` is ``"message"``, ``"command"``,
#: ``"reply"`` or ``"news"``; ``source`` is the name or address it came in
#: on (as you wrote it); ``sender`` says who sent it; ``data`` is the message,
#: the reply, the news or the ``(command, params)`` pair; ``extra`` is the
#: news topic, or what is needed to answer a message.
Arrival = namedtuple("Arrival", "kind source sender data extra")

# When True (in a game), sends return at once and replies, news and incoming
# messages wait in the inboxes until pump() collects them.
_events_mode = False


def _context():
    return zmq.Context.instance()


def _send(sock, frames):
    """``sock.send_multipart(frames, zmq.NOBLOCK)``, in a third of the time."""
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
        first = sock.recv(_NOBLOCK, copy=False)
        frames.append(first.bytes)
    return frames


def _identity_label():
    names = discovery.local_names()
    return names[0] if names else "%s:%d" % (socket.gethostname(), os.getpid())


class _Inbox(deque):
    """Arrivals waiting to be collected, with a warning if they pile up."""

    def __init__(self, what):
        super().__init__()
        self.what, self.warned = what, False

    def add(self, item):
        if len(self) >= _INBOX_LIMIT:
            if not self.warned:
                self.warned = True
                warn(DroppedMessageWarning,
                    "%d %s are waiting to be read; newer ones are being dropped. "
                    "Read them (or stop sending so many).", len(self), self.what
                )
            return
        self.append(item)

    def take(self, matches=None):
        """The first item (that ``matches``), removed; or None."""
        for index, item in enumerate(self):
            if matches is None or matches(item):
                del self[index]
                return item
        return None


class _Endpoint:
    """One ZeroMQ socket of this program, and the inbox of what it received."""

    role = None
    port = None
    timeout_ms = -1  # the socket's receive time limit (ZeroMQ's default)
    #: If set, pump() hands this endpoint's arrivals to it instead of
    #: returning them: for pgnet's own protocols (two-player games) whose
    #: traffic must not reach the game's hooks.
    handler = None

    def __init__(self, kind, address, what):
        self.address = address
        self.inbox = _Inbox(what)
        self.socket = _context().socket(kind)
        self.socket.setsockopt(zmq.LINGER, _LINGER_MS)
        self.socket.setsockopt(zmq.SNDHWM, _HWM)
        self.socket.setsockopt(zmq.RCVHWM, _HWM)

    def close(self, linger_ms=_LINGER_MS):
        self.socket.close(linger_ms)

    def receive_all(self, limit=None):
        """Move what has arrived into the inbox, without waiting."""
        sock = self.socket
        count = 0
        # Asking first is cheaper than the exception a receive that finds
        # nothing raises, and most calls find nothing; but once something has
        # come, receiving until that exception beats asking before each one.
        if zmq.zmq_poll([(sock, _POLLIN)], 0):  # (quicker than getsockopt(EVENTS))
            while limit is None or count < limit:
                try:
                    first = sock.recv(_NOBLOCK, copy=False)
                except zmq.Again:
                    break
                count += 1
                self.accept(_frames(sock, first))
        return count

    def wait(self, wait_for_s, matches=None):
        """The first inbox item (that ``matches``), waiting up to the limit."""
        deadline = time.monotonic() + wait_for_s
        # The inbox first: what is in it is older than anything on the socket.
        item = self.inbox.take(matches)
        while item is None:
            self.receive_all()
            item = self.inbox.take(matches)
            remaining = deadline - time.monotonic()
            if item is not None or remaining <= 0:
                break
            # Slices keep Ctrl-C prompt: KeyboardInterrupt lands between polls.
            _poll(self, int(min(remaining, 0.2) * 1000) + 1)
            item = self.inbox.take(matches)  # what the poll brought, if anything
        return item


def _poll(endpoint, timeout_ms):
    """Wait up to ``timeout_ms`` for input on ``endpoint``, keeping this
    program's publishers working meanwhile.

    ZeroMQ greets a new subscriber (and registers its topics) only while the
    publishing socket is in use, so without this a program waiting for a
    message would leave the subscribers to its news waiting too.
    """
    publishers = [
        e for e in set(_endpoints.values()) if isinstance(e, _Publisher) and e is not endpoint
    ]
    if not publishers:
        # Receiving with a time limit is what raw ZeroMQ programs do, and
        # costs less than polling and then receiving.
        frames = _receive_within(endpoint, timeout_ms)
        if frames is not None:
            endpoint.accept(frames)
        return
    poller = zmq.Poller()
    poller.register(endpoint.socket, zmq.POLLIN)
    for publisher in publishers:
        poller.register(publisher.socket, zmq.POLLIN)
    poller.poll(timeout_ms)
    for publisher in publishers:
        publisher.receive_all()


def _too_big(size, what, source):
    if size > settings.max_message_bytes:
        warn(DroppedMessageWarning,
            "Dropped %s of %s on %s: larger than the limit of %s "
            "(pgnet.settings.max_message_bytes).",
            what, wire.describe_size(size), source,
            wire.describe_size(settings.max_message_bytes),
        )
        return True
    return False


def _unpack(body, raw, what, source):
    """``(True, value)`` for a well-formed body; ``(False, None)``, warned,
    for one that is too big or not a pgnet message."""
    if _too_big(len(body), what, source):
        return False, None
    if raw:
        return True, body
    try:
        return True, wire.decode(body)
    except MessageError as error:
        warn(DroppedMessageWarning, "Dropped %s on %s: %s", what, source, error)
        return False, None


class _Listener(_Endpoint):
    """A bound ROUTER socket: receives messages and commands, sends replies."""

    role = "listening for messages"

    def __init__(self, where, source):
        super().__init__(zmq.ROUTER, where.shown, "messages and commands")
        self.source = source
        # Report a reply to an asker that has gone, instead of dropping it.
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        _bind(self.socket, where, self.role)
        self.to_answer = None  # the last message wait_for_message handed out

    def accept(self, frames):
        try:
            delimiter = frames.index(b"", 1)
        except ValueError:
            warn(DroppedMessageWarning, "Dropped a malformed message on %s (no envelope).", self.source)
            return
        envelope, rest = frames[: delimiter + 1], frames[delimiter + 1 :]
        sender = _sender_name(frames[0])
        if len(rest) == 1:  # a plain ZeroMQ REQ peer: raw bytes
            kind, body, raw = MESSAGE, rest[0], True
        elif len(rest) == 2 and rest[0] in (MESSAGE, COMMAND):
            (kind, body), raw = rest, False
        else:
            warn(DroppedMessageWarning, "Dropped a malformed message on %s (%d parts).", self.source, len(rest))
            return
        what = "a %s from %s" % (kind.decode(), sender)
        ok, data = _unpack(body, raw, what, self.source)
        if not ok:
            return
        if kind == MESSAGE:
            self.inbox.add(Arrival("message", self.source, sender, data, (self, envelope, raw)))
            return
        command = _as_command(data)
        if command is None:
            warn(DroppedMessageWarning, "Dropped a malformed command from %s on %s.", sender, self.source)
            return
        self.inbox.add(Arrival("command", self.source, sender, command, None))

    def reply(self, envelope, raw, reply):
        if raw and isinstance(reply, (bytes, str)):
            body = reply.encode("utf-8") if isinstance(reply, str) else reply
        else:
            body = wire.encode(reply)
        try:
            _send(self.socket, envelope + [body])
        except zmq.ZMQError:
            warn(NotSentWarning, "Could not send the reply on %s: the asker has gone.", self.source)


def _sender_name(identity):
    label = identity.split(b"\x00", 1)[0]
    try:
        return label.decode("utf-8") or "a non-pgnet program"
    except UnicodeDecodeError:
        return "a non-pgnet program"


def _as_command(data):
    if (
        isinstance(data, list) and len(data) == 2
        and isinstance(data[0], str) and data[0] and isinstance(data[1], list)
    ):
        return data[0], data[1]
    return None


class _Sender(_Endpoint):
    """A DEALER socket connected to one listener: sends messages, commands."""

    role = "sending"
    _numbers = itertools.count(1)

    def __init__(self, address, target):
        super().__init__(zmq.DEALER, address, "replies")
        self.target = target  # the name or address the user gave
        label = _identity_label().encode("utf-8")[:200].decode("utf-8", "ignore").encode("utf-8")
        self.socket.setsockopt(zmq.ROUTING_ID, label + b"\x00" + os.urandom(8))
        self.socket.connect("tcp://" + address)
        self.waiting = {}  # request number -> (deadline, raw)

    def send(self, kind, body, raw=False, wait_for_s=None):
        """Send; return the request's number, or None (warned) if it can't."""
        number = struct.pack("!Q", next(self._numbers))
        frames = [number, b"", body] if raw else [number, b"", kind, body]
        try:
            _send(self.socket, frames)
        except zmq.Again:
            warn(NotSentWarning,
                "%s is not taking any more messages (%d are queued). Is it "
                "still running?", self.target, _HWM,
            )
            return None
        if wait_for_s is not None:
            self.waiting[number] = (time.monotonic() + wait_for_s, raw)
        return number

    def accept(self, frames):
        if len(frames) != 3 or frames[1] != b"":
            warn(DroppedMessageWarning, "Dropped a malformed reply from %s.", self.target)
            return
        number, _, body = frames
        request = self.waiting.pop(number, None)
        if request is None:
            log.debug("Dropped a late reply from %s.", self.target)
            return
        ok, data = _unpack(body, request[1], "a reply from %s" % self.target, self.target)
        if ok:
            self.inbox.add(Arrival("reply", self.target, self.target, data, number))

    def expire(self, now):
        for number, (deadline, _) in list(self.waiting.items()):
            if now > deadline:
                del self.waiting[number]
                warn(NoReplyWarning, "No reply from %s in time.", self.target)


class _Publisher(_Endpoint):
    """A bound XPUB socket that publishes news and greets each subscriber."""

    role = "publishing news"

    def __init__(self, where, source):
        super().__init__(zmq.XPUB, where.shown, "subscriptions")
        self.source = source
        self.socket.setsockopt(zmq.XPUB_WELCOME_MSG, WELCOME)
        _bind(self.socket, where, self.role)

    def accept(self, frames):
        # A subscription: ZeroMQ has already acted on it. One to a
        # confirmation topic is answered on that topic: it tells the
        # subscriber that its topics before it are registered too.
        message = frames[0]
        if len(frames) == 1 and message[:1] == b"\x01" and message[1:].startswith(CONFIRM):
            try:
                self.socket.send(message[1:], _NOBLOCK)
            except zmq.Again:
                pass

    def publish(self, topic, body):
        self.receive_all()
        try:
            _send(self.socket, [topic, body])
        except zmq.Again:
            warn(NotSentWarning, "News on %s could not be sent: too much is queued.", self.source)


class _Subscriber(_Endpoint):
    """A SUB socket connected to one publisher."""

    role = "receiving news"

    def __init__(self, address, source):
        super().__init__(zmq.SUB, address, "news items")
        self.source = source
        self.topics = set()
        self.raw = False
        self.welcomed = False
        self.confirming = None  # the confirmation subscribe() waits for
        self.socket.setsockopt(zmq.SUBSCRIBE, WELCOME)
        self.socket.connect("tcp://" + address)

    def add_topic(self, topic):
        if topic not in self.topics:
            self.topics.add(topic)
            self.socket.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))

    def accept(self, frames):
        if frames == [WELCOME]:
            self.welcomed = True
            return
        if len(frames) == 1 and frames[0].startswith(CONFIRM):
            if frames[0] == self.confirming:  # (or another subscriber's)
                self.confirming = None
            return
        if len(frames) != 2:
            warn(DroppedMessageWarning, "Dropped malformed news from %s.", self.source)
            return
        topic, body = frames
        try:
            topic = topic.decode("utf-8")
        except UnicodeDecodeError:
            warn(DroppedMessageWarning, "Dropped news from %s: its topic is not text.", self.source)
            return
        ok, news = _unpack(body, self.raw, "news", self.source)
        if ok:
            self.inbox.add(Arrival("news", self.source, self.source, news, topic))


def _bind(sock, where, role):
    endpoint = "tcp://%s:%d" % (where.host, where.port)
    try:
        _bind_retrying(sock, endpoint)
    except zmq.ZMQError as error:
        sock.close(0)
        for other in _endpoints.values():
            if other.port == where.port:
                raise SocketRoleError(
                    "This program already uses port %d for %s, so it cannot "
                    "use it for %s too. Give each its own name or port."
                    % (where.port, other.role, role)
                ) from None
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


def _bind_retrying(sock, endpoint):
    """Bind, allowing a moment for a socket this program has just closed on
    the same port: ZeroMQ finishes closing in the background."""
    retry = Retry(0.01, 0.5 if _recently_closed else 0)
    while True:
        try:
            return sock.bind(endpoint)
        except zmq.ZMQError as error:
            if error.errno != zmq.EADDRINUSE or retry.expired(time.monotonic()):
                raise
            time.sleep(retry.interval_s)


# -- the endpoints this program has ------------------------------------------
# Keyed by (role, address as the user wrote it) for bound sockets, and by
# (role, "ip:port") for connected ones, so a socket is never taken for one
# with another job (networkzero's PUB-used-as-listener bug).

_endpoints = {}
_postponed = []  # sends to names not found yet (events mode): _Postponed
_tickers = []  # called by every pump(): see every_pump()
_first = 0  # where pump() starts its round of the sockets
_recently_closed = False  # close_all() ran: a bind may need a moment
_checked_addresses = set()  # "ip:port" addresses sent to: each is its own answer


def _bound(cls, address):
    """The listener or publisher for ``address`` (a name, or where to bind)."""
    endpoint = _endpoints.get((cls.role, address))
    if endpoint is not None:
        return endpoint
    # A name, or the address advertise() returned for one: listen where
    # that name is advertised (on every network, not just the one shown).
    name = address if isinstance(address, str) and not addresses.is_address(address) \
        else discovery.advertised_at(address)
    if name is not None:
        where = discovery.listen_address(name)
    else:
        where = addresses.for_listening(address)
    # The same socket may be asked for by name and by address.
    for other in _endpoints.values():
        if isinstance(other, cls) and other.port == where.port:
            endpoint = other
            break
    else:
        endpoint = cls(where, address)
        endpoint.port = where.port
    _endpoints[(cls.role, address)] = endpoint
    return endpoint


def _resolve(target, wait_for_s):
    """The "ip:port" to send to for ``target``, or None (warned) if unknown."""
    if type(target) is str:
        if target in _checked_addresses:
            return target
        address = discovery.known_address(target)  # a name already found
        if address is not None:
            return address
    if isinstance(target, str) and not addresses.is_address(target):
        if _events_mode and wait_for_s == 0:
            discovery.check_name(target)
            return discovery.beacon().lookup(target)
        return discovery.discover(target, wait_for_s)
    address = addresses.for_connecting(target)
    if address == target and len(_checked_addresses) < 1000:
        _checked_addresses.add(address)  # "ip:port" already: no need to check it again
    return address


def _connected(cls, target, wait_for_s):
    address = _resolve(target, wait_for_s)
    if address is None:
        return None
    key = (cls.role, address)
    endpoint = _endpoints.get(key)
    if endpoint is None:
        endpoint = _endpoints[key] = cls(address, target)
    return endpoint


def _forget(endpoint, linger_ms=0):
    for key, value in list(_endpoints.items()):
        if value is endpoint:
            del _endpoints[key]
    endpoint.close(linger_ms)


def _wait_limit(wait_for_s):
    if wait_for_s is None:
        return DEFAULT_WAIT_S
    if wait_for_s < 0:
        raise ValueError("wait_for_s cannot be negative; use 0 to just check.")
    return wait_for_s


class _Postponed:
    """A send to a name not found yet, tried again by each pump()."""

    def __init__(self, cls, target, action, patient):
        self.cls, self.target, self.action = cls, target, action
        self.retry = Retry(0, DEFAULT_WAIT_S)  # each frame, for a few seconds
        self.patient = patient  # keep trying after the deadline (subscriptions)

    def attempt(self, now):
        """True once done (sent, or given up with a warning)."""
        if not self.retry.due(now):
            return False
        endpoint = _connected(self.cls, self.target, 0)
        if endpoint is not None:
            self.action(endpoint)
            return True
        if self.retry.expired(now):
            if self.patient:
                warn(NotFoundWarning,
                    "No program called %r found yet; pgnet will subscribe to "
                    "its news as soon as it appears.", self.target,
                )
                self.retry.keep_trying()
                return False
            warn(NotFoundWarning,
                "Gave up sending to %r: no program of that name found in %g s. "
                "Is it running, with the name spelt the same?",
                self.target, DEFAULT_WAIT_S,
            )
            return True
        return False


def _later(cls, target, action, patient=False):
    """Do ``action(endpoint)`` now if ``target`` is known, else when found.

    Only in events mode, where a frame must never wait for discovery."""
    endpoint = _connected(cls, target, 0)
    if endpoint is not None:
        action(endpoint)
    else:
        discovery.beacon().send_query(target)
        _postponed.append(_Postponed(cls, target, action, patient))


# -- messages ------------------------------------------------------------------

def send_message(address, message, wait_for_reply_s=None, raw=False):
    """Send ``message`` to ``address`` (or a name) and return the reply.

    Waits up to ``wait_for_reply_s`` seconds (default 5) for the reply;
    warns and returns ``None`` if none comes. ``raw=True`` sends ``message``
    (bytes) exactly as it is and returns the reply undecoded, for programs
    not written with pgnet.

    In a game, where a frame must never wait, leave ``wait_for_reply_s``
    out: the call returns ``None`` at once and the reply arrives later, at
    your ``on_network_reply(reply, sender)`` hook.

    Example:

        answer = pgnet.send_message("quiz", "What is 6 x 7?")
    """
    body = _raw_body(message) if raw else wire.encode(message)
    if _events_mode and wait_for_reply_s is None:
        _later(_Sender, address, lambda s: s.send(MESSAGE, body, raw, DEFAULT_WAIT_S))
        return None
    wait = _wait_limit(wait_for_reply_s)
    sender = _connected(_Sender, address, wait)
    if sender is None:
        return None
    number = sender.send(MESSAGE, body, raw, wait)
    if number is None:
        return None
    arrival = sender.wait(wait, lambda a: a.extra == number)
    if arrival is None:
        sender.waiting.pop(number, None)
        warn(NoReplyWarning,
            "No reply from %s within %g s. Is it running and answering "
            "messages? (It must call send_reply, or return a value from "
            "on_network_message.)", address, wait,
        )
        # Start afresh next time: the old socket may hold an unanswered request.
        _forget(sender)
        return None
    return arrival.data


def _raw_body(message):
    if isinstance(message, str):
        message = message.encode("utf-8")
    if not isinstance(message, bytes):
        raise MessageError(
            "With raw=True, pgnet sends bytes (or text) exactly as they are; "
            "got %s. Leave out raw=True to send any Python value."
            % type(message).__name__
        )
    wire.check_size(len(message))
    return message


def _is_message(arrival):
    return arrival.kind == "message"


def _is_command(arrival):
    return arrival.kind == "command"


def listen(address):
    """Start receiving messages and commands on ``address`` (or a name,
    which is advertised). Returns the address, at once.

    You don't need this before ``wait_for_message``; in a game it is
    how you start listening, and what arrives goes to your hooks.

    Example:

        pgnet.listen("pong")
    """
    return _bound(_Listener, address).address


def wait_for_message(address, wait_for_s=None):
    """Wait for a message on ``address`` (or a name) and return it.

    Returns ``None`` if nothing arrives within ``wait_for_s`` seconds (default
    5; 0 just checks). Answer it with ``send_reply``.

    Example:

        question = pgnet.wait_for_message("quiz", wait_for_s=30)
    """
    wait = _wait_limit(wait_for_s)
    listener = _bound(_Listener, address)
    arrival = listener.wait(wait, _is_message)
    if arrival is None:
        return None
    listener.to_answer = arrival
    return arrival.data


def send_reply(address, reply):
    """Answer the last message ``wait_for_message`` gave you on ``address``.

    Example:

        question = pgnet.wait_for_message("quiz")
        pgnet.send_reply("quiz", 42)
    """
    listener = _bound(_Listener, address)
    if listener.to_answer is None:
        raise PgnetError(
            "send_reply(%r): there is no message to reply to. Call "
            "wait_for_message first, and reply once to each message." % (address,)
        )
    answer(listener.to_answer, reply)
    listener.to_answer = None


def answer(arrival, reply):
    """Send ``reply`` back to whoever sent the message ``arrival``.

    Used by the game hooks: what ``on_network_message`` returns is sent
    back this way.
    """
    listener, envelope, raw = arrival.extra
    listener.reply(envelope, raw, reply)


# -- commands ------------------------------------------------------------------

def send_command(address, command, *params):
    """Send a command and its parameters; don't wait for an answer.

    ``send_command("robot", "LEFT", 0.5)`` and ``send_command("robot",
    "LEFT 0.5")`` do the same thing. Returns at once (outside a game, it
    may first wait up to 5 s to find a name it does not know yet).

    Example:

        pgnet.send_command("robot", "FORWARD", 0.8)
    """
    body = encode_command(*split_command(command, params))
    if _events_mode:
        _later(_Sender, address, lambda s: s.send(COMMAND, body))
        return
    sender = _connected(_Sender, address, DEFAULT_WAIT_S)
    if sender is not None:
        sender.send(COMMAND, body)


def wait_for_command(address, wait_for_s=None):
    """Wait for a command on ``address`` (or a name).

    Returns ``(command, params)``, such as ``("LEFT", [0.5])``, or
    ``(None, None)`` if none arrives within ``wait_for_s`` seconds (default
    5; 0 just checks).

    Example:

        command, params = pgnet.wait_for_command("robot", wait_for_s=60)
        if command == "FORWARD":
            speed = params[0]
    """
    wait = _wait_limit(wait_for_s)
    arrival = _bound(_Listener, address).wait(wait, _is_command)
    return arrival.data if arrival else (None, None)


# -- news ----------------------------------------------------------------------

def _topic(topic):
    if not isinstance(topic, str):
        raise MessageError("A news topic is text, like 'score', not %s." % type(topic).__name__)
    return topic


def publish_news(address, topic, news, raw=False):
    """Publish ``news`` under ``topic`` to everyone subscribed on ``address``.

    ``address`` is where this program publishes: a name (advertised for
    you) or an address. Returns at once. ``raw=True`` sends bytes exactly as
    they are, for subscribers not written with pgnet.

    Example:

        pgnet.publish_news("weather", "temperature", 21.5)
    """
    topic = _topic(topic).encode("utf-8")
    body = _raw_body(news) if raw else wire.encode(news)
    _bound(_Publisher, address).publish(topic, body)


def subscribe(address, topic="", wait_for_s=None, raw=False):
    """Start receiving news from ``address`` (or a name) whose topic starts
    with ``topic`` ("" means all of it).

    Waits up to ``wait_for_s`` seconds (default 5) until the publisher has
    really registered the subscription, so no news published after this
    returns True is lost. Returns False, with a warning, if the publisher
    did not answer in time (news will still arrive once it does).
    ``raw=True`` keeps news as the bytes that arrived, undecoded.

    In a game it returns at once and news arrives at your
    ``on_network_news(topic, news, sender)`` hook.

    Example:

        pgnet.subscribe("weather", "temperature")
        topic, reading = pgnet.wait_for_news("weather", "temperature")
    """
    topic = _topic(topic)

    def start(subscriber):
        subscriber.raw = raw
        subscriber.add_topic(topic)
        return subscriber

    if _events_mode and wait_for_s is None:
        _later(_Subscriber, address, start, patient=True)
        return False
    wait = _wait_limit(wait_for_s)
    subscriber = _connected(_Subscriber, address, wait)
    if subscriber is None:
        return False
    start(subscriber)
    deadline = time.monotonic() + wait
    token = None
    try:
        while token is None or subscriber.confirming == token:
            if token is None and subscriber.welcomed:
                # Connected. The welcome alone does not mean the publisher has
                # our topics yet: ask it to confirm on a topic of our own, sent
                # after them down the same connection.
                token = subscriber.confirming = CONFIRM + os.urandom(8).hex().encode()
                subscriber.socket.setsockopt(zmq.SUBSCRIBE, token)
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if wait > 0:
                    warn(NoReplyWarning, "%s has not answered yet; its news will arrive once it does.", address)
                return False
            _poll(subscriber, int(min(remaining, 0.2) * 1000) + 1)
            subscriber.receive_all()
        return True
    finally:
        if token is not None:
            subscriber.socket.setsockopt(zmq.UNSUBSCRIBE, token)


def wait_for_news(address, topic="", wait_for_s=None, raw=False):
    """Wait for news from ``address`` (or a name) whose topic starts with
    ``topic``. Returns ``(topic, news)``, or ``(None, None)`` if nothing
    arrives within ``wait_for_s`` seconds (default 5; 0 just checks).

    The first call subscribes. ``raw=True`` returns the news as the bytes
    that arrived, undecoded.

    Example:

        while True:
            topic, reading = pgnet.wait_for_news("weather", wait_for_s=60)
            print(topic, reading)
    """
    wait = _wait_limit(wait_for_s)
    topic = _topic(topic)
    subscriber = _connected(_Subscriber, address, wait)
    if subscriber is None:
        return None, None
    subscriber.raw = raw
    subscriber.add_topic(topic)
    arrival = subscriber.wait(wait, lambda a: a.extra.startswith(topic))
    return (arrival.extra, arrival.data) if arrival else (None, None)


# -- for games: collect everything without waiting -----------------------------

def use_events(enabled=True):
    """Switch to game mode: sends return at once, and what arrives is
    collected by ``pump`` instead of the ``wait_for_...`` calls.

    ``import pgnet`` in a Pygame Zero game, or calling ``pgnet.pump()``,
    does this for you.
    """
    global _events_mode
    _events_mode = enabled


def pump(limit=1000, tick=True):
    """Collect what has arrived on every socket, without waiting.

    Returns a list of at most ``limit`` ``Arrival`` items, oldest
    first for each socket; the rest wait for the next call. With ``tick``
    (once a frame) it also does the frame's chores: runs the
    ``every_pump`` tickers, retries sends to names that were not found
    yet, and warns about requests that got no reply in time; a caller
    collecting a flood in several batches ticks only on the first.
    """
    now = time.monotonic()
    if tick:
        for ticker in list(_tickers):
            ticker(now)
        if _postponed:
            _postponed[:] = [p for p in _postponed if not p.attempt(now)]
        for endpoint in set(_endpoints.values()):
            if isinstance(endpoint, _Sender) and endpoint.waiting:
                endpoint.expire(now)
    global _first
    arrivals = []
    endpoints = list(set(_endpoints.values()))
    # Start at a different socket each time, so a flood on one socket
    # cannot hold back what arrives on the others.
    _first = (_first + 1) % max(1, len(endpoints))
    endpoints = endpoints[_first:] + endpoints[:_first]
    # One look at every socket costs less than a look at each.
    ready = {sock for sock, _ in zmq.zmq_poll([(e.socket, _POLLIN) for e in endpoints], 0)}
    for endpoint in endpoints:
        room = limit - len(arrivals)
        if room <= 0:
            break
        if len(endpoint.inbox) < room and endpoint.socket in ready:
            endpoint.receive_all(room - len(endpoint.inbox))
        inbox = endpoint.inbox
        if endpoint.handler is not None:
            while inbox:
                endpoint.handler(inbox.popleft())
            continue
        while inbox and len(arrivals) < limit:
            arrivals.append(inbox.popleft())
    return arrivals


def every_pump(ticker):
    """Call ``ticker(now)`` at the start of every ``pump`` (once a
    frame in a game), with ``now`` from ``time.monotonic()``; for pgnet's
    own protocols that send heartbeats or resend lost data. Returns a
    function that stops it."""
    _tickers.append(ticker)
    return lambda: ticker in _tickers and _tickers.remove(ticker)


def close_all():
    """Close every socket pgnet opened (done for you at exit).

    Example:

        pgnet.close_all()
    """
    global _recently_closed
    for endpoint in set(_endpoints.values()):
        endpoint.close()
        _recently_closed = True
    _endpoints.clear()
    del _postponed[:]


def finish():
    """Close everything, then give queued messages (a last command sent
    just before the program ends) up to the sockets' linger time to leave.
    Done for you at exit: pyzmq no longer ends its context then, so without
    this they could be lost. In a thread, so a socket left open elsewhere
    cannot hang the exit."""
    close_all()
    finisher = threading.Thread(target=_context().term, daemon=True)
    finisher.start()
    finisher.join(_LINGER_MS / 1000 + 0.5)


atexit.register(finish)
