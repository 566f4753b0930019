"""pgnet.osc.patterns: OSC 1.0's address patterns, and matching that stays
quick whatever the pattern and however long the address."""

import time

import pytest

from pgnet.errors import MessageError
from pgnet.osc.patterns import Pattern


@pytest.mark.parametrize("pattern, address, expected", [
    ("/pad/1", "/pad/1", True),
    ("/pad/1", "/pad/2", False),
    ("/pad/?", "/pad/7", True),
    ("/pad/?", "/pad/17", False),
    ("/pad/*", "/pad/1", True),
    ("/pad/*", "/pad/", True),
    ("/pad/*", "/pad/1/x", False),  # a wildcard never matches a slash
    ("/*/xy*", "/1/xy1", True),
    ("/*", "/", True),
    ("/a*b*c", "/aXbYc", True),
    ("/a*b*c", "/aXbY", False),
    ("/pad/[1-4]", "/pad/3", True),
    ("/pad/[1-4]", "/pad/5", False),
    ("/pad/[!1-4]", "/pad/5", True),
    ("/pad/[!1-4]", "/pad/3", False),
    ("/pad/[abc]", "/pad/b", True),
    ("/pad/[a-]", "/pad/-", True),  # a "-" at the end is itself
    ("/pad/[!a]", "/pad/", False),
    ("/{left,right}/go", "/left/go", True),
    ("/{left,right}/go", "/right/go", True),
    ("/{left,right}/go", "/up/go", False),
    ("/x{,y}", "/x", True),
    ("/x{,y}", "/xy", True),
    ("/a?{b,cd}[0-9]*", "/aZcd7tail", True),
    ("/a?{b,cd}[0-9]*", "/aZcdXtail", False),
])
def test_osc_pattern_rules(pattern, address, expected):
    assert Pattern(pattern).matches(address) is expected


@pytest.mark.parametrize("text", ["pad", "", None, "/pad/[1-4", "/pad/{a,b", "/pad/1]", "/a}"])
def test_what_is_not_a_pattern_is_a_message_error(text):
    with pytest.raises(MessageError):
        Pattern(text)


def test_matching_never_backtracks():
    # Patterns that make a regular expression engine take ages on long
    # input: matching here grows with the address, not exponentially.
    address = "/" + "a" * 15000
    start = time.perf_counter()
    for pattern in ["/*a*a*a*a*a*a*a*b", "/?*?*?*?*?*?*b", "/{a,aa,aaa}*{a,aa}*b"]:
        assert not Pattern(pattern).matches(address)
        assert Pattern(pattern[:-1] + "a").matches(address)
    assert time.perf_counter() - start < 0.5
