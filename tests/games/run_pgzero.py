"""Runs a Pygame Zero game headless for the tests, as ``pgzrun GAME`` would,
playing it a little: ``python run_pgzero.py GAME``.

Environment: $SPACE_EVERY presses SPACE every so many seconds, $CLICK_EVERY
clicks at (100, 80) every so many seconds, $SHOW prints
"STATE name=value ..." for these comma-separated module variables whenever
they change, and the game quits after $GAME_TIMEOUT seconds.
"""

import os
import sys

import pygame
from pgzero import clock
from pgzero.runner import main

GAME = os.path.abspath(sys.argv[1])
SHOW = [n for n in os.environ.get("SHOW", "").split(",") if n]
shown = None


def press_space():
    pygame.event.post(pygame.event.Event(
        pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ", scancode=44))


def click():
    pygame.event.post(pygame.event.Event(
        pygame.MOUSEBUTTONDOWN, pos=(100, 80), button=1, touch=False))


def show_state():
    global shown
    game = sys.modules[os.path.splitext(os.path.basename(GAME))[0]]
    state = " ".join("%s=%r" % (name, getattr(game, name, None)) for name in SHOW)
    if state != shown:
        print("STATE " + state)
        shown = state


def time_is_up():
    print("TIMEOUT")
    sys.exit(0)


# Pygame Zero's clock keeps weak references: these module-level functions
# stay alive.
for variable, action in (("SPACE_EVERY", press_space), ("CLICK_EVERY", click)):
    if os.environ.get(variable):
        clock.schedule_interval(action, float(os.environ[variable]))
if SHOW:
    clock.schedule_interval(show_state, 0.05)
clock.schedule(time_is_up, float(os.environ.get("GAME_TIMEOUT", "20")))
sys.argv = ["pgzrun", GAME]
main()
