"""Figures with many programs at once: 20 requesters asking one listener,
30 subscribers to one publisher at 60 Hz. Each is measured for pgnet and
for raw pyzmq doing the same, side by side.

Example:

    notes = []
    rows = figure_requesters(quick=True, notes=notes)   # one Row, pgnet / raw REQ/REP
"""

import contextlib
import statistics

from .children import Child, run_worker, script
from .programs import PAYLOAD, PGNET_SERVER, RAW_SERVER, REQUESTER, STATE_SUBSCRIBER
from .report import Row, mark, ms

#: How much each figure measures: (quick, full).
SIZES = {"requests": (100, 1000), "requester_rounds": (1, 2), "state_items": (30, 240)}

REQUESTERS = 20
SUBSCRIBERS = 30
STATE_BYTES = 200


def _size(what, quick):
    return SIZES[what][0 if quick else 1]


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def work_requesters(count, rounds=1):
    """Requests a second from 20 programs asking one listener at once: a
    pgnet listener and a raw REP socket, each side in turn for ``rounds``
    rounds (other load can only slow a round: the best is kept). Example:
    `work_requesters(300)` is like `{"raw": 31000.0, "pgnet": 26000.0}`.
    """
    from .workers import unique_name

    rates = {"raw": 0.0, "pgnet": 0.0}
    servers = {"raw": RAW_SERVER, "pgnet": PGNET_SERVER}
    for number in range(rounds):
        for side in ("raw", "pgnet") if number % 2 == 0 else ("pgnet", "raw"):
            with Child(script(servers[side], unique_name("crowd"))) as server:
                address = server.expect("READY", 20)
                with contextlib.ExitStack() as stack:
                    askers = [stack.enter_context(Child(script(REQUESTER % (PAYLOAD,), side, address, count)))
                              for _ in range(REQUESTERS)]
                    for asker in askers:
                        asker.expect("READY", 60)
                    for asker in askers:
                        asker.say("go")
                    longest = max(asker.result(120)["s"] for asker in askers)
            rates[side] = max(rates[side], REQUESTERS * count / longest)
    return rates


def figure_requesters(quick, notes):
    """One listener answering 20 programs at once, against a raw REQ/REP server.

    Example: `figure_requesters(True, notes)[0].ratio` is like `"0.86x"`.
    """
    rounds = _size("requester_rounds", quick)
    rates = run_worker("requesters", _size("requests", quick), rounds, timeout=300)
    ratio = rates["pgnet"] / rates["raw"]
    return [Row("%d requesters, one listener (requests/s, best of %d)" % (REQUESTERS, rounds),
                "{:,.0f} /s".format(rates["pgnet"]), "{:,.0f} /s".format(rates["raw"]),
                "%.2fx" % ratio, ">= 0.85x raw REQ/REP", mark(ratio >= 0.85))]


#: A publisher of game state at 60 Hz (argv: "raw" or "pgnet", the name for
#: pgnet): prints READY, then publishes {"t": monotonic time, "go": bool,
#: padding} 60 times a second; "go" once told on stdin; ends at end of input.
STATE_PUBLISHER = r"""
import select, sys, time
kind = sys.argv[1]
if kind == "raw":
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.PUB)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%%d" %% port, flush=True)
    def publish(state):
        sock.send_multipart([b"state", msgpack.packb(state)])
else:
    import pgnet
    name = sys.argv[2]
    pgnet.publish_news(name, "warming", 0)
    print("READY", name, flush=True)
    def publish(state):
        pgnet.publish_news(name, "state", state)
go = False
next_at = time.monotonic()
while True:
    if select.select([sys.stdin], [], [], max(0, next_at - time.monotonic()))[0]:
        if not sys.stdin.readline():
            break
        go = True
    if time.monotonic() >= next_at:
        publish({"t": time.monotonic(), "go": go, "pad": "x" * %d})
        next_at += 1 / 60
"""


def work_state_subscribers(items):
    """Latency of 60 Hz game state (200 bytes) to 30 subscribers at once:
    pgnet and raw PUB/SUB, in turn. Example: `work_state_subscribers(60)` is
    like `{"raw": {"median": 0.0009, "p99": 0.005}, "pgnet": {...}}`.
    """
    from .workers import unique_name

    results = {}
    for side in ("raw", "pgnet"):
        name = unique_name("state")
        code = STATE_PUBLISHER % (STATE_BYTES - 40)
        with Child(script(code, side, name)) as publisher:
            where = publisher.expect("READY", 20)
            with contextlib.ExitStack() as stack:
                subscribers = [stack.enter_context(Child(script(STATE_SUBSCRIBER, side, where, items)))
                               for _ in range(SUBSCRIBERS)]
                for subscriber in subscribers:
                    subscriber.expect("READY", 60)
                publisher.say("go")
                latencies = []
                for subscriber in subscribers:
                    latencies.extend(subscriber.result(120)["latencies"])
        results[side] = {"median": statistics.median(latencies), "p99": _percentile(latencies, 0.99)}
    return results


def figure_state_subscribers(quick, notes):
    """30 subscribers to 60 Hz game state, against raw PUB/SUB (latency).

    Example: `figure_state_subscribers(True, notes)[0].pgnet` is like `"0.9 ms / 7.0 ms"`.
    """
    result = run_worker("state_subscribers", _size("state_items", quick), timeout=300)
    mine, raw = result["pgnet"], result["raw"]
    ratio = mine["p99"] / raw["p99"]
    return [Row("%d subscribers, 60 Hz state of %d bytes, latency (median / p99)"
                % (SUBSCRIBERS, STATE_BYTES),
                "%s / %s" % (ms(mine["median"]), ms(mine["p99"])),
                "%s / %s" % (ms(raw["median"]), ms(raw["p99"])),
                "p99 %.2fx" % ratio, "p99 <= 1.2x raw", mark(ratio <= 1.2))]


WORKERS = {"requesters": work_requesters, "state_subscribers": work_state_subscribers}
