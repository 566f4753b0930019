"""Test program (plain pygame, no Pygame Zero): the same as watcher.py.

Finds $GAME_NAME, sends a message, two commands and subscribes to its
news; asks for news with PUBLISH until some arrives; then sends QUIT and
quits once the other program has gone. Prints what it gets in the same
format as watcher.py.
"""

import os
import sys
import time

import pygame
import pgnet

NAME = os.environ["GAME_NAME"]
ME = os.environ["WATCHER_NAME"]
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))

pygame.init()
screen = pygame.display.set_mode((200, 100))
clock = pygame.time.Clock()
started = time.monotonic()
got = set()
next_ask = None  # when to ask for news again

pgnet.listen(ME)
pgnet.watch(NAME)

while True:
    pgnet.pump()
    for event in pygame.event.get():
        if event.type == pgnet.SERVICE_FOUND:
            print("FOUND %r %s" % (event.name, event.address))
            if event.name == NAME and "found" not in got:
                got.add("found")
                pgnet.send_message(NAME, "hello")
                pgnet.send_command(NAME, "MOVE", 1, "up")
                pgnet.send_command(NAME, "LEFT 0.5")
                pgnet.subscribe(NAME + "-news", "score")
                next_ask = time.monotonic()
        elif event.type == pgnet.SERVICE_LOST:
            print("LOST %r %s" % (event.name, event.address))
            if event.name == NAME and "quit" in got:
                sys.exit()
        elif event.type == pgnet.REPLY:
            print("REPLY %r %r" % (event.reply, event.sender))
            got.add("reply")
        elif event.type == pgnet.NEWS:
            print("NEWS %r %r %r" % (event.topic, event.news, event.sender))
            got.add("news")
            next_ask = None
    if next_ask is not None and time.monotonic() >= next_ask:
        pgnet.send_command(NAME, "PUBLISH")
        next_ask += 0.2
    if {"reply", "news"} <= got and "quit" not in got:
        got.add("quit")
        pgnet.send_command(NAME, "QUIT")
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)
    screen.fill((0, 0, 0))
    pygame.display.flip()
    clock.tick(60)
