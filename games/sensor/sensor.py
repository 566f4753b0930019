"""A sensor that publishes its readings as news. No screen needed.

On a Raspberry Pi it reads the processor's temperature; anywhere else (or
with ``--simulate``) it makes up a believable temperature that drifts up
and down. Run it, then ``graph.py`` on any computer of the network::

    python3 sensor.py                   # publishes as "sensor", twice a second
    python3 sensor.py kitchen --every 1 # as "kitchen", once a second

Each reading is news with the topic "temperature" and a number (degrees
Celsius) as the news: any program can listen with
``pgnet.wait_for_news("sensor", "temperature")``.

No pygame here: this runs on a Raspberry Pi with no screen.
"""

import math
import os
import random
import sys
import time

import pgnet

NAME = "sensor"
EVERY_S = 0.5  # seconds between readings
TOPIC = "temperature"
# Where Linux (and so the Raspberry Pi) shows the processor's temperature,
# in thousandths of a degree.
THERMAL_FILE = "/sys/class/thermal/thermal_zone0/temp"

args = sys.argv[1:]
if "--every" in args:
    EVERY_S = float(args[args.index("--every") + 1])
    del args[args.index("--every"):args.index("--every") + 2]
simulate = "--simulate" in args or not os.path.exists(THERMAL_FILE)
names = [a for a in args if not a.startswith("--")]
if names:
    NAME = names[0]
started = time.monotonic()


def read_temperature():
    """The temperature now, in degrees Celsius."""
    if not simulate:
        with open(THERMAL_FILE) as file:
            return int(file.read()) / 1000
    # Pretend: about 45 degrees, drifting slowly, with a little noise.
    t = time.monotonic() - started
    return 45 + 6 * math.sin(t / 8) + 2 * math.sin(t / 2.3) + random.uniform(-0.1, 0.1)


print("Sensor %r publishing %s every %g s at %s"
      % (NAME, TOPIC, EVERY_S, pgnet.advertise(NAME)))
print("Reading", "a simulated sensor" if simulate else THERMAL_FILE)

next_reading = time.monotonic()
try:
    while True:
        reading = round(read_temperature(), 2)
        pgnet.publish_news(NAME, TOPIC, reading)
        print("published %.2f" % reading)
        # Wait for the next reading, keeping a steady pace.
        next_reading += EVERY_S
        time.sleep(max(0.0, next_reading - time.monotonic()))
except KeyboardInterrupt:
    print("Bye")
