"""Test game (Pygame Zero): listens on $GAME_NAME and prints every hook call.

It publishes news on "$GAME_NAME-news" when asked with the command PUBLISH,
and quits on the command QUIT (or after $GAME_TIMEOUT seconds, printing
TIMEOUT). ``import pgzrun`` comes before ``import pgnet``; it runs with
``pgzrun listener.py``, ``python -m pgzero listener.py`` or ``python
listener.py`` (then ``pgzrun.go()`` starts the game).
"""

import os
import sys
import time

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
NEWS = NAME + "-news"
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))
started = time.monotonic()

print("LISTENING %s" % pgnet.listen(NAME))
pgnet.publish_news(NEWS, "hello", "nobody hears this")  # opens and advertises NEWS


def on_network_message(message, sender, address):
    print("MESSAGE %r %r %r" % (message, sender, address))
    return {"you said": message}


def on_network_command(command, params, sender, address):
    print("COMMAND %r %r %r %r" % (command, params, sender, address))
    if command == "PUBLISH":
        pgnet.publish_news(NEWS, "score", {"points": 3})
    elif command == "QUIT":
        print("BYE")
        exit()


def update():
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


pgzrun.go()
