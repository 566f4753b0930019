"""pgnet's network events in plain pygame programs (pgnet/pygame_events.py):
real programs calling pgnet.pump() once a frame, run headless as separate
processes.
"""

import re

import pgnet

from game_support import check_exchange, code_blocks, expect_all, game, pair_env
from support import Program, unique

def test_plain_pygame_programs_with_pump():
    """The same exchange between two plain pygame loops calling pgnet.pump()."""
    name, me, env = pair_env()
    with game("pygame_listener.py", env) as listener:
        with game("pygame_watcher.py", env) as watcher:
            check_exchange(listener, watcher, name, me)



PUMP_COST = """
import os, statistics, time
import pygame
import pgnet
pygame.init()
pygame.display.set_mode((100, 100))
for number in range(4):
    pgnet.listen("%s-%d" % (os.environ["GAME_NAME"], number))
pgnet.watch()  # every service on the network
pgnet.pump()
pygame.event.get()
times = []
for frame in range(3000):
    start = time.perf_counter()
    pgnet.pump()
    times.append(time.perf_counter() - start)
    pygame.event.get()
times.sort()
print("PUMP %.1f %.1f %.1f" % (statistics.median(times) * 1e6,
      times[int(0.99 * len(times))] * 1e6, times[-1] * 1e6))
"""


def test_pump_cost_with_nothing_pending():
    """pgnet.pump() in a plain pygame loop, listening on 4 names and watching
    the whole network, with nothing arriving."""
    with Program(PUMP_COST, env={"GAME_NAME": unique("pump")}) as program:
        match = program.expect(r"^PUMP ([\d.]+) ([\d.]+) ([\d.]+)$", timeout=20)
        assert program.wait() == 0, program.stderr_text()
    median, p99, slowest = map(float, match.groups())
    print("\npump() with nothing pending: median %.1f us, p99 %.1f us, max %.1f us"
          % (median, p99, slowest))
    assert median < 500, match.group(0)


# -- import ----------------------------------------------------------------------

def _wait_frame_program(handle):
    import pgnet

    name = unique("waking")
    env = {"GAME_NAME": name, "HANDLE": "1" if handle else ""}
    with game("pygame_waking.py", env) as program:
        program.expect(r"^LISTENING ")
        program.expect(r"^RUNNING$")
        for number in range(3):
            pgnet.send_command(name, "T")
            program.expect(r"^(HANDLED|EVENT) T", timeout=15)
            # Frames no faster than clock.tick(60) makes them (16 ms and more;
            # one alone may seem shorter on a busy machine, after a late one).
            mean = float(program.expect(r"^MEAN ([\d.]+)$", timeout=15).group(1))
            assert mean >= 15.5, mean
        pgnet.send_command(name, "QUIT")
        program.expect(r"^BYE$")
        assert program.wait() == 0, program.stderr_text()
    return program.lines


def test_wait_frame_hands_events_to_its_handler_while_it_waits():
    """What arrives during the wait goes to the handler, then and there; what
    arrives while the frame runs, to pygame's queue (the next pump())."""
    lines = _wait_frame_program(handle=True)
    handled = [text for text in lines if text.startswith("HANDLED T")]
    assert len(handled) + lines.count("EVENT T") == 3, lines
    assert "HANDLED T True" in handled and "HANDLED T False" not in handled, lines


def test_wait_frame_without_a_handler_posts_the_events():
    lines = _wait_frame_program(handle=False)
    assert sum(text == "EVENT T" for text in lines) == 3, lines


def test_import_pgnet_does_not_import_pygame():
    code = (
        "import sys, pgnet\n"
        "print('LOADED', sorted(m for m in ('pygame', 'pgzero', 'pgnet.pygame_events') "
        "if m in sys.modules))\n"
    )
    with Program(code) as program:
        program.expect(r"^LOADED \[\]$")
        assert program.wait() == 0, program.stderr_text()



def test_pygame_doc_example_two_squares(tmp_path):
    """docs/pygame.md's squares.py, run twice: each finds the other, greets
    it and gets its answer."""
    _, files = code_blocks("pygame.md")
    path = tmp_path / "squares.py"
    path.write_text(files["squares.py"], encoding="utf-8")
    red, blue = unique("red"), unique("blue")
    with Program([str(path), red, blue]) as first, Program([str(path), blue, red]) as second:
        for program, me, other in ((first, red, blue), (second, blue, red)):
            expect_all(program, [
                "^%s says: Hello from %s$" % (re.escape(other), re.escape(other)),
                "^%s answered: Hi %s, this is %s$" % (re.escape(other), re.escape(me), re.escape(other)),
            ])
    for program in (first, second):
        assert "Traceback" not in program.stderr_text(), program.stderr_text()


WATCH_ON_MACHINE = """
import socket, time
import pygame
import pgnet
pygame.init()
pygame.display.set_mode((100, 100))
name = socket.gethostname()
pgnet.watch("w-here@" + name)
pgnet.watch("w-here@another-computer")
pgnet.advertise("w-here")
def frames(count):
    for _ in range(count):
        pgnet.pump()
        for event in pygame.event.get():
            if event.type in (pgnet.SERVICE_FOUND, pgnet.SERVICE_LOST):
                print("FOUND" if event.type == pgnet.SERVICE_FOUND else "LOST", event.name, flush=True)
        time.sleep(0.02)
frames(10)
pgnet.unadvertise("w-here")
frames(10)
print("DONE", flush=True)
"""


def test_watch_a_name_on_one_computer():
    with Program(WATCH_ON_MACHINE, env={"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}) as watcher:
        watcher.expect(r"^DONE$", 20)
    events = [line for line in watcher.lines if line.startswith(("FOUND", "LOST"))]
    assert len(events) == 2 and events[0].startswith("FOUND w-here@") and events[1].startswith("LOST w-here@"), events
    assert "another-computer" not in "\n".join(events)


STALLING_LOOP = """
import os, sys, time
import pygame
import pgnet
pygame.init()
pygame.display.set_mode((100, 100))
pgnet.listen(os.environ["GAME_NAME"])
print("LISTENING", flush=True)
clock = pygame.time.Clock()
while True:
    pgnet.pump()
    for event in pygame.event.get():
        if event.type == pgnet.COMMAND:
            print("COMMAND", event.command, flush=True)
            if event.command == "STALL":
                print("STALLING", flush=True)
                time.sleep(1.5)  # a level loading: nothing is read meanwhile
                print("RESUMED", flush=True)
            elif event.command == "QUIT":
                sys.exit(0)
    clock.tick(60)
"""


def test_a_command_gone_stale_during_a_slow_frame_is_dropped_and_the_loop_goes_on():
    # What the program had not read in time is dropped as too old to act
    # on, even when that is all there is to hand over; the next one comes.
    name = unique("stalling")
    env = {"GAME_NAME": name, "PGNET_MAX_COMMAND_AGE": "0.5"}
    with Program(STALLING_LOOP, env=env) as program:
        program.expect(r"^LISTENING$")
        pgnet.send_command(name, "STALL")
        program.expect(r"^STALLING$")
        pgnet.send_command(name, "OLD")
        program.expect(r"^RESUMED$")
        pgnet.send_command(name, "NEW")
        program.expect(r"^COMMAND NEW$")
        pgnet.send_command(name, "QUIT")
        assert program.wait(15) == 0, program.stderr_text()
    assert "COMMAND OLD" not in program.lines
    assert "Dropped the command 'OLD'" in program.stderr_text(), program.stderr_text()
