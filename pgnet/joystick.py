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
is a plain number. This module turns pygame's gamepad events into the
hooks' values; ``pgnet.pgzero_hooks`` calls the hooks.
"""

import pygame

from .pygame_events import Hook

#: Each pygame joystick event type, its hook and the hook's parameters.
HOOKS = {
    pygame.JOYAXISMOTION: Hook("on_joystick_move", ("axis", "value", "joystick")),
    pygame.JOYBUTTONDOWN: Hook("on_joystick_down", ("button", "joystick")),
    pygame.JOYBUTTONUP: Hook("on_joystick_up", ("button", "joystick")),
    pygame.JOYHATMOTION: Hook("on_joystick_hat", ("hat", "value", "joystick")),
    pygame.JOYDEVICEADDED: Hook("on_joystick_added", ("joystick", "name")),
    pygame.JOYDEVICEREMOVED: Hook("on_joystick_removed", ("joystick",)),
}

_opened = {}  # joystick number (pygame's instance id) -> pygame Joystick


def _which(event):
    return getattr(event, "instance_id", getattr(event, "joy", 0))


def hook_values(event):
    """The values a gamepad hook may ask for, by parameter name, for a
    pygame joystick ``event``; opens a gamepad that was just plugged in and
    forgets one that was unplugged.

    Example:

        hook_values(pygame.event.Event(pygame.JOYBUTTONDOWN, button=2, instance_id=0))
        # {'joystick': 0, 'button': 2}
    """
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
    for name in HOOKS[event.type].params:
        if name != "joystick":
            values[name] = getattr(event, name)
    if event.type == pygame.JOYHATMOTION:
        values["value"] = tuple(values["value"])
    return values
