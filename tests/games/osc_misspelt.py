"""Test game (Pygame Zero): a misspelt OSC hook, and pgnet imported before
Pygame Zero. Pygame Zero's spell checker should say "did you mean
on_osc_message?". Quits after 3 frames."""

import pgnet
import pgzrun

pgnet.osc.listen("127.0.0.1")
frames = 0


def on_osc_mesage(address, args):
    print("never called")


def update():
    global frames
    frames += 1
    if frames == 3:
        print("RAN")
        exit()


pgzrun.go()
