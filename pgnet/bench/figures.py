"""The figures of the benchmark: one function each, listed in `FIGURES`.

A figure function runs its worker (see `workers`) in a child process and
turns the result into rows of the table (see `report.Row`); what it has to
explain beyond the table it appends to `notes`. `quick` picks the short
sizes in `SIZES`.

Example:

    notes = []
    for row in figure_advertise(quick=True, notes=notes):
        print(row.figure, row.pgnet, row.result)   # advertise() call ... 0.4 ms ... PASS
"""

import importlib.util
import os
import statistics
import time

from .children import Child, namespace_env, run_worker, worker_command
from .report import Row, mark, ms, us
from .crowd import figure_requesters, figure_state_subscribers
from .idle import figure_idle_game, figure_import, figure_list, figure_wakeups
from .workers import unique_name

#: One frame of a game running at 60 frames a second, in seconds.
FRAME_S = 1 / 60

#: How much of each figure a run measures: (quick, full).
SIZES = {
    "round_trips": (6 * 100, 16 * 300),  # per kind, in interleaved rounds
    "rounds": (6, 16),
    "news": (20_000, 60_000),  # news items per repetition
    "news_reps": (1, 3),  # repetitions per side, alternating
    "big_news": (500, 3000),  # 100 KB news items
    "big_news_rounds": (1, 3),  # rounds of 100 KB news, each side in turn
    "pumps": (400, 1500),
    "hook_sends": (80, 240),
    "seekers": (5, 15),
    "netns_seekers": (3, 10),
    "adverts": (20, 60),
    "advertisers": (1, 3),
    "memory_runs": (1, 2),
}


def _size(what, quick):
    return SIZES[what][0 if quick else 1]


def figure_round_trip(quick, notes):
    """Request/reply round trips, pgnet against raw REQ/REP, pinned to one
    CPU and not, side by side; the floor and raw pyzmq done well in a note.

    Three rows. Example: `figure_round_trip(True, notes)[0].ratio` is like `"1.14x / 1.20x"`.
    """
    size = (_size("round_trips", quick), _size("rounds", quick))
    pinned = run_worker("round_trip", *size, True, timeout=180)
    free = run_worker("round_trip", *size, False, timeout=180)

    def row(result, kind, label, target):
        mine, raw = result[kind], result["raw"]
        ratio = mine["median"] / raw["median"]
        return Row("request/reply round trip, %s (median / p99)" % label,
                   "%s / %s" % (us(mine["median"]), us(mine["p99"])),
                   "%s / %s" % (us(raw["median"]), us(raw["p99"])),
                   "%.2fx / %.2fx" % (ratio, mine["p99"] / raw["p99"]),
                   "median <= %gx raw" % target, mark(ratio <= target))

    for result, where in ((pinned, "pinned to one CPU"), (free, "unpinned")):
        notes.append(
            "Round trips %s: UDP ping-pong (the floor) %s, raw REQ/REP %s, raw done well "
            "(Cython-level calls) %s, DEALER -> ROUTER with the four-frame envelope %s, "
            "the lean envelope with pgnet.wire's checks and nothing else of pgnet %s; "
            "pgnet by address %s." % (where, *(us(result[k]["median"]) for k in
                                               ("udp", "raw", "well", "frames", "wire", "address"))))
    return [row(pinned, "address", "by address, pinned to one CPU", 1.15),
            row(free, "address", "by address, unpinned", 1.3),
            row(free, "name", "by service name, unpinned", 1.3)]


def figure_news(quick, notes):
    """News items a second, one publisher to one subscriber: pgnet against
    naive raw pyzmq (`send_multipart`) and raw done well.

    Example: `figure_news(True, notes)[0].pgnet` is like `"193,553 /s"`.
    """
    result = run_worker("news", _size("news", quick), _size("news_reps", quick), timeout=200)
    result.pop("peak_kib")
    best = {side: max(r["rate"] for r in runs) for side, runs in result.items()}
    lost = {side: sum(r["sent"] - r["received"] for r in runs) for side, runs in result.items()}
    naive = best["pgnet"] / best["raw"] if best["raw"] else 0.0
    well = best["pgnet"] / best["well"] if best["well"] else 0.0

    def cell(side):
        text = "{:,.0f} /s".format(best[side])
        return text + (" (%d lost)" % lost[side] if lost[side] else "")

    return [Row(
        "news throughput, 1 publisher -> 1 subscriber (best of %d)" % _size("news_reps", quick),
        cell("pgnet"), "%s naive; %s done well" % (cell("raw"), cell("well")),
        "%.2fx / %.2fx" % (naive, well),
        ">= 1.3x naive and >= 0.65x done well", mark(naive >= 1.3 and well >= 0.65),
    )]


def figure_big_news(quick, notes):
    """100 KB news items a second and the subscriber's peak memory, pgnet
    against naive raw pyzmq, each subscriber in a process of its own: the
    best rate of a few rounds (each side in turn, so that other load hits
    both alike: it can only slow a round), and the highest peak.

    Example: `figure_big_news(True, notes)[0].pgnet` is like `"9,553 /s, 52 MiB"`.
    """
    count, rounds = _size("big_news", quick), _size("big_news_rounds", quick)
    rates, peaks = {"raw": [], "pgnet": []}, {"raw": [], "pgnet": []}
    for number in range(rounds):
        for side in ("raw", "pgnet") if number % 2 == 0 else ("pgnet", "raw"):
            run = run_worker("news", count, 1, [side], "b'x' * 100000", timeout=200)
            rates[side].append(run[side][0]["rate"])
            peaks[side].append(run["peak_kib"] / 1024)
    rate = {side: max(rates[side]) for side in rates}
    peak = {side: max(peaks[side]) for side in peaks}
    ratio = rate["pgnet"] / rate["raw"] if rate["raw"] else 0.0
    return [Row("100 KB news throughput (best of %d), subscriber's peak memory" % rounds,
                "{:,.0f} /s, {:.0f} MiB".format(rate["pgnet"], peak["pgnet"]),
                "{:,.0f} /s, {:.0f} MiB".format(rate["raw"], peak["raw"]),
                "%.2fx" % ratio, ">= 1.0x and <= 64 MiB",
                mark(ratio >= 1.0 and peak["pgnet"] <= 64))]


def figure_pump(quick, notes):
    """What `pgnet.pump()` costs a game each frame when nothing arrives.

    Example: `figure_pump(True, notes)[0].pgnet` is like `"6 us / 16 us"`.
    """
    result = run_worker("pump", _size("pumps", quick), timeout=60)
    busy, idle, empty = result["busy"], result["idle"], result["empty"]
    notes.append(
        "Per-frame poll: right after a 1 ms sleep (as in a game, which sleeps until its next "
        "frame) pgnet.pump() takes %s median, %s p99; an empty Python function called the "
        "same way takes %s on this machine (waking a CPU from idle costs that), so the "
        "figure in the table is measured with calls back to back."
        % (us(idle["median"]), us(idle["p99"]), us(empty["median"])))
    return [Row(
        "per-frame pgnet.pump(), nothing pending, 4 names + discovery (median / p99)",
        "%s / %s" % (us(busy["median"]), us(busy["p99"])), "-", "-",
        "median <= 30 us", mark(busy["median"] <= 30e-6),
    )]


def figure_hook_latency(quick, notes):
    """How long a command takes to reach its hook in a running Pygame Zero game.

    Example: `figure_hook_latency(True, notes)[0].pgnet` is like `"10.1 ms / 16.2 ms"`.
    """
    result = run_worker("hook_latency", _size("hook_sends", quick), timeout=120)
    notes.append(
        "Hook latency: the game's frames took %s on average (the idle-game row compares its "
        "frame with and without pgnet); pgnet runs the hooks while the game waits for its "
        "next frame, as soon as something arrives." % ms(result["frame"]))
    return [Row(
        "hook latency in a running Pygame Zero game, send -> hook (median / p99)",
        "%s / %s" % (ms(result["median"]), ms(result["p99"])), "-", "-",
        "<= 0.5 ms / <= 2 ms", mark(result["median"] <= 0.0005 and result["p99"] <= 0.002),
    )]


def repository_netns():
    """The repository's tests/netns.py as a module, or None.

    Only a pgnet inside a clone of the repository has it beside it (an
    installed wheel has no tests).
    """
    import pgnet

    clone = os.path.dirname(os.path.dirname(os.path.realpath(pgnet.__file__)))
    path = os.path.join(clone, "tests", "netns.py")
    if not (os.path.isfile(path) and os.path.isfile(os.path.join(clone, "setup.cfg"))):
        return None
    spec = importlib.util.spec_from_file_location("netns", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skipped(where, reason):
    return Row("discovery, new process -> address of a running service, %s" % where,
               "-", "-", "-", "<= 50 ms", "SKIPPED (%s)" % reason)


def _discovery_row(where, results, notes):
    note = ("Discovery: the figure is pgnet.discover() in a program that has just started, "
            "from its first pgnet call; 'from spawn' adds starting Python and importing pgnet"
            + (" (compiled afresh each time here: PYTHONDONTWRITEBYTECODE is set)."
               if os.environ.get("PYTHONDONTWRITEBYTECODE") else "."))
    if note not in notes:
        notes.append(note)
    found = [r["discover"] for r in results]
    whole = [r["from_spawn"] for r in results]
    median = statistics.median(found)
    return Row(
        "discovery, new process -> address of a running service, %s (median)" % where,
        "%s (%s from spawn)" % (ms(median), ms(statistics.median(whole))), "-", "-",
        "<= 50 ms", mark(median <= 0.050),
    )


def figure_discovery(quick, notes):
    """How soon a program that has just started finds a service on the same machine.

    Example: `figure_discovery(True, notes)[0].pgnet` is like `"2.3 ms (86.2 ms from spawn)"`.
    """
    results = run_worker("discovery", _size("seekers", quick), timeout=120)
    return [_discovery_row("one machine", results, notes)]


def figure_discovery_netns(quick, notes):
    """The same as `figure_discovery`, from one network namespace to another.

    Needs root, `ip netns` and the repository's `tests/netns.py`; without
    them the row says SKIPPED and why. Example:
    `figure_discovery_netns(True, notes)[0].result` is `"PASS"` or `"SKIPPED (...)"`.
    """
    where = "two namespaces"
    netns = repository_netns()
    if netns is None:
        return [_skipped(where, "needs tests/netns.py: this pgnet is not in a clone "
                                "of the repository")]
    ok, reason = netns.have_netns()
    if not ok:
        return [_skipped(where, reason)]
    netns.cleanup_stale("pgb")
    name = unique_name("found")
    env = namespace_env()
    results = []
    with netns.Network(prefix="pgb") as network:
        server = network.add_machine("server")
        seeker = network.add_machine("seeker")
        with Child(worker_command("advertise_forever", name), env=env,
                   prefix=server.command([])) as advertiser:
            advertiser.expect("READY", 20)
            for _ in range(_size("netns_seekers", quick)):
                spawned_at = time.monotonic()
                with Child(worker_command("seek", name, spawned_at), env=env,
                           prefix=seeker.command([])) as child:
                    results.append(child.result(30))
    if any(r["address"] is None for r in results):
        raise RuntimeError("a fresh program did not find the service in the other namespace")
    return [_discovery_row(where, results, notes)]


def figure_advertise(quick, notes):
    """How long `pgnet.advertise()` takes once discovery is running.

    Example: `figure_advertise(True, notes)[0].pgnet` is like `"0.4 ms (max 0.5 ms)"`.
    """
    result = run_worker("advertise", _size("adverts", quick), timeout=60)
    notes.append(
        "advertise(): the first call in a program also starts discovery (a socket, a thread, "
        "a first look at the network interfaces, a query): %s." % ms(result["first"]))
    return [Row(
        "advertise() call, discovery running (median; max)",
        "%s (max %s)" % (ms(result["median"]), ms(result["max"])), "-", "-",
        "<= 2 ms", mark(result["median"] <= 0.002),
    )]


def figure_vanish(quick, notes):
    """How soon a SIGKILLed advertiser disappears from `pgnet.discover_all()`.

    Example: `figure_vanish(True, notes)[0].pgnet` is like `"1.81 s"`.
    """
    result = run_worker("vanish", _size("advertisers", quick), timeout=60)
    worst = max(result["times"])
    return [Row(
        "a killed advertiser gone from discover_all() (worst of %d)" % len(result["times"]),
        "%.2f s" % worst, "-", "-", "<= 3 s", mark(worst <= 3.0),
    )]


def figure_memory(quick, notes):
    """How much memory a listening pgnet adds to a Pygame Zero game.

    Example: `figure_memory(True, notes)[0].pgnet` is like `"+4.7 MiB (51 MiB in all)"`.
    """
    result = run_worker("memory", _size("memory_runs", quick), timeout=120)
    extra = (statistics.median(result["with"]) - statistics.median(result["without"])) / 1024
    return [Row(
        "memory: a game's RSS with pgnet listening, minus without",
        "+%.1f MiB (%.0f MiB in all)" % (extra, statistics.median(result["with"]) / 1024),
        "-", "-", "<= 15 MiB", mark(extra <= 15),
    )]


def figure_classroom(quick, notes):
    """Discovery in a room of many programs (see `pgnet.bench.classroom`):
    traffic per service, idle CPU at 90 services, the cost of a received
    packet at 30 / 90 / 180 names, and how soon a room of programs started
    together all list each other.

    Needs root, `ip netns` and the repository's `tests/netns.py`, and takes
    a few minutes: without them, or in quick mode, the rows say SKIPPED and
    why. Example: `figure_classroom(False, notes)[0].pgnet` is like `"1.01 /s"`.
    """
    from . import classroom

    labels = ("discovery frames per advertised service, steady",
              "idle CPU of a program in a room of 90 services",
              "CPU per received discovery packet, 30 / 90 / 180 names",
              "programs started together until all list each other")
    targets = ("<= 1 /s (+ the window's edges)", "<= 1%", "the same at any size (<= 2x)",
               "<= 3 s, none dropped")
    netns = None if quick else repository_netns()
    reason = ("quick mode: run python -m pgnet.bench, or python -m pgnet.bench.classroom"
              if quick else "needs tests/netns.py: this pgnet is not in a clone of the repository")
    if netns is not None:
        ok, reason = netns.have_netns()
        netns = netns if ok else None
    if netns is None:
        return [Row(label, "-", "-", "-", target, "SKIPPED (%s)" % reason)
                for label, target in zip(labels, targets)]
    netns.cleanup_stale("pgb")
    result = classroom.measure(netns)
    traffic = result["traffic"][-1]
    costs = [c["us_per_packet"] for c in result["cost"]]
    room = result["convergence"][0]
    notes.append(
        "Classroom: each program of a room is a discovery Beacon of its own, a few processes "
        "holding them all; the start-up burst of %d programs delivered %d datagrams to sockets "
        "in its first 3 s and the receive buffers dropped %d."
        % (room["programs"], room["datagrams"], room["dropped"]))
    return [
        Row(labels[0], "%.2f /s" % traffic["frames_per_s_per_service"], "-", "-",
            targets[0], mark(traffic["frames_per_s_per_service"] <= 1.05)),
        Row(labels[1], "%.2f%% of a core" % traffic["idle_cpu_percent"], "-", "-",
            targets[1], mark(traffic["idle_cpu_percent"] <= 1.0)),
        Row(labels[2], " / ".join("%.0f us" % c for c in costs), "-", "-",
            targets[2], mark(max(costs) <= 2 * max(min(costs), 1.0))),
        Row("%s (%d)" % (labels[3], room["programs"]), "%.2f s, %d dropped" % (room["seconds"], room["dropped"]),
            "-", "-", targets[3], mark(room["seconds"] <= 3.0 and room["dropped"] == 0)),
    ]


#: The figures in the order of the table: (label for --only, function).
FIGURES = [
    ("round trip", figure_round_trip),
    ("news throughput", figure_news),
    ("100 KB news", figure_big_news),
    ("20 requesters", figure_requesters),
    ("30 subscribers", figure_state_subscribers),
    ("per-frame poll", figure_pump),
    ("hook latency", figure_hook_latency),
    ("idle game", figure_idle_game),
    ("idle wakeups", figure_wakeups),
    ("import pgnet", figure_import),
    ("pgnet list", figure_list),
    ("discovery, one machine", figure_discovery),
    ("discovery, two namespaces", figure_discovery_netns),
    ("advertise()", figure_advertise),
    ("killed advertiser", figure_vanish),
    ("memory", figure_memory),
    ("classroom", figure_classroom),
]


