"""Answers to queries, waiting for their moment: each leaves after a short
random delay (so that a room answering a newcomer never makes a burst), and
one asker is answered at most once in ``ANSWER_EVERY_S`` (so that a flood
of queries cannot turn the room into an amplifier). Bounded whatever
arrives.

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

#: One asker is answered at most once in this many seconds.
#:
#: Example: a flood of queries from one address gets one answer in 0.25 s.
ANSWER_EVERY_S = 0.25

#: The most answers waiting for their moment; more are dropped.
#:
#: Example: ``len(answers) <= MAX_PENDING``.
MAX_PENDING = 1024

_MAX_ASKERS = 256  # askers remembered for ANSWER_EVERY_S


class Answers:
    """The answers waiting to leave, and who was answered lately.

    Example:

        answers.next_due()   # when the first waiting answer leaves, or None
    """

    def __init__(self):
        self._pending = []  # heap of (due, n, data, asker)
        self._answered = OrderedDict()  # asker -> when last answered
        self._order = itertools.count()

    def __len__(self):
        return len(self._pending)

    def may_answer(self, asker, now):
        """True (and noted) unless ``asker`` was answered less than
        ``ANSWER_EVERY_S`` ago.

        Example: ``answers.may_answer(("10.0.0.7", 51234), now)``"""
        last = self._answered.pop(asker, None)
        if last is not None and now - last < ANSWER_EVERY_S:
            self._answered[asker] = last
            return False
        self._answered[asker] = now
        if len(self._answered) > _MAX_ASKERS:
            self._answered.popitem(last=False)
        return True

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
