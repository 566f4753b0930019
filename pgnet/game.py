"""pgnet in games: network events for pygame, hooks for Pygame Zero.

In a **Pygame Zero** game, ``import pgnet`` is all it takes. Define any of
these hooks and pgnet calls them, like Pygame Zero calls ``on_key_down``:

| hook | called when |
| --- | --- |
| `on_network_message(message, sender)` | a message arrives; what the hook returns is sent back as the reply |
| `on_network_reply(reply, sender)` | the reply to your `send_message` |
| `on_network_command(command, params, sender)` | a command arrives |
| `on_network_news(topic, news, sender)` | news you subscribed to arrives |
| `on_service_found(name, address)` | a program you `watch` appears |
| `on_service_lost(name, address)` | ... or goes away |

As with Pygame Zero's own hooks, take only the parameters you need:

    import pgnet

    pgnet.listen("pong")

    def on_network_message(message):
        return "You said " + message

In a **plain pygame** program, call ``pump`` once a frame and handle the
events in your loop; see ``docs/pygame.md``.

Every frame pgnet collects what arrived, without ever waiting, and turns
it into pygame events: in Pygame Zero it hands them straight to your hooks
in that same frame, before ``update()``; in plain pygame it posts them to
pygame's event queue. A flood of messages is handed over in order, a few
milliseconds' worth (``TIME_PER_FRAME_S``, at most ``EVENTS_PER_FRAME``
events) each frame, so it never freezes a frame and nothing is lost.
"""

import importlib
import sys
import time
import traceback
from collections import deque

import pygame

from . import discovery, messaging
from .errors import log

#: At most this many network events are posted per frame; the rest wait,
#: in order, for the next frames.
EVENTS_PER_FRAME = 500

#: pgnet stops collecting for this frame once it has spent this long, in
#: seconds (a flood costs some 25 us an event on a PC, several times that
#: on a Raspberry Pi); the rest waits, in order, for the next frames.
TIME_PER_FRAME_S = 0.004

_BATCH = 25  # events collected between two looks at the clock

MESSAGE = pygame.event.custom_type()
REPLY = pygame.event.custom_type()
COMMAND = pygame.event.custom_type()
NEWS = pygame.event.custom_type()
SERVICE_FOUND = pygame.event.custom_type()
SERVICE_LOST = pygame.event.custom_type()

#: Each event type, its Pygame Zero hook and the attributes its events carry.
HOOKS = {
    MESSAGE: ("on_network_message", ["message", "sender", "address"]),
    REPLY: ("on_network_reply", ["reply", "sender"]),
    COMMAND: ("on_network_command", ["command", "params", "sender", "address"]),
    NEWS: ("on_network_news", ["topic", "news", "sender"]),
    SERVICE_FOUND: ("on_service_found", ["name", "address"]),
    SERVICE_LOST: ("on_service_lost", ["name", "address"]),
}

_installed = False
_game = None  # the running Pygame Zero game, once its loop has started
_for_hooks = deque()  # its events, handed to its hooks at the clock tick
_backlog = deque()  # events collected but not yet posted
_watched = set()  # names whose comings and goings become events
_watch_all = False


def _event_for(arrival):
    """The pygame event for something that arrived on a socket."""
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


def _is_watched(name):
    return _watch_all or name in _watched


def _collect():
    """Move what arrived (network and discovery) into the backlog."""
    if _watched or _watch_all:
        changes = discovery.beacon().changes
        while changes:
            change = changes.popleft()
            if _is_watched(change.name):
                kind = SERVICE_FOUND if change.kind == "found" else SERVICE_LOST
                _backlog.append(
                    pygame.event.Event(kind, name=change.name, address=change.address)
                )
    deadline = time.perf_counter() + TIME_PER_FRAME_S
    first = True
    while True:
        room = min(_BATCH, EVENTS_PER_FRAME - len(_backlog))
        if room <= 0:
            if first:  # a full backlog: still do the frame's chores
                messaging.pump(0)
            return
        arrivals = messaging.pump(room, tick=first)
        first = False
        _backlog.extend(_event_for(a) for a in arrivals)
        if len(arrivals) < room or time.perf_counter() >= deadline:
            return


def pump():
    """Collect what arrived on the network and post it as pygame events.

    Call it once a frame in a plain pygame loop (Pygame Zero games don't
    need to: pgnet does it for them, and hands the events straight to the
    hooks, in the same frame). It never waits. It spends at most
    about ``TIME_PER_FRAME_S`` collecting and posts at most
    ``EVENTS_PER_FRAME`` events per call; any more wait for the next
    call, in order.

    Example:

        while running:
            pgnet.pump()
            for event in pygame.event.get():
                if event.type == pgnet.MESSAGE:
                    pgnet.reply_to(event, "got it")
    """
    messaging.use_events()
    _collect()
    posted = 0
    while _backlog and posted < EVENTS_PER_FRAME:
        if _game is not None:  # Pygame Zero: see _dispatch_now
            _for_hooks.append(_backlog.popleft())
            posted += 1
            continue
        event = _backlog[0]
        try:
            accepted = pygame.event.post(event)
        except pygame.error:  # the queue is full: try again next frame
            break
        if accepted is False:  # blocked by pygame.event.set_blocked
            log.debug("pygame blocked a network event of type %d", event.type)
        _backlog.popleft()
        posted += 1


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
    global _watch_all
    if name is None:
        _watch_all = True
    else:
        discovery.check_name(name)
        _watched.add(name)
    peer = discovery.beacon()
    peer.record_changes = True
    for service in peer.services():
        if name is None or service.name == name:
            _backlog.append(
                pygame.event.Event(SERVICE_FOUND, name=service.name, address=service.address)
            )


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
    messaging.answer(event.arrival, reply)


# -- Pygame Zero ---------------------------------------------------------------

def _on_tick(dt):
    # pgzero's clock drops a callback that raises even once, so nothing may
    # escape from here or the game would silently stop hearing the network.
    try:
        pump()
        _dispatch_now()
    except Exception:
        log.error("pgnet: error while polling the network:\n%s", traceback.format_exc())


def _dispatch_now():
    """Give the events pump() just collected to the game's hooks now, in
    order, from the clock tick: posted as pygame events they would reach
    the hooks only in the next frame's event loop, a frame later.

    Uses the game's own table of prepared hooks (``handlers``), which both
    Pygame Zero 1.2 and its newer versions keep."""
    while _for_hooks:
        event = _for_hooks.popleft()
        handler = _game.handlers.get(event.type)
        if handler is not None:
            _game.need_redraw = True  # as Pygame Zero 1.2 does after an event
            handler(event)


def _run_hook(handler, event):
    """Call a game's network hook: its errors are shown, not fatal."""
    try:
        result = handler(event)
    except Exception:
        name = HOOKS[event.type][0]
        print("Error in %s (pgnet keeps the network running):" % name, file=sys.stderr)
        traceback.print_exc()
        return None
    if event.type == MESSAGE:
        messaging.answer(event.arrival, result)
    return result


def _wrap_prepare_handler(original):
    def prepare_handler(self, handler):
        global _game
        _game = self  # pgzero prepares the handlers as its loop starts
        prepared = original(self, handler)

        def dispatch(event):
            if event.type in HOOKS:
                return _run_hook(prepared, event)
            return prepared(event)

        return dispatch

    prepare_handler.pgnet_wrapped = True
    return prepare_handler


def install_pgzero():
    """Teach Pygame Zero the network hooks. Done by ``import pgnet`` in a
    Pygame Zero game; calling it again does nothing."""
    global _installed
    if _installed:
        return
    _installed = True
    # By module name: this can run while pgzero.game is still being imported.
    clock = importlib.import_module("pgzero.clock")
    game_class = importlib.import_module("pgzero.game").PGZeroGame
    for event_type in HOOKS:
        _install_hook(event_type)
    if not getattr(game_class.prepare_handler, "pgnet_wrapped", False):
        game_class.prepare_handler = _wrap_prepare_handler(game_class.prepare_handler)
    # each_tick keeps only a weak reference; this module keeps _on_tick alive.
    clock.clock.each_tick(_on_tick)
    messaging.use_events()


def _install_hook(event_type):
    """Tell Pygame Zero which hook gets events of ``event_type``, and its
    spell checker which parameters that hook may take."""
    game_class = importlib.import_module("pgzero.game").PGZeroGame
    hook, params = HOOKS[event_type]
    game_class.EVENT_HANDLERS[event_type] = hook
    teach_spellcheck(hook, params)


def teach_spellcheck(hook, params):
    """Tell Pygame Zero's spell checker about a hook pgnet adds, so that a
    misspelt hook gets "did you mean ...?" and a wrong parameter an error."""
    spellcheck = importlib.import_module("pgzero.spellcheck")
    if hook not in spellcheck.HOOKS:
        spellcheck.HOOKS.append(hook)
    spellcheck.VALID_PARAMS[hook] = params


# -- for pgnet's own helpers (two-player games) ---------------------------------

def register_hook(hook, params):
    """A new pgnet event type whose events go to the Pygame Zero hook ``hook``.

    ``params`` lists the event's attributes, which are the parameters the
    hook may take. Used by pgnet's helpers (``pgnet.two_player`` registers
    ``on_player_joined(player)`` and others); errors in these hooks are shown
    without stopping the game, as for the network hooks.

    Example:

        JOINED = register_hook("on_player_joined", ["player"])
        queue_event(pygame.event.Event(JOINED, player=someone))
    """
    event_type = pygame.event.custom_type()
    HOOKS[event_type] = (hook, list(params))
    if _installed:
        _install_hook(event_type)
    return event_type


def queue_event(event):
    """Post ``event`` with the network events, at the next ``pump``:
    in order with them, and kept (not lost) if pygame's queue is full.

    Example:

        queue_event(pygame.event.Event(JOINED, player=someone))
    """
    _backlog.append(event)
