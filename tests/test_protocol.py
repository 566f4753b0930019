"""The discovery packet format (pgnet.discovery.protocol), on its own: the
packets built, their bytes, and every kind of bad packet refused.

No sockets here. test_faults.py sends the same bad packets to running
programs (``garbage_packets`` is shared with it) and checks they keep working.
"""

import math
import time

import msgpack
import pytest

from pgnet import MessageError, ServiceNameError, auth, settings
from pgnet.discovery import protocol

INSTANCE = "928b0e4e1d82428a"


def advert_packet(name, **changes):
    """The bytes of a valid advert for ``name``, with ``changes`` to its fields."""
    packet = {"t": "advert", "n": name, "p": 45678, "h": None, "s": time.time(),
              "i": "fuzz" + name[-8:], "m": "fuzzer", "ttl": 2.0}
    packet.update(changes)
    return b"PGNET1" + msgpack.packb(packet, use_bin_type=True)


def garbage_packets(fuzz):
    """Datagrams that are not valid discovery packets; names start with ``fuzz``."""
    valid = advert_packet(fuzz + "-valid")
    return [
        b"",
        b"x",
        b"PGNET1",
        b"PGNET1\xc1",
        b"PGNET2" + valid[6:],
        valid[: len(valid) // 2],                              # truncated
        valid + b"\x00" * 60000,                               # oversized
        b"PGNET1" + msgpack.packb([1, 2, 3]),
        b"PGNET1" + msgpack.packb({"t": "advert"}),
        b"PGNET1" + msgpack.packb(msgpack.ExtType(5, b"x")),
        b"PGNET1" + msgpack.packb({"t": msgpack.ExtType(1, b"\xc1"), "i": "x"}),
        b"PGNET1" + msgpack.packb({"t": "query", "n": [1, 2], "i": "x"}),
        b"PGNET1" + msgpack.packb({"t": "who?", "n": fuzz, "i": "x"}),
        b"PGNET1" + msgpack.packb({"t": "bye", "i": "x"}),
        advert_packet(fuzz + "-a", i=5),
        advert_packet(fuzz + "-b", p=0),
        advert_packet(fuzz + "-c", p=70000),
        advert_packet(fuzz + "-d", p=True),
        advert_packet(fuzz + "-e", p="45678"),
        advert_packet(fuzz + "-f", h="999.1.1.1"),
        advert_packet(fuzz + "-g", h=5),
        advert_packet(fuzz + "-h", h=b"\x7f\x00\x00\x01"),
        advert_packet(fuzz + "-i", ttl="long"),
        advert_packet(fuzz + "-j", ttl=math.nan),
        advert_packet(fuzz + "-k", s=math.nan),
        advert_packet(fuzz + "-l", m=5),
        advert_packet(fuzz + "-m", m="x" * 5000),              # longer than a packet
        advert_packet(""),
        advert_packet(fuzz + "-" + "n" * 300),                 # name too long
        advert_packet(fuzz + "-o\n"),
        advert_packet("127.0.0.1:5000"),                       # an address, not a name
    ]


# -- packets that are fine ---------------------------------------------------------

@pytest.mark.parametrize("packet", [
    protocol.query(None, INSTANCE),
    protocol.query("pong", INSTANCE),
    protocol.advert("pong", 40123, None, 1795317356.75, INSTANCE, "pc-7", 2.0),
    protocol.advert("Ada's pong 🏓", 1, "192.168.1.23", 17, INSTANCE, "", protocol.MAX_TTL_S),
    protocol.bye("pong", INSTANCE),
])
def test_packets_survive_the_round_trip(packet):
    data = protocol.encode_packet(packet)
    assert data.startswith(protocol.MAGIC)
    assert len(data) <= protocol.MAX_PACKET
    assert protocol.parse_packet(data) == packet


def test_the_longest_name_in_four_byte_characters_fits_in_a_packet():
    name = "\U0001F916" * protocol.MAX_NAME_LENGTH          # 255 robots, 4 bytes each
    assert protocol.MAX_NAME_LENGTH >= 255
    protocol.check_name(name)
    advert = protocol.encode_packet(
        protocol.advert(name, 65535, "255.255.255.255", 1795317356.75, INSTANCE, "m" * 255, 60.0))
    # Room left for a seal and for a relay to wrap it.
    assert len(advert) + 64 <= protocol.MAX_PACKET - protocol.RELAY_OVERHEAD
    worst = protocol.encode_packet(protocol.relayed(advert, "255.255.255.255", INSTANCE, 65535))
    assert len(worst) <= protocol.MAX_PACKET
    assert protocol.parse_packet(protocol.parse_packet(worst)["d"])["n"] == name
    for packet in (protocol.bye(name, INSTANCE), protocol.query(name, INSTANCE)):
        assert len(protocol.encode_packet(packet)) <= protocol.MAX_PACKET


def test_the_bytes_are_the_documented_ones():
    # docs/wire-format.md: PGNET1, then a plain MessagePack map with short keys.
    packet = protocol.advert("hello", 40123, None, 1795317356.75, INSTANCE, "classroom-pc-7", 2.5)
    assert protocol.encode_packet(packet) == b"PGNET1" + msgpack.packb(
        {"t": "advert", "n": "hello", "p": 40123, "h": None, "s": 1795317356.75,
         "i": INSTANCE, "m": "classroom-pc-7", "ttl": 2.5, "v": 2, "r": "", "w": 2}, use_bin_type=True)
    assert protocol.encode_packet(protocol.query(None, INSTANCE)) == b"PGNET1" + msgpack.packb(
        {"t": "query", "n": None, "i": INSTANCE, "v": 2, "r": ""})


def test_a_packet_from_an_older_pgnet_is_read_as_version_1():
    old = b"PGNET1" + msgpack.packb({"t": "query", "n": None, "i": INSTANCE})
    assert protocol.parse_packet(old) == {"t": "query", "n": None, "i": INSTANCE, "v": 1, "r": ""}


@pytest.mark.parametrize("claimed, kept", [(0.001, 0.5), (2.0, 2.0), (1e9, protocol.MAX_TTL_S)])
def test_a_claimed_time_to_live_is_kept_within_bounds(claimed, kept):
    packet = protocol.parse_packet(advert_packet("mayfly", ttl=claimed))
    assert packet["ttl"] == kept


def test_keys_a_later_version_adds_are_let_through():
    data = b"PGNET1" + msgpack.packb({"t": "query", "n": None, "i": INSTANCE, "new": [1]})
    assert protocol.parse_packet(data)["new"] == [1]


# -- packets that are refused ------------------------------------------------------

@pytest.mark.parametrize("index", range(len(garbage_packets("fuzz"))))
def test_every_kind_of_garbage_is_refused(index):
    data = garbage_packets("fuzz")[index]
    with pytest.raises((MessageError, ValueError)):
        protocol.parse_packet(data)


def test_a_hello_is_for_the_relay_only():
    with pytest.raises(ValueError):
        protocol.parse_packet(protocol.encode_packet(protocol.hello(INSTANCE)))


def test_names_are_checked_as_advertise_checks_them():
    protocol.check_name("x" * protocol.MAX_NAME_LENGTH)
    for bad in ["", "x" * (protocol.MAX_NAME_LENGTH + 1), "a\nb", "csi\x9b2J", "10.0.0.1:5000", None]:
        with pytest.raises(ServiceNameError):
            protocol.check_name(bad)
        with pytest.raises(ValueError):
            protocol.parse_packet(protocol.encode_packet(protocol.bye(bad, INSTANCE)))


@pytest.mark.parametrize("machine", ["\x1b[2J\x1b[H*** use robot@evil ***", "pc\nfake line", "pc\u202e", "x" * 256])
def test_an_advert_whose_computer_name_could_fool_a_terminal_is_refused(machine):
    data = protocol.encode_packet(protocol.advert("robot", 5000, None, time.time(), INSTANCE, machine, 2.0))
    with pytest.raises(ValueError):
        protocol.parse_packet(data)


@pytest.mark.parametrize("own_ips", ["10.0.0.1", [1], ["10.0.0.999"], ["10.0.0.1"] * 33])
def test_an_advert_with_a_broken_list_of_its_addresses_is_refused(own_ips):
    packet = dict(protocol.advert("robot", 5000, None, time.time(), INSTANCE, "pc", 2.0), l=own_ips)
    with pytest.raises(ValueError):
        protocol.parse_packet(protocol.encode_packet(packet))


def test_a_sealed_advert_says_where_it_may_come_from():
    own = ["10.0.0.7", "192.168.1.23"]
    sealed = dict(protocol.advert("robot", 5000, None, time.time(), INSTANCE, "pc", 2.0, own), a=b"")
    assert protocol.from_its_sender(sealed, "192.168.1.23")
    assert not protocol.from_its_sender(sealed, "10.0.0.66")  # recorded, and sent again
    unsealed = protocol.advert("robot", 5000, None, time.time(), INSTANCE, "pc", 2.0, own)
    assert protocol.from_its_sender(unsealed, "10.0.0.66")     # anyone may send that
    listless = dict(protocol.advert("robot", 5000, None, time.time(), INSTANCE, "pc", 2.0), a=b"")
    assert protocol.from_its_sender(listless, "10.0.0.66")     # an older pgnet's
    many = protocol.advert("robot", 5000, None, 0, INSTANCE, "pc", 2.0,
                           ["10.0.1.%d" % n for n in range(protocol.MAX_OWN_IPS + 1)])
    assert "l" not in many  # too many to list: none listed, none checked


# -- through a relay ----------------------------------------------------------------

def test_a_relayed_packet_carries_its_origin_and_the_packet_untouched():
    inner = protocol.encode_packet(protocol.query(None, INSTANCE))
    data = protocol.encode_packet(protocol.relayed(inner, "10.123.0.2", "relay"))
    packet = protocol.parse_packet(data)
    assert protocol.relayed_origin(packet) == "10.123.0.2"
    assert packet["d"] == inner


@pytest.mark.parametrize("origin", [None, 5, 167772161, "999.1.1.1", "robot.local",
                                    b"\x0a\x00\x00\x01", ["10.0.0.1"], "10.0.0.1" * 3])
def test_a_relayed_packet_with_a_bad_origin_is_refused(origin):
    packet = protocol.relayed(protocol.encode_packet(protocol.query(None, INSTANCE)), origin, "r")
    if origin is None:
        del packet["o"]
    with pytest.raises(ValueError):
        protocol.parse_packet(protocol.encode_packet(packet))


@pytest.mark.parametrize("inner", [None, 5, "text", [b"x"]])
def test_a_relayed_packet_without_a_packet_inside_is_refused(inner):
    packet = protocol.relayed(b"", "10.0.0.1", "r")
    packet["d"] = inner
    with pytest.raises(ValueError):
        protocol.parse_packet(protocol.encode_packet(packet))


# -- with a room password -------------------------------------------------------------

@pytest.fixture
def password(monkeypatch):
    """This process has the room password "tiger lily" in room "5B"."""
    monkeypatch.setattr(settings, "room", "5B")
    monkeypatch.setattr(settings, "password", "tiger lily")
    return auth.Sealer()


def test_a_sealed_packet_is_read_once(password):
    data = protocol.encode_packet(protocol.query("pong", INSTANCE), password)
    assert protocol.parse_packet(data)["r"] == "5B"
    with pytest.raises(protocol.Rejected) as again:
        protocol.parse_packet(data)
    assert again.value.reason == "replayed"


def test_a_packet_without_the_password_is_rejected(password):
    unsealed = protocol.encode_packet(protocol.query("pong", INSTANCE))
    sealed = bytearray(protocol.encode_packet(protocol.query("pong", INSTANCE), password))
    sealed[10] ^= 1  # changed on the way
    for data in (unsealed, bytes(sealed)):
        with pytest.raises(protocol.Rejected) as error:
            protocol.parse_packet(data)
        assert error.value.reason == "no key"


def test_another_password_or_room_is_another_key(password, monkeypatch):
    data = protocol.encode_packet(protocol.bye("pong", INSTANCE), password)
    for room, secret in (("5B", "tiger lilies"), ("5C", "tiger lily")):
        monkeypatch.setattr(settings, "room", room)
        monkeypatch.setattr(settings, "password", secret)
        with pytest.raises(protocol.Rejected):
            protocol.parse_packet(data)


def test_without_a_password_sealed_packets_are_refused_unless_not_verifying(password, monkeypatch):
    data = protocol.encode_packet(protocol.query(None, INSTANCE), password)
    monkeypatch.setattr(settings, "password", None)
    with pytest.raises(protocol.Rejected):
        protocol.parse_packet(data)
    assert "a" in protocol.parse_packet(data, verify=False)  # the teacher's --all-rooms
