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
the wire are described in ``docs/wire-format.md``; how a request and its
reply are framed (the lean envelope, one frame, and the four-frame one of
older programs) is ``pgnet.envelope``'s job. This module also offers the
names of ``pgnet.endpoint`` (``Endpoint``, ``poll``, ...), of
``pgnet.inbox`` (``Arrival``, ``Inbox``) and ``pgnet.envelope``'s kinds
(``MESSAGE``, ``COMMAND``, ``ERROR``), so that other modules need only
this one.

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
from collections import deque

import zmq

from . import auth, discovery, envelope, freshness, replay, wire
from .connection import CONNECT_GRACE_S, ConnectionWatch  # noqa: F401 (CONNECT_GRACE_S: for messaging)
from .endpoint import HWM, LINGER_MS, Endpoint, bind, end_context, poll, ready, send_frames, unpack, wait_any
from .errors import (
    DroppedMessageWarning, MessageError, NoReplyWarning, NotSentWarning, RemoteErrorWarning,
    log, warn, warn_limited,
)
from .envelope import COMMAND, ERROR, MESSAGE
from .inbox import Arrival, Inbox
from .retry import DEFAULT_WAIT_S  # (kept there: the pgnet command needs it without ZeroMQ)

__all__ = [
    "DEFAULT_WAIT_S", "FOREVER", "MESSAGE", "COMMAND", "ERROR", "WELCOME", "CONFIRM",
    "MAX_TOPIC_BYTES",
    "Listener", "Sender", "Publisher", "Subscriber",
    # from pgnet.endpoint and pgnet.inbox:
    "Arrival", "Endpoint", "Inbox", "bind", "end_context", "poll", "ready", "wait_any",
]

#: Wait with no time limit: give it wherever pgnet asks how long to wait.
#: (It is infinity, ``float("inf")``, so ``math.inf`` works too.)
#:
#: Example: ``pgnet.wait_for_message("robot", wait_for_s=pgnet.FOREVER)``.
FOREVER = float("inf")

#: The longest news topic, in bytes (UTF-8): a publisher disconnects a
#: subscriber that sends a longer subscription.
MAX_TOPIC_BYTES = 255
#: What a publisher says to each new subscriber (a topic no user can have).
WELCOME = b"\x00pgnet-welcome"
#: The topic a subscriber asks its publisher to confirm, + a token: see
#: ``messaging.subscribe``.
CONFIRM = b"\x00pgnet-confirm-"
#: The most commands held for one connection still being made: older ones go first.
MAX_HELD_COMMANDS = 1000


def _identity_label():
    names = discovery.local_names()
    return names[0] if names else "%s:%d" % (socket.gethostname(), os.getpid())


class Listener(Endpoint):
    """A bound ROUTER socket: receives messages and commands, sends replies.

    ``where`` is an ``addresses.ListenAddress``; ``source`` is the name or
    address the user gave, shown in what arrives.

    Example:

        listener = Listener(addresses.for_listening("127.0.0.1"), "127.0.0.1")
        arrival = listener.wait(5.0, "message")
    """

    role = "listening for messages"
    routed = True

    def __init__(self, where, source, retry_bind_s=0):
        super().__init__(zmq.ROUTER, where.shown, "messages and commands")
        self.source = source
        # Report a reply to an asker that has gone, instead of dropping it.
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        bind(self.socket, where, retry_bind_s)
        self.to_answer = None  # the last message wait_for_message handed out
        self.ages = freshness.CommandAges()  # (commands are for now)

    def arrive(self, frames):
        """A message or command as an Arrival, with its size (or None:
        warned and dropped). The request number (8 bytes, whatever the
        sender put there) is ``number``.

        Example (``receive_all`` does this):
        ``arrival, size = listener.arrive([identity, b"\\x02C" + number + body])``"""
        request = envelope.read_request(frames)
        if type(request) is str:
            self._drop("Dropped a malformed message on %s (%s).", self.source, request)
            return None
        kind, raw, number, body, route = request
        body = auth.unseal(b"raw" if raw else kind, body, self.source)
        if body is None:
            return None
        sender = _sender_name(frames[0])
        ok, data = unpack(body, raw, _WHAT[kind], self.source, sender)
        if not ok:
            if kind == MESSAGE:
                self.reply_error(route, raw, "%s could not read the message (too big, or not a "
                                 "pgnet message: it warned why)." % self.source)
            return None
        if kind == MESSAGE:
            return Arrival("message", self.source, sender, data, (self, route, raw)), len(body)
        command = _as_command(data)
        if command is None:
            self._drop("Dropped a malformed command from %s on %s.", sender, self.source)
            return None
        expires = self.ages.expiry(frames[0], number, time.monotonic()) if number else None
        return Arrival("command", self.source, sender, command, expires), len(body)

    def _drop(self, text, *args):
        warn_limited((self, "malformed"), DroppedMessageWarning, text, *args)

    def reply(self, route, raw, reply):
        """Send ``reply`` to the asker this ``route`` leads back to (see
        ``pgnet.envelope.read_request``; warn if it has gone); raise
        ``MessageError`` if ``reply`` cannot be sent.

        Example: ``listener.reply(route, False, "yes")``"""
        if raw and isinstance(reply, (bytes, str)):
            body = reply.encode("utf-8") if isinstance(reply, str) else reply
        else:
            body = wire.encode(reply)
        self._send_reply(route, body, False)

    def reply_error(self, route, raw, text):
        """Tell the asker this ``route`` leads back to that its message gets
        no answer, and why (``text``): it warns with that text at once
        instead of waiting for its time limit. (A plain ZeroMQ asker of raw
        bytes is told nothing: it would take the text for the answer.)

        Example: ``listener.reply_error(route, False, "quiz's hook raised ValueError")``"""
        if not raw or envelope.is_lean(route):
            self._send_reply(route, wire.encode(text[:2000]), True)

    def _send_reply(self, route, body, error):
        frames = envelope.reply_frames(route, auth.seal(self, b"reply", body), error)
        try:
            send_frames(self.socket, frames)
        except zmq.ZMQError:
            warn_limited((self, "gone"), NotSentWarning,
                         "Could not send the reply on %s: the asker has gone.", self.source)


_WHAT = {MESSAGE: "a message from %s", COMMAND: "a command from %s"}
_names = {}  # routing id -> who it is, for the senders heard lately


def _sender_name(identity):
    name = _names.get(identity)
    if name is None:
        label = identity.split(b"\x00", 1)[0]
        try:
            name = label.decode("utf-8") or "a non-pgnet program"
        except UnicodeDecodeError:
            name = "a non-pgnet program"
        if len(_names) >= 1000:
            _names.clear()
        _names[identity] = name
    return name


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
        self.waiting = {}  # request number -> (deadline, raw)
        #: True once the listener has answered in the lean envelope: then
        #: requests go in it too (see ``pgnet.envelope``).
        self.lean = False
        #: Commands waiting for a new connection (see ``send_command``).
        self.held = deque(maxlen=MAX_HELD_COMMANDS)
        #: The ``connection.ConnectionWatch`` of a sender of commands, else None.
        self.watch = None
        self._connected = False  # (it connects at its first send, see send_command)

    def _connect(self, watched):
        if watched:
            self.watch = ConnectionWatch(self.socket)  # (before connecting: it sees it all)
        label = _identity_label().encode("utf-8")[:200].decode("utf-8", "ignore").encode("utf-8")
        self.socket.setsockopt(zmq.ROUTING_ID, label + b"\x00" + os.urandom(8))
        self.socket.connect("tcp://" + self.address)
        self._connected = True

    def send(self, kind, body, raw=False, wait_for_s=None):
        """Send; return the request's number, or None (warned) if it can't.

        With ``wait_for_s``, a reply is expected within that time (see
        ``expire``).

        Example: ``number = sender.send(MESSAGE, wire.encode("hi"), wait_for_s=5)``"""
        if not self._connected:
            self._connect(False)
        number = _pack_number(next(self._numbers))
        body = auth.seal(self, b"raw" if raw else kind, body)
        if not self._send(envelope.request(kind, number, body, raw, self.lean)):
            return None
        if wait_for_s is not None:
            self.waiting[number] = (time.monotonic() + wait_for_s, raw)
        return number

    def _send(self, frames):
        try:
            send_frames(self.socket, frames)
        except zmq.Again:
            warn_limited((self, "not sent"), NotSentWarning,
                "%s is not taking any more messages (%d are queued). Is it "
                "still running?", self.target, HWM,
            )
            return False
        return True

    def send_command(self, body, wait_s=0.0):
        """Send a command now, or not at all: a command is for now (see
        ``pgnet.freshness``), so it is never queued for a program that is
        not there, to reach it seconds later when it starts again.

        It goes while the connection is up (``self.watch`` follows it). A
        new connection's commands wait up to ``wait_s`` for it, then in
        ``held`` for ``tick`` to send, for ``CONNECT_GRACE_S`` at most; a
        command to a program that is not there is dropped with a
        ``NotSentWarning``. Commands and messages share the socket, so they
        arrive in the order they were sent. In the 8 bytes of a request
        number, a command carries its stamp (``freshness.stamp``).

        Example: ``sender.send_command(commands.encode_command("STOP", []))``"""
        if not self._connected:
            self._connect(True)
        elif self.watch is None:  # (it was up a moment ago, for a message)
            self.watch = ConnectionWatch(self.socket, known_up=True)
        body = auth.seal(self, COMMAND, body)
        self.held.append(envelope.request(COMMAND, freshness.stamp(), body, False, self.lean))
        self._send_held(wait_s)

    def _send_held(self, wait_s):
        state = self.watch.state()
        if state == "connecting" and wait_s > 0:
            self.watch.wait_up(wait_s)
            state = self.watch.state()
        if state == "connecting":
            return  # tick() tries again
        if state == "down":
            count = len(self.held)
            self.held.clear()
            warn_limited((self, "commands not sent"), NotSentWarning,
                "%d command%s not sent: %s is not there. Is it running? (pgnet "
                "never keeps a command for later: a robot that starts again must "
                "not act on an old FORWARD.)", count, "" if count == 1 else "s", self.target)
            return
        while self.held and self._send(self.held[0]):
            self.held.popleft()
        self.held.clear()  # (what _send refused, it warned about)

    def tick(self, now):
        """Once a frame: send the commands held for a new connection, and
        warn about requests whose reply is overdue (see ``expire``).

        Example: ``sender.tick(time.monotonic())``"""
        if self.held:
            self._send_held(0)
        if self.waiting:
            self.expire(now)

    def close(self, linger_ms=LINGER_MS):
        """Close the socket; what is queued gets ``linger_ms`` to leave
        (commands still held for a connection not made yet are dropped).

        Example: ``sender.close(0)``"""
        if self.watch is not None:
            self.watch.close()
        super().close(linger_ms)

    def arrive(self, frames):
        """A reply to one of our requests as an Arrival, with its size (an
        ``"error"`` Arrival, its data a text, if the other program could
        not answer or its reply cannot be read); None for anything else.

        Example (``receive_all`` does this):
        ``arrival, size = sender.arrive([b"\\x02R" + number + body])``"""
        reply = envelope.read_reply(frames)
        if reply is None:
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped a malformed reply from %s.", self.target)
            return None
        number, body, error, lean = reply
        body = auth.unseal(b"reply", body, self.target)
        if body is None:
            return None  # (still waiting: a genuine reply may follow)
        request = self.waiting.pop(number, None)
        if request is None:
            log.debug("Dropped a late reply from %s.", self.target)
            return None
        if lean:
            self.lean = True
        if error:
            ok, text = unpack(body, False, "an error reply from %s", self.target, self.target)
            reason = text if ok and isinstance(text, str) else "it could not answer"
            return Arrival("error", self.target, self.target, reason, number), len(body)
        try:
            data = decode_reply(body, request[1])
        except MessageError as error:
            return Arrival("error", self.target, self.target,
                           "its reply could not be read: %s" % error, number), len(body)
        return Arrival("reply", self.target, self.target, data, number), len(body)

    def expire(self, now):
        """Warn about each request whose reply is overdue at ``now``, and
        stop waiting for it. Example: ``sender.expire(time.monotonic())``"""
        for number, (deadline, _) in list(self.waiting.items()):
            if now > deadline:
                del self.waiting[number]
                warn(NoReplyWarning, "No reply from %s in time.", self.target)


_pack_number = struct.Struct("!Q").pack


def decode_reply(body, raw):
    """The value in a reply's ``body`` (bytes as they are if ``raw``);
    raises ``MessageError`` if it is too big or not a pgnet message.

    Example: ``decode_reply(wire.encode("yes"), False)   # 'yes'``"""
    wire.check_size(len(body))
    return body if raw else wire.decode(body)


def warn_remote_error(target, reason):
    """Warn that ``target`` could not answer, saying why (``reason``, from
    its error reply).

    Example: ``warn_remote_error("quiz", "its on_network_message raised ValueError: bad")``"""
    warn_limited(("remote error", target), RemoteErrorWarning, "No reply from %s: %s", target, reason)


#: How often a publisher that publishes without pause reads its
#: subscriptions, at most (in seconds).
_LOOK_EVERY_S = 0.001


class Publisher(Endpoint):
    """A bound XPUB socket that publishes news and greets each subscriber.

    In its first seconds it keeps what it publishes, for subscribers that
    were already waiting for it (see ``pgnet.replay``).

    Example:

        publisher = Publisher(addresses.for_listening(5001), 5001)
        publisher.publish(b"score", wire.encode(3))
    """

    role = "publishing news"
    # A subscription is a topic (or a confirmation token) after one byte.
    max_frame = MAX_TOPIC_BYTES + 1

    def __init__(self, where, source, retry_bind_s=0):
        super().__init__(zmq.XPUB, where.shown, "subscriptions")
        self.source = source
        self.socket.setsockopt(zmq.XPUB_WELCOME_MSG, WELCOME)
        bind(self.socket, where, retry_bind_s)
        #: The first news, kept for subscribers already waiting; None once
        #: the window has passed (or there was too much to keep).
        self.early = replay.EarlyNews()
        self.next_look = 0.0  # when publish() next reads the subscriptions

    def receive_all(self, limit=None):
        """Read the subscriptions that came (answering those that ask for
        an answer), without waiting; return how many.

        Example: ``publisher.receive_all()``"""
        early = self.early
        if early is None:
            return super().receive_all(limit)
        early.look(time.monotonic())
        count = super().receive_all(limit)
        if early.expired():
            self.early = None
        return count

    def arrive(self, frames):
        """Answer a subscription to a confirmation topic, or a replay
        request (ZeroMQ has already acted on every subscription); None:
        nothing to collect.

        Example (``receive_all`` does this): ``publisher.arrive([b"\\x01" + topic])``"""
        message = frames[0]
        if len(frames) != 1 or message[:1] != b"\x01":
            return None
        topic = message[1:]
        if replay.answer_prefix(topic) is not None:
            answer = replay.answer(self.early, topic)
        elif topic.startswith(CONFIRM) and not topic.startswith(replay.ANSWER):
            # Tells the subscriber that its topics before it are registered.
            answer = [topic]
        else:
            return None
        try:
            for frame in answer:
                send_frames(self.socket, [frame])
        except zmq.Again:
            log.debug("could not answer a subscriber on %s: too much is queued", self.source)
        return None

    def publish(self, topic, body):
        """Send ``body`` (bytes) under ``topic`` (bytes) to the subscribers.

        Example: ``publisher.publish(b"score", wire.encode(3))``"""
        # ZeroMQ registers subscriptions by itself; pgnet reads them only to
        # answer confirmations and replay requests, which can wait a
        # millisecond: a look at each publish would cost as much as the publish.
        now = time.monotonic()
        if now >= self.next_look:
            self.next_look = now + _LOOK_EVERY_S
            self.receive_all()
        # Sealed once: a replay of it (see pgnet.replay) is the same item.
        body = auth.seal(self, b"news " + topic, body)
        early = self.early
        if early is not None:
            early.look(now)
            if not early.keep(topic, body):
                self.early = None
        try:
            send_frames(self.socket, [topic, body])
        except zmq.Again:
            warn(NotSentWarning, "News on %s could not be sent: too much is queued.", self.source)


class Subscriber(Endpoint):
    """A SUB socket connected to one publisher.

    At each connection it holds the news that arrives until the publisher
    has answered its replay request, so that a subscriber that was waiting
    before the publisher started gets its news from the first item (see
    ``pgnet.replay``).

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
        self.catch_up = replay.CatchUp(time.monotonic())
        self.settling = None  # the confirmation that ends holding, see accept
        self.socket.setsockopt(zmq.SUBSCRIBE, WELCOME)
        self.socket.setsockopt(zmq.SUBSCRIBE, self.catch_up.answers)
        self.socket.connect("tcp://" + address)

    def add_topic(self, topic):
        """Receive news whose topic starts with ``topic`` (text) too.

        Example: ``subscriber.add_topic("score")``"""
        if topic not in self.topics:
            self.topics.add(topic)
            self.socket.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))
            if len(self.topics) == 1:
                # After the first topic, so that when the publisher reads the
                # request, the topic is registered. (After a reconnection
                # ZeroMQ sends every subscription again in byte order, where
                # the request, starting with \xff, comes last.)
                self.socket.setsockopt(zmq.SUBSCRIBE, self.catch_up.request)

    def waited_since(self, when):
        """Note that the program has been waiting for this news since
        ``when`` (``time.monotonic()``), perhaps before the subscriber was
        made (while the publisher's name was being looked for): what was
        published since then is news it was waiting for.

        Example: ``subscriber.waited_since(call_started)``"""
        self.catch_up.since = min(self.catch_up.since, when)

    def receive_all(self, limit=None):
        """Move what has arrived into the inbox, without waiting; return
        how many messages came.

        Example: ``subscriber.receive_all()``"""
        count = super().receive_all(limit)
        if self.catch_up.holding and self.catch_up.overdue(time.monotonic()):
            self._give_out(self.catch_up.release())
        return count

    def arrive(self, frames):
        """A news item as an Arrival, with its size; None if there is
        nothing to collect (yet): a welcome, an answer or a confirmation
        noted, news held until the replay's answer, something dropped.

        Example (``receive_all`` does this): ``arrival, size = subscriber.arrive([b"score", body])``"""
        if len(frames) == 1:
            self._control(frames[0])
            return None
        if len(frames) != 2:
            warn_limited((self, "malformed"), DroppedMessageWarning, "Dropped malformed news from %s.", self.source)
            return None
        arrival = self._read(*frames)
        if arrival is None:
            return None
        if self.catch_up.holding:
            self.catch_up.hold(arrival)
            return None
        return arrival, len(frames[1])

    def straight(self):
        """True if a wait may read straight off the socket: not while news
        is held for the replay's answer (see ``Endpoint.straight``).

        Example: ``if subscriber.straight(): ...``"""
        return not self.catch_up.holding and super().straight()

    def _control(self, frame):
        catch_up = self.catch_up
        if frame == WELCOME:
            self.welcomed = True
            catch_up.connected(time.monotonic())
            # A publisher of an earlier release does not answer the replay
            # request, but does answer a confirmation, sent after it.
            self._stop_settling()
            self.settling = CONFIRM + os.urandom(8).hex().encode()
            self.socket.setsockopt(zmq.SUBSCRIBE, self.settling)
        elif frame.startswith(catch_up.answers) and len(frame) > len(catch_up.answers):
            self._give_out(catch_up.answered(frame, self._replayed, time.monotonic()))
        elif frame == self.settling:
            self._stop_settling()
            if catch_up.holding:
                self._give_out(catch_up.release())
        elif frame == self.confirming:
            self.confirming = None
        elif not frame.startswith(CONFIRM):  # (other subscribers' confirmations and answers do)
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped malformed news from %s.", self.source)

    def _stop_settling(self):
        if self.settling is not None:
            self.socket.setsockopt(zmq.UNSUBSCRIBE, self.settling)
            self.settling = None

    def _give_out(self, arrivals):
        for arrival in arrivals:
            self.inbox.add(arrival)

    def _replayed(self, topic, body):
        # The answer carries every topic: keep those this subscriber has.
        if not any(topic.startswith(t.encode("utf-8")) for t in self.topics):
            return None
        return self._read(topic, body)

    def _read(self, topic, body):
        body = auth.unseal(b"news " + topic, body, self.source)
        if body is None:
            return None
        try:
            topic = topic.decode("utf-8")
        except UnicodeDecodeError:
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped news from %s: its topic is not text.", self.source)
            return None
        ok, news = unpack(body, self.raw, "news", self.source)
        return Arrival("news", self.source, self.source, news, topic) if ok else None
