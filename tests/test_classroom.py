"""A class on one network: every student runs the same examples, in rooms,
with and without a room password (tests/netns.py: each "laptop" is a
network namespace on one bridge, with its own host name).

Lesson one: three laptops each run games/hello's game.py and robot.py,
unchanged; each pair must talk only to itself. Then rooms, ``name@machine``
and a password.
"""

import os
import re

import pytest

try:
    from . import netns
    from .game_support import RUN_PGZERO
    from .support import ROOT, Program, unique
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    import netns
    from game_support import RUN_PGZERO
    from support import ROOT, Program, unique

OK, REASON = netns.have_netns()
pytestmark = pytest.mark.skipif(not OK, reason=REASON)

HELLO = os.path.join(ROOT, "games", "hello")

# Answers every message with its own label; argv: name, label.
ECHO = r"""
import sys, pgnet
name, label = sys.argv[1], sys.argv[2]
print("listening at", pgnet.listen(name), flush=True)
while True:
    message = pgnet.wait_for_message(name, wait_for_s=60)
    if message is not None:
        pgnet.send_reply(name, label)
"""

# Finds argv[1], waiting up to argv[2] seconds; says how long that took.
FIND_WITHIN = r"""
import sys, time, pgnet
started = time.monotonic()
found = pgnet.discover(sys.argv[1], wait_for_s=float(sys.argv[2]))
print("found", found, "after", round(time.monotonic() - started, 3), flush=True)
"""

# Asks argv[1] (a name, perhaps name@machine) who it is, argv[2] times.
ASK = r"""
import sys, pgnet
for _ in range(int(sys.argv[2])):
    print("answer", pgnet.send_message(sys.argv[1], "who?", wait_for_reply_s=5), flush=True)
print("listed", sorted(pgnet.discover_all()), flush=True)
"""


@pytest.fixture
def net():
    netns.cleanup_stale("pgc")
    with netns.Network(prefix="pgc") as network:
        yield network


def on(machine, code, *args, env=None, host=None):
    """Run ``code`` (source, or a list of arguments for Python) on
    ``machine``, whose host name is ``host`` (its label if not given)."""
    named = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host or machine.label]
    full_env = {"PGNET_NETWORK": ""}
    full_env.update(env or {})
    if isinstance(code, str):
        return Program(code, env=full_env, prefix=machine.command(named)) if not args else \
            Program(["-c", code, *args], env=full_env, prefix=machine.command(named))
    return Program(list(code) + list(args), env=full_env, prefix=machine.command(named))


def beeps(game):
    """The numbers of the robot's beeps the game showed, in order."""
    return [int(m.group(1)) for m in map(re.compile(r"^hello robot says: beep (\d+)$").match, game.lines) if m]


def test_lesson_one_every_pair_talks_only_to_itself(net):
    laptops = [net.add_machine("laptop%d" % n) for n in (1, 2, 3)]
    games = [on(laptop, [RUN_PGZERO, os.path.join(HELLO, "game.py")],
                env={"GAME_TIMEOUT": "60", "SPACE_EVERY": "0.3"}) for laptop in laptops]
    robots = []
    try:
        for game in games:
            game.expect(r"^Waiting for the robot", timeout=30)
        robots = [on(laptop, [os.path.join(HELLO, "robot.py")]) for laptop in laptops]
        for laptop, game, robot in zip(laptops, games, robots):
            robot.expect(r"^Found it!$", timeout=30)
            robot.expect(r"^The game answered: Hello, robot! I got beep 1$", timeout=20)
            robot.expect(r"^The game says: JUMP \[3\]$", timeout=20)
            game.expect(r"^hello robot says: beep 3$", timeout=20)
        for laptop, game, robot in zip(laptops, games, robots):
            numbers = beeps(game)
            # One robot per game: its beeps count up with no repeats.
            assert numbers == sorted(set(numbers)) and numbers[0] == 1, (laptop, numbers)
            found = [m.group(1) for m in map(re.compile(r"^Found the robot at ([\d.]+):").match, game.lines) if m]
            assert found[-1] == laptop.address, (laptop, found)
            for program in (game, robot):
                assert "Traceback" not in program.stderr_text(), program.stderr_text()
                assert "Two programs are advertising" not in program.stderr_text()
    finally:
        for program in games + robots:
            program.kill()


def test_name_at_machine_picks_the_copy_on_that_computer(net):
    desks = [net.add_machine("desk%d" % n) for n in (1, 2, 3)]
    name = unique("robot")
    servers = [on(desk, ECHO, name, desk.label) for desk in desks[:2]]
    try:
        for server in servers:
            server.expect(r"^listening at")
        # desk3 has no copy: every ask goes to one, the same each time, and it is warned.
        with on(desks[2], ASK, name, "4") as asker:
            answers = {asker.expect(r"^answer (\S+)").group(1) for _ in range(4)}
            assert len(answers) == 1 and answers <= {"desk1", "desk2"}, answers
            asker.wait()
            assert "programs on other computers are called" in asker.stderr_text()
            assert "@desk" in asker.stderr_text()
        for desk in desks[:2]:
            with on(desks[2], ASK, "%s@%s" % (name, desk.label), "2") as asker:
                assert asker.expect(r"^answer (\S+)").group(1) == desk.label
                assert asker.expect(r"^answer (\S+)").group(1) == desk.label
        # On desk1 itself, the copy there, with no warning.
        with on(desks[0], ASK, name, "1") as asker:
            assert asker.expect(r"^answer (\S+)").group(1) == "desk1"
            asker.wait()
            assert "Warning" not in asker.stderr_text() and "called" not in asker.stderr_text()
    finally:
        for server in servers:
            server.kill()


def test_a_name_with_at_of_its_own_does_not_take_the_place_of_name_at_machine(net):
    # A classmate on the computer with the smallest address advertises the
    # whole text "robot@desk2" as its name: "robot@desk2" is still the robot
    # on desk2.
    imitator_desk, desk, asking_desk = (net.add_machine(label) for label in ("desk1", "desk2", "desk3"))
    name = unique("robot")
    wanted = "%s@%s" % (name, desk.label)
    imitator = on(imitator_desk, ECHO, wanted, "imitator")
    robot = on(desk, ECHO, name, "robot")
    try:
        imitator.expect(r"^listening at")
        robot.expect(r"^listening at")
        answers = []
        for _ in range(4):  # (each new program hears both answer its first question)
            with on(asking_desk, ASK, wanted, "1") as asker:
                answers.append(asker.expect(r"^answer (\S+)").group(1))
        assert answers == ["robot"] * 4, answers
    finally:
        imitator.kill()
        robot.kill()


def test_a_name_at_a_machine_found_only_as_a_whole_name_still_keeps_to_the_wait(net):
    # pgnet waits one round of adverts for the robot on desk2 before it
    # takes a program named "robot@desk2", but never longer than asked.
    imitator_desk, asking_desk = net.add_machine("desk1"), net.add_machine("desk3")
    wanted = "%s@desk2" % unique("robot")
    with on(imitator_desk, ECHO, wanted, "imitator") as imitator:
        imitator.expect(r"^listening at")
        with on(asking_desk, FIND_WITHIN, wanted, "0.3") as asker:
            found = asker.expect(r"^found (\S+) after (\S+)")
    assert found.group(1) != "None"
    print("MEASURED discover(name@machine, 0.3) took", found.group(2))
    assert float(found.group(2)) < 0.9  # (it waited about 1 s, whatever the wait asked)


def test_rooms_do_not_see_each_other(net):
    left, right = net.add_machine("left"), net.add_machine("right")
    name = unique("quiz")
    room_a = {"PGNET_ROOM": "5A"}
    with on(left, ECHO, name, "quiz-5A", env=room_a) as quiz:
        quiz.expect(r"^listening at")
        with on(right, ASK, name, "1", env={"PGNET_ROOM": "5B"}) as stranger:
            stranger.wait(20)
            assert "No program called" in stranger.stderr_text()
        with on(right, ASK, name, "1", env=room_a) as classmate:
            assert classmate.expect(r"^answer (\S+)").group(1) == "quiz-5A"
        # The teacher sees every room.
        teacher = on(right, ["-m", "pgnet", "list", "--all-rooms", "--wait", "1.5"])
        assert teacher.wait(20) == 0, teacher.stderr_text()
        assert any(name in line and "5A" in line for line in teacher.lines), teacher.lines


# -- two-player games in a crowded room ---------------------------------------------------

PROBE = os.path.join(ROOT, "tests", "twoplayer_games", "probe.py")
JOINED = r"^joined (\w+) (.*) me=\d"


def player_id(program):
    return program.expect(r"^me (\w+) ", 30).group(1)


def test_a_ghost_lobby_entry_does_not_stop_pairing(net):
    ghost_m, left, right = (net.add_machine(n) for n in ("ghost", "left", "right"))
    game = unique("pong")
    with on(ghost_m, ["-m", "pgnet.bench.attacker", "lobby-ghost", game, "10"]) as ghost:
        ghost.expect(r"^STARTED$", 10)
        with on(left, [PROBE, game]) as one, on(right, [PROBE, game]) as two:
            one_id, two_id = player_id(one), player_id(two)
            assert one.expect(JOINED, 8).group(1) == two_id
            assert two.expect(JOINED, 8).group(1) == one_id
        ghost.kill()


@pytest.mark.parametrize("password", [None, "tiger lily"])
def test_an_impostor_partner_is_not_taken(net, password):
    ada_m, bob_m, fake_m = (net.add_machine(n) for n in ("ada-laptop", "bobs-pc", "fake"))
    game = unique("chess")
    room = {"PGNET_PASSWORD": password} if password else {}
    # With a password the fake has none; without one, Bob pins Ada to her computer.
    wanted = "Ada" if password else "Ada@ada-laptop"
    with on(fake_m, [PROBE, game, "--name", "Ada"]) as fake:
        fake_id = player_id(fake)
        with on(bob_m, [PROBE, game, "--name", "Bob", "--partner", wanted], env=room) as bob:
            player_id(bob)
            with on(ada_m, [PROBE, game, "--name", "Ada", "--partner", "Bob"], env=room) as ada:
                ada_id = player_id(ada)
                assert bob.expect(JOINED, 15).group(1) == ada_id
        assert fake_id not in "\n".join(bob.lines)


def test_programs_on_one_offline_computer_without_loopback_broadcast(net):
    """As on a Mac (whose lo0 has no broadcast), offline: 127.255.255.255
    goes nowhere, yet programs on the computer find each other."""
    mac = net.add_offline_machine("mac")
    mac.run(["ip", "route", "del", "broadcast", "127.255.255.255", "dev", "lo", "table", "local"],
            timeout=10).check_returncode()
    name = unique("hello")
    with on(mac, ECHO, name, "found") as server:
        server.expect(r"^listening at 127\.0\.0\.1:")
        with on(mac, ASK, name, "1") as asker:
            assert asker.expect(r"^answer (\S+)").group(1) == "found"
