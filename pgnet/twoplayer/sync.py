"""State sync: ``my_state`` goes to the partner, theirs comes back, smoothly.

Each side sends its whole ``my_state`` ``send_rate`` times a second, in an
``S`` word with a sequence number and the sender's clock time. Only the
newest state matters, so nothing is resent and anything older than what
arrived already is dropped (the network may reorder).

``smooth(key)`` makes the partner's movement look continuous although
updates come only 20 times a second: it shows the partner about one and a
half updates late, sliding between the two updates either side of that
moment. The partner's clock is not ours: the smallest difference between
their time stamps and our arrival times (the least delayed update) tells us
how to read their time on our clock.

Example:

    sync = StateSync(link, session_for, send_rate=20)
    sync.my_state["y"] = 300
    sync.send_if_due(session, time.monotonic())     # every frame
    y = sync.smooth("y", default=300)
"""

import statistics
import time
from collections import deque

from ..errors import MessageError, NotSentWarning, warn


class StateSync:
    """My state going out and the partner's coming in, for one game.

    ``link`` sends; ``session_for(token, now)`` gives the session a token
    belongs to, or None (updates for no session of ours are dropped);
    ``send_rate`` is how many updates a second go out.

    Example:

        sync = StateSync(link, sessions.session_for, send_rate=20)
        link.handle({"S": sync.on_state})
    """

    def __init__(self, link, session_for, send_rate):
        self.link = link
        self.session_for = session_for
        self.send_rate = send_rate
        #: Mine: what the partner must see. Theirs: the newest that arrived.
        self.my_state = {}
        self.partner_state = {}
        self.next_send = 0.0
        self.my_seq = 0
        self.partner_seq = 0
        self._snapshots = deque(maxlen=32)  # (partner's time, state)
        self._offsets = deque(maxlen=40)  # our time of arrival - their time
        self._warned = False

    def start(self, now, resumed):
        """A session begins: send at once. With a new partner (not the same
        one coming back) everything known of the old partner is dropped.

        Example:

            sync.start(time.monotonic(), resumed=False)
        """
        self.next_send = now
        if not resumed:
            self.my_seq = self.partner_seq = 0
            self.partner_state = {}
            self._snapshots.clear()
            self._offsets.clear()

    def send_if_due(self, session, now):
        """Send ``my_state`` to the partner of ``session`` if it is time.

        If it cannot be sent (it holds something pgnet cannot send), a
        ``NotSentWarning`` says so, once.

        Example:

            sync.send_if_due(session, now)
        """
        if now < self.next_send:
            return
        self.next_send = max(self.next_send + 1.0 / self.send_rate, now)
        self.my_seq += 1
        try:
            self.link.send(session.address, "S", session.token, self.my_seq, now, self.my_state)
        except MessageError as error:
            self.my_seq -= 1
            if not self._warned:
                self._warned = True
                warn(NotSentWarning, "game.my_state cannot be sent: %s", error)

    def on_state(self, now, token, seq, stamp, state):
        """The ``S`` word: the partner's state number ``seq``, sent at their
        time ``stamp``. Kept if it is newer than what we have.

        Example:

            sync.on_state(time.monotonic(), token, 7, 1234.5, {"y": 300})
        """
        session = self.session_for(token, now)
        if session is None or not isinstance(state, dict):
            return
        if seq <= self.partner_seq:
            return  # stale or a duplicate: we have newer
        self.partner_seq = seq
        self.partner_state = state
        self._snapshots.append((float(stamp), state))
        self._offsets.append(now - float(stamp))

    def smooth(self, key, default=0):
        """The partner's ``key``, sliding between the updates that arrived
        (``game.smooth`` tells the whole story).

        Example:

            y = sync.smooth("y", default=300)
        """
        updates = [(stamp, state[key]) for stamp, state in self._snapshots if key in state]
        if not updates:
            return self.partner_state.get(key, default)
        # The partner's clock time to show: 1.5 of their update intervals
        # behind the newest update, so there is (nearly) always a newer one.
        stamps = [stamp for stamp, _ in self._snapshots][-9:]
        gaps = [b - a for a, b in zip(stamps, stamps[1:]) if b > a]
        interval = statistics.median(gaps) if gaps else 1.0 / self.send_rate
        when = time.monotonic() - min(self._offsets) - 1.5 * min(max(interval, 0.005), 0.5)
        if when >= updates[-1][0]:
            return updates[-1][1]
        if when <= updates[0][0]:
            return updates[0][1]
        for (older, before), (newer, after) in zip(updates[-2::-1], updates[::-1]):
            if older <= when:
                return between(before, after, (when - older) / (newer - older))
        return updates[0][1]


def between(a, b, fraction):
    """The value ``fraction`` of the way from ``a`` to ``b``: numbers, or
    tuples of numbers (positions). Other values do not slide: ``a`` until
    the end, then ``b``.

    Example:

        between(0, 100, 0.25)               # 25.0
        between((0, 0), (10, 20), 0.5)      # (5.0, 10.0)
        between("a", "b", 0.5)              # 'a'
    """
    if _is_number(a) and _is_number(b):
        return a + (b - a) * fraction
    if (
        isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
        and len(a) == len(b) and all(map(_is_number, a)) and all(map(_is_number, b))
    ):
        return tuple(x + (y - x) * fraction for x, y in zip(a, b))
    return a if fraction < 1 else b


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)
