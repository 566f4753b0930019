"""Test game (Pygame Zero): a misspelt network hook. Pygame Zero's spell
checker should say "did you mean on_network_message?". Quits after 3 frames."""

import pgzrun
import pgnet  # registers the network hooks with Pygame Zero

frames = 0


def on_network_mesage(message):
    print("never called")


def update():
    global frames
    frames += 1
    if frames == 3:
        print("RAN")
        exit()


pgzrun.go()
