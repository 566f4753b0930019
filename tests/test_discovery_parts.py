"""The pieces of discovery on their own, with no sockets: the table that
chooses among copies of a name, and the queue of answers to queries."""

import time
import warnings

from pgnet.discovery import protocol
from pgnet.discovery.alarms import Alarms
from pgnet.discovery.answers import ANSWER_BURST, ANSWER_EVERY_S, ANSWER_SPREAD_S, Answers, Rate
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


def test_a_name_at_a_machine_known_only_as_a_whole_name_waits_for_the_machine():
    # A classmate advertising the whole text "robot@pc" as its name: pgnet
    # waits a little longer for the robot on pc before it takes that one.
    table = ServiceTable("10.0.0.5")
    table.heard_advert(advert("robot@pc", 4000, "aaaa"), "10.0.0.2", local=False)
    assert table.only_named_so("robot@pc") and table.address_of("robot@pc") == "10.0.0.2:4000"
    table.heard_advert(advert("robot", 5000, "bbbb"), "10.0.0.9", local=False)
    assert not table.only_named_so("robot@pc") and table.address_of("robot@pc") == "10.0.0.9:5000"
    assert not table.only_named_so("robot") and not table.only_named_so("nobody@pc")


def test_answers_to_other_computers_are_spread_but_ours_leave_at_once():
    answers = Answers()
    now = 100.0
    for n in range(50):
        answers.add(b"remote", ("10.0.0.%d" % n, 5000), now)
    answers.add(b"local", ("127.0.0.1", 5000), now, spread=False)
    assert answers.due(now) == [(b"local", ("127.0.0.1", 5000))]
    later = answers.due(now + ANSWER_SPREAD_S)
    assert len(later) == 50 and {data for data, _ in later} == {b"remote"}


def test_one_computer_is_answered_a_few_times_then_once_in_a_while_whatever_its_ports():
    answers = Answers()
    now = 100.0
    asked = [answers.may_answer(("10.0.0.7", port), now) for port in range(1000, 1100)]
    assert sum(asked) == ANSWER_BURST
    assert answers.may_answer(("10.0.0.8", 1000), now)  # another computer is not held back
    assert not answers.may_answer(("10.0.0.7", 999), now + ANSWER_EVERY_S / 2)
    assert answers.may_answer(("10.0.0.7", 999), now + ANSWER_EVERY_S)
    # Programs on this computer all ask from one address: each counts alone.
    assert all(answers.may_answer(("127.0.0.1", port), now, local=True) for port in range(1000, 1100))


def test_made_up_addresses_cannot_push_a_held_back_one_out():
    rate = Rate(0.25, burst=1, size=16)
    now = 100.0
    allowed = sum(rate.allows("10.0.%d.%d" % (n // 250, n % 250), now) for n in range(10000))
    assert allowed == 16  # no more new keys while all 16 are held back
    assert not rate.allows("10.0.0.0", now)
    assert rate.allows("10.9.9.9", now + 0.25)  # all free again: one is forgotten for it


def test_computer_names_in_a_warning_are_quoted_so_no_terminal_obeys_them():
    table = ServiceTable("10.0.0.5")
    for ip, machine in (("10.0.0.2", "pc-2"), ("10.0.0.9", "\x1b[2J\x1b[Hrobot moved\n")):
        table.heard_advert(dict(advert("robot", 4000, ip), m=machine), ip, local=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Alarms().ambiguous("robot", table.records_of("robot"))
    text = str(caught[0].message)
    assert "\x1b" not in text and "\n" not in text and r"'\x1b[2J\x1b[Hrobot moved\n'" in text


def test_the_next_expiry_is_the_earliest_deadline_of_those_heard_most_recently():
    """The beacon's thread sleeps until ``next_expiry``: a program heard
    again must not wake it at its old deadline."""
    table = ServiceTable("10.0.0.5")
    table.heard_advert(advert("robot", 4000, "aaaa"), "10.0.0.9", local=False, now=0.0)
    table.heard_advert(advert("pong", 5000, "bbbb"), "10.0.0.8", local=False, now=0.5)
    assert table.next_expiry == 2.5
    table.heard_advert(advert("robot", 4000, "aaaa"), "10.0.0.9", local=False, now=1.0)
    assert table.next_expiry == 3.0  # pong's, not robot's old 2.5
    table.expire(2.9)
    assert len(table) == 2
    table.expire(3.0)
    assert [s.name for s in table.services()] == ["robot"] and table.next_expiry == 3.5
    table.forget("robot", "aaaa", "10.0.0.9", local=False)
    assert len(table) == 0 and table.next_expiry == float("inf")


def test_a_flood_of_adverts_keeps_the_expiry_queue_small():
    table = ServiceTable("10.0.0.5")
    table.heard_advert(advert("robot", 4000, "aaaa"), "10.0.0.9", local=False, now=0.0)
    for n in range(10000):  # each one a later deadline, queued behind robot's
        table.heard_advert(advert("pong", 5000, "bbbb"), "10.0.0.8", local=False, now=n / 10000)
    assert len(table._deadlines) <= 2 * len(table) + 65
    assert table.next_expiry == 2.5
    table.expire(2.5)
    assert table.next_expiry == 0.9999 + 2.5
