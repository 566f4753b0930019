"""Benchmarks: pgnet measured against raw pyzmq doing the same work.

Run from a clone of the repository (the figure across two network
namespaces needs root, ``ip netns`` and ``tests/netns.py``; without them it
is reported as SKIPPED):

    python -m pgnet.bench           # the full run, under two minutes
    python -m pgnet.bench --quick   # a short run, under half a minute (CI)

It prints what it ran on, then a table: each figure, pgnet's value, raw
pyzmq's value where the figure is a comparison (measured in the same run,
interleaved, with the same structure: two processes, the same msgpack
payload), the ratio, the target and PASS or SHORT. Timings on a shared
machine are noisy: run it twice before believing a SHORT.

Safety: every pgnet program this starts on this computer has
``PGNET_NETWORK=127.*`` (so discovery broadcasts stay on loopback) and a
random discovery port between 47000 and 48999. Only programs inside the
network namespaces it creates use other addresses, and those reach only each
other.
"""

import argparse
import json
import os
import platform
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from collections import namedtuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: A small dict, as a game or a robot would send.
PAYLOAD = {"x": 120, "y": 45.5, "name": "ada", "keys": [1, 2, 3], "fire": False}

FRAME_S = 1 / 60

#: How much of each figure a run measures: (quick, full).
SIZES = {
    "round_trips": (6 * 150, 16 * 300),  # per kind, in interleaved rounds
    "rounds": (6, 16),
    "news": (20_000, 60_000),  # news items per repetition
    "news_reps": (1, 3),  # repetitions per side, alternating
    "pumps": (400, 1500),
    "hook_sends": (80, 240),
    "seekers": (5, 15),
    "netns_seekers": (3, 10),
    "adverts": (20, 60),
    "advertisers": (1, 3),
    "memory_runs": (1, 2),
}

Row = namedtuple("Row", "figure pgnet raw ratio target result")

NOTES = []  # lines printed under the table


# -- helpers for the programs a benchmark starts --------------------------------

def _host_env():
    """The environment of a pgnet program this benchmark starts on this
    computer: discovery stays on loopback."""
    env = dict(os.environ)
    env["PGNET_NETWORK"] = "127.*"
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    env["SDL_VIDEODRIVER"] = env["SDL_AUDIODRIVER"] = "dummy"
    env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    env.pop("PGNET_BENCH_IN_NAMESPACE", None)
    return env


def _namespace_env():
    """The environment of a program run inside a namespace this benchmark
    made: pgnet uses the namespace's own interfaces."""
    env = _host_env()
    del env["PGNET_NETWORK"]
    env["PGNET_BENCH_IN_NAMESPACE"] = "1"
    env["PGNET_BENCH_HOST_NETNS"] = _netns_id()
    return env


def _netns_id():
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return "unknown"


def _worker_args(name, *args):
    return [sys.executable, "-m", "pgnet.bench", "--worker", name, json.dumps(args)]


class _Child:
    """A program this benchmark started, its output lines read live."""

    def __init__(self, args, env=None, prefix=()):
        self.process = subprocess.Popen(
            list(prefix) + list(args), cwd=ROOT, env=env or _host_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self.lines = queue.Queue()
        self.errors = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_errors(self):
        for line in self.process.stderr:
            self.errors.append(line.rstrip("\n"))

    def expect(self, prefix, timeout):
        """The rest of the first output line starting with ``prefix``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("%s: no %r line within %g s%s" % (
                    self.name(), prefix, timeout, self.tail()))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(5)
                raise RuntimeError("%s ended (exit %s) before printing %r%s" % (
                    self.name(), self.process.returncode, prefix, self.tail()))
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def result(self, timeout):
        return json.loads(self.expect("RESULT ", timeout))

    def say(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def name(self):
        return " ".join(self.process.args)[-80:]

    def tail(self):
        time.sleep(0.05)
        return "; stderr: " + " | ".join(self.errors[-8:]) if self.errors else ""

    def stop(self, sig=signal.SIGTERM):
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _run_worker(name, *args, timeout=60):
    with _Child(_worker_args(name, *args)) as child:
        return child.result(timeout)


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _unique(word):
    return "bench-%s-%s" % (word, uuid.uuid4().hex[:8])


# -- the programs: raw pyzmq and pgnet, the same structure -----------------------

RAW_SERVER = r"""
import sys, msgpack, zmq
sock = zmq.Context.instance().socket(zmq.REP)
sock.setsockopt(zmq.RCVTIMEO, 60000)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
for _ in range(10**7):
    try:
        request = msgpack.unpackb(sock.recv())
    except zmq.Again:
        break
    sock.send(msgpack.packb(request))
"""

# Raw pyzmq speaking pgnet's protocol (a DEALER sends [request number, "",
# kind, body] to a ROUTER): what pgnet's own frames cost, for reference.
RAW_ROUTER_SERVER = r"""
import sys, msgpack, zmq
sock = zmq.Context.instance().socket(zmq.ROUTER)
sock.setsockopt(zmq.RCVTIMEO, 60000)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
for _ in range(10**7):
    try:
        frames = sock.recv_multipart()
    except zmq.Again:
        break
    request = msgpack.unpackb(frames[-1])
    sock.send_multipart(frames[:3] + [msgpack.packb(request)])
"""

PGNET_SERVER = r"""
import sys, pgnet
name = sys.argv[1]
print("READY", pgnet.listen(name), flush=True)
for _ in range(10**7):
    request = pgnet.wait_for_message(name, wait_for_s=60)
    if request is None:
        break
    pgnet.send_reply(name, request)
"""

# Publishers: send "w" (warm-up) news every millisecond until told
# "go N" on stdin, then N "d" items as fast as possible and one "e"; then
# wait for the next "go N" (or end of input).
PUBLISHER = r"""
import select, sys, time
PAYLOAD = %r
KIND = sys.argv[1]
if KIND == "raw":
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.PUB)
    sock.setsockopt(zmq.SNDHWM, 100000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%%d" %% port, flush=True)
    def publish(topic, news):
        sock.send_multipart([topic.encode(), msgpack.packb(news)])
else:
    import pgnet
    name = sys.argv[2]
    pgnet.publish_news(name, "w", 0)
    print("READY", name, flush=True)
    def publish(topic, news):
        pgnet.publish_news(name, topic, news)
warm = True
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    if select.select([sys.stdin], [], [], 0.001 if warm else 1.0)[0]:
        words = sys.stdin.readline().split()
        if not words:
            break
        warm = False
        for _ in range(int(words[1])):
            publish("d", PAYLOAD)
        publish("e", 0)
    elif warm:
        publish("w", 0)
"""

# A Pygame Zero game: notes when each "T" command arrives; DONE prints them.
HOOK_GAME = r"""
import json, os, sys, time
import pgzrun
import pgnet
WIDTH, HEIGHT = 160, 120
NAME = os.environ["BENCH_GAME_NAME"]
GIVE_UP = time.monotonic() + float(os.environ["BENCH_GAME_TIMEOUT"])
latencies = []
frames = 0
print("READY", pgnet.listen(NAME), flush=True)

def on_network_command(command, params):
    if command == "T":
        latencies.append(time.monotonic() - params[0])
    elif command == "DONE":
        period = (last_frame - first_frame) / (frames - 10)
        print("RESULT " + json.dumps({"latencies": latencies, "frame": period}), flush=True)
        sys.exit(0)

first_frame = None

def update():
    global frames, first_frame, last_frame
    frames += 1
    last_frame = time.monotonic()
    if frames == 10:
        first_frame = last_frame
        print("RUNNING", flush=True)
    if time.monotonic() > GIVE_UP:
        sys.exit(1)

def draw():
    screen.fill((0, 0, 40))

pgzrun.go()
"""

# A Pygame Zero game that reports its memory after 30 frames.
MEMORY_GAME = r"""
import json, os, sys
import pgzrun
%s
WIDTH, HEIGHT = 160, 120
frames = 0

def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def update():
    global frames
    frames += 1
    if frames == 30:
        print("RESULT " + json.dumps({"rss_kib": rss_kib()}), flush=True)
        sys.exit(0)

def draw():
    screen.fill((0, 0, 40))

pgzrun.go()
"""

WITH_PGNET = "import pgnet\npgnet.listen(%r)"


def _script(code, *args):
    return [sys.executable, "-c", code] + [str(a) for a in args]


# -- workers: each figure's measuring side, in a fresh process -------------------

def work_round_trip(total, rounds):
    import msgpack
    import zmq
    import pgnet

    name = _unique("echo")
    with _Child(_script(RAW_SERVER)) as raw_server, \
            _Child(_script(RAW_ROUTER_SERVER)) as router_server, \
            _Child(_script(PGNET_SERVER, name)) as pgnet_server:
        raw_address = raw_server.expect("READY", 20)
        router_address = router_server.expect("READY", 20)
        pgnet_address = pgnet_server.expect("READY", 20)
        sock = zmq.Context.instance().socket(zmq.REQ)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect("tcp://" + raw_address)
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        dealer.setsockopt(zmq.RCVTIMEO, 5000)
        dealer.connect("tcp://" + router_address)
        numbers = iter(range(1, 10**9))

        def raw():
            sock.send(msgpack.packb(PAYLOAD))
            return msgpack.unpackb(sock.recv())

        def pgnet_frames():
            number = next(numbers).to_bytes(8, "big")
            dealer.send_multipart([number, b"", b"message", msgpack.packb(PAYLOAD)])
            return msgpack.unpackb(dealer.recv_multipart()[-1])

        def by_address():
            return pgnet.send_message(pgnet_address, PAYLOAD, wait_for_reply_s=5)

        def by_name():
            return pgnet.send_message(name, PAYLOAD, wait_for_reply_s=5)

        kinds = {"raw": raw, "frames": pgnet_frames, "address": by_address, "name": by_name}
        times = {kind: [] for kind in kinds}
        for call in kinds.values():
            for _ in range(200):
                if call() != PAYLOAD:
                    raise RuntimeError("wrong reply in the round-trip benchmark")
        per_round = max(1, total // rounds)
        clock = time.perf_counter
        for number in range(rounds):
            order = list(kinds)
            order = order[number % len(order):] + order[:number % len(order)]
            for kind in order:
                call, store = kinds[kind], times[kind]
                for _ in range(per_round):
                    start = clock()
                    call()
                    store.append(clock() - start)
        sock.close(0)
        dealer.close(0)
    return {kind: {"median": statistics.median(v), "p99": _percentile(v, 0.99), "n": len(v)}
            for kind, v in times.items()}


def work_news(count, reps):
    import msgpack
    import zmq
    import pgnet

    name = _unique("news")
    publisher_code = PUBLISHER % (PAYLOAD,)
    with _Child(_script(publisher_code, "raw")) as raw_publisher, \
            _Child(_script(publisher_code, "pgnet", name)) as pgnet_publisher:
        raw_address = raw_publisher.expect("READY", 20)
        pgnet_publisher.expect("READY", 20)
        sock = zmq.Context.instance().socket(zmq.SUB)
        sock.setsockopt(zmq.RCVHWM, 100000)
        sock.setsockopt(zmq.RCVTIMEO, 2000)
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect("tcp://" + raw_address)
        if not pgnet.subscribe(name, "", wait_for_s=10):
            raise RuntimeError("the pgnet publisher did not answer")

        def raw_next():
            try:
                topic, body = sock.recv_multipart()
            except zmq.Again:
                return None
            return topic.decode(), msgpack.unpackb(body)

        def pgnet_next():
            topic, news = pgnet.wait_for_news(name, "", wait_for_s=2)
            return None if topic is None else (topic, news)

        def drain(receive):
            for _ in range(10**6):
                item = receive()
                if item is None or item[0] == "w":
                    return item
            return None

        sides = {"raw": (raw_publisher, raw_next), "pgnet": (pgnet_publisher, pgnet_next)}
        for publisher, receive in sides.values():  # both are warm: news flows
            if drain(receive) is None:
                raise RuntimeError("no warm-up news arrived")
        sock.setsockopt(zmq.RCVTIMEO, 0)
        results = {side: [] for side in sides}
        clock = time.perf_counter
        for number in range(reps):
            for side in (("raw", "pgnet") if number % 2 == 0 else ("pgnet", "raw")):
                publisher, receive = sides[side]
                # Throw away what is left from the warm-up.
                if side == "raw":
                    sock.setsockopt(zmq.RCVTIMEO, 0)
                    while raw_next() is not None:
                        pass
                    sock.setsockopt(zmq.RCVTIMEO, 2000)
                else:
                    while pgnet.wait_for_news(name, "", wait_for_s=0)[0] is not None:
                        pass
                publisher.say("go %d" % count)
                received, first, last = 0, None, None
                deadline = time.monotonic() + 60
                while received < count and time.monotonic() < deadline:
                    item = receive()
                    if item is None or item[0] == "e":
                        break
                    if item[0] == "d":
                        last = clock()
                        if first is None:
                            first = last
                        received += 1
                rate = (received - 1) / (last - first) if received > 1 else 0.0
                results[side].append({"rate": rate, "received": received, "sent": count})
        sock.close(0)
    return results


def work_pump(calls):
    import pygame
    import pgnet

    pygame.init()
    pygame.display.set_mode((160, 120))
    for word in ("one", "two", "three", "four"):
        pgnet.listen(_unique(word))
    pgnet.watch()  # discovery events too
    for _ in range(50):
        pgnet.pump()
        pygame.event.get()

    def nothing():
        pass

    clock = time.perf_counter
    times = {"busy": [], "idle": [], "empty": []}
    for _ in range(calls):  # back to back: what the call itself costs
        start = clock()
        pgnet.pump()
        times["busy"].append(clock() - start)
        pygame.event.get()
    for _ in range(calls // 2):  # each after a short sleep, like a game's frames
        for call, kind in ((pgnet.pump, "idle"), (nothing, "empty")):
            time.sleep(0.001)
            start = clock()
            call()
            times[kind].append(clock() - start)
            pygame.event.get()
    return {kind: {"median": statistics.median(v), "p99": _percentile(v, 0.99)}
            for kind, v in times.items()}


def work_hook_latency(sends):
    import pgnet

    name = _unique("game")
    directory = tempfile.mkdtemp(prefix="pgnet-bench-")
    path = os.path.join(directory, "latency_game.py")
    with open(path, "w") as file:
        file.write(HOOK_GAME)
    env = _host_env()
    env.update(BENCH_GAME_NAME=name, BENCH_GAME_TIMEOUT="60")
    try:
        with _Child([sys.executable, path], env=env) as game:
            game.expect("READY", 30)
            game.expect("RUNNING", 30)
            pgnet.send_command(name, "WARM", 0)
            time.sleep(0.3)
            randomness = random.Random(1)
            for _ in range(sends):
                pgnet.send_command(name, "T", time.monotonic())
                # Random gaps, so sends land at every point of a frame.
                time.sleep(randomness.uniform(0.004, 0.021))
            pgnet.send_command(name, "DONE")
            result = game.result(30)
    finally:
        os.remove(path)
        os.rmdir(directory)
    latencies = result["latencies"]
    if len(latencies) != sends:
        raise RuntimeError("the game saw %d of %d commands" % (len(latencies), sends))
    return {"median": statistics.median(latencies), "p99": _percentile(latencies, 0.99),
            "max": max(latencies), "frame": result["frame"]}


def work_seek(name, spawned_at):
    """One fresh program looking for ``name`` (run once per process)."""
    import pgnet

    before = time.monotonic()
    address = pgnet.discover(name, wait_for_s=5)
    after = time.monotonic()
    return {"address": address, "discover": after - before, "from_spawn": after - spawned_at}


def work_advertise_forever(name):
    """Advertise ``name`` and listen on it until killed (at most 10 minutes)."""
    import pgnet

    print("READY", pgnet.listen(name), flush=True)
    for _ in range(600):
        time.sleep(1)
    return {}


def work_discovery(seekers):
    name = _unique("found")
    results = []
    with _Child(_worker_args("advertise_forever", name)) as advertiser:
        advertiser.expect("READY", 20)
        for _ in range(seekers):
            spawned_at = time.monotonic()
            results.append(_run_worker("seek", name, spawned_at, timeout=30))
    if any(r["address"] is None for r in results):
        raise RuntimeError("a fresh program did not find the service")
    return results


def work_advertise(count):
    import pgnet

    clock = time.perf_counter
    start = clock()
    pgnet.advertise(_unique("first"))
    first = clock() - start
    times = []
    for _ in range(count):
        name = _unique("advert")
        start = clock()
        pgnet.advertise(name)
        times.append(clock() - start)
        pgnet.unadvertise(name)  # a program advertises a name or two, not dozens
        time.sleep(0.005)
    return {"first": first, "median": statistics.median(times), "max": max(times)}


def work_vanish(count):
    import pgnet

    names = [_unique("killed") for _ in range(count)]
    children = [_Child(_worker_args("advertise_forever", n)) for n in names]
    try:
        for child in children:
            child.expect("READY", 20)
        deadline = time.monotonic() + 10
        while not set(names) <= {n for n, _ in pgnet.discover_all()}:
            if time.monotonic() > deadline:
                raise RuntimeError("the advertisers never appeared")
            time.sleep(0.01)
        killed_at = time.monotonic()
        for child in children:
            child.process.send_signal(signal.SIGKILL)
        gone = {}
        deadline = killed_at + 15
        while len(gone) < count and time.monotonic() < deadline:
            listed = {n for n, _ in pgnet.discover_all()}
            now = time.monotonic()
            for n in names:
                if n not in listed and n not in gone:
                    gone[n] = now - killed_at
            time.sleep(0.005)
    finally:
        for child in children:
            child.stop(signal.SIGKILL)
    if len(gone) < count:
        raise RuntimeError("a killed advertiser was still listed after 15 s")
    return {"times": sorted(gone.values())}


def work_memory(runs):
    directory = tempfile.mkdtemp(prefix="pgnet-bench-")
    paths = {}
    for kind, extra in (("without", ""), ("with", WITH_PGNET % _unique("memory"))):
        paths[kind] = os.path.join(directory, "memory_%s.py" % kind)
        with open(paths[kind], "w") as file:
            file.write(MEMORY_GAME % extra)
    results = {"without": [], "with": []}
    try:
        for _ in range(runs):
            games = {kind: _Child([sys.executable, path]) for kind, path in paths.items()}
            try:
                for kind, game in games.items():
                    results[kind].append(game.result(60)["rss_kib"])
            finally:
                for game in games.values():
                    game.stop()
    finally:
        for path in paths.values():
            os.remove(path)
        os.rmdir(directory)
    return results


WORKERS = {
    "round_trip": work_round_trip,
    "news": work_news,
    "pump": work_pump,
    "hook_latency": work_hook_latency,
    "seek": work_seek,
    "advertise_forever": work_advertise_forever,
    "discovery": work_discovery,
    "advertise": work_advertise,
    "vanish": work_vanish,
    "memory": work_memory,
}


def _worker_main(name, args):
    from .settings import settings

    if os.environ.get("PGNET_BENCH_IN_NAMESPACE"):
        # Only inside a namespace this benchmark made may pgnet use more
        # than loopback: refuse if this is still the computer's own network.
        if os.environ.get("PGNET_BENCH_HOST_NETNS") == _netns_id():
            raise SystemExit("refusing to run outside the benchmark's namespaces")
    else:  # belt and braces: the parent set this already
        os.environ["PGNET_NETWORK"] = settings.network = "127.*"
    result = WORKERS[name](*json.loads(args))
    print("RESULT " + json.dumps(result), flush=True)


# -- the figures -----------------------------------------------------------------

def _us(seconds):
    return "%.0f us" % (seconds * 1e6)


def _ms(seconds):
    return "%.1f ms" % (seconds * 1e3)


def _mark(ok):
    return "PASS" if ok else "SHORT"


def figure_round_trip(quick):
    size = 0 if quick else 1
    result = _run_worker("round_trip", SIZES["round_trips"][size], SIZES["rounds"][size],
                         timeout=120)
    raw = result["raw"]
    rows = []
    for kind, label in (("address", "by address"), ("name", "by service name")):
        mine = result[kind]
        ratio = mine["median"] / raw["median"]
        rows.append(Row(
            "request/reply round trip, %s (median / p99)" % label,
            "%s / %s" % (_us(mine["median"]), _us(mine["p99"])),
            "%s / %s" % (_us(raw["median"]), _us(raw["p99"])),
            "%.2fx / %.2fx" % (ratio, mine["p99"] / raw["p99"]),
            "median <= 1.3x raw", _mark(ratio <= 1.3),
        ))
    frames = result["frames"]
    NOTES.append(
        "Round trip floor: raw pyzmq speaking pgnet's protocol (DEALER -> ROUTER, frames "
        "[number, '', kind, body]) takes %s median, %.2fx REQ/REP; pgnet by address is "
        "%.2fx that." % (_us(frames["median"]), frames["median"] / raw["median"],
                         result["address"]["median"] / frames["median"]))
    return rows


def figure_news(quick):
    size = 0 if quick else 1
    result = _run_worker("news", SIZES["news"][size], SIZES["news_reps"][size], timeout=150)
    best = {side: max(r["rate"] for r in runs) for side, runs in result.items()}
    lost = {side: sum(r["sent"] - r["received"] for r in runs) for side, runs in result.items()}
    ratio = best["pgnet"] / best["raw"] if best["raw"] else 0.0

    def cell(side):
        text = "{:,.0f} /s".format(best[side])
        return text + (" (%d lost)" % lost[side] if lost[side] else "")

    return [Row(
        "news throughput, 1 publisher -> 1 subscriber (best of %d)" % SIZES["news_reps"][size],
        cell("pgnet"), cell("raw"), "%.2fx" % ratio,
        ">= 0.6x raw and >= 50,000/s", _mark(ratio >= 0.6 and best["pgnet"] >= 50_000),
    )]


def figure_pump(quick):
    result = _run_worker("pump", SIZES["pumps"][0 if quick else 1], timeout=60)
    busy, idle, empty = result["busy"], result["idle"], result["empty"]
    NOTES.append(
        "Per-frame poll: right after a 1 ms sleep (as in a game, which sleeps until its next "
        "frame) pgnet.pump() takes %s median, %s p99; an empty Python function called the "
        "same way takes %s on this machine (waking a CPU from idle costs that), so the "
        "figure in the table is measured with calls back to back."
        % (_us(idle["median"]), _us(idle["p99"]), _us(empty["median"])))
    return [Row(
        "per-frame pgnet.pump(), nothing pending, 4 names + discovery (median / p99)",
        "%s / %s" % (_us(busy["median"]), _us(busy["p99"])), "-", "-",
        "median <= 30 us", _mark(busy["median"] <= 30e-6),
    )]


def figure_hook_latency(quick):
    result = _run_worker("hook_latency", SIZES["hook_sends"][0 if quick else 1], timeout=120)
    NOTES.append(
        "Hook latency: the game's frames took %s on average; pgnet hands what arrived to the "
        "hooks once a frame, so the latency is at most about one frame." % _ms(result["frame"]))
    return [Row(
        "hook latency in a running Pygame Zero game, send -> hook (median / p99)",
        "%s / %s" % (_ms(result["median"]), _ms(result["p99"])), "-", "-",
        "p99 <= 16.7 ms (1 frame)", _mark(result["p99"] <= FRAME_S),
    )]


def _discovery_row(where, results):
    note = ("Discovery: the figure is pgnet.discover() in a program that has just started, "
            "from its first pgnet call; 'from spawn' adds starting Python and importing pgnet"
            + (" (compiled afresh each time here: PYTHONDONTWRITEBYTECODE is set)."
               if os.environ.get("PYTHONDONTWRITEBYTECODE") else "."))
    if note not in NOTES:
        NOTES.append(note)
    found = [r["discover"] for r in results]
    whole = [r["from_spawn"] for r in results]
    median = statistics.median(found)
    return Row(
        "discovery, new process -> address of a running service, %s (median)" % where,
        "%s (%s from spawn)" % (_ms(median), _ms(statistics.median(whole))), "-", "-",
        "<= 50 ms", _mark(median <= 0.050),
    )


def figure_discovery(quick):
    results = _run_worker("discovery", SIZES["seekers"][0 if quick else 1], timeout=120)
    return [_discovery_row("one machine", results)]


def figure_discovery_netns(quick):
    where = "two namespaces"
    tests = os.path.join(ROOT, "tests")
    if not os.path.exists(os.path.join(tests, "netns.py")):
        return [Row("discovery, new process -> address of a running service, %s" % where,
                    "-", "-", "-", "<= 50 ms", "SKIPPED (tests/netns.py not found: "
                    "run from a clone of the repository)")]
    sys.path.insert(0, tests)
    try:
        import netns
    finally:
        sys.path.remove(tests)
    ok, reason = netns.have_netns()
    if not ok:
        return [Row("discovery, new process -> address of a running service, %s" % where,
                    "-", "-", "-", "<= 50 ms", "SKIPPED (%s)" % reason)]
    netns.cleanup_stale("pgb")
    name = _unique("found")
    env = _namespace_env()
    results = []
    with netns.Network(prefix="pgb") as network:
        server = network.add_machine("server")
        seeker = network.add_machine("seeker")
        with _Child(_worker_args("advertise_forever", name), env=env,
                    prefix=server.command([])) as advertiser:
            advertiser.expect("READY", 20)
            for _ in range(SIZES["netns_seekers"][0 if quick else 1]):
                spawned_at = time.monotonic()
                with _Child(_worker_args("seek", name, spawned_at), env=env,
                            prefix=seeker.command([])) as child:
                    results.append(child.result(30))
    if any(r["address"] is None for r in results):
        raise RuntimeError("a fresh program did not find the service in the other namespace")
    return [_discovery_row(where, results)]


def figure_advertise(quick):
    result = _run_worker("advertise", SIZES["adverts"][0 if quick else 1], timeout=60)
    NOTES.append(
        "advertise(): the first call in a program also starts discovery (a socket, a thread, "
        "a first look at the network interfaces, a query): %s." % _ms(result["first"]))
    return [Row(
        "advertise() call, discovery running (median; max)",
        "%s (max %s)" % (_ms(result["median"]), _ms(result["max"])), "-", "-",
        "<= 2 ms", _mark(result["median"] <= 0.002),
    )]


def figure_vanish(quick):
    result = _run_worker("vanish", SIZES["advertisers"][0 if quick else 1], timeout=60)
    worst = max(result["times"])
    return [Row(
        "a killed advertiser gone from discover_all() (worst of %d)" % len(result["times"]),
        "%.2f s" % worst, "-", "-", "<= 3 s", _mark(worst <= 3.0),
    )]


def figure_memory(quick):
    result = _run_worker("memory", SIZES["memory_runs"][0 if quick else 1], timeout=120)
    extra = (statistics.median(result["with"]) - statistics.median(result["without"])) / 1024
    return [Row(
        "memory: a game's RSS with pgnet listening, minus without",
        "+%.1f MiB (%.0f MiB in all)" % (extra, statistics.median(result["with"]) / 1024),
        "-", "-", "<= 15 MiB", _mark(extra <= 15),
    )]


FIGURES = [
    ("round trip", figure_round_trip),
    ("news throughput", figure_news),
    ("per-frame poll", figure_pump),
    ("hook latency", figure_hook_latency),
    ("discovery, one machine", figure_discovery),
    ("discovery, two namespaces", figure_discovery_netns),
    ("advertise()", figure_advertise),
    ("killed advertiser", figure_vanish),
    ("memory", figure_memory),
]


# -- the report ------------------------------------------------------------------

def _cpu():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load():
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "unknown"


def describe_machine():
    from importlib import metadata

    import zmq

    from . import __version__

    versions = ["pgnet %s" % __version__, "Python %s" % platform.python_version(),
                "pyzmq %s (libzmq %s)" % (zmq.__version__, zmq.zmq_version())]
    for package in ("msgpack", "pygame", "pgzero"):
        try:
            versions.append("%s %s" % (package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            pass
    return [
        "CPU: %s x %d; %s %s" % (_cpu(), os.cpu_count() or 1, platform.system(), platform.release()),
        "Versions: " + ", ".join(versions),
    ]


def format_table(rows):
    header = Row("figure", "pgnet", "raw pyzmq", "ratio", "target", "result")
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate([header] + rows):
        lines.append("| " + " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m pgnet.bench",
        description="Measure pgnet against raw pyzmq and against its targets.",
    )
    parser.add_argument("--quick", action="store_true", help="a short run (for CI)")
    parser.add_argument("--only", metavar="WORDS",
                        help="run only the figures whose name contains WORDS")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        _worker_main(*options.worker)
        return 0
    if os.environ.get("PGNET_BENCH_IN_NAMESPACE"):
        raise SystemExit("run the benchmark itself outside the namespaces it creates")
    # Every program started from here keeps discovery on loopback, on a
    # port of its own.
    from .settings import settings

    os.environ["PGNET_NETWORK"] = settings.network = "127.*"
    port = random.randint(47000, 48999)
    os.environ["PGNET_DISCOVERY_PORT"] = str(port)
    settings.discovery_port = port
    started = time.monotonic()
    command = "python -m pgnet.bench" + (" --quick" if options.quick else "")
    print("pgnet benchmarks (%s), %s" % ("quick" if options.quick else "full",
                                         time.strftime("%Y-%m-%d %H:%M")))
    for line in describe_machine():
        print(line)
    print("Load average at the start: %s (timings are only as steady as the machine)" % _load())
    print("Reproduce: %s  (from a clone; as root for the namespace figure)" % command)
    print(flush=True)
    rows, failed = [], False
    for label, figure in FIGURES:
        if options.only and options.only not in label:
            continue
        began = time.monotonic()
        try:
            rows.extend(figure(options.quick))
        except Exception as error:  # report it and carry on with the others
            failed = True
            rows.append(Row(label, "-", "-", "-", "-", "ERROR: %s" % error))
        print("  measured %s in %.1f s" % (label, time.monotonic() - began), flush=True)
    print()
    for line in format_table(rows):
        print(line)
    print()
    print("Ratios are pgnet / raw pyzmq, measured in the same run with interleaved rounds;")
    print("raw pyzmq uses REQ/REP and PUB/SUB with msgpack, in two processes as pgnet does.")
    for note in NOTES:
        print(textwrap.fill(note, 100))
    print("Load average at the end: %s; total time: %.1f s" % (_load(), time.monotonic() - started))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
