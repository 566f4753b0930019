"""Figures of what pgnet costs when nothing happens: a game's CPU with and
without pgnet, `import pgnet`, `pgnet list`, the discovery thread's wakeups.

Example:

    notes = []
    rows = figure_import(quick=True, notes=notes)   # one Row: import pgnet, median
"""

import os
import re
import statistics
import subprocess
import sys
import time

from .children import Child, host_env, program_files, run_worker
from .programs import IDLE_GAME, WITH_PGNET
from .report import Row, mark, ms

#: How many times each is measured: (quick, full).
SIZES = {"games": (1, 3), "frames": (90, 300), "imports": (5, 15), "lists": (1, 5),
         "wakeup_s": (1.0, 5.0)}


def _size(what, quick):
    return SIZES[what][0 if quick else 1]


def work_idle_game(runs, frames):
    """A Pygame Zero game's CPU use (fraction of one CPU) and mean frame,
    without pgnet and with pgnet listening, `runs` times each, over `frames`
    frames. Example: `work_idle_game(1, 300)` is like `{"without": [{"cpu": 0.02, "frame": 0.0167}], "with": [...]}`.
    """
    from .workers import unique_name

    codes = {"without": IDLE_GAME % "", "with": IDLE_GAME % (WITH_PGNET % unique_name("idle"))}
    results = {kind: [] for kind in codes}
    with program_files({"idle_%s.py" % kind: code for kind, code in codes.items()}) as paths:
        for _ in range(runs):
            for kind in codes:  # one at a time: they would compete for the CPU
                env = dict(host_env(), BENCH_FRAMES=str(frames))
                with Child([sys.executable, paths["idle_%s.py" % kind]], env=env) as game:
                    results[kind].append(game.result(60))
    return results


def figure_idle_game(quick, notes):
    """A game's CPU and frame, with pgnet listening against without pgnet.

    Example: `figure_idle_game(True, notes)[0].pgnet` is like `"2.3% (frame 16.1 ms)"`.
    """
    result = run_worker("idle_game", _size("games", quick), _size("frames", quick), timeout=300)
    cpu = {kind: statistics.median(r["cpu"] for r in runs) for kind, runs in result.items()}
    frame = {kind: statistics.median(r["frame"] for r in runs) for kind, runs in result.items()}
    same_rhythm = abs(frame["with"] - frame["without"]) <= 0.0005
    return [Row("idle Pygame Zero game: CPU (frame) with pgnet listening / without pgnet",
                "%.1f%% (frame %s)" % (cpu["with"] * 100, ms(frame["with"])),
                "%.1f%% (frame %s)" % (cpu["without"] * 100, ms(frame["without"])),
                "+%.1f points" % ((cpu["with"] - cpu["without"]) * 100),
                "frame <= 0.5 ms from without", mark(same_rhythm))]


def figure_import(quick, notes):
    """How long `import pgnet` takes in a fresh Python (`-X importtime`).

    Example: `figure_import(True, notes)[0].pgnet` is like `"24.1 ms"`.
    """
    times = []
    for _ in range(_size("imports", quick)):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import pgnet"],
                              env=host_env(), capture_output=True, text=True, timeout=60)
        for line in done.stderr.splitlines():
            match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| pgnet$", line)
            if match:
                times.append(int(match.group(1)) / 1e6)
    if not times:
        raise RuntimeError("python -X importtime did not report pgnet")
    median = statistics.median(times)
    return [Row("import pgnet (median, -X importtime)", ms(median), "-", "-",
                "<= 30 ms", mark(median <= 0.030))]


def figure_list(quick, notes):
    """The wall time of `pgnet list` with its default wait.

    Example: `figure_list(True, notes)[0].pgnet` is like `"1.01 s"`.
    """
    times = []
    for _ in range(_size("lists", quick)):
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "pgnet", "list"], env=host_env(),
                       capture_output=True, timeout=60, check=True)
        times.append(time.monotonic() - started)
    median = statistics.median(times)
    return [Row("pgnet list, default wait (median wall time)", "%.2f s" % median, "-", "-",
                "<= 1.02 s", mark(median <= 1.02))]


def work_wakeups(seconds):
    """How often the discovery thread of a program advertising a name
    wakes up when nothing happens, per second. Example: `work_wakeups(2.0)`
    is like `{"per_s": 10.0}`.
    """
    import pgnet

    from .workers import unique_name

    pgnet.advertise(unique_name("quiet"))
    time.sleep(0.5)  # past the first queries and answers

    import threading

    thread = next((t for t in threading.enumerate() if t.name == "pgnet-discovery"), None)
    if thread is None:
        raise RuntimeError("no pgnet-discovery thread")

    def switches():
        with open("/proc/self/task/%d/status" % thread.native_id) as status:
            for line in status:
                if line.startswith("voluntary_ctxt_switches"):
                    return int(line.split()[1])
        return 0

    before = switches()
    time.sleep(seconds)
    return {"per_s": (switches() - before) / seconds}


def figure_wakeups(quick, notes):
    """The discovery thread's wakeups a second in an idle program.

    Linux only (it counts the thread's context switches). Example:
    `figure_wakeups(True, notes)[0].pgnet` is like `"10.0 /s"`.
    """
    if not os.path.isdir("/proc/self/task"):
        return [Row("idle discovery thread wakeups", "-", "-", "-", "<= 2 /s",
                    "SKIPPED (needs Linux's /proc)")]
    result = run_worker("wakeups", _size("wakeup_s", quick), timeout=60)
    notes.append("Idle wakeups include the adverts themselves, sent once a second.")
    return [Row("idle discovery thread wakeups (advertising one name)", "%.1f /s" % result["per_s"],
                "-", "-", "<= 2 /s", mark(result["per_s"] <= 2.0))]


WORKERS = {"idle_game": work_idle_game, "wakeups": work_wakeups}
