"""Test game (Pygame Zero): counts numbered commands and times its frames.

Listens on $GAME_NAME. Each command "N" carries [sequence number] and "T"
carries [sequence number, time.time() when sent]; numbers must arrive 0, 1,
2, ... in order. From the first command on, the game records how long each
frame takes (time between update() calls) and, for "T", how long each
command took from the sender's clock to the hook. Frames are timed on the
wall clock (the time between two update() calls: what the player sees,
including the wait for the next 60th of a second and any time the computer
gave to other programs), and pgnet's own work in each frame (its pump(),
which Pygame Zero's clock calls) both on the wall clock and as CPU time,
which other programs cannot inflate. The message "stats?" is answered with
all that; the command QUIT quits.
"""

import os
import statistics
import sys
import time

import pgzrun
import pgnet

NAME = os.environ["GAME_NAME"]
TIMEOUT = float(os.environ.get("GAME_TIMEOUT", "30"))
HOOK_COST_S = float(os.environ.get("HOOK_COST_S", "0"))  # CPU each command's hook spends
started = time.monotonic()

received = 0  # the next sequence number expected
out_of_order = 0
latencies = []
frame_times = []  # recorded once the first command has arrived
pump_times = []
pump_cpu_times = []
last_update = None
first_at = last_at = None

print("LISTENING %s" % pgnet.listen(NAME))

untimed_pump = pgnet.pygame_events.pump


def timed_pump():
    """pgnet.pygame_events.pump, timed: Pygame Zero's clock calls it every frame."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    untimed_pump()
    if first_at is not None:
        pump_times.append(time.perf_counter() - start)
        pump_cpu_times.append(time.thread_time() - start_cpu)


pgnet.pygame_events.pump = timed_pump


def on_network_command(command, params):
    global received, out_of_order, first_at, last_at
    if command == "QUIT":
        print("BYE")
        exit()
    now = time.perf_counter()
    while time.perf_counter() - now < HOOK_COST_S:
        pass
    if first_at is None:
        first_at = now
    last_at = now
    if params[0] != received:
        out_of_order += 1
    received = params[0] + 1
    if command == "T":
        latencies.append(time.time() - params[1])


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else None


def on_network_message(message):
    if message == "stats?":
        return {
            "received": received,
            "out_of_order": out_of_order,
            "frames": len(frame_times),
            "max_frame": max(frame_times),
            "p99_frame": percentile(frame_times, 0.99),
            "median_frame": statistics.median(frame_times),
            "slow_frames_ms": [round(t * 1000, 1) for t in frame_times if t > 0.05],
            "max_pump": max(pump_times),
            "median_pump": statistics.median(pump_times),
            "max_pump_cpu": max(pump_cpu_times),
            "median_pump_cpu": statistics.median(pump_cpu_times),
            "first_to_last": (last_at - first_at) if first_at else None,
            "latency_median": statistics.median(latencies) if latencies else None,
            "latency_p99": percentile(latencies, 0.99),
            "latency_max": max(latencies, default=None),
        }
    return None


def update():
    global last_update
    now = time.perf_counter()
    if first_at is not None and last_update is not None:
        frame_times.append(now - last_update)
    last_update = now
    if time.monotonic() - started > TIMEOUT:
        print("TIMEOUT")
        sys.exit(1)


def draw():
    screen.clear()
    screen.draw.text("%d commands" % received, (10, 10))


pgzrun.go()
