"""Commands are for now: an old command is never acted on.

A robot that was stopped, busy or frozen for a moment must not drive off on
a FORWARD sent seconds ago. Two things see to it:

* The sender never keeps a command for later. Commands leave on a socket of
  their own that ZeroMQ queues on only while the connection is up
  (``ZMQ_IMMEDIATE``): a command to a program that is not there is not sent
  (and the sender is warned), so a robot that starts again gets none of
  the old ones. See ``pgnet.transport.Sender.send_command``.
* Each command carries the sender's clock, a *stamp*, and the receiver
  drops a command that waited longer than ``settings.max_command_age_s``
  (default 1 s) to be read, with a warning. The two computers' clocks need
  not agree: for each sender the receiver learns the smallest gap between
  a stamp and its own clock (the quickest a command has ever come), and a
  command's age is how much longer than that it took.

The stamp travels in the 8 bytes where a message has its request number:
milliseconds of the sender's ``time.monotonic()``, with the top bit set so
that a number from an older pgnet or another program is never taken for a
stamp (such commands are kept, whatever their age).

Example:

    ages = CommandAges()
    expires = ages.expiry(sender_id, stamp(), time.monotonic())
    is_stale(expires, time.monotonic())   # False: it has only just come
"""

import struct
import time
from collections import OrderedDict

from .settings import settings

_STAMPED = 1 << 63
_PACK = struct.Struct("!Q")

#: How many senders a listener remembers the clock gap of; the one heard
#: from least recently is forgotten first.
MAX_SENDERS_REMEMBERED = 1024


def stamp(now=None):
    """The 8-byte stamp for a command sent now (``now`` from
    ``time.monotonic()``).

    Example: ``stamp()   # b'\\x80\\x00\\x00\\x00\\x0b\\x1f\\x03\\xe8'``"""
    return _PACK.pack(_STAMPED | int((time.monotonic() if now is None else now) * 1000))


def is_stale(expires, now):
    """True if a command whose expiry is ``expires`` (from
    ``CommandAges.expiry``, None for "never") is too old to act on at
    ``now``.

    Example: ``is_stale(arrival.extra, time.monotonic())``"""
    return expires is not None and now > expires


class CommandAges:
    """What one listener knows of its senders' clocks.

    Example:

        ages = CommandAges()
        ages.expiry(b"robot-controller\\x00...", field, time.monotonic())
    """

    def __init__(self):
        self._gaps = OrderedDict()  # sender -> smallest (our ms - its stamp ms)

    def expiry(self, sender, field, now):
        """When (on ``time.monotonic()``'s clock) the command from
        ``sender`` carrying ``field`` (its 8 bytes before the body) becomes
        too old to act on; None if it never does (no stamp, or no limit).

        Example: ``ages.expiry(identity, envelope[1], time.monotonic())``"""
        limit = settings.max_command_age_s
        if not limit or len(field) != 8:  # (None or 0: no limit)
            return None
        value = _PACK.unpack(field)[0]
        if not value & _STAMPED:
            return None
        gap = now * 1000 - (value & ~_STAMPED)
        best = self._gaps.pop(sender, None)
        if best is None or gap < best:
            best = gap
        self._gaps[sender] = best
        if len(self._gaps) > MAX_SENDERS_REMEMBERED:
            self._gaps.popitem(last=False)
        waited_s = (gap - best) / 1000
        return now + limit - waited_s
