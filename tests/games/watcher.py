"""Test game (Pygame Zero): finds $GAME_NAME and talks to it.

On ``on_service_found`` it sends a message, two commands (with parameters,
and as one string) and subscribes to "$GAME_NAME-news"; it asks for news
with the command PUBLISH until some arrives. Once it has the reply and the
news it sends QUIT, waits for ``on_service_lost`` and quits.

``import pgnet`` comes *before* ``import pgzrun`` on purpose; it runs with
``python watcher.py`` (``pgzrun.go()``) or ``pgzrun watcher.py``.
"""

import os
import sys
import time

import pgnet
import pgzrun

NAME = os.environ["GAME_NAME"]
ME = os.environ["WATCHER_NAME"]
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))
started = time.monotonic()
got = set()

pgnet.listen(ME)  # so the other side sees this name as the sender
pgnet.watch(NAME)


def ask_for_news():
    pgnet.send_command(NAME, "PUBLISH")


def on_service_found(name, address):
    print("FOUND %r %s" % (name, address))
    if name == NAME and "found" not in got:
        got.add("found")
        pgnet.send_message(NAME, "hello")
        pgnet.send_command(NAME, "MOVE", 1, "up")
        pgnet.send_command(NAME, "LEFT 0.5")
        pgnet.subscribe(NAME + "-news", "score")
        clock.schedule_interval(ask_for_news, 0.2)


def on_service_lost(name, address):
    print("LOST %r %s" % (name, address))
    if name == NAME and "quit" in got:
        exit()


def on_network_reply(reply, sender):
    print("REPLY %r %r" % (reply, sender))
    got.add("reply")
    finish_when_done()


def on_network_news(topic, news, sender):
    print("NEWS %r %r %r" % (topic, news, sender))
    got.add("news")
    clock.unschedule(ask_for_news)
    finish_when_done()


def finish_when_done():
    if {"reply", "news"} <= got and "quit" not in got:
        got.add("quit")
        pgnet.send_command(NAME, "QUIT")


def update():
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


pgzrun.go()
