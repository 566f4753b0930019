"""The room password (pgnet/auth.py): the key, seals, the replay guard, and
messages, commands, replies and news between real programs with and
without the password.
"""

import textwrap
import time

import pytest

from pgnet import auth, settings
from game_support import FRAME_CLOCK, MAX_FRAME_S, RUN_PGZERO
from support import ECHO_SERVICE, Program, unique

ROOM = {"PGNET_ROOM": "5B", "PGNET_PASSWORD": "tiger lily"}


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setattr(settings, "room", "5B")
    monkeypatch.setattr(settings, "password", "tiger lily")


def test_the_key_is_derived_once_and_depends_on_room_and_password():
    room = unique("5B")  # a room no other test has derived a key for
    started = time.perf_counter()
    key = auth.room_key(room, "tiger lily")
    again = time.perf_counter()
    assert auth.room_key(room, "tiger lily") is key
    assert time.perf_counter() - again < (again - started) / 10  # remembered, not derived again
    assert len({key, auth.room_key(room + "C", "tiger lily"), auth.room_key(room, "tiger lilies")}) == 3


def test_a_seal_opens_once_for_its_purpose_only(password):
    sealer = auth.Sealer()
    sealed = sealer.seal(b"command", b"JUMP")
    assert auth.open_sealed(b"message", sealed) is None  # not passed off as a message
    assert auth.open_sealed(b"command", sealed) == b"JUMP"
    assert auth.open_sealed(b"command", sealed) is None  # a replay
    assert auth.open_sealed(b"command", b"JUMP" + bytes(auth.SEAL_LENGTH)) is None
    assert auth.open_sealed(b"command", b"") is None


def test_the_replay_guard_takes_late_arrivals_once_and_old_times_never():
    guard = auth.ReplayGuard()
    now = time.time()
    assert guard.fresh(b"a", 5, now)
    assert guard.fresh(b"a", 3, now)  # late, not seen: fine
    assert not guard.fresh(b"a", 3, now) and not guard.fresh(b"a", 5, now)
    assert guard.fresh(b"a", 500, now)
    assert not guard.fresh(b"a", 400, now)  # too far behind to tell: refused
    assert not guard.fresh(b"b", 1, now - 2 * auth.MAX_CLOCK_DIFFERENCE_S)
    assert not guard.fresh(b"b", 1, float("nan"))


def test_the_replay_guard_is_bounded():
    guard = auth.ReplayGuard(limit=10)
    for n in range(100):
        guard.fresh(bytes([n]), 1, time.time())
    assert len(guard) == 10


ASK = """
import sys, pgnet
pgnet.send_command(sys.argv[1], "JUMP", 3)
print("REPLY", repr(pgnet.send_message(sys.argv[1], "hi", wait_for_reply_s=2)), flush=True)
"""


def test_messages_with_and_without_the_password():
    listener = Program("""
        import pgnet
        address = pgnet.listen("127.0.0.1")
        print("READY", address, flush=True)
        while True:
            message = pgnet.wait_for_message("127.0.0.1", wait_for_s=0.05)
            if message is not None:
                pgnet.send_reply("127.0.0.1", ["echo", message])
            command, params = pgnet.wait_for_command("127.0.0.1", wait_for_s=0)
            if command is not None:
                print("COMMAND", command, params, flush=True)
    """, env=ROOM)
    with listener:
        address = listener.expect(r"READY (\S+)").group(1)
        with Program(["-c", ASK, address], env=ROOM) as friend:
            assert friend.expect(r"REPLY (.*)").group(1) == "['echo', 'hi']"
        listener.expect(r"COMMAND JUMP \[3\]")
        for stranger_env in ({}, dict(ROOM, PGNET_PASSWORD="guess")):
            with Program(["-c", ASK, address], env=stranger_env) as stranger:
                assert stranger.expect(r"REPLY (.*)").group(1) == "None"
        assert listener.lines.count("COMMAND JUMP [3]") == 1  # the strangers' were dropped
        assert "without this room's password" in listener.stderr_text()


def test_news_needs_the_password():
    publisher = Program("""
        import time, pgnet
        print("READY", pgnet.advertise("news-5b", "127.0.0.1"), flush=True)
        while True:
            pgnet.publish_news("news-5b", "score", 42)
            time.sleep(0.05)
    """, env=ROOM)
    reader = """
        import sys, pgnet
        pgnet.subscribe(sys.argv[1], "score", wait_for_s=5)
        print("NEWS", pgnet.wait_for_news(sys.argv[1], "score", wait_for_s=1.5), flush=True)
    """
    with publisher:
        address = publisher.expect(r"READY (\S+)").group(1)
        with Program(["-c", textwrap.dedent(reader), address], env=ROOM) as friend:
            assert friend.expect(r"NEWS (.*)").group(1) == "('score', 42)"
        with Program(["-c", textwrap.dedent(reader), address]) as stranger:
            assert stranger.expect(r"NEWS (.*)").group(1) == "(None, None)"


SLOW_KEY_GAME = """
import hashlib, os, socket, sys, threading, time
derive, looked_up = hashlib.scrypt, socket.gethostbyname
derived_in_a_frame = []

def slow_scrypt(*args, **kwargs):   # a slow computer: the key takes a second
    derived_in_a_frame.append(threading.current_thread() is threading.main_thread())
    time.sleep(1)
    return derive(*args, **kwargs)

def slow_name_server(host):   # and so does the relay's name (PGNET_RELAY)
    time.sleep(1)
    return looked_up(host)

hashlib.scrypt, socket.gethostbyname = slow_scrypt, slow_name_server
import pgnet
server = os.environ["SERVER"]
replies = []

def on_network_reply(reply, sender):
    replies.append(reply)

def update():
    note_frame()
    if frame == 2:   # the game's first use of the network, before the key is there
        pgnet.discover(server, wait_for_s=0)
        pgnet.advertise(os.environ["GAME_NAME"])
        pgnet.send_message(server, "hi")
        pgnet.publish_news(os.environ["GAME_NAME"] + " news", "score", 1)
    if replies:
        print("REPLY", replies[0], flush=True)
        print("LONGEST FRAME %.3f" % worst, flush=True)
        print("DERIVED IN A FRAME", any(derived_in_a_frame), flush=True)
        print("NEWS ADVERTISED", pgnet.discovery.get_beacon().local_address(
            os.environ["GAME_NAME"] + " news") is not None, flush=True)
        sys.exit(0)
"""


def test_a_games_frames_never_wait_for_the_room_key_or_the_relays_name(tmp_path):
    # The key is derived in the background from "import pgnet" on, and the
    # relay looked up by the discovery thread; what a frame sends before
    # the key is there waits for it, and then goes.
    path = tmp_path / "slow_key.py"
    path.write_text(FRAME_CLOCK + SLOW_KEY_GAME, encoding="utf-8")
    name = unique("echo")
    with Program(["-c", ECHO_SERVICE, name, "echo"], env=ROOM) as server:
        server.expect(r"READY ")
        env = dict(ROOM, SERVER=name, GAME_NAME=unique("game"), GAME_TIMEOUT="30",
                   PGNET_RELAY="localhost")
        with Program([RUN_PGZERO, str(path)], env=env) as player:
            assert player.expect(r"^REPLY (.*)$", timeout=20).group(1) == "['echo', 'hi']"
            longest = float(player.expect(r"^LONGEST FRAME ([\d.]+)$").group(1))
            in_a_frame = player.expect(r"^DERIVED IN A FRAME (\w+)$").group(1)
            # (the news published in that frame went from a later one)
            assert player.expect(r"^NEWS ADVERTISED (\w+)$").group(1) == "True"
            assert player.wait(15) == 0, player.stderr_text()
    print("longest frame: %.3f s" % longest)
    assert longest <= MAX_FRAME_S, "a frame waited %.3f s" % longest
    assert in_a_frame == "False"


def test_a_password_from_bytes_that_are_not_utf_8_still_makes_a_key():
    # PGNET_PASSWORD=$'pw\xff' arrives as "pw\udcff": deriving its key in the
    # background failed, and a game then never sent nor read anything.
    key = auth.room_key("5B", "pw\udcff")
    assert len(key) == 32 and key == auth.room_key("5B", "pw\udcff") != auth.room_key("5B", "pw")
