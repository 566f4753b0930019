"""Students trying to take over a neighbour's robot (pgnet/bench/attacker.py:
a few UDP packets, no pgnet), with and without a room password.

Three namespaces: the robot, the controller sending it a message every few
milliseconds, and the attacker. Each attack runs for a couple of seconds
while the controller counts who answers and whether it still knows the
robot. Without a password no claim in a packet may take the robot over;
with one, the attacker's packets are not even looked at.
"""

import json

import pytest

try:
    from . import netns
    from .support import Program, unique
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    import netns
    from support import Program, unique

OK, REASON = netns.have_netns()
pytestmark = pytest.mark.skipif(not OK, reason=REASON)

ATTACK_S = 2.0

ROBOT = r"""
import sys, pgnet
print("listening at", pgnet.listen(sys.argv[1]), flush=True)
while True:
    if pgnet.wait_for_message(sys.argv[1], wait_for_s=60) is not None:
        pgnet.send_reply(sys.argv[1], "robot")
"""

# Asks the robot who it is, again and again, for argv[2] seconds after "GO"
# (printed when it is ready for the attack).
CONTROLLER = r"""
import json, sys, time, pgnet
from pgnet import discovery
name, seconds = sys.argv[1], float(sys.argv[2])
print("first", pgnet.send_message(name, "who?", wait_for_reply_s=5), flush=True)
print("GO", flush=True)
time.sleep(0.3)
replies, absent, looks = {}, 0, 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    reply = pgnet.send_message(name, "who?", wait_for_reply_s=0.5)
    replies[str(reply)] = replies.get(str(reply), 0) + 1
    looks += 1
    absent += discovery.known_address(name) is None
    time.sleep(0.02)
print("RESULT", json.dumps({"replies": replies, "absent": absent, "looks": looks}), flush=True)
"""


def run_attack(room, mode, name, env):
    """Run attacker ``mode`` while a fresh controller counts; its result."""
    robot_m, controller_m, attacker_m = room
    with Program(["-c", CONTROLLER, name, str(ATTACK_S + 0.5)], env=env,
                 prefix=controller_m.command([])) as controller:
        assert controller.expect(r"^first (\S+)", timeout=15).group(1) == "robot"
        controller.expect(r"^GO$")
        with Program(["-m", "pgnet.bench.attacker", mode, name, str(ATTACK_S)],
                     env=env, prefix=attacker_m.command([])) as attacker:
            attack = json.loads(attacker.expect(r"^RESULT (.*)$", timeout=20).group(1))
        result = json.loads(controller.expect(r"^RESULT (.*)$", timeout=20).group(1))
    result["attack"] = attack
    return result


@pytest.fixture(scope="module")
def room():
    netns.cleanup_stale("pgh")
    with netns.Network(prefix="pgh") as network:
        yield [network.add_machine(label) for label in ("robot", "control", "attack")]


@pytest.mark.parametrize("password", [None, "tiger lily"])
def test_no_packet_takes_the_robot_over(room, password):
    env = {"PGNET_NETWORK": ""}
    if password:
        env["PGNET_PASSWORD"] = password
    name = unique("robot")
    with Program(["-c", ROBOT, name], env=env, prefix=room[0].command([])) as robot:
        robot.expect(r"^listening at")
        for mode in ("early", "steal-id", "ghost", "bye", "flood"):
            result = run_attack(room, mode, name, env)
            print("MEASURED", password and "with password" or "no password", mode, result)
            assert set(result["replies"]) == {"robot"}, (mode, result)
            assert result["absent"] == 0, (mode, result)
        query = run_attack(room, "query", name, env)["attack"]
        print("MEASURED query", query)
        # Answered by unicast to the asker alone, at most once per name; with a
        # password, not at all.
        assert query["answers"] <= (0 if password else 1), query
        warnings = [line for line in robot.errors if "take its place" in line]
        assert len(warnings) <= 1 and (not password or not warnings), robot.errors
    assert "Traceback" not in robot.stderr_text()
