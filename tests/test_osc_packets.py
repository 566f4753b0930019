"""pgnet.osc.packets: OSC's bytes, both ways, checked against python-osc (an
OSC implementation nobody here wrote), and a fuzz: no bytes at all make the
decoder raise anything but Malformed."""

import math
import random
import struct
import time

import pytest

from pgnet.errors import MessageError
from pgnet.osc import packets
from pgnet.osc.packets import Group, Malformed, TooBig, decode, encode_bundle, encode_message

pythonosc = pytest.importorskip("pythonosc", reason='python-osc comes with the test extra: pip install -e ".[test]"')
from pythonosc.osc_bundle_builder import OscBundleBuilder  # noqa: E402
from pythonosc.osc_message_builder import OscMessageBuilder  # noqa: E402
from pythonosc.osc_packet import OscPacket  # noqa: E402

# (Floats that 32 bits hold exactly: OSC's floats have 32 bits.)
VALUES = [0, -1, 2 ** 31 - 1, -2 ** 31, 2 ** 40, -2 ** 63, 0.5, -2.0 ** 100, "", "hé 🎵", b"\x00\x01\xff",
          True, False, None, [1, "a", [2.5, [b"x"]]], []]


def their_message(address, args, types=None):
    builder = OscMessageBuilder(address)
    for index, value in enumerate(args):
        builder.add_arg(value, types[index] if types else None)
    return builder.build()


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_each_python_value_travels_as_python_osc_reads_it(value):
    data = encode_message("/a/b", [value])
    assert OscPacket(data).messages[0].message.params == [value]
    assert decode(data) == [Group(None, [("/a/b", [value])])]


def test_python_osc_messages_decode_to_the_same_values():
    data = their_message("/mix", VALUES).dgram
    assert decode(data) == [Group(None, [("/mix", VALUES)])]


def test_their_other_types_decode_too():
    data = their_message("/t", [1.5, 2 ** 40, (1, 144, 60, 100), 0xFF0000FF],
                         ["d", "h", "m", "r"]).dgram
    assert decode(data)[0].messages == [("/t", [1.5, 2 ** 40, (1, 144, 60, 100), (255, 0, 0, 255)])]


def test_an_empty_blob_is_fine():
    assert decode(encode_message("/b", [b""]))[0].messages == [("/b", [b""])]


def test_a_message_without_type_tags_has_no_args():
    assert decode(b"/old\x00\x00\x00\x00") == [Group(None, [("/old", [])])]


def test_floats_travel_in_32_bits_unless_too_big():
    assert decode(encode_message("/f", [0.1]))[0].messages[0][1][0] == pytest.approx(0.1, rel=1e-7)
    assert decode(encode_message("/f", [1e300]))[0].messages[0][1] == [1e300]  # as a double
    assert decode(encode_message("/f", [math.inf]))[0].messages[0][1] == [math.inf]


def test_bundles_both_ways_with_their_time():
    at = time.time() + 10
    ours = encode_bundle([("/a", [1]), ("/b", ["x", 2.5])], at)
    parsed = OscPacket(ours).messages
    assert [(m.message.address, m.message.params) for m in parsed] == [("/a", [1]), ("/b", ["x", 2.5])]
    assert parsed[0].time == pytest.approx(at, abs=1e-6)
    builder = OscBundleBuilder(at)
    builder.add_content(their_message("/a", [1]))
    builder.add_content(their_message("/b", ["x", 2.5]))
    [group] = decode(builder.build().dgram)
    assert group.when == pytest.approx(at, abs=1e-6)
    assert group.messages == [("/a", [1]), ("/b", ["x", 2.5])]


def test_an_immediate_bundle_has_no_time_and_nested_ones_are_never_earlier():
    inner_early = encode_bundle([("/inner", [])], 1000.0)
    inner_late = encode_bundle([("/later", [])], 3000.0)
    elements = [encode_message("/outer", [])]
    data = b"#bundle\x00" + packets.time_tag(2000.0) + b"".join(
        struct.pack(">I", len(e)) + e for e in elements + [inner_early, inner_late])
    groups = decode(data)
    assert [(g.when, g.messages) for g in groups] == [
        (pytest.approx(2000.0), [("/outer", [])]),
        (pytest.approx(2000.0), [("/inner", [])]),  # not before the bundle around it
        (pytest.approx(3000.0), [("/later", [])]),
    ]
    assert decode(encode_bundle([("/now", [])]))[0].when is None


def test_what_cannot_be_sent_is_a_message_error():
    for address, args in [("x", []), ("/a b", []), (5, []), ("/a", [{1: 2}]), ("/a", [2 ** 64]),
                          ("/a", ["nul\x00"]), ("/a", [object()])]:
        with pytest.raises(MessageError):
            encode_message(address, args)
    with pytest.raises(MessageError, match="pgnet sends"):
        encode_message("/big", [b"x" * packets.MAX_PACKET_BYTES])
    with pytest.raises(MessageError, match="time.time"):
        encode_bundle([("/a", [])], "soon")


def test_limits_are_too_big():
    with pytest.raises(TooBig):
        decode(b"/x\x00\x00" * (packets.MAX_PACKET_BYTES // 4 + 1))
    many = encode_bundle([("/m", [])] * 64) + b"".join(
        struct.pack(">I", 8) + b"/m\x00\x00,\x00\x00\x00" for _ in range(packets.MAX_MESSAGES - 63))
    with pytest.raises(TooBig, match="messages"):
        decode(many)
    deep = encode_message("/deep", [])
    for _ in range(packets.MAX_DEPTH + 1):
        deep = b"#bundle\x00" + packets.time_tag(None) + struct.pack(">I", len(deep)) + deep
    with pytest.raises(TooBig, match="nested"):
        decode(deep)


@pytest.mark.parametrize("data", [
    b"", b"hello", b"/a", b"/a\x00\x00xyz\x00", b"/a\x00\x00,i\x00\x00", b"/a\x00\x00,q\x00\x00",
    b"/a\x00\x00,[\x00\x00", b"/a\x00\x00,]\x00\x00", b"/a\x00\x00,b\x00\x00\x7f\xff\xff\xff",
    b"/a\x00\x00,s\x00\x00abcd", b"/a\x00\x00,i\x00\x00\x00\x00\x00\x01\x00\x00\x00\x02",
    b"#bundle\x00", b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x09",
    b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01\xff\xff\xff\xfc",
    b"#bundle\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x04junk",
    b"/a\x00\x00,c\x00\x00\xff\xff\xff\xff",
], ids=repr)
def test_malformed_packets_are_malformed(data):
    with pytest.raises(Malformed):
        decode(data)


def test_fuzz_any_bytes_decode_or_are_malformed():
    rng = random.Random(15)
    seeds = [
        encode_message("/pad/1", [1, 2.5, "hé", b"\x00\x01", True, None, [1, [2]], 2 ** 40]),
        encode_bundle([("/a", [1]), ("/b", ["x"])], time.time() + 1),
        their_message("/t", [1.5, (1, 144, 60, 100)], ["d", "m"]).dgram,
    ]
    outcomes = {"decoded": 0, "malformed": 0}
    for _ in range(20000):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            choice = rng.random()
            if choice < 0.6:
                data[rng.randrange(len(data))] = rng.randrange(256)
            elif choice < 0.8:
                del data[rng.randrange(len(data)):]
            else:
                data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
            if not data:
                break
        try:
            groups = decode(bytes(data))
        except Malformed:
            outcomes["malformed"] += 1
        else:
            outcomes["decoded"] += 1
            assert all(isinstance(address, str) for _, messages in groups for address, _ in messages)
    assert outcomes["decoded"] > 1000 and outcomes["malformed"] > 1000, outcomes
