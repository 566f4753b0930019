"""Every complete program in the docs and the README, run as written, with
its partner program, and stopped with Ctrl+C where it runs until then: each
must do what the page says it does, and stop with no traceback.

(The Pygame Zero programs of first-networked-game.md, events.md and
pygame.md run in test_pgzero_hooks.py and test_pygame_events.py, the
two-player game in test_twoplayer.py.) A static check catches what a short
run cannot: a function that sets a variable of the program without
``global`` (the "Not your turn" message that never showed).
"""

import ast
import os
import signal
import textwrap

import pytest

import pgnet
from pgnet import addresses
from game_support import code_blocks
from support import Program

ALL_DOCS = sorted(name for name in os.listdir(os.path.join(os.path.dirname(__file__), "..", "docs"))
                  if name.endswith(".md")) + ["README.md"]


def program(doc, file, replace=(), env=None):
    """Run ``file`` as the page ``doc`` shows it (with ``replace``: pairs of
    text to swap, such as a fixed port for a free one)."""
    _, files = code_blocks(doc)
    code = files[file]
    for old, new in replace:
        assert old in code, (file, old)
        code = code.replace(old, new)
    return Program(code, env=env)


def stop_with_ctrl_c(prog):
    """Ctrl+C, as at the terminal (the program is running its loop): it
    says bye and ends cleanly."""
    if os.name == "nt":
        pytest.skip("on Windows Ctrl+C is a console event, not a signal a test can send")
    prog.process.send_signal(signal.SIGINT)
    # (Bye may end a line that Ctrl+C cut short: "wind" of "wind -> ...",
    # as a terminal shows it too.)
    prog.expect(r"Bye$")
    status = prog.wait(10)
    assert "Traceback" not in prog.stderr_text(), prog.stderr_text()
    assert status == 0, prog.stderr_text()


def finished(prog):
    assert prog.wait(30) == 0, prog.stderr_text()
    assert "Traceback" not in prog.stderr_text(), prog.stderr_text()
    return prog.lines


def test_getting_started_listener_sender_and_finder():
    with program("getting-started.md", "listener.py") as listener:
        listener.expect(r"^Listening at [\d.]+:\d+$")
        with program("getting-started.md", "sender.py") as sender:
            assert finished(sender) == ["Hello, Ada!", "Hello, Grace!"]
        with program("getting-started.md", "finder.py") as finder:
            lines = finished(finder)
        assert lines[0].startswith("hello is at ") and any(l.startswith("hello is at") for l in lines[1:])
        listener.expect(r"^Got a message: Grace$")
        stop_with_ctrl_c(listener)


def test_getting_started_fixed_port():
    port = str(addresses.free_port())
    with program("getting-started.md", "port_listener.py", [("5000", port)]) as listener:
        listener.expect(r"^Listening at [\d.]+:%s$" % port)
        with program("getting-started.md", "port_sender.py",
                     [("192.168.1.23:5000", "127.0.0.1:" + port)]) as sender:
            assert finished(sender) == ["SHOUT"]
        stop_with_ctrl_c(listener)


@pytest.mark.parametrize("doc, robot, remote, prints", [
    ("getting-started.md", "robot.py", "remote.py",
     ["Going forward at speed 0.5", "Turning 90 degrees", "Stopping"]),
    ("index.md", "robot.py", "remote.py", ["I was told to FORWARD [0.8]"]),
    ("README.md", "robot.py", "controller.py", ["I was told to FORWARD [0.8]"]),
])
def test_a_robot_and_its_remote(doc, robot, remote, prints):
    with program(doc, robot) as robot_program:
        if doc == "getting-started.md":
            robot_program.expect(r"^Robot ready$")
        else:  # it prints nothing until told: wait until its name is on the network
            assert pgnet.discover("robot", wait_for_s=10)
        with program(doc, remote) as remote_program:
            finished(remote_program)
        for line in prints:
            robot_program.expect("^%s$" % line.replace("[", r"\[").replace("]", r"\]"))
        stop_with_ctrl_c(robot_program)


def test_getting_started_weather_station_and_displays():
    with program("getting-started.md", "station.py") as station:
        station.expect(r"^Weather station running$")
        with program("getting-started.md", "display.py") as display, \
                program("getting-started.md", "display_temperature.py") as temperature:
            display.expect(r"^temperature -> \d+\.\d$", timeout=15)
            display.expect(r"^wind -> \{'speed': 12, 'direction': 'NW'\}$", timeout=15)
            temperature.expect(r"^It is \d+\.\d degrees$", timeout=15)
            assert not any(line.startswith("It is {") for line in temperature.lines)
            stop_with_ctrl_c(display)
            stop_with_ctrl_c(temperature)
        stop_with_ctrl_c(station)


GPIOZERO = '''
"""Stands in for gpiozero on a computer that is not a Raspberry Pi."""
class Motor:
    def __init__(self, *pins):
        pass
class Robot:
    def __init__(self, left, right):
        self._value = (0, 0)
    @property
    def value(self):
        return self._value
    @value.setter
    def value(self, value):
        self._value = value
        print("WHEELS", value, flush=True)
    def stop(self):
        self._value = (0, 0)
class CPUTemperature:
    temperature = 47.25
'''


@pytest.fixture
def fake_gpiozero(tmp_path):
    (tmp_path / "gpiozero.py").write_text(textwrap.dedent(GPIOZERO), encoding="utf-8")
    return {"PYTHONPATH": str(tmp_path)}


def test_teachers_guide_pi_programs(fake_gpiozero):
    with program("teachers-guide.md", "wheels.py", env=fake_gpiozero) as wheels:
        assert pgnet.discover("Rover", wait_for_s=10)
        pgnet.send_command("Rover", "WHEELS", 0.5, 2)
        wheels.expect(r"^WHEELS \(0\.5, 1\.0\)$")
        stop_with_ctrl_c(wheels)
    with program("teachers-guide.md", "temperature.py", env=fake_gpiozero) as sensor:
        topic, reading = pgnet.wait_for_news("pi temperature", "temperature", wait_for_s=10)
        assert (topic, reading) == ("temperature", 47.2)
        stop_with_ctrl_c(sensor)


BYTES_LISTENER = """
import pgnet
pgnet.advertise("hello")
print("READY", flush=True)
name = pgnet.wait_for_message("hello", wait_for_s=30)
pgnet.send_reply("hello", "Hello, " + name.decode() + "!")
"""


def test_wire_format_raw_peer_without_pgnet():
    with Program(BYTES_LISTENER) as listener:
        listener.expect(r"^READY$")
        with program("wire-format.md", "raw_peer.py") as peer:
            assert finished(peer) == ["reply: b'Hello, Raw bytes!'"]
        assert listener.wait(10) == 0


# -- what a short run cannot show ---------------------------------------------------

def assigned_at_top(tree):
    names = set()
    for node in tree.body:
        for target in getattr(node, "targets", []) + [getattr(node, "target", None)]:
            if isinstance(target, ast.Name):
                names.add(target.id)
    return names


@pytest.mark.parametrize("doc", ALL_DOCS)
def test_functions_that_set_a_program_variable_say_global(doc):
    """A function that assigns to a name the page's program sets at the top
    (``message = "Waiting..."``) without ``global message`` makes a new
    variable instead, and the program's one never changes."""
    blocks, _ = code_blocks(doc)
    trees = []
    for block in blocks:
        try:
            trees.append(ast.parse(block))
        except SyntaxError:
            continue  # (a session with >>> prompts, not a program)
    program_names = set().union(*(assigned_at_top(tree) for tree in trees)) if trees else set()
    mistakes = []
    for tree in trees:
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef):
                continue
            declared = {n for node in ast.walk(function) if isinstance(node, ast.Global) for n in node.names}
            for node in ast.walk(function):
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        if isinstance(target, ast.Name) and target.id in program_names \
                                and target.id not in declared:
                            mistakes.append("%s() sets %r without 'global %s'"
                                            % (function.name, target.id, target.id))
    assert not mistakes, "%s: %s" % (doc, "; ".join(mistakes))
