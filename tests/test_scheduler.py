"""pgnet.scheduler: game mode. Tickers run once a frame, sends to names not
found yet are retried each frame and given up with a warning, and pump()
collects what arrived without waiting.
"""

import sys
import time
import types

import pytest

import pgnet
from pgnet import addresses, registry, scheduler
from pgnet.transport import DEFAULT_WAIT_S
from game_support import assert_clean, game
from support import Program, unique, wait_until


@pytest.fixture
def frames():
    """A scheduler of its own (not the program's), with its own registry."""
    endpoints = registry.Endpoints()
    yield scheduler.Scheduler(endpoints)
    endpoints.close_all()


@pytest.fixture
def later(monkeypatch):
    """Move the scheduler's clock forward: ``later(6)`` makes pump() see a
    time 6 s from now."""
    offset = [0.0]
    clock = types.SimpleNamespace(monotonic=lambda: time.monotonic() + offset[0])
    monkeypatch.setattr(scheduler, "time", clock)

    def move(seconds):
        offset[0] = seconds
    return move


class Connect:
    """Stands in for registry.connected_sender: finds the name on the
    ``found_on``-th call (never if None), and counts the calls."""

    def __init__(self, found_on=None):
        self.found_on, self.calls, self.waits = found_on, 0, []

    def __call__(self, target, wait_s):
        self.calls += 1
        self.waits.append(wait_s)
        return "endpoint of " + target if self.calls == self.found_on else None


def test_events_mode_switches_on_and_off(frames):
    assert frames.events_mode() is False
    frames.use_events()
    assert frames.events_mode() is True
    frames.use_events(False)
    assert frames.events_mode() is False


def test_tickers_run_once_per_pump_that_ticks_until_stopped(frames):
    ticks = []
    stop = frames.every_frame(ticks.append)
    frames.pump()
    frames.pump(tick=False)  # a second batch in the same frame: no chores
    frames.pump(10)
    assert len(ticks) == 2
    assert all(isinstance(now, float) for now in ticks)
    stop()
    frames.pump()
    assert len(ticks) == 2
    stop()  # stopping twice is harmless


def test_a_postponed_send_is_retried_each_frame_until_found(frames):
    done = []
    connect = Connect(found_on=3)
    name = unique("later")
    frames.when_found(connect, name, done.append)
    assert connect.calls == 1 and done == []  # tried at once
    frames.pump(tick=False)
    assert connect.calls == 1  # retried by the frame's chores only
    frames.pump()
    assert connect.calls == 2 and done == []
    frames.pump()
    assert connect.calls == 3 and done == ["endpoint of " + name]
    frames.pump()
    assert connect.calls == 3  # sent once: not tried again
    assert set(connect.waits) == {0}  # a frame never waits for discovery


def test_a_send_made_while_others_wait_for_the_same_target_goes_after_them(frames):
    # The target found between two sends: the second went at once, before
    # the first, which only left at the next pump.
    connect = Connect(found_on=2)
    done = []
    frames.when_found(connect, "robot", lambda endpoint: done.append("ONE"))
    frames.when_found(connect, "robot", lambda endpoint: done.append("TWO"))
    frames.pump()
    assert done == ["ONE", "TWO"]


def test_a_postponed_send_is_given_up_with_a_warning(frames, later):
    connect = Connect()
    name = unique("nobody")
    frames.when_found(connect, name, lambda endpoint: None)
    frames.pump()
    later(DEFAULT_WAIT_S + 1)
    with pytest.warns(pgnet.NotFoundWarning, match="Gave up sending to '%s'" % name):
        frames.pump()
    calls = connect.calls
    frames.pump()
    assert connect.calls == calls  # given up: not tried again


def test_a_postponed_send_to_a_computer_not_found_says_so(frames, later, monkeypatch):
    # "pi.local:5000": a computer's name, not a program's; nothing to ask
    # the network's programs about.
    connect = Connect()
    target = "%s.invalid:5000" % unique("nobody")
    queries = []
    monkeypatch.setattr(pgnet.discovery.get_beacon(), "send_query", lambda *args: queries.append(args))
    frames.when_found(connect, target, lambda endpoint: None)
    frames.pump()
    later(DEFAULT_WAIT_S + 1)
    with pytest.warns(pgnet.NotFoundWarning, match="the computer '%s' was not found"
                      % target.rpartition(":")[0]):
        frames.pump()
    assert queries == []


def test_a_patient_postponed_send_warns_once_and_keeps_trying(frames, later):
    connect = Connect(found_on=4)
    done = []
    name = unique("nobody")
    frames.when_found(connect, name, done.append, patient=True)
    later(DEFAULT_WAIT_S + 1)
    with pytest.warns(pgnet.NotFoundWarning, match="found yet") as warned:
        frames.pump()
        frames.pump()
    assert len(warned) == 1
    assert done == [] and connect.calls == 3
    frames.pump()
    assert done == ["endpoint of " + name]


def test_a_postponed_send_that_raises_is_warned_once_and_none_is_done_twice(frames):
    connect = Connect(found_on=2)
    done = []

    def fails(endpoint):
        raise pgnet.NetworkLimitError("too many open: close some")

    name = unique("nobody")
    for action in (done.append, fails, done.append):
        frames.when_found(connect, name, action)
    with pytest.warns(pgnet.NotSentWarning,
                      match="2 sends to '%s' not sent: too many open: close some" % name) as warned:
        frames.pump()
        frames.pump()  # (nothing raised again, nothing done again)
    assert len(warned) == 1
    assert done == ["endpoint of " + name] and connect.calls == 2


def test_cancelled_postponed_sends_are_not_tried_again(frames):
    connect = Connect()
    frames.when_found(connect, unique("nobody"), lambda endpoint: None)
    frames.cancel_postponed()
    frames.pump()
    assert connect.calls == 1


def test_pump_collects_arrivals_without_waiting(frames):
    port = addresses.free_port()
    listener = frames.endpoints.bound_listener(port)
    pgnet.send_command("127.0.0.1:%d" % port, "GO", 1)
    arrivals = wait_until(lambda: frames.pump(), timeout=5, message="the command")
    assert [(a.kind, a.data, a.source) for a in arrivals] == [("command", ("GO", [1]), port)]
    started = time.monotonic()
    assert frames.pump() == []
    assert time.monotonic() - started < 0.05
    assert not listener.inbox  # handed over, not kept


def test_the_module_functions_are_the_default_scheduler():
    was = scheduler.events_mode()
    try:
        scheduler.use_events()
        assert scheduler.default.events_mode() is True
        stop = scheduler.every_frame(lambda now: None)
        stop()
        assert isinstance(scheduler.pump(0), list)
    finally:
        scheduler.use_events(was)


# -- a postponed send that fails, in a real game --------------------------------

FAR_LISTENER = """
import sys, pgnet
name = sys.argv[1]
pgnet.listen(name + "-far")
print("READY", flush=True)
while True:
    command, params = pgnet.wait_for_command(name + "-far", wait_for_s=30)
    print("GOT %s" % command, flush=True)
    if command in ("AGAIN", None):
        break
pgnet.send_command(name, "QUIT")
"""


@pytest.mark.skipif(sys.platform == "win32", reason="uses up file descriptors (Unix)")
def test_a_postponed_send_that_fails_is_warned_once_and_the_game_goes_on():
    """A game sends to a name not found yet, then runs out of files: when the
    name appears, the send cannot open its connection (NetworkLimitError).
    That is said once, as a warning with what to do, and the game goes on
    hearing the network; it is not raised again in every frame."""
    name = unique("game")
    with game("out_of_files.py", {"GAME_NAME": name, "GAME_TIMEOUT": "30"}) as player:
        player.expect(r"^FULL ")
        with Program(["-c", FAR_LISTENER, name]) as far:
            far.expect(r"^READY$")
            warned = player.expect(r"^WARNED (.*)$", timeout=20).group(1)
            assert "1 send to %r not sent" % (name + "-far") in warned, warned
            assert "Too many open files" in warned and "close_all" in warned, warned
            far.expect(r"^GOT AGAIN$", timeout=20)
            player.expect(r"^BYE$", timeout=20)
            assert_clean(player)
            assert "error while polling" not in player.stderr_text()
            assert len([text for text in player.lines if text.startswith("WARNED")]) == 1


# -- a worker thread and the game's waits, on the same sockets -------------------

#: A game's network, without the window: the main thread waits for input
#: and pumps, answering the messages it collects, while a worker thread
#: answers messages on the same listener and publishes news on the same
#: publisher. Ends once it has answered argv[2] messages.
SHARED_SOCKETS_GAME = """
import sys, threading
import pgnet
from pgnet import messaging, scheduler
name, total = sys.argv[1], int(sys.argv[2])
pgnet.listen(name)
pgnet.publish_news(name + "-news", "tick", 0)
scheduler.use_events()
answered = [0, 0]

def worker():
    number = 0
    while sum(answered) < total:
        message = pgnet.wait_for_message(name, wait_for_s=0.05)
        if message is not None:
            pgnet.send_reply(name, ["ok", message])
            answered[1] += 1
        number += 1
        pgnet.publish_news(name + "-news", "tick", number)

thread = threading.Thread(target=worker, daemon=True)
thread.start()
print("READY", flush=True)
while sum(answered) < total:
    scheduler.wait_for_input(2)
    for arrival in scheduler.pump():
        if arrival.kind == "message":
            messaging.reply_to_arrival(arrival, ["ok", arrival.data])
            answered[0] += 1
thread.join(5)
print("DONE", flush=True)
"""

ASKER = """
import sys, pgnet
name, count, me = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for number in range(count):
    message = "%s-%d" % (me, number)
    reply = pgnet.send_message(name, message, wait_for_reply_s=10)
    if reply != ["ok", message]:
        print("WRONG %r for %r" % (reply, message), flush=True)
        break
else:
    print("ALL ANSWERED", flush=True)
"""

CHURNING_SUBSCRIBER = """
import sys, pgnet
name = sys.argv[1]
while True:
    pgnet.wait_for_news(name + "-news", "tick", wait_for_s=2)
    pgnet.close_all()
"""


def test_a_worker_thread_may_use_the_sockets_the_game_waits_on():
    """ZeroMQ sockets must not be used by two threads at once: the game's
    wait for its next frame, and its pump, looking at a listener or a
    publisher that a worker thread was using made libzmq abort the
    program (an assertion in fq.cpp, pipe.cpp or object.cpp) within a few
    seconds of this."""
    name, askers, each = unique("shared"), 4, 2000
    with Program(["-c", SHARED_SOCKETS_GAME, name, str(askers * each)]) as server:
        server.expect(r"^READY$")
        with Program(["-c", CHURNING_SUBSCRIBER, name]):
            clients = [Program(["-c", ASKER, name, str(each), "c%d" % n]) for n in range(askers)]
            try:
                for client in clients:
                    client.expect(r"^ALL ANSWERED$", timeout=120)
            except AssertionError as error:
                raise AssertionError("%s\nthe game's stderr:\n%s"
                                     % (error, server.stderr_text()[-3000:])) from None
            finally:
                for client in clients:
                    client.kill()
            server.expect(r"^DONE$", timeout=20)
            assert server.wait() == 0, server.stderr_text()[-3000:]


def test_a_postponed_send_raising_something_unexpected_drops_no_other_targets_sends(frames):
    # (Such as a warning turned into an error by -W error.)
    connect = Connect(found_on=2)
    done = []

    def breaks(endpoint):
        raise RuntimeError("something unexpected")

    frames.when_found(Connect(found_on=2), "broken", breaks)
    frames.when_found(connect, "robot", done.append)
    with pytest.raises(RuntimeError):
        frames.pump()
    frames.pump()
    assert done == ["endpoint of robot"]
