"""Helpers for the tests that run real Pygame Zero games and pygame programs
headless, as separate processes talking over loopback (test_pgzero_hooks.py,
test_pygame_events.py).

The games are in tests/games/ (and games/hello/). Each one prints what its
hooks receive and quits by itself; the tests wait for those lines with
deadlines, never for a fixed time.
"""

import os
import re
import shutil
import sys

from support import ROOT, Program, unique, wait_until

GAMES = os.path.join(ROOT, "tests", "games")
RUN_PGZERO = os.path.join(GAMES, "run_pgzero.py")

#: Bounds while messages arrive (60 frames a second: a frame is 16.7 ms).
#: pgnet's own work in a frame (its pump(), as CPU time, which other
#: programs cannot inflate) is what pgnet controls: it stops collecting after
#: pgnet.settings.time_per_frame_s (4 ms), so ~5 ms is normal; 500 events at
#: once, as before that limit, took 13 to 30 ms. A whole frame on the wall
#: clock (what the player sees) has a loose bound: on a 2-core CI machine the
#: sender, ZeroMQ's threads and other jobs compete for the CPU and a frame
#: now and then loses 50 to 160 ms to them; but anything in pgnet that
#: waited (its waits are 0.2 s slices or more) would break it.
MAX_PUMP_CPU_S = 0.020
MAX_FRAME_S = 0.250

#: Game source (put it before the game's own) that keeps ``frame`` (the
#: frame's number) and ``worst`` (the longest time between two frames, in
#: seconds): call ``note_frame()`` first thing in ``update()``.
FRAME_CLOCK = """
import time
worst, last, frame = 0.0, None, 0

def note_frame():
    global worst, last, frame
    now = time.perf_counter()
    if last is not None:
        worst = max(worst, now - last)
    last, frame = now, frame + 1
"""

FLOOD_COUNT = 20000


def pgzrun_script():
    """The ``pgzrun`` console script next to this Python, or on the PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "pgzrun")
    return here if os.path.exists(here) else shutil.which("pgzrun")


def game(file, env, runner=()):
    """Start tests/games/``file`` (with ``runner``, e.g. ``["-m", "pgzero"]``)."""
    return Program(list(runner) + [os.path.join(GAMES, file)], env=env)


def line(program, pattern):
    """The match of the first output line matching ``pattern`` (the program
    has ended, or printed it already), or an AssertionError."""
    for text in program.lines:
        match = re.search(pattern, text)
        if match:
            return match
    raise AssertionError(
        "no line matches %r.\nstdout:\n%s\nstderr:\n%s"
        % (pattern, "\n".join(program.lines), program.stderr_text())
    )


def expect_all(program, patterns, timeout=15.0):
    """Wait until ``program`` has printed a line matching each pattern, in
    any order."""
    def seen():
        return all(any(re.search(p, text) for text in program.lines) for p in patterns)

    try:
        wait_until(seen, timeout, message="lines matching %r" % (patterns,))
    except AssertionError as error:
        raise AssertionError("%s\nstdout:\n%s\nstderr:\n%s" % (
            error, "\n".join(program.lines), program.stderr_text())) from None


def r(value):
    """A regex matching ``repr(value)`` exactly."""
    return re.escape(repr(value))


def assert_clean(program):
    """Exited with 0, no Python traceback, no spell-check warning."""
    assert program.wait() == 0, program.stderr_text()
    assert "Traceback" not in program.stderr_text(), program.stderr_text()
    assert not any("Warning" in text for text in program.lines), program.lines


def check_exchange(listener, watcher, name, me):
    """The conversation of listener.py and watcher.py (or their plain pygame
    twins), seen from both sides."""
    port = listener.expect(r"^LISTENING [\d.]+:(\d+)$").group(1)
    address = watcher.expect(r"^FOUND %s ([\d.]+:\d+)$" % r(name)).group(1)
    assert address.endswith(":" + port)
    # on_network_message(message, sender, address), then the two commands,
    # in the order they were sent.
    listener.expect(r"^MESSAGE 'hello' %s %s$" % (r(me), r(name)))
    listener.expect(r"^COMMAND 'MOVE' \[1, 'up'\] %s %s$" % (r(me), r(name)))
    listener.expect(r"^COMMAND 'LEFT' \[0\.5\] %s %s$" % (r(me), r(name)))
    listener.expect(r"^COMMAND 'QUIT' \[\] %s %s$" % (r(me), r(name)))
    listener.expect(r"^BYE$")
    # The watcher quits once on_service_lost says the listener has gone.
    watcher.expect(r"^LOST %s %s$" % (r(name), re.escape(address)))
    assert_clean(listener)
    assert_clean(watcher)
    line(watcher, r"^REPLY \{'you said': 'hello'\} %s$" % r(name))
    line(watcher, r"^NEWS 'score' \{'points': 3\} %s$" % r(name + "-news"))


def pair_env():
    name, me = unique("game"), unique("watcher")
    return name, me, {"GAME_NAME": name, "WATCHER_NAME": me, "GAME_TIMEOUT": "20"}



DOCS = ["first-networked-game.md", "events.md", "pygame.md", "osc.md"]


def code_blocks(doc):
    """The ```python blocks of docs/``doc`` (a path from the top of the
    repository also works, such as ``README.md``), and those whose first
    line is ``# file.py`` (or ``# file.py, on the Pi``) by file name (a
    later block of the same file wins: the tutorial grows its files step
    by step)."""
    path = os.path.join(ROOT, "docs", doc)
    if not os.path.exists(path):
        path = os.path.join(ROOT, doc)
    with open(path, encoding="utf-8") as file:
        blocks = re.findall(r"```python\n(.*?)```", file.read(), re.S)
    files = {}
    for block in blocks:
        match = re.match(r"# (\w+\.py)\b[^\n]*\n", block)
        if match:
            files[match.group(1)] = block
    return blocks, files


