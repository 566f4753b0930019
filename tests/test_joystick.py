"""pgnet/joystick.py: pygame's gamepad events turned into the hooks' values.
(The hooks in a running game: tests/test_projects.py.)"""

import os

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
pygame = pytest.importorskip("pygame")

from pgnet import joystick  # noqa: E402  (after the SDL settings)


def event(kind, **attributes):
    return pygame.event.Event(kind, **attributes)


def test_values_for_each_kind_of_gamepad_event():
    assert joystick.hook_values(event(pygame.JOYAXISMOTION, axis=1, value=-0.5, instance_id=3)) \
        == {"axis": 1, "value": -0.5, "joystick": 3}
    assert joystick.hook_values(event(pygame.JOYBUTTONDOWN, button=2, instance_id=0)) \
        == {"button": 2, "joystick": 0}
    assert joystick.hook_values(event(pygame.JOYBUTTONUP, button=2, joy=1)) \
        == {"button": 2, "joystick": 1}
    hat = joystick.hook_values(event(pygame.JOYHATMOTION, hat=0, value=[0, 1], instance_id=0))
    assert hat == {"hat": 0, "value": (0, 1), "joystick": 0}
    assert isinstance(hat["value"], tuple)


def test_a_gamepad_plugged_in_then_gone_before_it_could_be_opened():
    pygame.joystick.init()
    assert joystick.hook_values(event(pygame.JOYDEVICEADDED, device_index=99)) \
        == {"joystick": 99, "name": "gamepad"}
    assert joystick.hook_values(event(pygame.JOYDEVICEREMOVED, instance_id=99)) \
        == {"joystick": 99}


def test_every_hook_lists_the_parameters_its_values_have():
    for kind, hook in joystick.HOOKS.items():
        assert hook.name.startswith("on_joystick_")
        assert "joystick" in hook.params
