"""Test program (plain pygame, no Pygame Zero): the same as listener.py.

Listens on $GAME_NAME, prints every network event in the same format as
listener.py, publishes news on "$GAME_NAME-news" when asked with the
command PUBLISH and quits on QUIT (or after $GAME_TIMEOUT s: TIMEOUT).
"""

import os
import sys
import time

import pygame
import pgnet

NAME = os.environ["GAME_NAME"]
NEWS = NAME + "-news"
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))

pygame.init()
screen = pygame.display.set_mode((200, 100))
clock = pygame.time.Clock()
started = time.monotonic()

print("LISTENING %s" % pgnet.listen(NAME))
pgnet.publish_news(NEWS, "hello", "nobody hears this")

while True:
    pgnet.pump()
    for event in pygame.event.get():
        if event.type == pgnet.MESSAGE:
            print("MESSAGE %r %r %r" % (event.message, event.sender, event.address))
            pgnet.reply_to(event, {"you said": event.message})
        elif event.type == pgnet.COMMAND:
            print("COMMAND %r %r %r %r" % (event.command, event.params, event.sender, event.address))
            if event.command == "PUBLISH":
                pgnet.publish_news(NEWS, "score", {"points": 3})
            elif event.command == "QUIT":
                print("BYE")
                sys.exit()
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)
    screen.fill((0, 0, 0))
    pygame.display.flip()
    clock.tick(60)
