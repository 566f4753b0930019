"""Test game (Pygame Zero): stopped politely with SIGTERM.

Listens on $GAME_NAME at once, or (with $LISTEN_IN_FRAME) in its first
frame, once SDL has started and installed its own signal handlers. Prints
"LISTENING <address>" and, when it ends by any normal path, "ATEXIT".
"""

import atexit
import os

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
atexit.register(lambda: print("ATEXIT", flush=True))

if not os.environ.get("LISTEN_IN_FRAME"):
    print("LISTENING %s" % pgnet.listen(NAME), flush=True)


def update():
    if not pgnet.discovery.local_names():
        print("LISTENING %s" % pgnet.listen(NAME), flush=True)


pgzrun.go()
