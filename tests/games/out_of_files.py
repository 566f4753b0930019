"""Test game (Pygame Zero): a send postponed in a frame that cannot be made
because the game has run out of files (every file descriptor in use).

Listens on $GAME_NAME. In its first frame it sends the command GO to
$GAME_NAME-far (not running yet: the send waits for the name to be found),
then opens files until none more can be opened and prints "FULL". When
pgnet warns that the send could not be made, it prints "WARNED ..." (the
warning) and closes those files, then sends AGAIN to $GAME_NAME-far. Quits
on the command QUIT, or after $GAME_TIMEOUT seconds (printing TIMEOUT).
"""

import os
import resource
import sys
import time
import warnings

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
FAR = NAME + "-far"
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "20"))
started = time.monotonic()
files = []
shown = warnings.showwarning

print("LISTENING %s" % pgnet.listen(NAME))


def showwarning(message, category, *args, **kwargs):
    shown(message, category, *args, **kwargs)
    if issubclass(category, pgnet.NotSentWarning):
        print("WARNED %s" % message)
        if files:
            for file in files:
                file.close()
            del files[:]
            pgnet.send_command(FAR, "AGAIN")


warnings.showwarning = showwarning


def use_up_every_file():
    # (A low limit first: running out of a few hundred is quicker.)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 256), hard))
    try:
        while True:
            files.append(open(os.devnull))
    except OSError as error:
        print("FULL %s" % error)


def on_network_command(command):
    if command == "QUIT":
        print("BYE")
        exit()


frames = 0


def update():
    global frames
    frames += 1
    if frames == 1:
        pgnet.send_command(FAR, "GO")
        use_up_every_file()
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


pgzrun.go()
