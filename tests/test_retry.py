"""pgnet.retry: when to try again and when to give up, with made-up times."""

from pgnet.retry import Retry


def test_tries_are_due_at_once_then_every_interval():
    retry = Retry(0.5, 2.0, now=10.0)
    assert retry.due(10.0)
    assert not retry.due(10.2)
    assert not retry.due(10.49)
    assert retry.due(10.5)
    assert not retry.due(10.9)
    assert retry.due(11.2)  # late: the next one is an interval after this one
    assert not retry.due(11.6)
    assert retry.due(11.7)


def test_expires_at_the_time_limit():
    retry = Retry(0.5, 2.0, now=10.0)
    assert not retry.expired(10.0)
    assert not retry.expired(11.99)
    assert retry.expired(12.0)
    assert retry.expired(50.0)


def test_no_time_limit_and_keep_trying():
    assert not Retry(1.0, None, now=0.0).expired(1e9)
    retry = Retry(0.0, 5.0, now=0.0)
    assert retry.expired(6.0)
    retry.keep_trying()  # (a patient send after its warning)
    assert not retry.expired(1e9)


def test_an_interval_of_zero_is_due_every_time():
    retry = Retry(0, 5.0, now=0.0)
    assert all(retry.due(t) for t in (0.0, 0.0, 0.016, 0.033, 0.05))


def test_a_time_limit_of_zero_gives_up_at_once():
    retry = Retry(0.01, 0, now=3.0)
    assert retry.expired(3.0)


def test_pause_until_the_next_try_or_the_limit():
    retry = Retry(0.5, 2.0, now=10.0)
    assert retry.due(10.0)
    assert retry.pause(10.0, 0.1) == 0.1  # at most the longest asked for
    assert abs(retry.pause(10.45, 1.0) - 0.05) < 1e-9  # the next try
    retry.due(11.9)
    assert abs(retry.pause(11.9, 1.0) - 0.1) < 1e-9  # the time limit comes first
    assert retry.pause(13.0, 1.0) == 0.0  # never negative
    assert Retry(0.5, None, now=0.0).pause(0.0, 0.1) == 0.0  # due now


def test_without_a_time_the_clock_is_read():
    retry = Retry(0.01, 0.5)
    import time

    assert retry.due(time.monotonic())
    assert not retry.expired(time.monotonic())
