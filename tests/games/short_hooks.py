"""Test game (Pygame Zero): hooks that take only some of their parameters,
one of them in another order: ``on_network_message(message)``,
``on_network_command(params, command)``, ``on_network_news(news)``,
``on_service_found(name)``.

Listens on $GAME_NAME and subscribes to "$GAME_NAME-news" once that
appears. The message "news?" is answered with whether news has arrived;
other messages with the message in capitals. Quits on the command QUIT.
"""

import os
import sys
import time

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))
started = time.monotonic()
news_seen = False

print("LISTENING %s" % pgnet.listen(NAME))
pgnet.watch(NAME + "-news")


def on_service_found(name):
    print("FOUND %r" % name)
    pgnet.subscribe(name, "weather")


def on_network_message(message):
    print("MESSAGE %r" % message)
    if message == "news?":
        return news_seen
    return message.upper()


def on_network_command(params, command):
    print("COMMAND %r %r" % (command, params))
    if command == "QUIT":
        print("BYE")
        exit()


def on_network_news(news):
    global news_seen
    if not news_seen:
        print("NEWS %r" % news)
    news_seen = True


def update():
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


pgzrun.go()
