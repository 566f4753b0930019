"""Network events for pygame: what arrived, as pygame events.

In a **plain pygame** program, call ``pump`` once a frame and handle the
events in your loop (see ``docs/pygame.md``):

    while running:
        pgnet.pump()
        for event in pygame.event.get():
            if event.type == pgnet.MESSAGE:
                pgnet.reply_to(event, "got it")

In a **Pygame Zero** game you need none of this: ``import pgnet`` and define
hooks such as ``on_network_message(message, sender)``; pgnet pumps every
frame for you and hands the events straight to your hooks (see
``pgnet.pgzero_hooks``).

| event type | hook | attributes |
| --- | --- | --- |
| `MESSAGE` | `on_network_message` | `message`, `sender`, `address` |
| `REPLY` | `on_network_reply` | `reply`, `sender` |
| `COMMAND` | `on_network_command` | `command`, `params`, `sender`, `address` |
| `NEWS` | `on_network_news` | `topic`, `news`, `sender` |
| `SERVICE_FOUND` | `on_service_found` | `name`, `address` |
| `SERVICE_LOST` | `on_service_lost` | `name`, `address` |

Every frame pgnet collects what arrived without ever waiting. A flood is
handed over in order, a few milliseconds' worth each frame
(``settings.time_per_frame_s``, at most ``settings.events_per_frame``
events), so it never freezes a frame and nothing is lost.

A game spends most of each frame asleep, waiting for the next one.
``wait_frame(clock, fps)``, in place of ``clock.tick(fps)``, spends that
time waiting on pgnet's sockets instead, and hands over what arrives at once
(Pygame Zero games do it by themselves: see ``pgnet.pgzero_hooks``).

Thread model: everything here belongs to the thread running the game loop
(the main thread). Other threads must not call ``pump``.
"""

import sys
import time
from collections import deque, namedtuple

import pygame

from . import discovery, messaging, scheduler
from .errors import log
from .settings import settings

_BATCH = 25  # events collected between two looks at the clock
# wait_frame leaves this much of the frame to the real clock.tick(): enough
# for a last look at the sockets and for a wait's lateness, so the frame is
# never late because of pgnet. What arrives in it waits for the next frame's
# start, so it is kept short (1.5 ms made the slowest 1% of hooks 2-3 ms
# late; 0.5 ms, 1 ms), except on Windows, whose waits are coarser.
_MARGIN_S = 0.0015 if sys.platform == "win32" else 0.0005

#: A Pygame Zero hook: its ``name`` and the ``params`` it may take (the
#: attributes of its events).
Hook = namedtuple("Hook", "name params")

MESSAGE = pygame.event.custom_type()
REPLY = pygame.event.custom_type()
COMMAND = pygame.event.custom_type()
NEWS = pygame.event.custom_type()
SERVICE_FOUND = pygame.event.custom_type()
SERVICE_LOST = pygame.event.custom_type()

#: Every pgnet event type and the hook its events go to in Pygame Zero:
#: the network events above, and those of pgnet's helpers (``register_hook``).
HOOKS = {
    MESSAGE: Hook("on_network_message", ("message", "sender", "address")),
    REPLY: Hook("on_network_reply", ("reply", "sender")),
    COMMAND: Hook("on_network_command", ("command", "params", "sender", "address")),
    NEWS: Hook("on_network_news", ("topic", "news", "sender")),
    SERVICE_FOUND: Hook("on_service_found", ("name", "address")),
    SERVICE_LOST: Hook("on_service_lost", ("name", "address")),
}


def register_hook(hook, params):
    """A new pgnet event type whose events go to the Pygame Zero hook ``hook``.

    ``params`` lists the event's attributes, which are the parameters the
    hook may take. Used by pgnet's helpers (``pgnet.two_player`` registers
    ``on_player_joined(player)`` and others) before the game loop starts;
    errors in these hooks are shown without stopping the game, as for the
    network hooks.

    Example:

        JOINED = register_hook("on_player_joined", ["player"])
        queue_event(pygame.event.Event(JOINED, player=someone))
    """
    event_type = pygame.event.custom_type()
    HOOKS[event_type] = Hook(hook, tuple(params))
    return event_type


def event_for(arrival):
    """The pygame event for something that arrived on a socket (an
    ``Arrival`` from ``pgnet.scheduler.pump``).

    Example:

        for arrival in scheduler.pump():
            pygame.event.post(event_for(arrival))
    """
    if arrival.kind == "message":
        return pygame.event.Event(
            MESSAGE, message=arrival.data, sender=arrival.sender,
            address=arrival.source, arrival=arrival,
        )
    if arrival.kind == "reply":
        return pygame.event.Event(REPLY, reply=arrival.data, sender=arrival.sender)
    if arrival.kind == "command":
        command, params = arrival.data
        return pygame.event.Event(
            COMMAND, command=command, params=params,
            sender=arrival.sender, address=arrival.source,
        )
    return pygame.event.Event(
        NEWS, topic=arrival.extra, news=arrival.data, sender=arrival.sender
    )


class NetworkEvents:
    """The events collected for one game loop, and where they go.

    There is one, ``events``; the module's functions use it. By default
    events go to pygame's event queue; in a Pygame Zero game
    ``pgnet.pgzero_hooks`` sets ``receiver`` so they go straight to the
    game's hooks instead, in the same frame.

    Example:

        events.queue(pygame.event.Event(pgnet.MESSAGE, message="hi"))
        events.pump()
    """

    def __init__(self):
        self.backlog = deque()  # events collected, not yet handed over
        self.watched = set()  # names whose comings and goings become events
        self.watch_all = False
        self.on_machine = {}  # watched "name@machine" -> its address when last looked
        #: Called with each event instead of posting it (Pygame Zero), or None.
        self.receiver = None
        self._clock = self._ticked_at = None  # the clock wait_frame last ticked, and when

    def pump(self):
        """Collect what arrived and hand it over (see the module's ``pump``)."""
        scheduler.use_events()
        self._collect()
        self._hand_over()

    def wait_frame(self, clock, fps, handle=None):
        """``clock.tick(fps)``, handing over what arrives while it waits
        (see the module's ``wait_frame``)."""
        if fps and clock is self._clock:
            due = self._ticked_at + int(1000 / fps) / 1000 - _MARGIN_S
            self._wake_until(due, handle or self.receiver)
        passed = clock.tick(fps)
        self._clock, self._ticked_at = clock, time.perf_counter()
        return passed

    def _wake_until(self, due, receiver):
        """Until ``due`` (``time.perf_counter()``), wait on pgnet's sockets
        and hand over whatever arrives the moment it does."""
        while True:
            # zmq_poll counts whole milliseconds: round down, never past due.
            wait_ms = int((due - time.perf_counter()) * 1000)
            if wait_ms < 1 or not scheduler.wait_for_input(wait_ms):
                return
            self._collect(tick=False, until=due)
            self._hand_over(receiver, until=due)
            if self.backlog:  # pygame's queue is full: the next pump() carries on
                return

    def _collect(self, tick=True, until=None):
        """Move what arrived (network and discovery) into the backlog,
        spending at most ``settings.time_per_frame_s`` (or until ``until``)."""
        if self.watched or self.watch_all:
            changes = discovery.get_beacon().changes
            while changes:
                change = changes.popleft()
                if self.watch_all or change.name in self.watched:
                    kind = SERVICE_FOUND if change.kind == "found" else SERVICE_LOST
                    self.backlog.append(
                        pygame.event.Event(kind, name=change.name, address=change.address)
                    )
        for name, before in self.on_machine.items():
            # "name@machine" has no changes of its own: look each frame.
            after = discovery.known_address(name)
            if after != before:
                self.on_machine[name] = after
                if before is not None:
                    self.backlog.append(pygame.event.Event(SERVICE_LOST, name=name, address=before))
                if after is not None:
                    self.backlog.append(pygame.event.Event(SERVICE_FOUND, name=name, address=after))
        limit = settings.events_per_frame
        deadline = time.perf_counter() + settings.time_per_frame_s
        if until is not None:
            deadline = min(deadline, until)
        first = tick
        while True:
            room = min(_BATCH, limit - len(self.backlog))
            if room <= 0:
                if first:  # a full backlog: still do the frame's chores
                    scheduler.pump(0)
                return
            arrivals = scheduler.pump(room, tick=first)
            first = False
            self.backlog.extend(event_for(a) for a in arrivals)
            if len(arrivals) < room or time.perf_counter() >= deadline:
                return

    def _hand_over(self, receiver=None, until=None):
        """Give at most a frame's worth of the backlog to the receiver, or
        post it to pygame's queue (kept, in order, if the queue is full).

        A receiver (the game's hooks) runs the game's own code, so the clock
        limits it: until ``until`` (``time.perf_counter()``, the end of the
        frame's idle time), else for ``settings.time_per_frame_s``. It is
        read after every ``_BATCH`` events, so that events that came
        together (an OSC bundle) are handed over together, and a frame gets
        through some of a flood even when the hooks are slow."""
        backlog = self.backlog
        receiver = receiver or self.receiver
        if receiver is not None:
            if until is None:
                until = time.perf_counter() + settings.time_per_frame_s
            handed = 0
            while backlog and handed < settings.events_per_frame:
                receiver(backlog.popleft())
                handed += 1
                if handed % _BATCH == 0 and time.perf_counter() >= until:
                    break
            return
        handed = 0
        while backlog and handed < settings.events_per_frame:
            event = backlog[0]
            try:
                accepted = pygame.event.post(event)
            except pygame.error:  # the queue is full: try again next frame
                break
            if accepted is False:  # blocked by pygame.event.set_blocked
                log.debug("pygame blocked a network event of type %d", event.type)
            backlog.popleft()
            handed += 1

    def watch(self, name=None):
        """Report the comings and goings of ``name`` (or of every name)."""
        if name is None:
            self.watch_all = True
        else:
            discovery.check_name(name)
            if discovery.split_machine(name)[1] is not None:
                self.on_machine.setdefault(name, None)
            self.watched.add(name)
        peer = discovery.get_beacon()
        peer.record_changes = True
        for service in peer.services():
            if name is None or service.name == name:
                self.backlog.append(
                    pygame.event.Event(SERVICE_FOUND, name=service.name, address=service.address)
                )

    def queue(self, event):
        """Hand ``event`` over with the network events, at the next pump."""
        self.backlog.append(event)

    def is_queued(self, event):
        """True while ``event`` (this very object) waits to be handed over."""
        return any(queued is event for queued in self.backlog)


#: The game loop's events: what ``pump``, ``watch`` and ``queue_event`` use.
events = NetworkEvents()


def pump():
    """Collect what arrived on the network and post it as pygame events.

    Call it once a frame in a plain pygame loop (Pygame Zero games don't
    need to: pgnet does it for them, and hands the events straight to the
    hooks, in the same frame). It never waits. It spends at most about
    ``settings.time_per_frame_s`` collecting and posts at most
    ``settings.events_per_frame`` events per call; any more wait for the
    next call, in order.

    Example:

        while running:
            pgnet.pump()
            for event in pygame.event.get():
                if event.type == pgnet.MESSAGE:
                    pgnet.reply_to(event, "got it")
    """
    events.pump()


def wait_frame(clock, fps, handle=None):
    """Wait for the next frame, as ``clock.tick(fps)`` does, and meanwhile
    hand over network events the moment they arrive.

    Use it in place of ``clock.tick(fps)`` in a plain pygame loop, with
    ``pump()`` once a frame as before. The frame rate stays the same: it
    returns when ``clock.tick(fps)`` would, and returns what it returns
    (the milliseconds since the last frame). What arrives while it waits is
    posted to pygame's queue at once; with ``handle``, a function, each
    event is passed to it instead, the moment it arrives, so you can answer
    it without waiting for the next frame. (Pygame Zero games need none of
    this: pgnet does it for them.)

    Example:

        clock = pygame.time.Clock()
        while running:
            pgnet.pump()
            for event in pygame.event.get():
                ...
            pgnet.wait_frame(clock, 60)          # instead of clock.tick(60)
    """
    return events.wait_frame(clock, fps, handle)


def watch(name=None):
    """Get ``SERVICE_FOUND`` / ``SERVICE_LOST`` events (and the
    ``on_service_found`` / ``on_service_lost`` hooks) for ``name``, or for
    every service on the network if you leave ``name`` out.

    Services already on the network are reported at once. Returns at once.

    Example:

        pgnet.watch("pong")

        def on_service_found(name, address):
            print(name, "is at", address)
    """
    events.watch(name)


def reply_to(event, reply):
    """Answer a ``pgnet.MESSAGE`` event (in a plain pygame loop).

    In Pygame Zero you don't need this: return the reply from
    ``on_network_message`` instead.

    Example:

        if event.type == pgnet.MESSAGE:
            pgnet.reply_to(event, "Hello, " + event.message)
    """
    if getattr(event, "type", None) != MESSAGE:
        raise TypeError("reply_to() answers a pgnet.MESSAGE event, not %r." % (event,))
    messaging.reply_to_arrival(event.arrival, reply)


def queue_event(event):
    """Post ``event`` with the network events, at the next ``pump``:
    in order with them, and kept (not lost) if pygame's queue is full.

    Example:

        queue_event(pygame.event.Event(JOINED, player=someone))
    """
    events.queue(event)


def is_queued(event):
    """True while ``event`` (this very object) waits in the backlog for the
    next ``pump``; for helpers that must not queue the same thing twice.

    Example:

        if not is_queued(joined):
            queue_event(joined)
    """
    return events.is_queued(event)
