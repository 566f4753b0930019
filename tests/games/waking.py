"""Test game (Pygame Zero): where and when the network hooks run.

Listens on $GAME_NAME. For each command "T" it notes whether the hook ran
inside the clock's wait between two frames (the waking frame) and the
mean time between two update() calls so far, then prints
"HOOK <inside> <mean frame in ms>". It also listens for OSC on
any free port (printing "OSC <address>"), and does the same for each OSC
message /t. QUIT quits; so does $GAME_TIMEOUT.
"""

import os
import sys
import time
import traceback

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
GIVE_UP = time.monotonic() + float(os.environ.get("GAME_TIMEOUT", "20"))
mean = float("nan")  # the mean frame so far, once the first frames settle in
since = None
frames = 0

print("LISTENING %s" % pgnet.listen(NAME), flush=True)
print("OSC %s" % pgnet.osc.listen(), flush=True)


def inside_the_wait():
    return any(frame.name == "tick" and frame.filename.endswith("pgzero_hooks.py")
               for frame in traceback.extract_stack())


def on_network_command(command):
    if command == "T":
        print("HOOK %s %.2f" % (inside_the_wait(), mean * 1000), flush=True)
    elif command == "QUIT":
        print("BYE", flush=True)
        sys.exit()


def on_osc_message(address):
    if address == "/t":
        print("HOOK %s %.2f" % (inside_the_wait(), mean * 1000), flush=True)


def update():
    global mean, since, frames
    now = time.perf_counter()
    frames += 1
    if frames == 5:  # (the first frames settle in)
        since = now
    elif frames > 5:
        mean = (now - since) / (frames - 5)
    if frames == 10:
        print("RUNNING", flush=True)
    if time.monotonic() > GIVE_UP:
        print("TIMEOUT", flush=True)
        sys.exit(1)


def draw():
    screen.fill((0, 0, 0))


pgzrun.go()
