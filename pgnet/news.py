"""News on the wire: the ``Publisher`` (a bound XPUB socket) that publishes
a program's news and greets each subscriber, and the ``Subscriber`` (a SUB
socket connected to one publisher) that receives it. ``pgnet.transport``
offers both, beside the sockets for messages and commands.

A news item travels as two frames, ``[topic, body]``; a subscriber
subscribes to topics by their first bytes, as ZeroMQ does, and also to
pgnet's own: the publisher's ``WELCOME``, a ``CONFIRM`` token it asks to
have echoed (so that it knows its topics are registered), and the replay
of a new publisher's first news (``pgnet.replay``). A publisher holds a
bounded number of topics for its subscribers (``pgnet.subscriptions``).

Example:

    publisher = Publisher(addresses.for_listening(5001), 5001)
    publisher.publish(b"score", wire.encode(3))
"""

import os
import time

import zmq

from . import auth, replay
from .endpoint import Endpoint, bind, frames_from, send_frames, unpack
from .errors import DroppedMessageWarning, NotSentWarning, log, warn, warn_limited
from .inbox import Arrival
from .subscriptions import Subscriptions

#: The longest news topic, in bytes (UTF-8): a publisher disconnects a
#: subscriber that sends a longer subscription.
MAX_TOPIC_BYTES = 255
#: What a publisher says to each new subscriber (a topic no user can have).
WELCOME = b"\x00pgnet-welcome"
#: The topic a subscriber asks its publisher to confirm, + a token: see
#: ``messaging.subscribe``.
CONFIRM = b"\x00pgnet-confirm-"

#: How often a publisher that publishes without pause reads its
#: subscriptions, at most (in seconds).
_LOOK_EVERY_S = 0.001


class Publisher(Endpoint):
    """A bound XPUB socket that publishes news and greets each subscriber.

    In its first seconds it keeps what it publishes, for subscribers that
    were already waiting for it (see ``pgnet.replay``). It holds at most
    ``settings.max_subscriptions`` topics for its subscribers (see
    ``pgnet.subscriptions``).

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
        #: The topics its subscribers hold, bounded (see pgnet.subscriptions).
        self.subscriptions = Subscriptions(self.socket, source)
        try:
            bind(self.socket, where, retry_bind_s)
        except Exception:
            self.subscriptions.close()
            raise
        #: The first news, kept for subscribers already waiting; None once
        #: the window has passed (or there was too much to keep).
        self.early = replay.EarlyNews()
        self.next_look = 0.0  # when publish() next reads the subscriptions

    def close(self, *linger_ms):
        """Close the socket (see ``Endpoint.close``), and stop watching its
        subscriptions.

        Example: ``publisher.close()``"""
        self.subscriptions.close()
        super().close(*linger_ms)

    def receive_all(self, limit=None):
        """Read the subscriptions that came (answering those that ask for
        an answer, counting the topics held), without waiting; return how
        many.

        Example: ``publisher.receive_all()``"""
        early = self.early
        if early is not None:
            early.look(time.monotonic())
        count = super().receive_all(limit)
        self.subscriptions.check(count)
        if early is not None and early.expired():
            self.early = None
        return count

    def next_message(self, flags):
        """The next subscription or unsubscription, as frames, after
        counting what it changes in the topics held (``pgnet.subscriptions``
        reads the ``zmq.Frame`` as ZeroMQ gave it, with its sender's address).

        Example (``receive_all`` does this): ``publisher.next_message(zmq.NOBLOCK)``"""
        first = self.socket.recv(flags, copy=False)
        self.subscriptions.note(first)
        return frames_from(self.socket, first)

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
            send_frames(self.socket, (topic, body))
        except zmq.Again:
            warn(NotSentWarning, "News on %s could not be sent: too much is queued.", self.source)


class Subscriber(Endpoint):
    """A SUB socket connected to one publisher.

    At each connection it holds the news that arrives until the publisher
    has answered its replay request, so that a subscriber that was waiting
    before the publisher started gets its news from the first item (see
    ``pgnet.replay``); it holds no more than its inbox takes.

    Example:

        subscriber = Subscriber("127.0.0.1:5001", "weather")
        subscriber.add_topic("temperature")
    """

    role = "receiving news"

    def __init__(self, address, source):
        super().__init__(zmq.SUB, address, "news items")
        self.source = source
        self.topics = {}  # topic (text) -> True if its news is kept as bytes (raw)
        self.any_raw = False
        self.welcomed = False
        self.confirming = None  # the confirmation subscribe() waits for
        self.catch_up = replay.CatchUp(time.monotonic())
        self.settling = None  # the confirmation that ends holding, see accept
        #: The seals of news already received here (with a room password):
        #: this subscriber's own, as another subscriber of this program to
        #: the same publisher receives the same items.
        self.guard = auth.ReplayGuard()
        self.socket.setsockopt(zmq.SUBSCRIBE, WELCOME)
        self.socket.setsockopt(zmq.SUBSCRIBE, self.catch_up.answers)
        self.socket.connect("tcp://" + address)

    def add_topic(self, topic, raw=False):
        """Receive news whose topic starts with ``topic`` (text) too, kept
        as the bytes that arrived if ``raw``.

        Example: ``subscriber.add_topic("score")``"""
        known = topic in self.topics
        self.topics[topic] = raw
        self.any_raw = any(self.topics.values())
        if not known:
            self.socket.setsockopt(zmq.SUBSCRIBE, topic.encode("utf-8"))
            if len(self.topics) == 1:
                # After the first topic, so that when the publisher reads the
                # request, the topic is registered. (After a reconnection
                # ZeroMQ sends every subscription again in byte order, where
                # the request, starting with \xff, comes last.)
                self.socket.setsockopt(zmq.SUBSCRIBE, self.catch_up.request)

    def want(self, topics, raw, since):
        """Receive news whose topic starts with any of ``topics`` (text),
        keeping it as bytes if ``raw``, for a program waiting for it since
        ``since`` (``time.monotonic()``), perhaps since before the subscriber
        was made (while the publisher's name was being looked for): what
        was published since then is news it was waiting for.

        Example: ``subscriber.want(["score"], False, time.monotonic())``"""
        if since < self.catch_up.since:
            self.catch_up.since = since
        for topic in topics:
            if self.topics.get(topic) is not raw:  # new, or now wanted the other way
                self.add_topic(topic, raw)

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
        if self.catch_up.holding:
            self._give_out(self.catch_up.hold(*frames))  # (read when given out: see pgnet.replay)
            return None
        arrival = self._read(*frames)
        if arrival is None:
            return None
        return arrival, len(frames[0]) + len(frames[1])

    def straight(self):
        """True if a wait may read straight off the socket: not while news
        is held for the replay's answer (see ``Endpoint.straight``).

        Example: ``if subscriber.straight(): ...``"""
        return not self.catch_up.holding and Endpoint.straight(self)

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
            self._give_out(catch_up.answered(frame, self._wanted, time.monotonic()))
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

    def _give_out(self, items):
        for topic, body in items:
            arrival = self._read(topic, body)
            if arrival is not None:
                self.inbox.add(arrival, len(topic) + len(body))

    def _raw_for(self, topic):
        # News is kept as the longest of its subscribed topics it starts with says.
        longest = max((t for t in self.topics if topic.startswith(t)), key=len, default=None)
        return longest is not None and self.topics[longest]

    def _wanted(self, topic):
        # The answer carries every topic: keep those this subscriber has.
        return any(topic.startswith(t.encode("utf-8")) for t in self.topics)

    def _read(self, topic, body):
        if len(topic) > MAX_TOPIC_BYTES:
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped news from %s: its topic is longer than %d bytes.",
                         self.source, MAX_TOPIC_BYTES)
            return None
        body = auth.unseal(b"news " + topic, body, self.source, self.guard)
        if body is None:
            return None
        try:
            topic = topic.decode("utf-8")
        except UnicodeDecodeError:
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped news from %s: its topic is not text.", self.source)
            return None
        ok, news = unpack(body, self.any_raw and self._raw_for(topic), "news", self.source)
        return Arrival("news", self.source, self.source, news, topic) if ok else None
