"""pgnet.scheduler: game mode. Tickers run once a frame, sends to names not
found yet are retried each frame and given up with a warning, and pump()
collects what arrived without waiting.
"""

import time
import types

import pytest

import pgnet
from pgnet import addresses, registry, scheduler
from pgnet.transport import DEFAULT_WAIT_S
from support import unique, wait_until


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
