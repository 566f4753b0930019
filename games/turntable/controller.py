"""The controller: starts the turntable, adds up the hits, stops it.

The third of the three programs of the turntable project: run
turntable.py and detector.py first (on the same computer, or others on
the network), then::

    python3 controller.py               # a round of 30 seconds
    python3 controller.py --seconds 10

Only hits while the turntable is turning count.
"""

import sys
import time

import pgnet

TURNTABLE = "turntable"
DETECTOR = "detector"
ROUND_S = 30
if "--seconds" in sys.argv:
    ROUND_S = float(sys.argv[sys.argv.index("--seconds") + 1])

print("Looking for the turntable and the detector...")
pgnet.discover(TURNTABLE, wait_for_s=60)
pgnet.subscribe(DETECTOR, "hit", wait_for_s=60)

# Hits from before the round don't count: throw away any waiting.
while pgnet.wait_for_news(DETECTOR, "hit", wait_for_s=0) != (None, None):
    pass

print("Go! %g seconds" % ROUND_S)
pgnet.send_command(TURNTABLE, "START", 0.5)
score = 0
end = time.monotonic() + ROUND_S
while time.monotonic() < end:
    topic, hit = pgnet.wait_for_news(DETECTOR, "hit", wait_for_s=max(0, end - time.monotonic()))
    if isinstance(hit, dict) and isinstance(hit.get("points"), int):
        score += hit["points"]
        print("Hit %s: target %s, +%d: score %d"
              % (hit.get("number"), hit.get("target"), hit["points"], score))
pgnet.send_command(TURNTABLE, "STOP")
print("Time's up! Final score: %d" % score)
