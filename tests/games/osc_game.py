"""Test game (Pygame Zero): prints every OSC message its hooks receive.

Listens for OSC on 127.0.0.1 (any free port) and prints "LISTENING ip:port".
``on_osc_message`` prints "OSC address args sender hook_time previous_pump
this_pump": when the hook ran and when pgnet looked for OSC in this frame and
in the one before (time.time()), so a test can tell which frame a message
came in. A handler for "/pad/*" prints "PAD address args" first. "/stats"
prints "STATS {...}" (frame times, pgnet's work per frame, pgnet.osc.counts());
"/quit" quits.
"""

import os
import statistics
import sys
import time

import pgzrun
import pgnet
from pgnet import scheduler

pumps = [0.0]  # time.time() of each frame's look, just before pgnet's own
frame_times, pump_cpu_times = [], []
last_update = None
flooding = False  # frames are timed from the first "/flood" message on
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "30"))
started = time.monotonic()

scheduler.every_frame(lambda now: pumps.append(time.time()))
print("LISTENING %s" % pgnet.osc.listen("127.0.0.1"), flush=True)

untimed_pump = pgnet.pygame_events.pump


def timed_pump():
    """pgnet's pump, timed in CPU time (which other programs cannot inflate)."""
    start = time.thread_time()
    untimed_pump()
    if flooding:
        pump_cpu_times.append(time.thread_time() - start)


pgnet.pygame_events.pump = timed_pump


@pgnet.osc.on("/pad/*")
def pad(address, args):
    print("PAD %s %r" % (address, args), flush=True)


def on_osc_message(address, args, sender):
    global flooding
    if address == "/flood":
        flooding = True
        print("FLOODING", flush=True)
        return
    if flooding and address == "/n":
        return
    print("OSC %s %r %s %.6f %.6f %.6f" % (address, args, sender, time.time(), pumps[-2], pumps[-1]),
          flush=True)
    if address == "/stats":
        print("STATS %r" % {
            "frames": len(frame_times),
            "max_frame": max(frame_times, default=0),
            "median_frame": statistics.median(frame_times) if frame_times else 0,
            "max_pump_cpu": max(pump_cpu_times, default=0),
            "counts": pgnet.osc.counts(),
        }, flush=True)
    if address == "/quit":
        print("BYE", flush=True)
        exit()


def update():
    global last_update
    now = time.perf_counter()
    if flooding and last_update is not None:
        frame_times.append(now - last_update)
    last_update = now
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT", flush=True)
        sys.exit(1)


def draw():
    screen.clear()


pgzrun.go()
