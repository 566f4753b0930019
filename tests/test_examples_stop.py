"""Ctrl+C stops every terminal example cleanly: it says bye, with no
traceback, as each example's README promises. (Pygame Zero windows close
with their window's button; the tests that run them are in
test_projects.py and test_pgzero_hooks.py.)"""

import os
import signal

import pytest

from support import ROOT, Program, unique

GAMES = os.path.join(ROOT, "games")


@pytest.mark.parametrize("example, args, ready", [
    ("hello/robot.py", [], r"^Looking for the game\.\.\.$"),  # (stopped while it looks)
    ("sensor/sensor.py", ["{name}", "--simulate"], r"^published "),
    ("robot/robot.py", ["{name}"], r"Stop me with Ctrl-C\.$"),
    ("turntable/turntable.py", [], r"^Turntable listening at "),
    ("turntable/detector.py", [], r"^Detector publishing hits at "),
], ids=lambda value: value if isinstance(value, str) and value.endswith(".py") else "")
def test_ctrl_c_stops_a_terminal_example_cleanly(example, args, ready):
    name = unique("example")
    argv = [os.path.join(GAMES, example)] + [a.format(name=name) for a in args]
    with Program(argv, cwd=os.path.dirname(argv[0])) as program:
        program.expect(ready, timeout=15)
        program.process.send_signal(signal.SIGINT)
        program.expect(r"^Bye$")
        assert program.wait(10) == 0, program.stderr_text()
        assert "Traceback" not in program.stderr_text(), program.stderr_text()
