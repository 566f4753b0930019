"""pgnet's ZeroMQ sockets: what travels on them, and how.

Each of this program's sockets is an *endpoint* (see ``pgnet.endpoint``),
with an inbox for what it received:

* a ``Listener`` (a bound ROUTER socket) receives messages and commands and
  sends replies;
* a ``Sender`` (a DEALER socket connected to one listener) sends messages
  and commands and receives replies, matched to requests by number, so a
  timeout never leaves the socket stuck;
* a ``Publisher`` (a bound XPUB socket) publishes news and greets each
  subscriber;
* a ``Subscriber`` (a SUB socket connected to one publisher) receives news.

What arrives becomes an ``Arrival`` in the endpoint's inbox. The frames on
the wire are described in ``docs/wire-format.md``: a message or command
travels as ``[kind, body]`` after ZeroMQ's envelope, ``kind`` being
``MESSAGE`` or ``COMMAND``. This module also offers ``pgnet.endpoint``'s
names (``Arrival``, ``Endpoint``, ``Inbox``, ``poll``, ...), so that other
modules need only this one.

Which endpoints this program has is ``pgnet.registry``'s job; this module
only makes them work. Example:

    listener = Listener(addresses.for_listening(5000), 5000)
    arrival = listener.wait(1.0)      # an Arrival, or None after 1 s

Threads: endpoints, like ZeroMQ sockets, are used by the main thread only.
"""

import itertools
import os
import socket
import struct
import time

import zmq

from . import auth, discovery, wire
from .endpoint import HWM, Arrival, Endpoint, Inbox, bind, end_context, poll, ready, send_frames, unpack
from .errors import DroppedMessageWarning, NoReplyWarning, NotSentWarning, log, warn

__all__ = [
    "DEFAULT_WAIT_S", "MESSAGE", "COMMAND", "WELCOME", "CONFIRM",
    "Listener", "Sender", "Publisher", "Subscriber",
    # from pgnet.endpoint:
    "Arrival", "Endpoint", "Inbox", "bind", "end_context", "poll", "ready",
]

#: How long pgnet waits when not told, in seconds: for a reply, for a name
#: to be found. Example: ``Sender.send(MESSAGE, body, wait_for_s=DEFAULT_WAIT_S)``.
DEFAULT_WAIT_S = 5.0

#: The frame kinds: what a message or a command carries before its body.
#: Example: ``sender.send(COMMAND, commands.encode_command("GO", []))``.
MESSAGE = b"message"
COMMAND = b"command"
#: What a publisher says to each new subscriber (a topic no user can have).
WELCOME = b"\x00pgnet-welcome"
#: The topic a subscriber asks its publisher to confirm, + a token: see
#: ``messaging.subscribe``.
CONFIRM = b"\x00pgnet-confirm-"


def _identity_label():
    names = discovery.local_names()
    return names[0] if names else "%s:%d" % (socket.gethostname(), os.getpid())


class Listener(Endpoint):
    """A bound ROUTER socket: receives messages and commands, sends replies.

    ``where`` is an ``addresses.ListenAddress``; ``source`` is the name or
    address the user gave, shown in what arrives.

    Example:

        listener = Listener(addresses.for_listening("127.0.0.1"), "127.0.0.1")
        arrival = listener.wait(5.0, lambda a: a.kind == "message")
    """

    role = "listening for messages"

    def __init__(self, where, source, retry_bind_s=0):
        super().__init__(zmq.ROUTER, where.shown, "messages and commands")
        self.source = source
        # Report a reply to an asker that has gone, instead of dropping it.
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        bind(self.socket, where, retry_bind_s)
        self.to_answer = None  # the last message wait_for_message handed out

    def accept(self, frames):
        """Make an Arrival of a message or command (or warn and drop it).

        Example (``receive_all`` does this):
        ``listener.accept([identity, b"", COMMAND, body])``"""
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
        body = auth.unseal(b"raw" if raw else kind, body, self.source)
        if body is None:
            return
        what = "a %s from %s" % (kind.decode(), sender)
        ok, data = unpack(body, raw, what, self.source)
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
        """Send ``reply`` to the asker whose envelope this is (warn if it
        has gone). Example: ``listener.reply(envelope, False, "yes")``"""
        if raw and isinstance(reply, (bytes, str)):
            body = reply.encode("utf-8") if isinstance(reply, str) else reply
        else:
            body = wire.encode(reply)
        try:
            send_frames(self.socket, envelope + [auth.seal(self, b"reply", body)])
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


class Sender(Endpoint):
    """A DEALER socket connected to one listener: sends messages, commands.

    ``address`` is the "ip:port" to connect to; ``target`` is the name or
    address the user gave.

    Example:

        sender = Sender("127.0.0.1:5000", "robot")
        sender.send(COMMAND, commands.encode_command("GO", []))
    """

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
        """Send; return the request's number, or None (warned) if it can't.

        With ``wait_for_s``, a reply is expected within that time (see
        ``expire``).

        Example: ``number = sender.send(MESSAGE, wire.encode("hi"), wait_for_s=5)``"""
        number = struct.pack("!Q", next(self._numbers))
        body = auth.seal(self, b"raw" if raw else kind, body)
        frames = [number, b"", body] if raw else [number, b"", kind, body]
        try:
            send_frames(self.socket, frames)
        except zmq.Again:
            warn(NotSentWarning,
                "%s is not taking any more messages (%d are queued). Is it "
                "still running?", self.target, HWM,
            )
            return None
        if wait_for_s is not None:
            self.waiting[number] = (time.monotonic() + wait_for_s, raw)
        return number

    def accept(self, frames):
        """Make an Arrival of a reply to one of our requests.

        Example (``receive_all`` does this): ``sender.accept([number, b"", body])``"""
        if len(frames) != 3 or frames[1] != b"":
            warn(DroppedMessageWarning, "Dropped a malformed reply from %s.", self.target)
            return
        number, _, body = frames
        body = auth.unseal(b"reply", body, self.target)
        if body is None:
            return  # (still waiting: a genuine reply may follow)
        request = self.waiting.pop(number, None)
        if request is None:
            log.debug("Dropped a late reply from %s.", self.target)
            return
        ok, data = unpack(body, request[1], "a reply from %s" % self.target, self.target)
        if ok:
            self.inbox.add(Arrival("reply", self.target, self.target, data, number))

    def expire(self, now):
        """Warn about each request whose reply is overdue at ``now``, and
        stop waiting for it. Example: ``sender.expire(time.monotonic())``"""
        for number, (deadline, _) in list(self.waiting.items()):
            if now > deadline:
                del self.waiting[number]
                warn(NoReplyWarning, "No reply from %s in time.", self.target)


class Publisher(Endpoint):
    """A bound XPUB socket that publishes news and greets each subscriber.

    Example:

        publisher = Publisher(addresses.for_listening(5001), 5001)
        publisher.publish(b"score", wire.encode(3))
    """

    role = "publishing news"

    def __init__(self, where, source, retry_bind_s=0):
        super().__init__(zmq.XPUB, where.shown, "subscriptions")
        self.source = source
        self.socket.setsockopt(zmq.XPUB_WELCOME_MSG, WELCOME)
        bind(self.socket, where, retry_bind_s)

    def accept(self, frames):
        """Answer a subscription to a confirmation topic (ZeroMQ has already
        acted on every subscription).

        Example (``receive_all`` does this): ``publisher.accept([b"\\x01" + topic])``"""
        # One to a confirmation topic is answered on that topic: it tells the
        # subscriber that its topics before it are registered too.
        message = frames[0]
        if len(frames) == 1 and message[:1] == b"\x01" and message[1:].startswith(CONFIRM):
            try:
                send_frames(self.socket, [message[1:]])
            except zmq.Again:
                pass

    def publish(self, topic, body):
        """Send ``body`` (bytes) under ``topic`` (bytes) to the subscribers.

        Example: ``publisher.publish(b"score", wire.encode(3))``"""
        self.receive_all()
        try:
            send_frames(self.socket, [topic, auth.seal(self, b"news " + topic, body)])
        except zmq.Again:
            warn(NotSentWarning, "News on %s could not be sent: too much is queued.", self.source)


class Subscriber(Endpoint):
    """A SUB socket connected to one publisher.

    Example:

        subscriber = Subscriber("127.0.0.1:5001", "weather")
        subscriber.add_topic("temperature")
    """

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
        """Receive news whose topic starts with ``topic`` (text) too.

        Example: ``subscriber.add_topic("score")``"""
        if topic not in self.topics:
            self.topics.add(topic)
            self.socket.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))

    def accept(self, frames):
        """Make an Arrival of a news item (or note a welcome or a
        confirmation).

        Example (``receive_all`` does this): ``subscriber.accept([b"score", body])``"""
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
        body = auth.unseal(b"news " + topic, body, self.source)
        if body is None:
            return
        try:
            topic = topic.decode("utf-8")
        except UnicodeDecodeError:
            warn(DroppedMessageWarning, "Dropped news from %s: its topic is not text.", self.source)
            return
        ok, news = unpack(body, self.raw, "news", self.source)
        if ok:
            self.inbox.add(Arrival("news", self.source, self.source, news, topic))
