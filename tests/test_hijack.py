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

from pgnet.discovery import table

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


# -- a crowd of made-up programs --------------------------------------------------

# Adverts from made-up programs, each with a new instance id, sent from each
# address in argv[5:] at argv[3] a second each for argv[4] seconds: all for
# the name argv[1], or ("*") each for a name of its own; time to live argv[2].
CROWD = r"""
import os, socket, sys, time, msgpack
port = int(os.environ.get("PGNET_DISCOVERY_PORT", 46374))
name, ttl, rate, seconds = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
sockets = []
for address in sys.argv[5:]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind((address, 0))
    sockets.append(sock)
start, rounds = time.monotonic(), 0
while time.monotonic() < start + seconds:
    for sock in sockets:
        instance = os.urandom(8).hex()
        advert = {"t": "advert", "n": "junk-" + instance if name == "*" else name, "p": 9,
                  "h": None, "s": 0.0, "i": instance, "m": "crowd", "ttl": ttl}
        sock.sendto(b"PGNET1" + msgpack.packb(advert), ("10.123.0.255", port))
    rounds += 1
    time.sleep(max(0.0, start + rounds / rate - time.monotonic()))
print("RESULT", rounds * len(sockets), flush=True)
"""

# A game: reports the CPU seconds its beacon thread spent from "READY" until
# it has been idle for a second after robots were heard, and how many.
CPU_VICTIM = r"""
import json, os, time, pgnet
from pgnet import discovery
pgnet.advertise("game")
peer = discovery.get_beacon()
def cpu():
    with open("/proc/self/task/%d/stat" % peer.thread_id) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
start = cpu()
print("READY", flush=True)
deadline, last, robots = time.monotonic() + 25, cpu(), 0
while time.monotonic() < deadline:
    time.sleep(1.0)
    now, robots = cpu(), peer.instance_counts().get("robot", robots)
    if robots and now - last < 0.02:
        break
    last = now
print("RESULT", json.dumps({"cpu": now - start, "robots": robots}), flush=True)
"""


def crowd(machine, count, first=100):
    """Give ``machine`` ``count`` more addresses (10.123.0.<first>...)."""
    addresses = ["10.123.0.%d" % n for n in range(first, first + count)]
    for address in addresses:
        machine.run(["ip", "addr", "add", address + "/24", "dev", "eth0"], timeout=5).check_returncode()
    return addresses


@pytest.fixture
def crowd_room(request):
    netns.cleanup_stale("pgw")
    with netns.Network(prefix="pgw") as network:
        yield network


def test_a_crowd_of_one_name_costs_the_beacon_little(crowd_room):
    # 8000 made-up "robot"s from 4 addresses: each used to cost the beacon
    # time in proportion to the robots it knew (up to 1024 of them), and
    # games stalled; now it is a few microseconds, with at most
    # MAX_PER_NAME robots known.
    victim, attacker = crowd_room.add_machine("victim"), crowd_room.add_machine("crowd")
    addresses = crowd(attacker, 4)
    with Program(["-c", CPU_VICTIM], env={"PGNET_NETWORK": ""}, prefix=victim.command([])) as game:
        game.expect("^READY$", timeout=15)
        with Program(["-c", CROWD, "robot", "60", "1000", "2"] + addresses, env={},
                     prefix=attacker.command([])) as flood:
            flood.expect("^RESULT", timeout=15)
        result = json.loads(game.expect(r"^RESULT (.*)$", timeout=30).group(1))
    assert 0 < result["robots"] <= table.MAX_PER_NAME, result
    assert result["cpu"] < 1.5, result


# A game that waits for the table to fill with others' names, then looks for
# argv[1:]; prints what it found.
FULL_VICTIM = r"""
import sys, time, pgnet
from pgnet import discovery
peer = discovery.get_beacon()
deadline = time.monotonic() + 15
while len(peer.services()) < 4000 and time.monotonic() < deadline:
    time.sleep(0.1)
print("FULL", len(peer.services()), flush=True)
for name in sys.argv[1:]:
    print("found", name, pgnet.discover(name, 8), flush=True)
"""

ADVERTISER = r"""
import sys, time, pgnet
pgnet.advertise(sys.argv[1])
print("READY", flush=True)
time.sleep(60)
"""


def test_a_full_table_still_takes_this_computers_programs_and_newcomers(crowd_room):
    # 16 addresses of made-up programs fill the table (16 x 256 records).
    # A robot on the game's own computer, and a pong started on another
    # after that, used to be refused: the game found neither.
    pc, attacker, other = (crowd_room.add_machine(label) for label in ("pc", "crowd", "other"))
    addresses = crowd(attacker, table.MAX_RECORDS // table.MAX_PER_SOURCE)
    env = {"PGNET_NETWORK": ""}
    with Program(["-c", FULL_VICTIM, "robot", "pong"], env=env, prefix=pc.command([])) as game, \
            Program(["-c", CROWD, "*", "60", "400", "25"] + addresses, env={},
                    prefix=attacker.command([])):
        assert int(game.expect(r"^FULL (\d+)", timeout=20).group(1)) >= 4000
        with Program(["-c", ADVERTISER, "robot"], env=env, prefix=pc.command([])) as robot, \
                Program(["-c", ADVERTISER, "pong"], env=env, prefix=other.command([])) as pong:
            robot.expect("^READY$", timeout=15)
            pong.expect("^READY$", timeout=15)
            assert game.expect(r"^found robot (\S+)", timeout=20).group(1) != "None"
            found = game.expect(r"^found pong (\S+)", timeout=20).group(1)
            assert found.startswith(other.address + ":"), found


# -- adverts recorded and played back --------------------------------------------

@pytest.fixture
def replay_room():
    # The attacker has the smallest address: among programs heard in the
    # same first moments, the smallest address is used.
    netns.cleanup_stale("pgr")
    with netns.Network(prefix="pgr") as network:
        yield [network.add_machine(label, address)
               for label, address in (("robot", "10.123.0.9"), ("control", "10.123.0.5"),
                                      ("attack", "10.123.0.2"))]


def test_a_recorded_advert_played_back_does_not_take_the_robot_over(replay_room):
    # With a password the attacker cannot make an advert, but it can keep
    # the robot's (sealed, genuine) and play them back from its own
    # address, at once, to a newcomer asking for the robot.
    robot_m, controller_m, attacker_m = replay_room
    env = {"PGNET_NETWORK": "", "PGNET_PASSWORD": "tiger lily"}
    name = unique("robot")
    with Program(["-c", ROBOT, name], env=env, prefix=robot_m.command([])) as robot, \
            Program(["-m", "pgnet.bench.attacker", "replay", name, "12"],
                    env=env, prefix=attacker_m.command([])) as attacker:
        robot.expect(r"^listening at")
        attacker.expect(r"^KEPT$", timeout=10)
        with Program(["-c", CONTROLLER, name, "2"], env=env,
                     prefix=controller_m.command([])) as controller:
            first = controller.expect(r"^first (\S+)", timeout=15).group(1)
            result = json.loads(controller.expect(r"^RESULT (.*)$", timeout=20).group(1))
        attack = json.loads(attacker.expect(r"^RESULT (.*)$", timeout=20).group(1))
        print("MEASURED replay", first, result, attack)
        assert attack["replayed"] > 0, attack  # (the attack really ran)
        assert first == "robot" and set(result["replies"]) == {"robot"}, (first, result)
    assert "Traceback" not in robot.stderr_text()
