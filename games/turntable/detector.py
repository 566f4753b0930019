"""The detector: spots hits on the turntable's targets and publishes them.

The second of the three programs of the turntable project. Each hit is
news with the topic "hit", like ``{"number": 7, "target": 2, "points": 20}``
(the number counts the hits, so a listener can tell if it missed one).

On the Raspberry Pi each target is a switch on a GPIO pin (``--gpio``);
anywhere else it pretends, with a hit every second or so::

    python3 detector.py
    python3 detector.py --gpio

No pygame here: this runs on a Raspberry Pi with no screen.
"""

import queue
import random
import sys
import time

import pgnet

NAME = "detector"
POINTS = {1: 10, 2: 20, 3: 50}  # target number -> points for hitting it
TARGET_PINS = {1: 17, 2: 27, 3: 22}  # target number -> its GPIO pin
EVERY_S = 1.0  # pretend hits: about this often
if "--every" in sys.argv:
    EVERY_S = float(sys.argv[sys.argv.index("--every") + 1])


def pretend_hits():
    """Make up hits at random moments, forever."""
    while True:
        time.sleep(random.uniform(0.5, 1.5) * EVERY_S)
        yield random.choice(list(POINTS))


def switch_hits():
    """Hits on the real targets: each is a switch (gpiozero Button)."""
    from gpiozero import Button

    hits = queue.Queue()
    buttons = []
    for target, pin in TARGET_PINS.items():
        button = Button(pin)
        button.when_pressed = lambda target=target: hits.put(target)
        buttons.append(button)  # keep them, or they stop working
    while True:
        yield hits.get()


print("Detector publishing hits at", pgnet.advertise(NAME))
hits = switch_hits() if "--gpio" in sys.argv else pretend_hits()
try:
    for number, target in enumerate(hits, 1):
        hit = {"number": number, "target": target, "points": POINTS[target]}
        pgnet.publish_news(NAME, "hit", hit)
        print("Hit %d: target %d, %d points" % (number, target, POINTS[target]))
except KeyboardInterrupt:
    print("Bye")
