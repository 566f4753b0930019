"""The classroom projects in games/, each run end to end as real processes.

* robot: the Pygame Zero controller (headless, fed pretend gamepad and key
  events by games/autopilot.py) drives the simulated robot in another
  process; the headless robot refuses bad commands clearly, stops when the
  commands stop, and acts on the newest of a flood;
* sensor: the graph plots exactly what the sensor published, and notices
  when it goes silent;
* turntable: three processes; the controller's score is the sum of the hits;
* chat: three people; messages arrive in order while someone is typing.

Every wait is for a line of output, with a deadline. The headless programs
(robot, sensor, turntable) run with a ``pygame`` that cannot be imported,
which proves they need none. Numbers worth knowing (command latency) are
printed: run with ``-s`` to see them.
"""

import json
import os
import re
import signal
import statistics
import time

import pytest

try:
    from .support import Program, unique, wait_until
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    from support import Program, unique, wait_until

AUTOPILOT = os.path.join("games", "autopilot.py")

#: The robot's watchdog (robotcore.WATCHDOG_S), and how much later than
#: that the robot may report the stop: one frame or loop, plus the time the
#: controller's last command took (it sends every 0.05 s), plus reading.
WATCHDOG_S = 0.5
WATCHDOG_SLACK_S = 0.3


class Proc(Program):
    """A Program whose output lines (stdout and stderr: the autopilot's
    are on stderr) are time-stamped as they arrive, and searched without
    being used up (so several checks can read them)."""

    def __init__(self, code, env=None):
        self.stamps = []  # (time.monotonic(), line)
        super().__init__(code, env=env)

    def _read(self, stream, store, to_queue):
        for line in stream:
            line = line.rstrip("\n")
            store.append(line)
            self.stamps.append((time.monotonic(), line))

    def find(self, pattern, start=0):
        """``(index, time, match)`` of the first line from ``start`` that
        matches, or None."""
        regex = re.compile(pattern)
        for index in range(start, len(self.stamps)):
            when, line = self.stamps[index]
            match = regex.search(line)
            if match:
                return index, when, match
        return None

    def wait_for(self, pattern, start=0, timeout=10.0):
        """Like :meth:`find`, waiting up to ``timeout`` seconds for the line."""
        try:
            return wait_until(lambda: self.find(pattern, start), timeout,
                              interval=0.002, message=repr(pattern))
        except AssertionError:
            raise AssertionError(
                "no line matching %r within %gs (exit code %s).\nstdout:\n%s\nstderr:\n%s"
                % (pattern, timeout, self.process.poll(), "\n".join(self.lines),
                   self.stderr_text())
            ) from None

    def all(self, pattern):
        regex = re.compile(pattern)
        return [m for m in (regex.search(line) for _, line in self.stamps) if m]


class Pilot:
    """Writes instructions to a game run by games/autopilot.py."""

    def __init__(self, path):
        self.path, self.file = path, None
        os.mkfifo(path)

    def __call__(self, *lines):
        if self.file is None:
            self.file = os.fdopen(wait_until(self._open, 15, message="the game to start"), "w")
        for line in lines:
            self.file.write(line + "\n")
        self.file.flush()

    def _open(self):
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # the game has not opened its end yet
            return None
        os.set_blocking(descriptor, True)
        return descriptor

    def close(self):
        if self.file is not None:
            try:
                self.file.close()
            except OSError:
                pass


@pytest.fixture
def no_pygame(tmp_path):
    """An environment in which ``import pygame`` fails, as on a robot."""
    fake = tmp_path / "no-pygame" / "pygame"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text('raise ImportError("no pygame on this robot")\n')
    return {"PYTHONPATH": str(fake.parent)}


@pytest.fixture
def programs(tmp_path):
    """Start programs (and autopilot-driven games); all stopped at the end."""
    started, pilots = [], []

    def start(script, *args, env=None, pilot=False):
        if pilot:
            feed = Pilot(str(tmp_path / ("pilot-%d" % len(pilots))))
            pilots.append(feed)
            process = Proc([AUTOPILOT, feed.path, script] + list(args), env=env)
            started.append(process)
            return process, feed
        process = Proc([script] + list(args), env=env)
        started.append(process)
        return process

    yield start
    for feed in pilots:
        feed.close()
    for process in started:
        process.kill()


# -- robot ---------------------------------------------------------------------------

ROBOT = "games/robot/"
WHERE = r" at \((?P<x>\d+), (?P<y>\d+)\) facing (?P<heading>\d+)"
STOPPED = r"^stopped" + WHERE


def driving(forward, turn):
    """The simulated robot's line for a change of motion."""
    return r"^driving: forward %s, turn %s" % (forward, turn) + WHERE

# Asks a robot (argv[1]) each message of the JSON list argv[2]; prints the replies.
ASK = r"""
import json, sys, pgnet
for message in json.loads(sys.argv[2]):
    reply = pgnet.send_message(sys.argv[1], message, wait_for_reply_s=5)
    print("REPLY", json.dumps([message, reply]), flush=True)
"""


def ask(robot, *messages):
    """The robot's replies to ``messages`` (sent by another program)."""
    asker = Proc(["-c", ASK, robot, json.dumps(messages)])
    with asker:
        assert asker.wait(20) == 0, asker.stderr_text()
    replies = [json.loads(m.group(1)) for m in asker.all(r"^REPLY (.*)")]
    assert [message for message, _ in replies] == list(messages), asker.lines
    return [reply for _, reply in replies]


@pytest.fixture
def sim_and_controller(programs):
    """The simulated robot and the controller (driven by autopilot)."""
    name = unique("Rover")
    robot = programs(ROBOT + "sim_robot.py", name)
    robot.wait_for(r"Simulated robot %r listening" % name, timeout=20)
    controller, pilot = programs(ROBOT + "controller.py", name, pilot=True)
    controller.wait_for(r"Found robot %r" % name, timeout=20)
    return name, robot, controller, pilot


def test_controller_drives_simulated_robot_with_keys_and_gamepad(sim_and_controller):
    name, robot, controller, pilot = sim_and_controller
    latencies = []

    def press(instruction, pattern, start):
        """Give an instruction; wait for the robot's line; note the latency
        from the event being posted to the robot printing the change."""
        # The robot prints a change at most 5 times a second: leave it room.
        wait_until(lambda: time.monotonic() - robot.stamps[-1][0] > 0.25, message="a pause")
        mark = len(controller.stamps)
        pilot(instruction)
        _, posted, _ = controller.wait_for("AUTOPILOT " + re.escape(instruction) + "$", mark)
        index, when, match = robot.wait_for(pattern, start)
        latencies.append(when - posted)
        return index, match

    # W drives forward (up the screen) at the normal top speed, 0.6.
    index, go = press("key down w", driving("0.60", "0.00"), 0)
    time.sleep(0.5)  # hold the key down for half a second
    index, stop = press("key up w", STOPPED, index + 1)
    assert int(stop["y"]) < int(go["y"]) - 20, "the robot did not move up: %s" % robot.lines
    assert abs(int(stop["x"]) - int(go["x"])) <= 2

    # The stick, pushed right, spins the robot clockwise.
    index, turn = press("axis 0 1.0", driving("0.00", "0.60"), index + 1)
    time.sleep(0.5)
    index, stop = press("axis 0 0.0", STOPPED, index + 1)
    assert 20 <= int(stop["heading"]) <= 180, "the robot did not turn right: %s" % robot.lines

    # Button 0 held: full speed; the stick forward (up is negative).
    pilot("button down 0")
    index, _ = press("axis 1 -1.0", driving("1.00", "0.00"), index + 1)
    time.sleep(0.3)

    # Unplugged mid-run: the stick no longer counts, the robot stops, the
    # keys take over.
    index, _ = press("unplug", STOPPED, index + 1)
    controller.wait_for(r"Gamepad unplugged")
    time.sleep(0.3)
    index, _ = press("key down a", driving("0.00", "-0.60"), index + 1)
    time.sleep(0.3)
    index, _ = press("key up a", STOPPED, index + 1)
    assert not robot.find(r"^watchdog|^refused"), robot.lines

    print("\nkey/stick event -> simulated robot acting: median %.0f ms, max %.0f ms (%d samples)"
          % (statistics.median(latencies) * 1000, max(latencies) * 1000, len(latencies)))
    assert statistics.median(latencies) < 0.3


def test_a_flood_of_stick_motion_arrives_as_the_latest_value(sim_and_controller):
    name, robot, controller, pilot = sim_and_controller
    before = ask(name, "STATUS")[0]
    # 20000 stick events, all at once: from 0 to -0.5 (forward 0.5 x 0.6).
    pilot("flood 1 0 -0.5 20000")
    _, posted, _ = controller.wait_for(r"AUTOPILOT flood", timeout=20)
    _, when, _ = robot.wait_for(r"driving: forward 0.30, turn 0.00", timeout=5)
    print("\n20000 stick events: the robot acted on the last %.0f ms after they were posted"
          % ((when - posted) * 1000))
    assert when - posted < 2.0  # a queue of 20000 commands at 20 a second: 1000 s
    after = ask(name, "STATUS")[0]
    assert after["forward"] == 0.3
    # The controller sent its steady 20 a second, not one per event.
    sent = after["received"] - before["received"]
    assert sent < 200, "the robot got %d commands: a backlog" % sent


def test_robot_stops_within_the_watchdog_bound_when_the_controller_dies(sim_and_controller):
    name, robot, controller, pilot = sim_and_controller
    pilot("key down w")
    index, _, _ = robot.wait_for(r"driving: forward 0.60")
    killed = time.monotonic()
    controller.kill(signal.SIGKILL)
    index, stopped_at, match = robot.wait_for(
        r"watchdog: no command for 0.5 s, motors stopped at \((\d+), (\d+)\)", index + 1)
    print("\ncontroller killed -> robot stopped by its watchdog after %.0f ms"
          % ((stopped_at - killed) * 1000))
    assert stopped_at - killed <= WATCHDOG_S + WATCHDOG_SLACK_S
    first, second = ask(name, "STATUS", "STATUS")
    assert first["forward"] == first["turn"] == 0.0
    assert "watchdog" in first["state"]
    assert (first["x"], first["y"]) == (second["x"], second["y"]), "the robot still moves"


# Sends the robot (argv[1]) good and bad commands, listening to its errors.
BAD_COMMANDS = r"""
import json, sys, pgnet
robot = sys.argv[1]
print("subscribed", pgnet.subscribe(robot + "-status", "error", wait_for_s=5), flush=True)
pgnet.send_command(robot, "FORWARD", 0.5)
print("STATUS", json.dumps(pgnet.send_message(robot, "STATUS", wait_for_reply_s=5)), flush=True)
pgnet.send_command(robot, "TURN", 99)
print("ERROR", json.dumps(pgnet.wait_for_news(robot + "-status", "error", wait_for_s=5)), flush=True)
print("STATUS", json.dumps(pgnet.send_message(robot, "STATUS", wait_for_reply_s=5)), flush=True)
pgnet.send_command(robot, "DRIVE", "fast", None)
pgnet.send_command(robot, "LEFT", 0.5)
print("ERROR", json.dumps(pgnet.wait_for_news(robot + "-status", "error", wait_for_s=5)), flush=True)
print("ERROR", json.dumps(pgnet.wait_for_news(robot + "-status", "error", wait_for_s=5)), flush=True)
"""


def test_headless_robot_refuses_bad_commands_clearly_and_stays_safe(programs, no_pygame):
    name = unique("Bot")
    robot = programs(ROBOT + "robot.py", name, env=no_pygame)
    robot.wait_for(r"Robot %r listening" % name)
    replies = ask(
        name, "JUMP 3", "FORWARD", "FORWARD fast", "FORWARD 2.5", "TURN -1e9", "FORWARD nan",
        "DRIVE 0.5", "DRIVE 0.5 0.5 0.5", ["FORWARD", 0.5], "", "FORWARD 0.5", "STOP", "HELP",
    )
    expected = [
        "refused: unknown command 'JUMP'; I know DRIVE, FORWARD, TURN, STOP",
        "refused: FORWARD needs speed, like FORWARD 0.8",
        "refused: speed must be a number between -1 and 1, not 'fast'",
        "refused: speed must be between -1 and 1, not 2.5",
        "refused: turn must be between -1 and 1, not -1000000000.0",
        "refused: speed must be a number between -1 and 1, not 'nan'",
        "refused: DRIVE needs speed and turn, like DRIVE 0.5 -0.2",
        "refused: DRIVE takes 2 numbers, not 3, like DRIVE 0.5 -0.2",
        "refused: send a command as text, like 'FORWARD 0.5' (or HELP)",
        "refused: send a command as text, like 'FORWARD 0.5' (or HELP)",
        "ok: forward 0.50, turn 0.00",
        "ok: forward 0.00, turn 0.00",
    ]
    assert replies[:-1] == expected
    assert replies[-1].startswith("commands: DRIVE 0.5 -0.2, FORWARD 0.8")

    # Commands (no reply possible): refused ones are published as errors,
    # and a refused command stops a moving robot.
    sender = Proc(["-c", BAD_COMMANDS, name])
    with sender:
        assert sender.wait(30) == 0, sender.stderr_text()
    statuses = [json.loads(m.group(1)) for m in sender.all(r"^STATUS (.*)")]
    errors = [json.loads(m.group(1)) for m in sender.all(r"^ERROR (.*)")]
    assert statuses[0]["forward"] == 0.5 and statuses[0]["state"] == "driving"
    assert errors[0] == ["error", "refused: turn must be between -1 and 1, not 99"]
    assert statuses[1]["forward"] == 0.0 and statuses[1]["state"] == "stopped: last command refused"
    assert errors[1:] == [
        ["error", "refused: speed must be a number between -1 and 1, not 'fast'"],
        ["error", "refused: unknown command 'LEFT'; I know DRIVE, FORWARD, TURN, STOP"],
    ]
    robot.wait_for(r"^refused TURN 99: turn must be between -1 and 1, not 99")
    assert robot.process.poll() is None, "the robot crashed"


# Floods the robot at argv[1] (an address: a frozen robot cannot answer
# discovery) with 20000 DRIVE commands, then falls silent.
# Drives the robot (argv[1]) slowly, waits until the robot (pid argv[2]) is
# frozen, then sends 20000 commands and keeps quiet.
FLOOD = r"""
import sys, time, pgnet
robot, pid = sys.argv[1], sys.argv[2]
pgnet.send_command(robot, "DRIVE", 0.01, 0.0)
print("CONNECTED", flush=True)
def frozen():
    with open("/proc/%s/stat" % pid) as stat:
        return stat.read().rsplit(")", 1)[1].split()[0] == "T"
deadline = time.monotonic() + 20
while not frozen() and time.monotonic() < deadline:
    time.sleep(0.005)
for i in range(1, 20001):
    pgnet.send_command(robot, "DRIVE", round(i / 20000 * 0.25, 5), -0.25)
print("FLOODED", flush=True)
time.sleep(5)
"""


def test_headless_robot_acts_on_the_newest_command_and_has_a_watchdog(programs, no_pygame):
    name = unique("Bot")
    robot = programs(ROBOT + "robot.py", name, env=no_pygame)
    address = robot.wait_for(r"Robot %r listening at (\S+)" % name)[2].group(1)
    assert ask(name, "FORWARD 0.5") == ["ok: forward 0.50, turn 0.00"]
    before = ask(name, "STATUS")[0]
    sender = Proc(["-c", FLOOD, address, str(robot.process.pid)])
    with sender:
        sender.wait_for(r"^CONNECTED", timeout=10)
        robot.wait_for(r"^driving: forward 0.01, turn 0.00", timeout=10)
        # Freeze the robot (as if it were busy) while 20000 commands pile up.
        robot.process.send_signal(signal.SIGSTOP)
        try:
            sender.wait_for(r"^FLOODED", timeout=30)
        finally:
            robot.process.send_signal(signal.SIGCONT)
        resumed = time.monotonic()
        mark = len(robot.stamps)
        index, newest, _ = robot.wait_for(r"^driving: forward 0.25, turn -0.25", mark, timeout=5)
        print("\n20000 commands piled up: the robot acted on the newest %.0f ms after waking"
              % ((newest - resumed) * 1000))
        # Straight to the newest: none of the stale speeds in between.
        assert not robot.find(r"^driving: forward 0\.(?!25)", mark), robot.lines[-5:]
        # Then the commands stop, and so does the robot.
        robot.wait_for(r"^watchdog: no command for 0.5 s, motors stopped", index)
    after = ask(name, "STATUS")[0]
    # Each reached the robot's loop, or pgnet dropped it as too old (warned).
    assert 2 <= after["received"] - before["received"] <= 20001
    if after["received"] - before["received"] < 20001:
        assert "a command is for now" in robot.stderr_text()
    assert after["obeyed"] - before["obeyed"] <= 6, "stale commands were acted on"
    assert after["forward"] == 0.0


# Sends DRIVE commands to the robot (argv[1]), 0.25 s apart, saying so first.
PACED = r"""
import sys, time, pgnet
robot = sys.argv[1]
pgnet.discover(robot)
pgnet.send_command(robot, "STOP")
for i in range(1, 21):
    time.sleep(0.25)
    print("SENDING %.2f" % (i / 20), flush=True)
    pgnet.send_command(robot, "DRIVE", i / 20, 0.0)
time.sleep(0.5)
"""


def test_command_latency_to_the_headless_robot(programs, no_pygame):
    name = unique("Bot")
    robot = programs(ROBOT + "robot.py", name, env=no_pygame)
    robot.wait_for(r"Robot %r listening" % name)
    sender = Proc(["-c", PACED, name])
    latencies = []
    with sender:
        for i in range(1, 21):
            speed = "%.2f" % (i / 20)
            _, sent, _ = sender.wait_for(r"^SENDING %s$" % speed)
            _, acted, _ = robot.wait_for(r"^driving: forward %s, turn 0.00" % speed)
            latencies.append(acted - sent)
    print("\nsend_command -> headless robot acting: median %.2f ms, max %.2f ms (%d samples)"
          % (statistics.median(latencies) * 1000, max(latencies) * 1000, len(latencies)))
    assert statistics.median(latencies) < 0.05


# -- sensor --------------------------------------------------------------------------

SILENT_AFTER_S = 3  # graph.py's own

def test_sensor_graph_plots_what_the_sensor_publishes(programs, no_pygame, tmp_path):
    name = unique("sensor")
    sensor = programs("games/sensor/sensor.py", name, "--simulate", "--every", "0.05", env=no_pygame)
    sensor.wait_for(r"Sensor %r publishing" % name)
    graph, pilot = programs("games/sensor/graph.py", name, pilot=True)
    graph.wait_for(r"Found %r" % name, timeout=20)
    wait_until(lambda: len(graph.all(r"^plotted ")) >= 30, 10, message="30 readings plotted")

    published = [m.group(1) for m in sensor.all(r"^published (\S+)")]
    plotted = [m.group(1) for m in graph.all(r"^plotted (\S+)")]
    # What was plotted is an unbroken run of what was published (the
    # first readings went out before the graph had subscribed).
    assert any(plotted == published[start:start + len(plotted)] for start in range(len(published))), \
        "readings lost, repeated or reordered:\n%s\n%s" % (published, plotted)

    picture = str(tmp_path / "graph.png")
    pilot("screenshot " + picture)
    graph.wait_for(r"AUTOPILOT saved")
    import pygame  # only here: reading the picture back

    image = pygame.image.load(picture)
    line = sum(1 for x in range(80, 770) for y in range(60, 420)
               if image.get_at((x, y))[:3] == (30, 90, 200))
    assert line > 50, "no line drawn on the graph"

    # Silence, then the sensor back (a new process, at a new address).
    killed = time.monotonic()
    sensor.kill()
    _, noticed, _ = graph.wait_for(r"The sensor is silent", timeout=10)
    assert SILENT_AFTER_S - 0.2 <= noticed - killed <= SILENT_AFTER_S + 1.0
    programs("games/sensor/sensor.py", name, "--simulate", "--every", "0.05", env=no_pygame)
    graph.wait_for(r"The sensor is back", timeout=15)


# -- turntable -----------------------------------------------------------------------

def test_turntable_three_programs_add_up_the_score(programs, no_pygame):
    folder = "games/turntable/"
    turntable = programs(folder + "turntable.py", env=no_pygame)
    detector = programs(folder + "detector.py", "--every", "0.1", env=no_pygame)
    # Their names are fixed, as in the seed project; each test run has a
    # discovery port of its own (conftest), so no other run hears them.
    turntable.wait_for(r"Turntable listening")
    detector.wait_for(r"Detector publishing")
    controller = programs(folder + "controller.py", "--seconds", "2", env=no_pygame)
    final = int(controller.wait_for(r"Final score: (\d+)", timeout=30)[2].group(1))

    counted = [(int(m.group(1)), int(m.group(2)), int(m.group(3)))
               for m in controller.all(r"^Hit (\d+): target (\d+), \+(\d+): score")]
    published = {int(m.group(1)): (int(m.group(2)), int(m.group(3)))
                 for m in detector.all(r"^Hit (\d+): target (\d+), (\d+) points")}
    assert len(counted) >= 5, controller.lines
    numbers = [number for number, _, _ in counted]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), "a hit went missing"
    for number, target, points in counted:
        assert published[number] == (target, points)
    assert final == sum(points for _, _, points in counted)
    turntable.wait_for(r"^Turning at speed 0.5")
    turntable.wait_for(r"^Stopped")


# -- chat ----------------------------------------------------------------------------

def test_chat_in_order_while_typing(programs):
    ada, bob, cy = unique("Ada"), unique("Bob"), unique("Cy")
    windows = {}
    for person in (ada, bob, cy):
        windows[person] = programs("games/chat/chat.py", person, pilot=True)
    for person, (window, _) in windows.items():
        window.wait_for(r"^\* You are %s\." % person, timeout=20)
        for other in windows:
            if other != person:
                window.wait_for(r"^\* %s joined" % other, timeout=20)

    def say(person, text):
        windows[person][1]("type " + text, "enter")

    def reaches_everyone(person):
        """Say "ping" until everyone else has it (each has subscribed)."""
        for attempt in range(40):
            say(person, "ping %d" % attempt)
            windows[person][0].wait_for(r"^\[%s\] ping %d$" % (person, attempt))
            try:
                for other, (window, _) in windows.items():
                    if other != person:
                        window.wait_for(r"^\[%s\] ping \d+$" % person, timeout=0.25)
                return
            except AssertionError:
                continue
        raise AssertionError("%s's messages never reached everyone" % person)

    for person in windows:
        reaches_everyone(person)

    # Bob starts typing; meanwhile ten messages from Ada arrive, in order.
    bob_window, bob_keys = windows[bob]
    bob_keys("type Half a thought, ")
    bob_window.wait_for(r"^AUTOPILOT type Half a thought")
    for i in range(1, 11):
        say(ada, "message %d é" % i)
    for person in (bob, cy):
        window = windows[person][0]
        window.wait_for(r"^\[%s\] message 10 é$" % ada)
        got = [int(m.group(1)) for m in window.all(r"^\[%s\] message (\d+) é$" % ada)]
        assert got == list(range(1, 11)), "%s saw %s" % (person, got)
    # Bob's half-typed words survived the messages arriving.
    bob_keys("type finished.", "enter")
    for person in (ada, cy):
        windows[person][0].wait_for(r"^\[%s\] Half a thought, finished\.$" % bob)

    # Someone else called Ada joins: she gets a name of her own.
    second, _ = programs("games/chat/chat.py", ada, pilot=True)
    second.wait_for(r"^\* You are %s 2\." % ada, timeout=20)
    windows[bob][0].wait_for(r"^\* %s 2 joined" % ada)
    # Cy leaves.
    windows[cy][1]("quit")
    windows[ada][0].wait_for(r"^\* %s left" % cy)


# -- the gamepad hooks (pgnet/joystick.py) -------------------------------------------

HOOKS_GAME = r'''
import pgzrun
import pgnet

def on_joystick_move(axis, value, joystick):
    print("MOVE", axis, value, joystick)

def on_joystick_down(button):
    print("DOWN", button, type(button).__name__)

def on_joystick_up(joystick, button):
    print("UP", button, joystick)

def on_joystick_hat(value):
    print("HAT", value)

def on_joystick_removed(joystick):
    print("REMOVED", joystick)

def update():
    pass

print("READY")
pgzrun.go()
'''


def test_gamepad_hooks_in_pygame_zero(programs, tmp_path):
    script = tmp_path / "hooks.py"
    script.write_text(HOOKS_GAME)
    game, pilot = programs(str(script), pilot=True)
    game.wait_for(r"^READY", timeout=20)
    pilot("axis 1 -0.5", "button down 7", "button up 7", "hat 0 1", "unplug")
    game.wait_for(r"^REMOVED 0$")
    shown = [line for _, line in game.stamps
             if line.startswith(("MOVE", "DOWN", "UP", "HAT", "REMOVED"))]
    # Button numbers are plain numbers (Pygame Zero would turn a "button"
    # parameter into a mouse button, and drop button 7).
    assert shown == ["MOVE 1 -0.5 0", "DOWN 7 int", "UP 7 0", "HAT (0, 1)", "REMOVED 0"]


def test_gamepad_hook_with_a_misspelt_parameter_is_reported(tmp_path):
    script = tmp_path / "typo.py"
    script.write_text(HOOKS_GAME.replace("def on_joystick_down(button)", "def on_joystick_down(buton)"))
    game = Proc([str(script)])
    with game:
        assert game.wait(20) != 0
    assert "buton" in game.stderr_text() and "button" in game.stderr_text()
