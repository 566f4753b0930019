"""pgnet inside Pygame Zero: the one place pgnet plugs into its game loop.

``import pgnet`` in a Pygame Zero game is all it takes. Then, every frame,
pgnet collects what arrived on the network and calls your hooks, the way
Pygame Zero calls ``on_key_down``:

    import pgnet

    pgnet.listen("pong")

    def on_network_message(message, sender):
        return "You said " + message      # the reply

Three families of hooks come in through here, all the same way: the
network hooks (``pgnet.pygame_events``), the gamepad hooks
(``pgnet.joystick``) and the two-player hooks (``pgnet.twoplayer``). For each,
pgnet:

* tells Pygame Zero's spell checker the hook and its parameters, so that
  ``on_network_mesage`` gets "did you mean on_network_message?" and a wrong
  parameter name an error;
* calls your hook with just the parameters it asks for (``call_hook``);
* shows an error raised in a network or two-player hook without stopping
  the game (the network keeps running), as Pygame Zero would for a key hook
  only if you caught it yourself.

Hooks run the moment a message arrives, not once a frame: Pygame Zero's
loop sleeps between frames in ``clock.tick(60)``, and pgnet gives that loop a
clock (``waking_clock``) whose ``tick`` spends the sleep waiting on pgnet's
sockets instead (``pgnet.pygame_events.wait_frame``), runs the hooks as
soon as something arrives, and leaves the last moment to the real
``tick``, so the frame rate does not change. Where the loop does not make its
clock that way, what arrived is still handed over once a frame, from
Pygame Zero's clock.

How it gets in: ``import pgnet`` must not import pygame (a headless robot
has none), yet in a game it must be ready before the loop starts. So
``install_when_pgzero_runs`` installs at once if Pygame Zero is loaded, and
otherwise watches for ``pgzero.game`` being imported later (``import pgnet``
written above ``import pgzrun``) and installs then.

Thread model: the hooks run in the thread running the game loop (the main
thread), between one frame's ``draw()`` and the next one's ``update()``.
"""

import importlib
import sys

from .errors import MessageError, log

_TRIGGER = "pgzero.game"
_installed = False


def call_hook(hook, values):
    """Call ``hook`` with the values (a dict, by parameter name) it asks for.

    As in Pygame Zero, a hook takes only the parameters it needs, in any
    order: ``def on_network_message(sender)`` gets just the sender.

    Example:

        call_hook(on_network_message, {"message": "hi", "sender": "ada"})
    """
    code = hook.__code__
    wanted = code.co_varnames[: code.co_argcount]
    return hook(**{name: values[name] for name in wanted})


def _event_values(event, hook):
    return {name: getattr(event, name) for name in hook.params}


def _handler(function, hook, values_of, shielded):
    """The game's handler for one event type: the values of each event, then
    ``function`` (the user's hook, or None) called with those it asks for.

    ``shielded`` hooks' errors are shown, not fatal; a message hook's result
    is sent back as the reply."""

    def handle(event):
        values = values_of(event, hook)  # even without a hook: opens gamepads
        if not callable(function):
            return None
        if not shielded:
            return call_hook(function, values)
        from . import messaging

        asked = event.type == _message_type()
        try:
            result = call_hook(function, values)
            if asked:  # what the hook returns is the reply
                messaging.reply_to_arrival(event.arrival, result, hook.name)
        except Exception as error:
            print("Error in %s (pgnet keeps the network running):" % hook.name,
                  file=sys.stderr)
            import traceback

            traceback.print_exc()
            if asked and not isinstance(error, MessageError):  # (the asker was told)
                messaging.reply_error_to_arrival(event.arrival, "its %s raised %s: %s"
                                                 % (hook.name, type(error).__name__, error))
            return None
        return result

    return handle


def _message_type():
    from . import pygame_events

    return pygame_events.MESSAGE


def _hook_families():
    """``(hooks, values_of, shielded)`` for each family of pgnet hooks."""
    from . import joystick, pygame_events

    return [
        (pygame_events.HOOKS, _event_values, True),
        (joystick.HOOKS, lambda event, hook: joystick.hook_values(event), False),
    ]


def teach_spellcheck(hook, params):
    """Tell Pygame Zero's spell checker about a hook pgnet adds, so that a
    misspelt hook gets "did you mean ...?" and a wrong parameter an error.

    Example:

        teach_spellcheck("on_network_message", ["message", "sender", "address"])
    """
    spellcheck = importlib.import_module("pgzero.spellcheck")
    # Pygame Zero 1.2 keeps the hook names in HOOKS, its newer versions in EVENT_HOOKS.
    known = getattr(spellcheck, "HOOKS", None)
    if known is None:
        known = getattr(spellcheck, "EVENT_HOOKS", None)
    if known is not None and hook not in known:
        known.append(hook)
    spellcheck.VALID_PARAMS[hook] = list(params)


def _wrap_load_handlers(original):
    """Pygame Zero's ``load_handlers``, plus pgnet's hooks.

    It runs as the game loop starts, after every helper has registered its
    hooks, so every pgnet hook is known by then."""

    def load_handlers(game):
        _restore_clock()  # the loop has made its clock by now, if it ever does
        families = _hook_families()
        for hooks, _, _ in families:
            for event_type, hook in hooks.items():
                game.EVENT_HANDLERS[event_type] = hook.name
                teach_spellcheck(hook.name, hook.params)
        original(game)  # Pygame Zero's own handlers, and its spell check
        for hooks, values_of, shielded in families:
            for event_type, hook in hooks.items():
                function = getattr(game.mod, hook.name, None)
                if callable(function) or not shielded:
                    game.handlers[event_type] = _handler(function, hook, values_of, shielded)
                else:
                    game.handlers.pop(event_type, None)
        _deliver_to(game)
        from . import auth, scheduler

        auth.key_ready()  # (a password set by the game's own code: its key too)
        scheduler.default.in_frames = True  # the game loop starts now

    load_handlers.pgnet_wrapped = True
    return load_handlers


def _deliver_to(game):
    """Send the network events straight to ``game``'s hooks, in the frame
    they are collected: posted as pygame events they would reach the hooks
    only in the next frame's event loop.

    Uses the game's own table of handlers (``handlers``), which both
    Pygame Zero 1.2 and its newer versions keep."""
    from . import pygame_events

    def receive(event):
        handler = game.handlers.get(event.type)
        if handler is not None:
            game.need_redraw = True  # as Pygame Zero does after an event
            handler(event)

    pygame_events.events.receiver = receive


class WakingClock:
    """A pygame ``Clock`` whose ``tick(fps)`` hands network events to the
    hooks while it waits for the next frame (see
    ``pgnet.pygame_events.wait_frame``); everything else is the clock's own.

    Example:

        clock = WakingClock(pygame.time.Clock())
        dt = clock.tick(60)        # as long as pygame's own tick(60)
    """

    def __init__(self, clock):
        self.clock = clock

    def tick(self, framerate=0):
        """Wait for the next frame like ``Clock.tick``, running hooks meanwhile.

        Example: ``dt = clock.tick(60) / 1000.0``"""
        from . import pygame_events

        return pygame_events.wait_frame(self.clock, framerate)

    def __getattr__(self, name):
        return getattr(self.clock, name)


def _give_loop_a_waking_clock():
    """Until the game loop makes its clock (the first thing it does, in
    every Pygame Zero version), ``pygame.time.Clock()`` makes a
    ``WakingClock``; then it is pygame's own again."""
    pygame_time = importlib.import_module("pygame.time")
    real = getattr(pygame_time.Clock, "pgnet_real", pygame_time.Clock)

    def waking_clock(*args, **kwargs):
        pygame_time.Clock = real
        return WakingClock(real(*args, **kwargs))

    waking_clock.pgnet_real = real
    pygame_time.Clock = waking_clock


def _restore_clock():
    pygame_time = importlib.import_module("pygame.time")
    pygame_time.Clock = getattr(pygame_time.Clock, "pgnet_real", pygame_time.Clock)


def _wrap_mainloop(original):
    """Pygame Zero's ``mainloop``, with a waking clock. Works whether it is
    a plain function (1.2) or a coroutine (later versions): the clock is
    swapped before it starts, and swapped back when it loads its handlers."""

    def mainloop(game, *args, **kwargs):
        _give_loop_a_waking_clock()
        return original(game, *args, **kwargs)

    mainloop.pgnet_wrapped = True
    return mainloop


def _on_tick(dt):
    # pgzero's clock drops a callback that raises even once, so nothing may
    # escape from here or the game would silently stop hearing the network.
    from . import pygame_events

    try:
        pygame_events.pump()
    except Exception:
        import traceback

        log.error("pgnet: error while polling the network:\n%s", traceback.format_exc())


def install():
    """Teach Pygame Zero pgnet's hooks. Done by ``import pgnet`` in a
    Pygame Zero game; calling it again does nothing.

    Example:

        import pgzrun, pgnet      # installs for you
    """
    global _installed
    if _installed:
        return
    _installed = True
    # Loaded now, as a game will use them from its first frame.
    importlib.import_module("pgnet.pygame_events")
    from . import auth, scheduler

    # With a password, the room key (about 50 ms) is derived in the
    # background from now on, ready before a frame needs it.
    auth.key_ready()

    # By module name: this can run while pgzero.game is still being imported.
    clock = importlib.import_module("pgzero.clock")
    game_class = importlib.import_module(_TRIGGER).PGZeroGame
    if not getattr(game_class.load_handlers, "pgnet_wrapped", False):
        game_class.load_handlers = _wrap_load_handlers(game_class.load_handlers)
    if not getattr(game_class.mainloop, "pgnet_wrapped", False):
        game_class.mainloop = _wrap_mainloop(game_class.mainloop)
    # each_tick keeps only a weak reference; this module keeps _on_tick alive.
    clock.clock.each_tick(_on_tick)
    scheduler.use_events()


class _AfterImport:
    """Finds nothing itself; wraps the real loader of ``pgzero.game`` so
    that pgnet installs its hooks right after that module has run.

    (A finder and a loader by what it does: importlib.abc's base classes
    would cost every ``import pgnet`` several milliseconds.)"""

    def find_spec(self, fullname, path, target=None):
        if fullname != _TRIGGER:
            return None
        sys.meta_path.remove(self)
        try:
            import importlib.util

            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return None
        self._real_loader = spec.loader
        spec.loader = self
        return spec

    def create_module(self, spec):
        return self._real_loader.create_module(spec)

    def exec_module(self, module):
        self._real_loader.exec_module(module)
        # Give the module its real loader back: pkgutil.get_data() asks it
        # for files (Pygame Zero loads its window icon so), which this
        # wrapper cannot serve.
        module.__loader__ = module.__spec__.loader = self._real_loader
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        install()


def install_when_pgzero_runs():
    """Install the Pygame Zero hooks now, or as soon as Pygame Zero loads.

    Called by ``import pgnet``; it imports nothing of pygame's itself.

    Example:

        install_when_pgzero_runs()
        import pgzrun          # pgnet's hooks are ready
    """
    if _TRIGGER in sys.modules:
        install()
    elif not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport())
