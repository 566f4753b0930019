"""Answers to queries, waiting for their moment: each leaves after a short
random delay (so that a room answering a newcomer never makes a burst), and
one computer is answered at most ``ANSWER_BURST`` times at once, then once
in ``ANSWER_EVERY_S`` (so that a flood of queries, from as many ports as it
likes, cannot turn the room into an amplifier). Bounded whatever arrives.

Example:

    answers = Answers()
    if answers.may_answer(("10.0.0.7", 51234), time.monotonic()):
        answers.add(data, ("10.0.0.7", 51234), time.monotonic())
    for data, asker in answers.due(time.monotonic()):
        sock.sendto(data, asker)
"""

import heapq
import itertools
import random
from collections import OrderedDict

#: Answers to a query leave after a random delay of up to this many seconds.
#:
#: Example: 90 programs answering a newcomer spread over 50 ms.
ANSWER_SPREAD_S = 0.05

#: One computer (one IP address) is answered at most once in this many
#: seconds, after its first ``ANSWER_BURST`` answers.
#:
#: Example: a flood of queries from one address gets one answer in 0.25 s.
ANSWER_EVERY_S = 0.25

#: How many queries from one computer are answered at once, before
#: ``ANSWER_EVERY_S`` applies: room for its few programs starting together.
#:
#: Example: three programs starting on one computer are all answered at once.
ANSWER_BURST = 4

#: The most answers waiting for their moment; more are dropped.
#:
#: Example: ``len(answers) <= MAX_PENDING``.
MAX_PENDING = 1024

_MAX_ASKERS = 256  # askers remembered while their limit holds


class Rate:
    """Lets each key (an IP address, a name) through ``burst`` times at
    once, then once every ``every_s`` seconds. It remembers at most
    ``size`` keys: when that many are all still held back, a new key is
    refused rather than an old one forgotten, so that many keys at once
    (such as made-up addresses) cannot get past it.

    Example:

        rate = Rate(0.25, burst=4)
        rate.allows("10.0.0.7", time.monotonic())   # True, 4 times, then 4 a second
    """

    def __init__(self, every_s, burst=1, size=_MAX_ASKERS):
        self.every_s = every_s
        self.burst = burst
        self.size = size
        # key -> when its allowance is used up ("theoretical arrival time"),
        # oldest change first.
        self._until = OrderedDict()

    def allows(self, key, now):
        """True (and counted) if ``key`` may go through at ``now``.

        Example: ``rate.allows("10.0.0.7", now)``"""
        until = max(self._until.pop(key, now), now)
        if until - now > (self.burst - 1) * self.every_s:
            self._until[key] = until
            return False
        if len(self._until) >= self.size:  # (a new key: a known one was taken out above)
            if next(iter(self._until.values())) > now:
                return False  # full of keys still held back
            self._until.popitem(last=False)  # free again: forgetting it changes nothing
        self._until[key] = until + self.every_s
        return True


class Answers:
    """The answers waiting to leave, and who was answered lately.

    Example:

        answers.next_due()   # when the first waiting answer leaves, or None
    """

    def __init__(self):
        self._pending = []  # heap of (due, n, data, asker)
        self._askers = Rate(ANSWER_EVERY_S, ANSWER_BURST)
        self._order = itertools.count()

    def __len__(self):
        return len(self._pending)

    def may_answer(self, asker, now, local=False):
        """True (and counted) if ``asker``, an ``(ip, port)``, may be
        answered now: its computer has had fewer than ``ANSWER_BURST``
        answers lately, and none in the last ``ANSWER_EVERY_S``. A program
        on this computer (``local``) counts on its own, since all of them
        ask from one address and their answers never cross the network.

        Example: ``answers.may_answer(("10.0.0.7", 51234), now)``"""
        return self._askers.allows(asker if local else asker[0], now)

    def add(self, data, asker, now, spread=True):
        """Send ``data`` to ``asker`` a little after ``now`` (at ``now`` if
        not ``spread``).

        Example: ``answers.add(encoded_advert, asker, now)``"""
        if len(self._pending) < MAX_PENDING:
            due = now + (random.uniform(0.0, ANSWER_SPREAD_S) if spread else 0.0)
            heapq.heappush(self._pending, (due, next(self._order), data, asker))

    def next_due(self):
        """When (``time.monotonic()``) the first waiting answer is due, or None.

        Example: ``answers.next_due()``"""
        return self._pending[0][0] if self._pending else None

    def due(self, now):
        """The ``(data, asker)`` pairs due by ``now``, taken off the queue.

        Example: ``for data, asker in answers.due(now): sock.sendto(data, asker)``"""
        ready = []
        while self._pending and self._pending[0][0] <= now:
            _, _, data, asker = heapq.heappop(self._pending)
            ready.append((data, asker))
        return ready
