"""Ctrl+C stops every terminal example cleanly: it says bye, with no
traceback, as each example's README promises. (Pygame Zero windows close
with their window's button; the tests that run them are in
test_projects.py and test_pgzero_hooks.py.)"""

import os
import signal

import pytest

from support import ROOT, Program, unique, wait_until

GAMES = os.path.join(ROOT, "games")


#: Where a program's main thread sleeps while it waits for the network or a
#: timer (Linux's names), and, for a program waiting for discovery, for
#: another thread.
SOCKET_OR_TIMER = ("poll", "select", "nanosleep")
ANOTHER_THREAD = ("futex",)


def waiting(pid, where_words):
    """True once the program's main thread sleeps in one of the waits
    ``where_words`` names, as it does in its loop: on Linux; elsewhere
    assume so."""
    try:
        with open("/proc/%d/wchan" % pid) as wchan:
            where = wchan.read()
    except OSError:
        return True
    return any(word in where for word in where_words)


@pytest.mark.skipif(os.name == "nt", reason="on Windows Ctrl+C is a console event, not a signal a test can send")
@pytest.mark.parametrize("example, args, ready, waits", [
    # (hello/robot.py is stopped while it looks for the game)
    ("hello/robot.py", [], r"^Looking for the game\.\.\.$", ANOTHER_THREAD),
    ("sensor/sensor.py", ["{name}", "--simulate"], r"^published ", SOCKET_OR_TIMER),
    ("robot/robot.py", ["{name}"], r"Stop me with Ctrl-C\.$", SOCKET_OR_TIMER),
    ("turntable/turntable.py", [], r"^Turntable listening at ", SOCKET_OR_TIMER),
    ("turntable/detector.py", [], r"^Detector publishing hits at ", SOCKET_OR_TIMER),
], ids=lambda value: value if isinstance(value, str) and value.endswith(".py") else "")
def test_ctrl_c_stops_a_terminal_example_cleanly(example, args, ready, waits):
    name = unique("example")
    argv = [os.path.join(GAMES, example)] + [a.format(name=name) for a in args]
    with Program(argv, cwd=os.path.dirname(argv[0])) as program:
        program.expect(ready, timeout=15)
        wait_until(lambda: waiting(program.process.pid, waits), timeout=10,
                   message="the example to be waiting in its loop")
        program.process.send_signal(signal.SIGINT)
        program.expect(r"^Bye$")
        assert program.wait(10) == 0, program.stderr_text()
        assert "Traceback" not in program.stderr_text(), program.stderr_text()
