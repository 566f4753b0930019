"""The OSC examples in games/, run headless with liblo's oscsend and oscdump
standing in for the phone app and for Sonic Pi:

* robot/phone.py: the XY pad and the buttons drive the simulated robot;
* sonic_pi/bounce.py: each bounce is a note sent to "Sonic Pi" (oscdump),
  each "/beat" from it reaches the game.
"""

import os
import socket
import subprocess
import time

import liblo
from game_support import code_blocks
from support import Program, unique

pytestmark = liblo.needed

WHERE = r" at \((?P<x>\d+), (?P<y>\d+)\) facing (?P<heading>\d+)"


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def oscsend(port, address, types="", *values):
    subprocess.run(["oscsend", "127.0.0.1", str(port), address, types] + [str(v) for v in values],
                   check=True, timeout=10)


def test_a_phone_app_drives_the_simulated_robot():
    name, port = unique("Rover"), free_udp_port()
    with Program([os.path.join("games", "robot", "sim_robot.py"), name]) as robot, \
            Program([os.path.join("games", "robot", "phone.py"), name, str(port)]) as phone:
        robot.expect(r"Simulated robot %r listening" % name, timeout=20)
        phone.expect(r"Phone controller for robot %r: send OSC to [\d.]+:%d$" % (name, port), timeout=20)
        phone.expect(r"^Found robot %r" % name, timeout=20)
        oscsend(port, "/robot/xy", "ff", 0.5, 1.0)  # the finger at the top of the pad
        go = robot.expect(r"^driving: forward 0\.60, turn 0\.00" + WHERE)
        oscsend(port, "/robot/boost", "i", 1)
        robot.expect(r"^driving: forward 1\.00, turn 0\.00")
        oscsend(port, "/robot/stop", "i", 1)
        stop = robot.expect(r"^stopped" + WHERE)
        assert int(stop["y"]) < int(go["y"]), "the robot did not move up the screen"
        oscsend(port, "/1/xy1", "ff", 1.0, 0.5)  # TouchOSC's own address for its pad
        robot.expect(r"^driving: forward 0\.00, turn 1\.00")
        assert "Traceback" not in phone.stderr_text() + robot.stderr_text()


def test_bounce_plays_notes_in_sonic_pi_and_pulses_to_its_beat():
    sonic_pi, game_port = free_udp_port(), free_udp_port()
    dump = ["-c", "import os, sys; os.execvp('oscdump', ['oscdump', '-L', sys.argv[1]])", str(sonic_pi)]
    with Program(dump) as fake_sonic_pi, Program(
            [os.path.join("games", "sonic_pi", "bounce.py"), "127.0.0.1:%d" % sonic_pi, str(game_port)]) as game:
        game.expect(r"^Bounce: playing notes on 127\.0\.0\.1:%d, listening for beats on port %d$"
                    % (sonic_pi, game_port), timeout=20)
        wall = game.expect(r"^bounce (left|right|top|bottom)$", timeout=15).group(1)
        notes = {"left": 60, "right": 64, "top": 67, "bottom": 55}
        # (oscdump may have started after the first bounce: any later one shows.)
        fake_sonic_pi.expect(r' /bounce is (\d+) "(left|right|top|bottom)"$', timeout=15)
        bounce = fake_sonic_pi.expect(r' /bounce is (\d+) "(left|right|top|bottom)"$', timeout=15)
        assert int(bounce.group(1)) == notes[bounce.group(2)], wall
        oscsend(game_port, "/beat", "i", 7)
        game.expect(r"^beat 7$")
        assert "Traceback" not in game.stderr_text()


def test_the_games_and_programs_in_the_docs_work(tmp_path):
    """docs/osc.md's first game and its plain program, run as they are
    (on a free port instead of 9000)."""
    blocks, _ = code_blocks("osc.md")
    first_game = next(b for b in blocks if "def on_osc_message(address, args, sender)" in b)
    plain = next(b for b in blocks if "wait_for_osc(wait_for_s=60)" in b)
    for number, code in enumerate((first_game, plain)):
        port = free_udp_port()
        path = tmp_path / ("example%d.py" % number)  # (pgzrun runs files only)
        path.write_text(code.replace("9000", str(port)))
        with Program([str(path)]) as program:
            sent = 0
            while not program.lines and sent < 100:  # until it listens
                oscsend(port, "/pad/1", "ff", 0.5, 0.25)
                sent += 1
                time.sleep(0.1)
            program.expect(r"^/pad/1 \[0\.5, 0\.25\]$")
