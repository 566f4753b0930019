"""pgnet.commands: command words and their parameters, without a network."""

import pytest

import pgnet
from pgnet import wire
from pgnet.commands import encode_command, parse_param, split_command


def test_split_command_reads_the_text_form():
    assert split_command("LEFT 0.5") == ("LEFT", [0.5])
    assert split_command("TURN -90 fast") == ("TURN", [-90, "fast"])
    assert split_command("FORWARD") == ("FORWARD", [])
    assert split_command("SAY", ("hi there", 3)) == ("SAY", ["hi there", 3])


@pytest.mark.parametrize("bad", ["", "   ", None, 5, ["LEFT"]])
def test_split_command_wants_a_word(bad):
    with pytest.raises(pgnet.MessageError):
        split_command(bad)


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("-2", -2), ("+7", 7), ("0.5", 0.5), (".5", 0.5), ("1e3", 1000.0),
    ("fast", "fast"), ("nan", "nan"), ("inf", "inf"), ("1_000", "1_000"), ("0x10", "0x10"),
])
def test_parse_param_makes_plain_numbers_numbers(text, value):
    parsed = parse_param(text)
    assert parsed == value and type(parsed) is type(value)


def test_encode_command_is_the_word_and_its_params():
    assert wire.decode(encode_command("LEFT", (0.5,))) == ["LEFT", [0.5]]
