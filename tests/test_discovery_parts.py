"""The pieces of discovery on their own, with no sockets: the table that
chooses among copies of a name, and the queue of answers to queries."""

import time

from pgnet.discovery import protocol
from pgnet.discovery.answers import ANSWER_SPREAD_S, Answers
from pgnet.discovery.table import ServiceTable


def advert(name, port, instance):
    return protocol.advert(name, port, None, time.time(), instance, "pc", 2.5)


def test_a_copy_on_this_computer_is_chosen_even_when_heard_last():
    table = ServiceTable("10.0.0.5")
    table.heard_advert(advert("robot", 4000, "aaaa"), "10.0.0.9", local=False)
    assert table.address_of("robot") == "10.0.0.9:4000"
    assert not table.chosen_is_local("robot")
    table.heard_advert(advert("robot", 5000, "bbbb"), "127.0.0.1", local=True)
    assert table.address_of("robot") == "10.0.0.5:5000"
    assert table.chosen_is_local("robot")


def test_a_name_at_a_machine_needs_no_copy_on_this_computer():
    table = ServiceTable("10.0.0.5")
    table.heard_advert(advert("robot", 4000, "aaaa"), "10.0.0.9", local=False)
    assert table.chosen_is_local("robot@10.0.0.9")
    assert not table.chosen_is_local("pong")  # unknown: not chosen at all


def test_answers_to_other_computers_are_spread_but_ours_leave_at_once():
    answers = Answers()
    now = 100.0
    for n in range(50):
        answers.add(b"remote", ("10.0.0.%d" % n, 5000), now)
    answers.add(b"local", ("127.0.0.1", 5000), now, spread=False)
    assert answers.due(now) == [(b"local", ("127.0.0.1", 5000))]
    later = answers.due(now + ANSWER_SPREAD_S)
    assert len(later) == 50 and {data for data, _ in later} == {b"remote"}
