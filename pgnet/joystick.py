"""Gamepad (joystick) hooks for Pygame Zero.

Pygame Zero 1.2 has hooks for the keyboard and the mouse but none for a
gamepad, so pgnet adds them, the same way it adds the network hooks. In a
Pygame Zero game that does ``import pgnet``, define any of these:

| hook | called when |
| --- | --- |
| `on_joystick_move(axis, value, joystick)` | a stick moves: `axis` 0 is left/right, 1 is up/down (up is negative); `value` is -1 to 1 |
| `on_joystick_down(button, joystick)` | a button is pressed (`button` is its number: 0, 1, 2...) |
| `on_joystick_up(button, joystick)` | ... and released |
| `on_joystick_hat(hat, value, joystick)` | the d-pad (a "hat") moves; `value` is `(x, y)`, each -1, 0 or 1; up is `y = 1` |
| `on_joystick_added(joystick, name)` | a gamepad is plugged in (also for those plugged in at start) |
| `on_joystick_removed(joystick)` | a gamepad is unplugged |

``joystick`` says which gamepad (a number), for games with several. As with
every Pygame Zero hook, take only the parameters you need:

    import pgzrun
    import pgnet

    def on_joystick_move(axis, value):
        print("stick", axis, "is at", value)

    def on_joystick_down(button):
        print("button", button, "pressed")

    pgzrun.go()

pgnet opens each gamepad as it is plugged in (pygame sends nothing for a
gamepad that has not been opened). Unlike the mouse hooks, ``button`` here
is a plain number.
"""

import importlib

import pygame

from .game import teach_spellcheck

#: Each pygame joystick event type, its hook and the hook's parameters.
HOOKS = {
    pygame.JOYAXISMOTION: ("on_joystick_move", ["axis", "value", "joystick"]),
    pygame.JOYBUTTONDOWN: ("on_joystick_down", ["button", "joystick"]),
    pygame.JOYBUTTONUP: ("on_joystick_up", ["button", "joystick"]),
    pygame.JOYHATMOTION: ("on_joystick_hat", ["hat", "value", "joystick"]),
    pygame.JOYDEVICEADDED: ("on_joystick_added", ["joystick", "name"]),
    pygame.JOYDEVICEREMOVED: ("on_joystick_removed", ["joystick"]),
}

_installed = False
_opened = {}  # joystick number (pygame's instance id) -> pygame Joystick


def _which(event):
    return getattr(event, "instance_id", getattr(event, "joy", 0))


def _values(event):
    """The hook's arguments for ``event``; also opens and forgets gamepads."""
    if event.type == pygame.JOYDEVICEADDED:
        try:
            stick = pygame.joystick.Joystick(event.device_index)
            stick.init()
        except pygame.error:  # gone already (or a made-up event, in tests)
            return {"joystick": event.device_index, "name": "gamepad"}
        _opened[stick.get_instance_id()] = stick
        return {"joystick": stick.get_instance_id(), "name": stick.get_name()}
    if event.type == pygame.JOYDEVICEREMOVED:
        _opened.pop(_which(event), None)
        return {"joystick": _which(event)}
    values = {"joystick": _which(event)}
    for name in HOOKS[event.type][1]:
        if name != "joystick":
            values[name] = getattr(event, name)
    if event.type == pygame.JOYHATMOTION:
        values["value"] = tuple(values["value"])
    return values


def _dispatcher(hook):
    """An event handler that calls ``hook`` (or nothing) with the
    parameters it asks for, by name, like Pygame Zero's own hooks."""
    names = ()
    if callable(hook):
        code = hook.__code__
        names = code.co_varnames[: code.co_argcount]

    def handle(event):
        values = _values(event)
        if callable(hook):
            return hook(**{name: values[name] for name in names})
        return None

    return handle


def _wrap_load_handlers(original):
    def load_handlers(self):
        original(self)
        # Always handled, even without a hook, so gamepads get opened.
        for event_type, (hook, _) in HOOKS.items():
            self.handlers[event_type] = _dispatcher(getattr(self.mod, hook, None))

    load_handlers.pgnet_joystick = True
    return load_handlers


def install_pgzero():
    """Teach Pygame Zero the gamepad hooks. Done by ``import pgnet`` in a
    Pygame Zero game; calling it again does nothing."""
    global _installed
    if _installed:
        return
    _installed = True
    game_class = importlib.import_module("pgzero.game").PGZeroGame
    for hook, params in HOOKS.values():
        teach_spellcheck(hook, params)
    if not getattr(game_class.load_handlers, "pgnet_joystick", False):
        game_class.load_handlers = _wrap_load_handlers(game_class.load_handlers)
