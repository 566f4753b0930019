"""Commands are for now (pgnet.freshness): a robot that was down or frozen
never acts on an old FORWARD.

Real processes over real sockets: a controller sending a numbered command
every 20 ms, and a robot on a fixed port that is killed and started again,
or that stops reading for a while. Both print times from the same clock
(one computer), so the test can say how old each command was.
"""

import socket
import time

import pgnet
from pgnet import freshness

from support import Program, unused_address, wait_until

# Sends "FORWARD n" to argv[1] every 20 ms, printing "SENT n <time>".
CONTROLLER = r"""
import sys, time, pgnet
n = 0
while True:
    n += 1
    print("SENT", n, "%.6f" % time.monotonic(), flush=True)
    pgnet.send_command(sys.argv[1], "FORWARD", n)
    time.sleep(0.02)
"""

# Listens on argv[1]; prints "GOT n <time>" for each command. With argv[2],
# it stops reading for that many seconds after its 10th command.
ROBOT = r"""
import sys, time, pgnet
print("LISTENING", pgnet.listen(sys.argv[1]), "%.6f" % time.monotonic(), flush=True)
freeze = float(sys.argv[2]) if len(sys.argv) > 2 else 0
got = 0
while True:
    command, params = pgnet.wait_for_command(sys.argv[1], wait_for_s=5)
    if command is None:
        continue
    got += 1
    print("GOT", params[0], "%.6f" % time.monotonic(), flush=True)
    if got == 10 and freeze:
        print("FROZEN", flush=True)
        time.sleep(freeze)
"""


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def sent_times(controller):
    return {int(line.split()[1]): float(line.split()[2]) for line in controller.lines if line.startswith("SENT ")}


def got(robot):
    return [(int(line.split()[1]), float(line.split()[2])) for line in robot.lines if line.startswith("GOT ")]


def test_a_robot_that_starts_again_gets_no_command_sent_while_it_was_down():
    address = "127.0.0.1:%d" % free_port()
    with Program(["-c", ROBOT, address]) as robot, Program(["-c", CONTROLLER, address]) as controller:
        robot.expect(r"^GOT 5 ", 10)
        robot.kill()  # (SIGKILL: no goodbye)
        down_at = time.monotonic()
        # Down for 2 s while the controller keeps sending: it is told.
        wait_until(lambda: "is not there" in controller.stderr_text(), 5,
                   message="the controller's warning")
        wait_until(lambda: time.monotonic() > down_at + 2, 3)
        with Program(["-c", ROBOT, address]) as again:
            started = float(again.expect(r"^LISTENING \S+ ([\d.]+)$", 10).group(1))
            first = int(again.expect(r"^GOT (\d+) ", 10).group(1))
            sent = sent_times(controller)[first]
            print("\nfirst command after the restart was sent %.3f s after the robot started "
                  "listening (it was down %.1f s)" % (sent - started, started - down_at))
            assert sent > started - 0.05, (sent, started)
            assert "Traceback" not in again.stderr_text()
    assert "Traceback" not in controller.stderr_text()


def test_a_robot_that_stops_reading_acts_on_no_old_command():
    address = "127.0.0.1:%d" % free_port()
    with Program(["-c", ROBOT, address, "2.5"]) as robot, Program(["-c", CONTROLLER, address]) as controller:
        robot.expect(r"^FROZEN$", 10)
        robot.expect(r"^GOT \d+ ", 10)  # reading again
        wait_until(lambda: len(got(robot)) > 40, 10, message="commands after the freeze")
        sent = sent_times(controller)
        ages = [at - sent[n] for n, at in got(robot)]
        numbers = [n for n, _ in got(robot)]
        print("\noldest command acted on: %.3f s; %d of %d sent were dropped as old"
              % (max(ages), max(numbers) - len(numbers), max(numbers)))
        # Nothing older than the limit (and a little for the reading itself).
        assert max(ages) < pgnet.settings.max_command_age_s + 0.3, ages
        assert numbers == sorted(numbers)
        # Those sent in the freeze's first 1.5 s (some 75, fewer on a busy
        # machine) were dropped, with a warning.
        assert max(numbers) - len(numbers) >= 20, numbers
        assert "a command is for now" in robot.stderr_text()
        assert "Traceback" not in robot.stderr_text()


def test_the_age_does_not_need_the_two_clocks_to_agree():
    ages = freshness.CommandAges()
    now = 1000.0
    # The sender's clock is hours ahead of ours: only differences count.
    their = now + 7200
    assert ages.expiry(b"a", freshness.stamp(their), now) == now + pgnet.settings.max_command_age_s
    # Quickest delivery so far: 5 ms. A command that took 3 s longer is stale at once.
    assert not freshness.is_stale(ages.expiry(b"a", freshness.stamp(their + 1), now + 1.005), now + 1.005)
    late = ages.expiry(b"a", freshness.stamp(their + 2), now + 5)
    assert freshness.is_stale(late, now + 5)
    # A number without the stamp's mark (an older pgnet, another program): never stale.
    assert ages.expiry(b"b", (12345).to_bytes(8, "big"), now) is None


def test_a_command_to_nobody_is_not_sent_and_says_so(recwarn):
    address = unused_address()
    pgnet.send_command(address, "FORWARD", 1)
    assert any("Not sent" in str(w.message) or "is not there" in str(w.message) for w in recwarn)
