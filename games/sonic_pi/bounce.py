"""A ball that plays a note in Sonic Pi each time it hits a wall, and
pulses in time with Sonic Pi's beat. The Sonic Pi code to paste in is in
README.md; start it in Sonic Pi, then:

    python3 bounce.py

The game sends ``/bounce note wall`` to Sonic Pi (which listens for OSC on
port 4560) and listens on port 4561 for Sonic Pi's ``/beat``. Click to
throw the ball somewhere else. Another computer, or other ports:
``python3 bounce.py 192.168.1.20:4560 4561``.
"""

import random
import sys

import pgzrun
import pgnet

SONIC_PI = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].endswith(".py") else "127.0.0.1:4560"
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 4561

WIDTH = 800
HEIGHT = 600
TITLE = "Bounce (with Sonic Pi)"

# Which note each wall plays (MIDI numbers: 60 is middle C).
NOTES = {"left": 60, "right": 64, "top": 67, "bottom": 55}

ball = {"x": 400.0, "y": 300.0, "dx": 320.0, "dy": 250.0, "radius": 20}
pulse = 0.0  # how big the beat's pulse still is: 1 on the beat, fading to 0
beats = 0
bounces = 0

pgnet.osc.listen(PORT)


def on_osc_message(address, args):
    global pulse, beats
    if address == "/beat":
        pulse = 1.0
        beats += 1
        print("beat", args[0] if args else beats)


def hit(wall):
    global bounces
    bounces += 1
    pgnet.osc.send(SONIC_PI, "/bounce", NOTES[wall], wall)
    print("bounce", wall)


def update(dt):
    global pulse
    pulse = max(0.0, pulse - dt * 3)
    ball["x"] += ball["dx"] * dt
    ball["y"] += ball["dy"] * dt
    r = ball["radius"]
    if ball["x"] < r or ball["x"] > WIDTH - r:
        ball["dx"] = -ball["dx"]
        ball["x"] = min(max(ball["x"], r), WIDTH - r)
        hit("left" if ball["x"] <= r else "right")
    if ball["y"] < r or ball["y"] > HEIGHT - r:
        ball["dy"] = -ball["dy"]
        ball["y"] = min(max(ball["y"], r), HEIGHT - r)
        hit("top" if ball["y"] <= r else "bottom")


def on_mouse_down(pos):
    ball["x"], ball["y"] = pos
    ball["dx"] = random.choice([-1, 1]) * random.randint(200, 400)
    ball["dy"] = random.choice([-1, 1]) * random.randint(200, 400)


def draw():
    shade = int(40 + 60 * pulse)
    screen.fill((shade, 20, 60))
    screen.draw.filled_circle((ball["x"], ball["y"]), ball["radius"] * (1 + 0.5 * pulse), (255, 210, 80))
    screen.draw.text("%d bounces, %d beats from Sonic Pi" % (bounces, beats), (10, 10), fontsize=28)


print("Bounce: playing notes on %s, listening for beats on port %d" % (SONIC_PI, PORT))
pgzrun.go()
