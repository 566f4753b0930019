"""News from the first item: a new publisher's first news, replayed to the
subscribers that were already waiting for it.

With ZeroMQ, a subscriber that is waiting for a publisher that has not
started yet keeps trying to connect, every 100 ms, and a publisher throws
away what it publishes until each subscriber's topics have reached it. So
the first tenth of a second or so of a new publisher's news was lost, even
to subscribers that had been waiting all along ("Alice has joined" never
showed). To fix it without making the publisher wait:

* A publisher keeps the news it publishes in its first ``WINDOW_S``
  seconds (at most ``MAX_ITEMS`` items and ``MAX_BYTES`` bytes; then it
  stops keeping them and lets go of them).
* A subscriber, after its first topic, subscribes to a *request*: a topic
  of its own that no news can have (it starts with the byte ``\\xff``, which
  UTF-8 text never contains). Subscriptions reach a publisher in order, so
  when the publisher reads the request, the subscriber's topics are
  registered: everything published from then on reaches it.
* The publisher answers the request, on a topic the subscriber subscribed
  to (``answer_prefix``), with every item it kept, each with its age
  (``"i"`` frames), and an end (``"e"``: that was all of it; ``"n"``: I
  kept nothing, go on as you are).
* The subscriber keeps the replayed items of its topics that were published
  since it started waiting (an item's age against the time it has waited,
  each on its own clock: the computers' clocks need not agree), so a
  subscriber that starts later hears nothing older, as before.
* From the welcome of each connection until that end, the subscriber holds
  the news that arrives: all of it was published after it started waiting
  and before the publisher read the request, so the replay has it too. At
  an end ``"e"`` it gives out the replay and drops what it held; at an
  ``"n"`` it gives out what it held. Either way nothing is missed or seen
  twice, and everything comes in the order it was published.
* What is held and replayed stays as it came off the wire, and is only read
  (and, with a room password, its seal checked) when it is given out: a
  held item and its copy in the replay carry the same seal, and only the
  one given out may count as received.
* A subscriber holds no more than its inbox takes (``settings.inbox_items``
  items, ``settings.inbox_bytes`` bytes): past that it stops holding, gives
  out what it held and takes news as it comes, without the replay.

Old programs keep working: every frame of an answer is one frame starting
with ``transport.CONFIRM``, which subscribers of earlier pgnet releases
ignore; a publisher of an earlier release does not answer requests, and
the subscriber's own confirmation (see ``Subscriber``) tells it so.
docs/wire-format.md describes the frames.

Example, a publisher's side:

    early = EarlyNews()
    early.look(time.monotonic())
    early.keep(b"score", body)
    frames = answer(early, request)     # the frames to publish, in order
"""

import os
import struct
from collections import deque

from .settings import settings

#: How long a new publisher keeps its news for subscribers that were
#: waiting for it, in seconds from its first item.
#:
#: Example: a subscriber that connects 0.1 s after the first item gets it.
WINDOW_S = 2.0

#: The most items, and bytes, a publisher keeps; past either it keeps none.
#:
#: Example: ``MAX_ITEMS`` items of 200 a second is 50 seconds' worth.
MAX_ITEMS = 10_000
MAX_BYTES = 4 * 1024 * 1024

#: How long a subscriber holds news while waiting for the publisher's
#: answer before giving it out anyway (a publisher that never answers).
#:
#: Example: ``catch_up.overdue(time.monotonic())`` is True after it.
HOLD_S = 5.0

#: The start of a subscriber's request topic (then 16 hex digits).
#:
#: Example: ``REQUEST + b"0123456789abcdef"``.
REQUEST = b"\xffpgnet-replay-"

#: The start of the topic a publisher answers on (then the request's 16 hex
#: digits). It starts with ``transport.CONFIRM``, so subscribers of earlier
#: pgnet releases ignore it.
#:
#: Example: ``ANSWER + b"0123456789abcdef" + b"e" + publisher_id``.
ANSWER = b"\x00pgnet-confirm-replay-"

_TOKEN_LENGTH = 16
_ID_LENGTH = 8  # bytes of a publisher's id, at the end of its answer
_IDS_KEPT = 16  # publisher ids a subscriber remembers (the latest)
_ITEM_HEAD = struct.Struct("!QI")  # the item's age in microseconds, its topic's length


def answer_prefix(request):
    """The topic the answer to ``request`` (a subscription, as bytes) comes
    on, or None if ``request`` is not a request.

    Example:

        answer_prefix(REQUEST + b"0123456789abcdef")   # ANSWER + b"0123456789abcdef"
    """
    token = request[len(REQUEST):]
    if not request.startswith(REQUEST) or len(token) != _TOKEN_LENGTH:
        return None
    return ANSWER + token


#: The most a new publisher sends in replays in all, in bytes: enough for a
#: room of subscribers to each get its first news, not for one that asks
#: again and again to fill this program's memory.
ANSWER_BUDGET_BYTES = 16 * 1024 * 1024


class EarlyNews:
    """A publisher's first news, kept for subscribers that were waiting.

    The publisher calls ``look(now)`` each time it reads its subscriptions
    and before each item it publishes, ``keep(topic, body)`` for each item
    while it has an ``EarlyNews``, and
    lets go of it once ``keep`` returns False or ``expired()`` is True.

    Example:

        early = EarlyNews()
        early.look(time.monotonic())
        if not early.keep(b"score", body):
            early = None
    """

    def __init__(self):
        self.items = []  # (when published, topic, body), oldest first
        self.size = 0
        self.first = None  # when the first item was kept (time.monotonic())
        self.latest = None  # the latest look at the subscriptions
        #: This publisher, so that a subscriber that reconnects does not
        #: take the same replay twice.
        self.id = os.urandom(_ID_LENGTH)
        #: Bytes it may still send in answers: a subscriber asking again
        #: and again must not fill this program's memory with replays.
        self.answer_budget = ANSWER_BUDGET_BYTES

    def look(self, now):
        """Note that the subscriptions are being read, or an item is being
        published, at ``now``.

        Example: ``early.look(time.monotonic())``"""
        self.latest = now

    def keep(self, topic, body):
        """Keep one item (``topic`` and ``body`` as bytes), published at the
        latest look; False once there is too much to keep.

        Example: ``early.keep(b"score", wire.encode(3))``"""
        if self.first is None:
            self.first = self.latest
        self.items.append((self.latest, topic, body))
        self.size += len(topic) + len(body)
        return len(self.items) <= MAX_ITEMS and self.size <= MAX_BYTES

    def expired(self):
        """True once the latest look is past the window: let go of it.
        (Requests read in that look have had their answer.)

        Example: ``if early.expired(): early = None``"""
        return self.first is not None and self.latest - self.first > WINDOW_S


def answer(early, request):
    """The frames (one-frame messages, in order) that answer ``request``, a
    subscription already checked with ``answer_prefix``; ``early`` is the
    publisher's ``EarlyNews``, or None if it keeps none (any more).

    Example:

        for frame in answer(publisher_early, request):
            send_frames(socket, [frame])
    """
    prefix = answer_prefix(request)
    if early is None or early.answer_budget < early.size:
        return [prefix + b"n"]  # (the subscriber then takes live news only)
    early.answer_budget -= max(early.size, 1)
    now = early.latest
    frames = [
        prefix + b"i" + _ITEM_HEAD.pack(max(0, int((now - when) * 1e6)), len(topic)) + topic + body
        for when, topic, body in early.items
    ]
    frames.append(prefix + b"e" + early.id)
    return frames


class CatchUp:
    """A subscriber's side: its request, and the news it holds from each
    connection's welcome until the publisher's answer.

    News is held, and replayed, as ``(topic, body)`` pairs of bytes, just
    as they came; every call returns the pairs to give out now (a list,
    often empty), oldest first, for the subscriber to read.

    Example:

        catch_up = CatchUp(time.monotonic())
        catch_up.connected(time.monotonic())                  # at each welcome
        give_out(catch_up.hold(topic, body))                  # news while holding
        give_out(catch_up.answered(frame, wanted, now))       # each frame of the answer
    """

    def __init__(self, now):
        #: When the subscriber started waiting: it is given what was
        #: published since (``time.monotonic()``).
        self.since = now
        token = os.urandom(_TOKEN_LENGTH // 2).hex().encode()
        #: The subscription that asks a publisher for its first news.
        self.request = REQUEST + token
        #: The topic the answers come on (subscribe to it before connecting).
        self.answers = ANSWER + token
        self.holding = False
        self.deadline = None
        self.held = []  # (topic, body) received since the welcome
        self.replayed = []  # (topic, body) from the answer so far
        self.size = 0  # bytes held and replayed
        #: The ids of the latest publishers whose replay was taken.
        self.from_publishers = deque(maxlen=_IDS_KEPT)

    def connected(self, now):
        """A welcome came: a new connection. Hold news until the answer.

        Example: ``catch_up.connected(time.monotonic())``"""
        self.holding, self.deadline = True, now + HOLD_S
        self.held, self.replayed, self.size = [], [], 0

    def hold(self, topic, body):
        """Keep a news item (``topic`` and ``body``, bytes) that came while
        holding; return what to give out now: nothing, or, once more is
        held than an inbox takes, everything held (and holding stops).

        Example: ``give_out(catch_up.hold(b"score", body))``"""
        return self._keep(self.held, topic, body)

    def overdue(self, now):
        """True if the answer is later than ``HOLD_S``: give out what is held.

        Example: ``if catch_up.overdue(now): give_out(catch_up.release())``"""
        return self.holding and now > self.deadline

    def release(self):
        """Stop holding; return what was held (for a publisher that does not
        answer: one of an earlier release, or not pgnet).

        Example: ``give_out(catch_up.release())``"""
        held = self.held
        self.held, self.replayed, self.size, self.holding = [], [], 0, False
        return held

    def answered(self, frame, wanted, now):
        """Take one frame of the answer, received at ``now``; return what to
        give out now. ``wanted(topic)`` is True for a replayed item's topic
        (bytes) that the subscriber has.

        Example: ``give_out(catch_up.answered(frame, wanted, time.monotonic()))``"""
        start = len(self.answers) + 1
        kind, rest = frame[start - 1:start], frame[start:]
        if not self.holding:
            return []  # (an answer to a request of an earlier connection)
        if kind == b"i" and len(rest) >= _ITEM_HEAD.size:
            age_us, length = _ITEM_HEAD.unpack_from(rest)
            # Published since we started waiting? (Measured now, a moment
            # after the answer left: that errs towards keeping an item.)
            head = _ITEM_HEAD.size
            topic = rest[head:head + length]
            if age_us <= (now - self.since) * 1e6 and wanted(topic):
                return self._keep(self.replayed, topic, rest[head + length:])
            return []
        if kind == b"e" and len(rest) == _ID_LENGTH and rest not in self.from_publishers:
            self.from_publishers.append(rest)
            replayed = self.replayed
            self.release()
            return replayed
        if kind in (b"e", b"n"):
            return self.release()
        return []

    def _keep(self, items, topic, body):
        items.append((topic, body))
        self.size += len(topic) + len(body)
        if len(self.held) + len(self.replayed) > settings.inbox_items or self.size > settings.inbox_bytes:
            return self.release()
        return []
