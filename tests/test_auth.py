"""The room password (pgnet/auth.py): the key, seals, the replay guard, and
messages, commands, replies and news between real programs with and
without the password.
"""

import textwrap
import time

import pytest

from pgnet import auth, settings
from support import Program, unique

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
