"""What arrived on one of this program's sockets and waits to be collected:
``Arrival``, and the ``Inbox`` that keeps arrivals in order, bounded in
number and in bytes.

Use it through ``pgnet.transport``, which has these names too. Example:

    inbox = Inbox("messages")
    inbox.add(Arrival("command", "robot", "laptop", ("LEFT", [0.5]), None), 20)
    inbox.take("command")        # that Arrival; None once it is taken
"""

import time
from collections import deque, namedtuple

from .errors import DroppedMessageWarning, warn, warn_limited
from .freshness import is_stale
from .settings import settings

__all__ = ["Arrival", "Inbox", "too_old"]

#: What an arrival costs in memory beyond its bytes on the wire (its
#: Python objects), for the inbox's byte count.
_ARRIVAL_COST = 200
_PLURAL = {"message": "messages", "command": "commands", "reply": "replies", "news": "news items"}

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
        while item is not None and too_old(item):
            item = self._take(kind, matches)
        return item

    def _take(self, kind, matches):
        if not self.count:
            return None
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


def too_old(arrival):
    """True (and warned) if ``arrival`` is a command too old to act on
    (see ``pgnet.freshness``): it is to be dropped.

    Example: ``if not too_old(arrival): handle(arrival)``"""
    if arrival.kind != "command" or not is_stale(arrival.extra, time.monotonic()):
        return False
    warn_limited(("stale", arrival.source), DroppedMessageWarning,
        "Dropped the command %r from %s on %s: it waited more than %g s to be "
        "read, and a command is for now (a robot must not act on an old "
        "FORWARD). Read commands more often, or raise "
        "pgnet.settings.max_command_age_s.",
        arrival.data[0], arrival.sender, arrival.source, settings.max_command_age_s)
    return True
