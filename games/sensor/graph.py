"""A live graph of a sensor's readings (run sensor.py too).

    python3 graph.py            # the sensor called "sensor"
    python3 graph.py kitchen    # the sensor called "kitchen"

(``pgzrun graph.py`` works too, for "sensor".) The graph shows the last
minute; if no reading comes for a few seconds it says so, in red.
"""

import math
import sys
import time

import pgzrun
import pgnet

SENSOR = "sensor"
if len(sys.argv) > 1 and not sys.argv[1].endswith(".py"):  # the name after the program's
    SENSOR = sys.argv[1]
TOPIC = "temperature"
UNIT = "°C"
SHOWN_S = 60  # the graph shows this many seconds
SILENT_AFTER_S = 3  # no reading for this long: the sensor has gone silent

WIDTH = 800
HEIGHT = 480
TITLE = "Graph of " + SENSOR
# Where the plot goes in the window: left, top, right, bottom.
LEFT, TOP, RIGHT, BOTTOM = 80, 60, WIDTH - 30, HEIGHT - 60

readings = []  # (when it came, value), oldest first
last_at = None  # when the last reading came
silent = False  # True while the sensor is silent

pgnet.watch(SENSOR)


def on_service_found(name, address):
    print("Found %r at %s" % (name, address))
    pgnet.subscribe(SENSOR, TOPIC)


def on_network_news(news):
    global silent, last_at
    if isinstance(news, bool) or not isinstance(news, (int, float)) or not math.isfinite(news):
        print("Ignored a reading that is not a number:", repr(news))
        return
    last_at = time.monotonic()
    readings.append((last_at, news))
    print("plotted %.2f" % news)
    if silent:
        silent = False
        print("The sensor is back")


def update():
    global silent
    now = time.monotonic()
    while readings and readings[0][0] < now - SHOWN_S:  # forget what is off the graph
        readings.pop(0)
    if last_at is not None and not silent and now - last_at > SILENT_AFTER_S:
        silent = True
        print("The sensor is silent: no reading for %g s" % SILENT_AFTER_S)


def nice_step(span):
    """A round step for the axis ticks (1, 2 or 5 times a power of ten)
    giving about five ticks over ``span``."""
    rough = span / 5
    power = 10 ** math.floor(math.log10(rough))
    for step in (1, 2, 5, 10):
        if step * power >= rough:
            return step * power


def draw():
    screen.fill((250, 250, 245))
    black, grey, blue, red = (30, 30, 30), (200, 200, 200), (30, 90, 200), (200, 30, 30)
    screen.draw.text("%s from %r" % (TOPIC.capitalize(), SENSOR), (LEFT, 15), color=black, fontsize=32)
    now = time.monotonic()

    # The value axis (up the side) fits the readings, with a margin.
    values = [value for _, value in readings] or [0, 1]
    low, high = min(values), max(values)
    if high - low < 1:
        low, high = low - 0.5, high + 0.5
    step = nice_step(high - low)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step

    def x_of(seconds_ago):
        return RIGHT - (RIGHT - LEFT) * seconds_ago / SHOWN_S

    def y_of(value):
        return BOTTOM - (BOTTOM - TOP) * (value - low) / (high - low)

    # Axes, ticks and grid lines.
    tick = low
    while tick <= high + step / 2:
        y = y_of(tick)
        screen.draw.line((LEFT, y), (RIGHT, y), grey)
        screen.draw.text("%g" % round(tick, 6), topright=(LEFT - 8, y - 8), color=black, fontsize=20)
        tick += step
    for seconds_ago in range(0, SHOWN_S + 1, 10):
        x = x_of(seconds_ago)
        screen.draw.line((x, BOTTOM), (x, BOTTOM + 6), black)
        screen.draw.text(str(-seconds_ago), midtop=(x, BOTTOM + 8), color=black, fontsize=20)
    screen.draw.line((LEFT, TOP), (LEFT, BOTTOM), black)
    screen.draw.line((LEFT, BOTTOM), (RIGHT, BOTTOM), black)
    screen.draw.text("seconds", midtop=((LEFT + RIGHT) / 2, BOTTOM + 30), color=black, fontsize=20)
    screen.draw.text(UNIT, midbottom=(LEFT - 30, TOP - 8), color=black, fontsize=20)

    # The readings, joined up.
    points = [(x_of(now - when), y_of(value)) for when, value in readings]
    for start, end in zip(points, points[1:]):
        screen.draw.line(start, end, blue)
    for point in points[-1:]:
        screen.draw.filled_circle(point, 4, blue)
        screen.draw.text("%.1f %s" % (readings[-1][1], UNIT), topright=(RIGHT, 20), color=blue, fontsize=32)

    if last_at is None:
        screen.draw.text("Waiting for %r..." % SENSOR, center=(WIDTH / 2, HEIGHT / 2), color=grey, fontsize=36)
    elif silent:
        screen.draw.text(
            "No reading for %d s: is the sensor running?" % (now - last_at),
            center=(WIDTH / 2, HEIGHT / 2), color=red, fontsize=36,
        )


print("Graph of %r: waiting for it..." % SENSOR)
pgzrun.go()
