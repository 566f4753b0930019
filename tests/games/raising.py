"""Test game (Pygame Zero): hooks that raise. The command BOOM and the
message "boom" raise; the message "unsendable" is answered with a set,
which pgnet cannot send; "wait" waits for a command inside the hook; other
messages are answered with
["ok", message, frames so far]. Quits on the command QUIT, printing how many
frames it ran (or after $GAME_TIMEOUT s: TIMEOUT)."""

import os
import sys
import time

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))
started = time.monotonic()
frames = 0

print("LISTENING %s" % pgnet.listen(NAME))


def on_network_command(command):
    print("COMMAND %r" % command)
    if command == "BOOM":
        1 / 0
    if command == "QUIT":
        print("FRAMES %d" % frames)
        exit()


def on_network_message(message):
    print("MESSAGE %r" % message)
    if message == "boom":
        raise ValueError("this message is bad")
    if message == "unsendable":
        return {1, 2}
    if message == "wait":  # a call that waits, inside a frame
        return ["waited", pgnet.wait_for_command(NAME, wait_for_s=5)]
    return ["ok", message, frames]


def update():
    global frames
    frames += 1
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


pgzrun.go()
