"""The measuring side of each figure: functions run in a fresh process.

`python -m pgnet.bench --worker NAME JSON-ARGS` runs `WORKERS[NAME](*ARGS)`
through `worker_main`, which prints the return value as `RESULT {json}`.
A figure (see `figures`) starts the worker with `children.run_worker` and
turns its result into rows of the table. Results are plain JSON: numbers in
seconds (or KiB), in dicts and lists.

Example (in a child process; the parent calls `run_worker("advertise", 20)`):

    work_advertise(20)   # {"first": 0.0019, "median": 0.0004, "max": 0.0005}
"""

import json
import os
import random
import signal
import statistics
import sys
import time
import uuid

from .children import Child, host_env, netns_id, program_files, run_worker, script, worker_command
from .programs import (
    HOOK_GAME,
    MEMORY_GAME,
    PAYLOAD,
    PGNET_SERVER,
    PUBLISHER,
    RAW_ROUTER_SERVER,
    RAW_SERVER,
    RAW_WELL_SERVER,
    UDP_SERVER,
    WIRE_ONLY_SERVER,
    WITH_PGNET,
)


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def unique_name(word):
    """A service name no other program uses, so runs cannot mix up.

    Example: `unique_name("echo")` is like `"bench-echo-3f9a01bc"`.
    """
    return "bench-%s-%s" % (word, uuid.uuid4().hex[:8])


def work_round_trip(total, rounds, pinned=False):
    """Time request/reply round trips: UDP, raw REQ/REP, raw pgnet frames, pgnet.

    Seven kinds, `total` calls each, in `rounds` interleaved rounds against
    echo servers: "udp" (UDP ping-pong: the floor), "raw" (REQ/REP, naive
    pyzmq), "well" (REQ/REP with pyzmq's Cython-level calls), "frames"
    (DEALER/ROUTER with pgnet's four frames), "wire" (the lean envelope and
    pgnet.wire's checks, nothing else of pgnet), "address" and "name"
    (`pgnet.send_message`). `pinned` runs this process and the servers on
    one CPU. Example: `work_round_trip(900, 6)["raw"]` is like
    `{"median": 4.4e-05, "p99": ..., "n": 900}`.
    """
    import socket

    import msgpack
    import zmq
    import pgnet
    from pgnet import envelope, wire

    if pinned:  # the servers started below inherit it
        os.sched_setaffinity(0, {max(os.sched_getaffinity(0))})
    name = unique_name("echo")
    with Child(script(RAW_SERVER)) as raw_server, \
            Child(script(RAW_WELL_SERVER)) as well_server, \
            Child(script(UDP_SERVER)) as udp_server, \
            Child(script(RAW_ROUTER_SERVER)) as router_server, \
            Child(script(WIRE_ONLY_SERVER)) as wire_server, \
            Child(script(PGNET_SERVER, name)) as pgnet_server:
        raw_address = raw_server.expect("READY", 20)
        well_address = well_server.expect("READY", 20)
        udp_host, udp_port = udp_server.expect("READY", 20).split(":")
        router_address = router_server.expect("READY", 20)
        wire_address = wire_server.expect("READY", 20)
        pgnet_address = pgnet_server.expect("READY", 20)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.settimeout(5)
        udp.connect((udp_host, int(udp_port)))
        well = zmq.Context.instance().socket(zmq.REQ)
        well.setsockopt(zmq.RCVTIMEO, 5000)
        well.connect("tcp://" + well_address)
        send, recv, packer = zmq.backend.Socket.send, zmq.backend.Socket.recv, msgpack.Packer()
        sock = zmq.Context.instance().socket(zmq.REQ)
        sock.setsockopt(zmq.RCVTIMEO, 5000)
        sock.connect("tcp://" + raw_address)
        dealer = zmq.Context.instance().socket(zmq.DEALER)
        dealer.setsockopt(zmq.RCVTIMEO, 5000)
        dealer.connect("tcp://" + router_address)
        wire_dealer = zmq.Context.instance().socket(zmq.DEALER)
        wire_dealer.setsockopt(zmq.RCVTIMEO, 5000)
        wire_dealer.connect("tcp://" + wire_address)
        numbers = iter(range(1, 10**9))
        head = envelope.HEADER_BYTES
        lean_message = envelope.request(envelope.MESSAGE, b"", b"", False, True)[0]

        def raw():
            sock.send(msgpack.packb(PAYLOAD))
            return msgpack.unpackb(sock.recv())

        def udp_ping():
            udp.send(packer.pack(PAYLOAD))
            return msgpack.unpackb(udp.recv(65536))

        def raw_well():
            send(well, packer.pack(PAYLOAD))
            return msgpack.unpackb(recv(well))

        def pgnet_frames():
            number = next(numbers).to_bytes(8, "big")
            dealer.send_multipart([number, b"", b"message", msgpack.packb(PAYLOAD)])
            return msgpack.unpackb(dealer.recv_multipart()[-1])

        def wire_only():
            number = next(numbers).to_bytes(8, "big")
            send(wire_dealer, lean_message + number + wire.encode(PAYLOAD))
            reply = recv(wire_dealer)
            if reply[:head] != envelope.REPLY + number:
                raise RuntimeError("wrong reply in the round-trip benchmark")
            return wire.decode(reply[head:])

        def by_address():
            return pgnet.send_message(pgnet_address, PAYLOAD, wait_for_reply_s=5)

        def by_name():
            return pgnet.send_message(name, PAYLOAD, wait_for_reply_s=5)

        kinds = {"udp": udp_ping, "raw": raw, "well": raw_well, "frames": pgnet_frames,
                 "wire": wire_only, "address": by_address, "name": by_name}
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
        for each in (sock, dealer, well, wire_dealer):
            each.close(0)
        udp.close()
    return {kind: {"median": statistics.median(v), "p99": _percentile(v, 0.99), "n": len(v)}
            for kind, v in times.items()}


def work_news(count, reps, sides=("raw", "well", "pgnet"), payload=None):
    """Time `count` news items from raw PUB, raw done well and `pgnet.publish_news`.

    Each side in `sides` is measured `reps` times, in turn, after every
    publisher is warm; `payload` is a Python expression for each item (the
    small dict if None). Also reports this process's peak memory (KiB), which
    means something when one side runs alone. Example: `work_news(20000, 1)`
    is like `{"raw": [{"rate": 158000.0, "received": 20000, "sent": 20000}],
    ..., "peak_kib": 60000}`.
    """
    import contextlib
    import resource

    import msgpack
    import zmq
    import pgnet

    name = unique_name("news")
    publisher_code = PUBLISHER % (payload or repr(PAYLOAD),)
    recv = zmq.backend.Socket.recv
    with contextlib.ExitStack() as stack:
        publishers, receivers, sockets = {}, {}, []
        for side in sides:
            args = ("pgnet", name) if side == "pgnet" else (side,)
            publishers[side] = stack.enter_context(Child(script(publisher_code, *args)))
        for side in sides:
            address = publishers[side].expect("READY", 20)
            if side == "pgnet":
                if not pgnet.subscribe(name, "", wait_for_s=10):
                    raise RuntimeError("the pgnet publisher did not answer")
                receivers[side] = _pgnet_news(pgnet, name)
                continue
            sock = zmq.Context.instance().socket(zmq.SUB)
            sock.setsockopt(zmq.RCVHWM, 100000)
            sock.setsockopt(zmq.RCVTIMEO, 2000)
            sock.setsockopt(zmq.SUBSCRIBE, b"")
            sock.connect("tcp://" + address)
            sockets.append(sock)
            receivers[side] = _raw_news(sock, msgpack, zmq, recv if side == "well" else None)
        for side in sides:  # every publisher is warm: news flows
            if _drain(receivers[side], "w") is None:
                raise RuntimeError("no warm-up news arrived")
        results = {side: [] for side in sides}
        for number in range(reps):
            for side in sides[number % len(sides):] + sides[:number % len(sides)]:
                _drain(receivers[side], None, wait=False)  # what is left from the warm-up
                publishers[side].say("go %d" % count)
                results[side].append(_receive_burst(receivers[side], count))
        for sock in sockets:
            sock.close(0)
    results["peak_kib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return results


def _pgnet_news(pgnet, name):
    def receive(wait=True):
        topic, news = pgnet.wait_for_news(name, "", wait_for_s=2 if wait else 0)
        return None if topic is None else (topic, news)
    return receive


def _raw_news(sock, msgpack, zmq, recv):
    """Receiving raw news: naive (`recv_multipart`), or done well (`recv`
    of pyzmq's Cython level, the two frames known)."""
    def receive(wait=True):
        if not wait:
            sock.setsockopt(zmq.RCVTIMEO, 0)
        try:
            if recv is None:
                topic, body = sock.recv_multipart()
            else:
                topic = recv(sock)
                body = recv(sock)
        except zmq.Again:
            return None
        finally:
            if not wait:
                sock.setsockopt(zmq.RCVTIMEO, 2000)
        return topic.decode(), msgpack.unpackb(body)
    return receive


def _drain(receive, until, wait=True):
    for _ in range(10**6):
        item = receive(wait)
        if item is None or item[0] == until:
            return item
    return None


def _receive_burst(receive, count):
    clock = time.perf_counter
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
    return {"rate": rate, "received": received, "sent": count}


def work_pump(calls):
    """Time `pgnet.pump()` with 4 names listening and nothing arriving.

    "busy": calls back to back; "idle": each after a 1 ms sleep, as in a
    game; "empty": an empty function after the same sleep. Example:
    `work_pump(400)["busy"]` is like `{"median": 6e-06, "p99": 1.6e-05}`.
    """
    import pygame
    import pgnet

    pygame.init()
    pygame.display.set_mode((160, 120))
    for word in ("one", "two", "three", "four"):
        pgnet.listen(unique_name(word))
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
    """Time from `pgnet.send_command` to the hook in a running Pygame Zero game.

    Sends `sends` commands at random moments of the game's frames. Example:
    `work_hook_latency(80)` is like `{"median": 0.010, "p99": 0.016, "max": ..., "frame": 0.0167}`.
    """
    import pgnet

    name = unique_name("game")
    env = host_env()
    env.update(BENCH_GAME_NAME=name, BENCH_GAME_TIMEOUT="60")
    with program_files({"latency_game.py": HOOK_GAME}) as paths, \
            Child([sys.executable, paths["latency_game.py"]], env=env) as game:
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
    latencies = result["latencies"]
    if len(latencies) != sends:
        raise RuntimeError("the game saw %d of %d commands" % (len(latencies), sends))
    return {"median": statistics.median(latencies), "p99": _percentile(latencies, 0.99),
            "max": max(latencies), "frame": result["frame"]}


def work_seek(name, spawned_at):
    """One fresh program looking for `name` (run once per process).

    `spawned_at` is when the parent started this process (time.monotonic()).
    Example: `work_seek("pong", t)` is like
    `{"address": "127.0.0.1:5555", "discover": 0.0023, "from_spawn": 0.086}`.
    """
    import pgnet

    before = time.monotonic()
    address = pgnet.discover(name, wait_for_s=5)
    after = time.monotonic()
    return {"address": address, "discover": after - before, "from_spawn": after - spawned_at}


def work_advertise_forever(name):
    """Advertise `name` and listen on it until killed (at most 10 minutes).

    Prints `READY address` once listening. Example:
    `Child(worker_command("advertise_forever", "pong"))`.
    """
    import pgnet

    print("READY", pgnet.listen(name), flush=True)
    for _ in range(600):
        time.sleep(1)
    return {}


def work_discovery(seekers):
    """Start one advertiser, then `seekers` fresh programs that discover it.

    Returns each seeker's result (see `work_seek`). Example:
    `work_discovery(5)[0]` is like `{"address": "127.0.0.1:5555", "discover": 0.0023, ...}`.
    """
    name = unique_name("found")
    results = []
    with Child(worker_command("advertise_forever", name)) as advertiser:
        advertiser.expect("READY", 20)
        for _ in range(seekers):
            spawned_at = time.monotonic()
            results.append(run_worker("seek", name, spawned_at, timeout=30))
    if any(r["address"] is None for r in results):
        raise RuntimeError("a fresh program did not find the service")
    return results


def work_advertise(count):
    """Time `pgnet.advertise()`: the first call, then `count` more.

    The first call also starts discovery. Example: `work_advertise(20)` is
    like `{"first": 0.0019, "median": 0.0004, "max": 0.0005}`.
    """
    import pgnet

    clock = time.perf_counter
    start = clock()
    pgnet.advertise(unique_name("first"))
    first = clock() - start
    times = []
    for _ in range(count):
        name = unique_name("advert")
        start = clock()
        pgnet.advertise(name)
        times.append(clock() - start)
        pgnet.unadvertise(name)  # a program advertises a name or two, not dozens
        time.sleep(0.005)
    return {"first": first, "median": statistics.median(times), "max": max(times)}


def work_vanish(count):
    """How long `discover_all()` keeps listing `count` advertisers after a SIGKILL.

    Example: `work_vanish(1)` is like `{"times": [1.81]}` (seconds, sorted).
    """
    import pgnet

    names = [unique_name("killed") for _ in range(count)]
    children = [Child(worker_command("advertise_forever", n)) for n in names]
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
    """Start a small Pygame Zero game with and without pgnet, `runs` times each.

    Returns each game's resident memory after 30 frames, in KiB. Example:
    `work_memory(1)` is like `{"without": [47300], "with": [52100]}`.
    """
    codes = {"without": MEMORY_GAME % "",
             "with": MEMORY_GAME % (WITH_PGNET % unique_name("memory"))}
    results = {"without": [], "with": []}
    with program_files({"memory_%s.py" % kind: code for kind, code in codes.items()}) as paths:
        for _ in range(runs):
            games = {kind: Child([sys.executable, paths["memory_%s.py" % kind]])
                     for kind in codes}
            try:
                for kind, game in games.items():
                    results[kind].append(game.result(60)["rss_kib"])
            finally:
                for game in games.values():
                    game.stop()
    return results


#: The workers by name, for `python -m pgnet.bench --worker NAME ARGS`
#: (with those of `crowd` and `idle`, added by `worker_main`).
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


def worker_main(name, args):
    """Run worker `name` with `args` (a JSON list) and print `RESULT {json}`.

    This is what `python -m pgnet.bench --worker NAME ARGS` does, in the
    child that `children.run_worker` started. Example:
    `worker_main("advertise", "[20]")` prints `RESULT {"first": ...}`.
    """
    import pgnet

    if os.environ.get("PGNET_BENCH_IN_NAMESPACE"):
        # Only inside a namespace this benchmark made may pgnet use more
        # than loopback: refuse if this is still the computer's own network.
        if os.environ.get("PGNET_BENCH_HOST_NETNS") == netns_id():
            raise SystemExit("refusing to run outside the benchmark's namespaces")
    else:  # belt and braces: the parent set this already
        os.environ["PGNET_NETWORK"] = pgnet.settings.network = "127.*"
    from . import crowd, idle

    workers = dict(WORKERS, **crowd.WORKERS, **idle.WORKERS)
    result = workers[name](*json.loads(args))
    print("RESULT " + json.dumps(result), flush=True)


