"""Run a Pygame Zero game with pretend input: for tests and screenshots.

Not an example to learn from: a tool. It runs a game exactly as ``python
game.py`` would, and meanwhile reads instructions, one a line, from a file
(normally a named pipe) and turns them into the pygame events a real
keyboard or gamepad would make::

    python games/autopilot.py INSTRUCTIONS games/robot/controller.py Rover

Instructions (after each one it prints ``AUTOPILOT <instruction>`` on stderr):

======================  ======================================================
``key down w``          press a key (a pygame key name: ``w``, ``left``,
``key up w``            ``return``, ``left shift``...) / release it
``type hello``          type text (everything after ``type ``), key by key
``enter``               press and release Return
``axis 1 -0.8``         move gamepad stick axis 1 to -0.8
``flood 1 0 -0.8 N``    N stick events for axis 1 going from 0 to -0.8
``button down 0``       press / release gamepad button 0
``button up 0``
``hat 0 1``             the d-pad at (0, 1)
``unplug``              the gamepad is unplugged
``screenshot PATH``     save the window, once the next frame is drawn
``quit``                close the window
======================  ======================================================
"""

import os
import runpy
import sys
import threading
import time

import pygame

_shots = []  # paths waiting for the next drawn frame


#: What pygame gives as ``unicode`` for keys that type no letter.
_SPECIAL_TEXT = {"return": "\r", "backspace": "\b", "escape": "\x1b", "tab": "\t", "space": " "}


def _key_event(kind, name, text=""):
    code = pygame.key.key_code(name) if len(name) > 1 else ord(name.lower())
    if kind == pygame.KEYDOWN and not text:
        text = name if len(name) == 1 else _SPECIAL_TEXT.get(name, "")
    return pygame.event.Event(kind, key=code, mod=0, unicode=text, scancode=0)


def _events(line):
    """The pygame events for one instruction."""
    word, _, rest = line.partition(" ")
    args = rest.split()
    if word == "key":
        kind = pygame.KEYDOWN if args[0] == "down" else pygame.KEYUP
        return [_key_event(kind, rest.split(" ", 1)[1])]
    if word == "type":
        events = []
        for char in rest:
            name = "space" if char == " " else char
            events.append(_key_event(pygame.KEYDOWN, name, char))
            events.append(_key_event(pygame.KEYUP, name))
        return events
    if word == "enter":
        return [_key_event(pygame.KEYDOWN, "return"), _key_event(pygame.KEYUP, "return")]
    if word == "axis":
        return [pygame.event.Event(
            pygame.JOYAXISMOTION, instance_id=0, axis=int(args[0]), value=float(args[1]))]
    if word == "flood":
        axis, start, end, count = int(args[0]), float(args[1]), float(args[2]), int(args[3])
        return [
            pygame.event.Event(
                pygame.JOYAXISMOTION, instance_id=0, axis=axis,
                value=start + (end - start) * (i + 1) / count)
            for i in range(count)
        ]
    if word == "button":
        kind = pygame.JOYBUTTONDOWN if args[0] == "down" else pygame.JOYBUTTONUP
        return [pygame.event.Event(kind, instance_id=0, button=int(args[1]))]
    if word == "hat":
        return [pygame.event.Event(
            pygame.JOYHATMOTION, instance_id=0, hat=0, value=(int(args[0]), int(args[1])))]
    if word == "unplug":
        return [pygame.event.Event(pygame.JOYDEVICEREMOVED, instance_id=0)]
    if word == "quit":
        return [pygame.event.Event(pygame.QUIT)]
    raise ValueError("unknown instruction %r" % line)


def _say(text):
    # On stderr, in one piece: the game's own print()s on stdout, from
    # another thread, cannot get mixed into it.
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _post(event):
    while True:
        try:
            pygame.event.post(event)
            return
        except pygame.error:  # the event queue is full: let the game catch up
            time.sleep(0.001)


def _follow(path):
    with open(path, encoding="utf-8") as instructions:
        for line in instructions:
            line = line.rstrip("\r\n")  # keep other spaces: "type hi " types one
            if not line.strip():
                continue
            if line.startswith("screenshot "):
                _shots.append(line.split(" ", 1)[1])
            else:
                for event in _events(line):
                    _post(event)
            _say("AUTOPILOT " + line)


def _flip_and_shoot(original):
    def flip(*args):
        result = original(*args)
        while _shots:
            path = _shots.pop(0)
            pygame.image.save(pygame.display.get_surface(), path)
            _say("AUTOPILOT saved " + path)
        return result

    return flip


def main():
    instructions, script, *args = sys.argv[1:]
    script = os.path.abspath(script)
    sys.argv = [script] + args
    sys.path.insert(0, os.path.dirname(script))
    pygame.display.flip = _flip_and_shoot(pygame.display.flip)
    threading.Thread(target=_follow, args=(instructions,), daemon=True).start()
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
