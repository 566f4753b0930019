"""This program's OSC: the ports it listens on, the bundles waiting for
their time, the handlers, and where each message that arrives goes.

Each frame (or each look from ``wait_for_osc``) the ``Hub``:

1. reads the packets waiting on its ports, at most ``READ_PER_FRAME``,
   keeping the newest ``WAITING_PACKETS`` (a flood loses its oldest);
2. decodes them, at most ``MESSAGES_PER_FRAME`` messages' worth (a bundle
   is never split); a bundle time-tagged in the future waits, in time
   order, in a queue of at most ``SCHEDULED_MESSAGES`` messages;
3. delivers what is due: first the waiting bundles whose time has come,
   then the new messages, in the order they came; each goes to the
   ``on`` handlers whose pattern matches, then to the game's
   ``on_osc_message`` hook (as a pygame event) or to ``wait_for_osc``.

Anything dropped is counted (``counts``) and warned about once per kind,
as a ``DroppedMessageWarning``.

Threads: the main thread only (the game's loop).
"""

import heapq
import itertools
import select
import socket
import sys
import time
import traceback
from collections import Counter, deque

from .. import addresses, discovery, scheduler
from ..errors import DroppedMessageWarning, NotSentWarning, PgnetError, warn
from ..pgzero_hooks import call_hook
from . import packets
from .announce import Announcement
from .names import service_name
from .patterns import Pattern
from .receiver import Receiver

#: Datagrams read from each port in one frame, at most.
READ_PER_FRAME = 300
#: Packets kept waiting to be decoded; in a flood the oldest go.
WAITING_PACKETS = 200
#: Messages delivered in one frame (more wait for the next frame).
MESSAGES_PER_FRAME = 100
#: Messages of future bundles waiting for their time, at most.
SCHEDULED_MESSAGES = 1000
#: Messages kept for ``wait_for_osc``, at most.
INBOX_MESSAGES = 1000

#: The Pygame Zero hook every OSC message goes to, and its parameters.
HOOK = "on_osc_message"
PARAMS = ("address", "args", "sender")

_WARNINGS = {
    "malformed": "Dropped a packet from %s that is not OSC (%s).",
    "too big": "Dropped an OSC packet from %s: %s.",
    "flood": "OSC is arriving from %s faster than this program takes it in: %s.",
    "too many waiting": "Dropped a time-tagged OSC bundle from %s: %s.",
}


class Hub:
    """One program's OSC. The program's one is ``default``; ``pgnet.osc``'s
    functions use it.

    Example:

        hub = Hub()
        hub.listen(9000)
        address, args, sender = hub.wait(None, 5.0)
    """

    def __init__(self):
        self._event_type = None  # kept for good: the game's loop knows this one
        self._reset()

    def _reset(self):
        self.receivers = []
        self.names = []  # advertised pgnet service names
        self.announcements = []
        self.handlers = []  # (Pattern, function)
        self.pending = deque()  # (data, sender) read, not decoded yet
        self.scheduled = []  # heap of (when, number, sender, messages)
        self.scheduled_count = 0
        self.inbox = deque()  # (address, args, sender) for wait_for_osc
        self.counts = Counter()
        self.warned = set()
        self._numbers = itertools.count()
        self._stops = []  # what stops the per-frame tick and the frame's wait on our sockets
        self._own_socket = None

    # -- listening -----------------------------------------------------------

    def listen(self, address=None, name=None, announce=False):
        """Listen for OSC on ``address``; advertise ``name``'s OSC port;
        announce it to phones. Returns the Receiver.

        Example: ``hub.listen(9000, name="drums")``"""
        full_name = service_name(name) if name is not None else None
        receiver = Receiver(address)
        self.receivers.append(receiver)
        if full_name is not None:
            where = receiver.port if receiver.everywhere else receiver.address
            discovery.advertise(full_name, where)
            self.names.append(full_name)
        if announce:
            label = name if name is not None else "pgnet %s" % receiver.port
            self.announcements.append(Announcement(label, receiver.port))
        if not self._stops:
            # Each frame, and the moment a packet comes while a game waits
            # for its next frame.
            self._stops = [scheduler.every_frame(self.tick),
                           scheduler.wake_on(self._sockets, self.tick)]
        if "pygame" in sys.modules:  # a game: the hook must exist before its loop starts
            self.event_type()
        return receiver

    def event_type(self):
        """The pygame event type of OSC messages (registered on first use,
        with the ``on_osc_message`` hook).

        Example: ``if event.type == hub.event_type(): ...``"""
        if self._event_type is None:
            from .. import pygame_events

            self._event_type = pygame_events.register_hook(HOOK, PARAMS)
        return self._event_type

    def on(self, pattern, function):
        """Call ``function`` for each message whose address matches
        ``pattern``, with any of ``address``, ``args``, ``sender`` it asks for.

        Example: ``hub.on("/pad/*", lambda args: print(args))``"""
        compiled = Pattern(pattern)
        code = getattr(function, "__code__", None)
        if code is None:
            raise TypeError("pgnet.osc.on() needs a function, not %r." % (function,))
        asked = code.co_varnames[:code.co_argcount]
        unknown = [name for name in asked if name not in PARAMS]
        if unknown:
            raise TypeError(
                "%s() asks for %s; an OSC handler can ask for address, args and "
                "sender only." % (function.__name__, ", ".join(unknown)))
        self.handlers.append((compiled, function))
        return function

    # -- collecting and delivering ------------------------------------------------

    def drop(self, kind, sender, detail, count=1):
        """Count ``count`` dropped packets or messages; warn the first time
        of each kind.

        Example: ``hub.drop("malformed", "10.0.0.5:4000", "no type tags")``"""
        self.counts[kind] += count
        if kind not in self.warned:
            self.warned.add(kind)
            warn(DroppedMessageWarning,
                 _WARNINGS[kind] + " pgnet drops such packets and counts them "
                 "(see pgnet.osc.counts()); this warning is not repeated.", sender, detail)

    def collect(self):
        """Read, decode and sort what arrived; return what is due now, as
        a list of ``(address, args, sender)``.

        Example: ``for address, args, sender in hub.collect(): ...``"""
        for receiver in self.receivers:
            found = receiver.read(READ_PER_FRAME, self._too_big, self._flooded)
            self.pending.extend(found)
            excess = len(self.pending) - WAITING_PACKETS
            if excess > 0:
                for _ in range(excess):
                    self.pending.popleft()
                self.drop("flood", found[-1][1],
                          "the oldest of the waiting packets were dropped", excess)
        now = time.time()
        due = []
        while self.scheduled and self.scheduled[0][0] <= now and len(due) < MESSAGES_PER_FRAME:
            _, _, sender, messages = heapq.heappop(self.scheduled)
            self.scheduled_count -= len(messages)
            due.extend((address, args, sender) for address, args in messages)
        while self.pending and len(due) < MESSAGES_PER_FRAME:
            data, sender = self.pending.popleft()
            try:
                groups = packets.decode(data)
            except packets.TooBig as why:
                self.drop("too big", sender, why)
                continue
            except packets.Malformed as why:
                self.drop("malformed", sender, why)
                continue
            for when, messages in groups:
                if when is None or when <= now:
                    due.extend((address, args, sender) for address, args in messages)
                else:
                    self._schedule(when, sender, messages)
        return due

    def _too_big(self, sender, size):
        self.drop("too big", sender, "%d bytes, more than the %d pgnet accepts"
                  % (size, packets.MAX_PACKET_BYTES))

    def _flooded(self, sender, count):
        self.drop("flood", sender, "this computer dropped %d packets it had no room for" % count, count)

    def _schedule(self, when, sender, messages):
        if self.scheduled_count + len(messages) > SCHEDULED_MESSAGES:
            self.drop("too many waiting", sender,
                      "%d messages already wait for their time" % self.scheduled_count)
            return
        self.scheduled_count += len(messages)
        heapq.heappush(self.scheduled, (when, next(self._numbers), sender, messages))

    def deliver(self, due, game):
        """Hand each message of ``due`` to the matching handlers, then to the
        game (``game`` True: as a pygame event for the hook) or to the inbox
        of ``wait_for_osc``.

        Example: ``hub.deliver(hub.collect(), game=False)``"""
        if game:
            import pygame

            from .. import pygame_events
        for address, args, sender in due:
            self.counts["received"] += 1
            values = {"address": address, "args": args, "sender": sender}
            for pattern, function in list(self.handlers):
                if pattern.matches(address):
                    self._call(function, values, shielded=game)
            if game:
                pygame_events.queue_event(pygame.event.Event(self.event_type(), values))
            else:
                if len(self.inbox) >= INBOX_MESSAGES:
                    self.inbox.popleft()
                    self.drop("flood", sender, "wait_for_osc() is not called often enough")
                self.inbox.append((address, args, sender))

    def _call(self, function, values, shielded):
        if not shielded:
            call_hook(function, values)
            return
        try:
            call_hook(function, values)
        except Exception:
            print("Error in %s for %s (pgnet keeps the network running):"
                  % (getattr(function, "__name__", "an OSC handler"), values["address"]),
                  file=sys.stderr)
            traceback.print_exc()

    def _sockets(self):
        return [sock for receiver in self.receivers for sock in receiver.sockets]

    def tick(self, now):
        """Once a frame (``scheduler.every_frame``): collect and deliver.

        Example: ``hub.tick(time.monotonic())``"""
        if self.receivers:
            self.deliver(self.collect(), game=scheduler.events_mode())

    def wait(self, pattern, wait_for_s):
        """The first message matching ``pattern`` (None: any) within
        ``wait_for_s`` seconds, as ``(address, args, sender)``, or
        ``(None, None, None)``. Messages before it that do not match are
        skipped (the ``on`` handlers have had them).

        Example: ``address, args, sender = hub.wait("/pad/*", 5.0)``"""
        if not self.receivers:
            raise PgnetError("Nothing is listening for OSC yet: call pgnet.osc.listen(PORT) first.")
        wanted = Pattern(pattern) if pattern is not None else None
        deadline = time.monotonic() + wait_for_s
        while True:
            self.deliver(self.collect(), game=False)
            while self.inbox:
                message = self.inbox.popleft()
                if wanted is None or wanted.matches(message[0]):
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None, None, None
            if self.pending:
                continue
            if self.scheduled:
                remaining = min(remaining, max(0.0, self.scheduled[0][0] - time.time()))
            select.select([s for r in self.receivers for s in r.sockets], [], [], remaining)

    # -- sending -------------------------------------------------------------------

    def send(self, target, data, wait_for_s):
        """Send the packet ``data`` to ``target``: an address, or the name a
        program listens for OSC under (looked up, waiting up to
        ``wait_for_s`` seconds; in a game the frame never waits: it is sent
        once found). True if sent (or, in a game, to be sent once found).

        Example: ``hub.send("drums", packets.encode_message("/hit", [1]), 5.0)``"""
        if addresses.is_address(target):
            return self._send_to(addresses.for_connecting(target), data, target)
        name = service_name(target)
        if scheduler.events_mode():
            scheduler.when_found(lambda found, _wait: discovery.known_address(found), name,
                                 lambda address: self._send_to(address, data, target))
            return True
        address = discovery.discover(name, wait_for_s)
        return address is not None and self._send_to(address, data, target)

    def _send_to(self, address, data, target):
        host, _, port = address.rpartition(":")
        try:
            self._sending_socket().sendto(data, (host, int(port)))
        except OSError as error:
            warn(NotSentWarning, "Could not send OSC to %s: %s.", target, error.strerror or error)
            return False
        return True

    def _sending_socket(self):
        # From the port we listen on, when it can reach everywhere: some
        # programs answer the port a message came from.
        for receiver in self.receivers:
            if receiver.everywhere:
                return receiver.socket
        if self._own_socket is None:
            self._own_socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self._own_socket.setblocking(False)
        return self._own_socket

    def close(self):
        """Stop listening, advertising and announcing; forget what waits.

        Example: ``hub.close()``"""
        for receiver in self.receivers:
            receiver.close()
        if self._own_socket is not None:
            self._own_socket.close()
        for name in self.names:
            discovery.unadvertise(name)
        for announcement in self.announcements:
            announcement.stop()
        for stop in self._stops:
            stop()
        self._reset()


#: This program's OSC.
default = Hub()
