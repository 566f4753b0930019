"""Test program (plain pygame): pgnet.wait_frame in place of clock.tick.

Listens on $GAME_NAME. With $HANDLE set, network events go to a handler
during wait_frame, which prints "HANDLED <command> <inside wait_frame>";
without it they come from pygame.event.get(): "EVENT <command>". Every
command also prints the mean time between two wait_frame returns so far
("MEAN <ms>"). QUIT quits; so does $GAME_TIMEOUT.
"""

import os
import sys
import time

import pygame
import pgnet

NAME = os.environ["GAME_NAME"]
HANDLE = bool(os.environ.get("HANDLE"))
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))

pygame.init()
screen = pygame.display.set_mode((200, 100))
clock = pygame.time.Clock()
started = time.monotonic()
waiting = False
mean = float("nan")  # the mean frame so far, once the first frames settle in
since = None


def on_command(command):
    print("MEAN %.2f" % (mean * 1000), flush=True)
    if command == "QUIT":
        print("BYE", flush=True)
        sys.exit()


def handle(event):
    if event.type == pgnet.COMMAND:
        print("HANDLED %s %s" % (event.command, waiting), flush=True)
        on_command(event.command)


print("LISTENING %s" % pgnet.listen(NAME), flush=True)
frames = 0
while True:
    pgnet.pump()
    for event in pygame.event.get():
        if event.type == pgnet.COMMAND:
            print("EVENT %s" % event.command, flush=True)
            on_command(event.command)
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT", flush=True)
        sys.exit(1)
    screen.fill((0, 0, 0))
    pygame.display.flip()
    waiting = True
    pgnet.wait_frame(clock, 60, handle if HANDLE else None)
    waiting = False
    now, frames = time.perf_counter(), frames + 1
    if frames == 5:
        since = now
    elif frames > 5:
        mean = (now - since) / (frames - 5)
    if frames == 10:
        print("RUNNING", flush=True)
