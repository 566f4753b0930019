"""The wire format: what can be sent, with its exact types, in one process
and between real processes; what cannot; sizes; raw bytes for non-pgnet peers.

Every wait is a condition with a deadline (Program.expect, the library's own
time limits); nothing sleeps and hopes.
"""

import inspect
import warnings

import msgpack

import pytest
import zmq

import pgnet
from pgnet import addresses, wire
from support import run, wait_until, warning_text


def shape(value):
    """Describe ``value`` with the exact type of every part, so that 1, 1.0
    and True, or (1,) and [1], never look the same. The programs the tests
    start run this same function (its source is passed to them)."""
    kind = type(value).__name__
    if type(value) in (list, tuple):
        return "%s[%s]" % (kind, ", ".join(shape(item) for item in value))
    if type(value) is dict:
        return "dict{%s}" % ", ".join(
            "%s: %s" % (shape(key), shape(item)) for key, item in value.items())
    return "%s(%r)" % (kind, value)


SHAPE_SOURCE = inspect.getsource(shape)

# Source text, because the programs the tests start need the same values.
VALUES_SOURCE = r"""
VALUES = [
    "",
    "hello",
    "h\u00e9llo w\u00f6rld \U0001f3d3\n\x00",
    b"",
    b"\x00\xff raw \x80",
    0,
    1,
    -1,
    2**31,
    2**63 - 1,
    2**63,
    2**64 - 1,
    2**64,
    -(2**63),
    -(2**63) - 1,
    -(2**64),
    2**200 + 12345,
    -(2**200) - 12345,
    0.0,
    -0.0,
    1.5,
    -2.25e-300,
    float("inf"),
    float("nan"),
    True,
    False,
    None,
    [],
    [1, "two", 3.0, None, True],
    (),
    (1,),
    (1, (2, (3, ()))),
    {},
    {"name": "Ada", "score": 10},
    {1: "one", -2: "minus two", 2**70: "big key", "mixed": 0},
    {
        "pos": (10, 20),
        "players": [
            {"name": "Ada", "score": 2**65, "alive": True, "items": (b"\x01", None)},
            {"name": "Bob", "score": -(2**65), "alive": False, "items": ()},
        ],
        3: [(), [], {}, ((),)],
        "deep": [[[[[("bottom", 1.25, [b"x"])]]]]],
    },
    [(1, 2), [3, 4], {"t": (5, [6, (7,)])}],
]
"""
_namespace = {}
exec(VALUES_SOURCE, _namespace)
VALUES = _namespace["VALUES"]
IDS = ["%d-%s" % (index, type(value).__name__) for index, value in enumerate(VALUES)]


class Thing:
    """A class instance: something pgnet must refuse to send."""


UNSENDABLE = [
    ({1, 2, 3}, "set"),
    (frozenset([1]), "frozenset"),
    (Thing(), "Thing"),
    (1 + 2j, "complex"),
    (bytearray(b"abc"), "bytearray"),
    (memoryview(b"abc"), "memoryview"),
    (msgpack.ExtType(5, b"x"), "ExtType"),
    ([1, 2, {3}], "set"),
    ({"a": [Thing()]}, "Thing"),
    ((1, (2, bytearray(b"x"))), "bytearray"),
    ({1.5: "float key"}, "float"),
    ({(1, 2): "tuple key"}, "tuple"),
    ({"inner": {None: 1}}, "NoneType"),
]


# Replies to every message with (the shape it received, the message itself),
# so the sender can check both directions: what arrived, and what came back.
ECHO = SHAPE_SOURCE + """
import sys
import pgnet
address = pgnet.listen(sys.argv[1])
print("LISTENING", address, flush=True)
while True:
    message = pgnet.wait_for_message(address, wait_for_s=60)
    if message == "quit":
        pgnet.send_reply(address, "bye")
        break
    print("GOT", shape(message)[:200], flush=True)
    pgnet.send_reply(address, (shape(message), message))
"""

# Sends each value to the address in argv and reports, for each, whether the
# listener received it with its exact type and whether the reply came back so.
SENDER = SHAPE_SOURCE + """
import sys
import pgnet
exec(sys.argv[2])   # VALUES_SOURCE
for index, value in enumerate(VALUES):
    seen, echoed = pgnet.send_message(sys.argv[1], value, wait_for_reply_s=5)
    print("RESULT", index, seen == shape(value), shape(echoed) == shape(value), flush=True)
print("DONE", flush=True)
"""


@pytest.fixture(scope="module")
def echo():
    with run(ECHO, "127.0.0.1") as program:
        address = program.expect(r"LISTENING (\S+)").group(1)
        yield address
        assert program.process.poll() is None, program.stderr_text()


# -- in one process ------------------------------------------------------------

@pytest.mark.parametrize("value", VALUES, ids=IDS)
def test_round_trip_keeps_exact_types(value):
    data = wire.encode(value)
    assert isinstance(data, bytes)
    assert shape(wire.decode(data)) == shape(value)


def test_shape_tells_similar_values_apart():
    # The checks above are only as good as shape(): it must see these differences.
    assert len({shape(1), shape(1.0), shape(True)}) == 3
    assert shape((1,)) != shape([1])
    assert shape(b"a") != shape("a")
    assert shape({1: 0}) != shape({"1": 0})


def test_big_ints_use_the_big_int_extension_and_small_ones_do_not():
    assert msgpack.unpackb(wire.encode(2**64 - 1)) == 2**64 - 1
    big = msgpack.unpackb(wire.encode(2**64), ext_hook=lambda code, data: (code, data))
    assert big == (wire.BIG_INT_EXT, (2**64).to_bytes(9, "big", signed=True))


@pytest.mark.parametrize("value, type_name", UNSENDABLE, ids=[name for _, name in UNSENDABLE])
def test_unsendable_values_are_refused_naming_the_type(value, type_name):
    with pytest.raises(pgnet.MessageError) as error:
        wire.encode(value)
    assert type_name in str(error.value)


class Actor:
    """Stands in for Pygame Zero's Actor (the same class name and repr)."""

    def __init__(self, image, pos):
        self.image, self.pos = image, pos

    def __repr__(self):
        return "<Actor %r pos=%r>" % (self.image, self.pos)


@pytest.mark.parametrize("value, shown, instead", [
    ({"players": [Actor("alien", (10, 20))]},
     "Actor <Actor 'alien' pos=(10, 20)> (at ['players'][0] in your message)", "actor.pos"),
    ({1, 2, 3}, "set {1, 2, 3}:", "list(...)"),
    ([object()], "object <object object at", "text, a number, a list or a dict"),
])
def test_an_unsendable_value_is_named_with_what_to_send_instead(value, shown, instead):
    with pytest.raises(pgnet.MessageError) as error:
        wire.encode(value)
    text = str(error.value)
    assert shown in text and "send " in text and instead in text, text
    assert "set into a list" not in text  # (no advice meant for another type)


@pytest.mark.parametrize("value, type_name", UNSENDABLE[:4], ids=[n for _, n in UNSENDABLE[:4]])
def test_every_way_of_sending_refuses_unsendable_values(value, type_name):
    # Refused at the sender, before anything is looked up or connected: the
    # port below has nobody listening on it.
    address = "127.0.0.1:%d" % addresses.free_port()
    for send in (
        lambda: pgnet.send_message(address, value, wait_for_reply_s=0.1),
        lambda: pgnet.send_command(address, "GO", value),
        lambda: pgnet.publish_news(addresses.free_port(), "topic", value),
    ):
        with pytest.raises(pgnet.MessageError) as error:
            send()
        assert type_name in str(error.value)


def test_oversized_message_is_refused_at_the_sender(monkeypatch):
    address = "127.0.0.1:%d" % addresses.free_port()
    monkeypatch.setattr(pgnet.settings, "max_message_bytes", 1000)
    with pytest.raises(pgnet.MessageError) as error:
        pgnet.send_message(address, "x" * 2000, wait_for_reply_s=0.1)
    text = str(error.value)
    assert "limit" in text and "max_message_bytes" in text and "1.0 kB" in text
    with pytest.raises(pgnet.MessageError):
        pgnet.send_message(address, b"x" * 2000, wait_for_reply_s=0.1, raw=True)
    with pytest.raises(pgnet.MessageError):
        pgnet.publish_news(addresses.free_port(), "big", ["x" * 500] * 4)
    # Just under the limit is fine.
    assert len(wire.encode("x" * 900)) <= 1000


def test_default_limit_refuses_a_17_mb_message():
    with pytest.raises(pgnet.MessageError) as error:
        wire.encode(b"\x00" * (17 * 1024 * 1024))
    assert "16.8 MB" in str(error.value)


@pytest.mark.parametrize("garbage", [
    b"",
    b"\xc1",                                   # never used in MessagePack
    msgpack.packb([1, 2, 3])[:-1],             # truncated
    msgpack.packb(1) + b"extra",
    msgpack.packb(msgpack.ExtType(5, b"x")),   # unknown extension type
    msgpack.packb(msgpack.ExtType(wire.TUPLE_EXT, b"\xc1")),
    b"\xa3\xff\xfe\xfd",                       # a str that is not UTF-8
    msgpack.packb({(1, 2): 3}),                # unhashable key once decoded
], ids=["empty", "c1", "truncated", "extra", "ext5", "bad-tuple", "not-utf8", "list-key"])
def test_decoding_garbage_raises_message_error(garbage):
    with pytest.raises(pgnet.MessageError):
        wire.decode(garbage)


def test_short_messages_are_decoded_by_the_same_rules(monkeypatch):
    # A short message without extensions takes a quicker way through the
    # decoder: the limits, tuples, big numbers and refusals are the same.
    for value in (-1, (1, 2), [(-1,)], {"n": 2**70}, {"pos": (10, 20)}, [[[1]]], ()):
        assert wire.decode(wire.encode(value)) == value
    for data in (msgpack.packb(msgpack.Timestamp(1, 0)), msgpack.packb([msgpack.ExtType(5, b"")]),
                 msgpack.packb({msgpack.ExtType(wire.TUPLE_EXT, b"\x90"): 1})):
        with pytest.raises(pgnet.MessageError):
            wire.decode(data)
    monkeypatch.setattr(pgnet.settings, "max_depth", 3)
    assert wire.decode(msgpack.packb([[[1]]])) == [[[1]]]
    with pytest.raises(pgnet.MessageError, match="nested more than 3"):
        wire.decode(msgpack.packb([[[[1]]]]))
    monkeypatch.setattr(pgnet.settings, "max_items", 5)
    with pytest.raises(pgnet.MessageError, match="max_array_len"):
        wire.decode(msgpack.packb([1, 2, 3, 4, 5, 6]))
    with pytest.raises(pgnet.MessageError, match="more than 5 values"):
        wire.decode(msgpack.packb([[1, 2], [3, 4]]))


# -- between two real processes ----------------------------------------------------

def test_values_keep_exact_types_from_this_process_to_another_and_back(echo):
    for value in VALUES:
        seen, echoed = pgnet.send_message(echo, value, wait_for_reply_s=5)
        assert seen == shape(value)
        assert shape(echoed) == shape(value)


def test_values_keep_exact_types_between_two_other_processes(echo):
    with run(SENDER, echo, VALUES_SOURCE) as sender:
        sender.expect(r"^DONE$", timeout=20)
        results = [line.split() for line in sender.lines if line.startswith("RESULT")]
    assert len(results) == len(VALUES)
    assert [r for r in results if r[2:] != ["True", "True"]] == []


def test_receiver_with_a_smaller_limit_drops_oversized_message_and_keeps_working():
    code = """
    import sys
    import pgnet
    pgnet.settings.max_message_bytes = 1000
    address = pgnet.listen("127.0.0.1")
    print("LISTENING", address, flush=True)
    while True:
        message = pgnet.wait_for_message(address, wait_for_s=60)
        print("GOT", len(message), flush=True)
        pgnet.send_reply(address, len(message))
    """
    with run(code) as receiver:
        address = receiver.expect(r"LISTENING (\S+)").group(1)
        with pytest.warns(pgnet.NoReplyWarning) as warned:
            assert pgnet.send_message(address, "x" * 5000, wait_for_reply_s=0.5) is None
        assert "No reply" in warning_text(warned)
        assert pgnet.send_message(address, "y" * 100, wait_for_reply_s=5) == 100
        assert receiver.expect(r"^GOT").string == "GOT 100"   # the first one it got
        wait_until(lambda: "larger than the limit" in receiver.stderr_text(), timeout=5,
                   message="the receiver's warning")


# -- raw bytes, for programs not written with pgnet ----------------------------------

PLAIN_REP = """
import sys
import zmq
socket = zmq.Context.instance().socket(zmq.REP)
port = socket.bind_to_random_port("tcp://127.0.0.1")
print("PORT", port, flush=True)
while True:
    request = socket.recv()
    socket.send(b"echo:" + request)
"""


def test_raw_message_to_a_plain_zeromq_rep_socket():
    with run(PLAIN_REP) as peer:
        address = "127.0.0.1:" + peer.expect(r"PORT (\d+)").group(1)
        reply = pgnet.send_message(address, b"\x00\xff\xc1 not msgpack", wait_for_reply_s=5, raw=True)
        assert reply == b"echo:\x00\xff\xc1 not msgpack"
        assert pgnet.send_message(address, "text é", wait_for_reply_s=5, raw=True) == "echo:text é".encode()
        # Raw sends take bytes or text only.
        with pytest.raises(pgnet.MessageError):
            pgnet.send_message(address, [1, 2], wait_for_reply_s=1, raw=True)


def test_plain_zeromq_req_socket_sends_raw_bytes_to_a_pgnet_listener():
    code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("LISTENING", address, flush=True)
    while True:
        message = pgnet.wait_for_message(address, wait_for_s=60)
        print("GOT", repr(message), flush=True)
        if message == b"text please":
            pgnet.send_reply(address, "text é")
        elif message == b"a value please":
            pgnet.send_reply(address, [1, (2,)])
        else:
            pgnet.send_reply(address, b"reply:" + message)
    """
    with run(code) as listener:
        address = listener.expect(r"LISTENING (\S+)").group(1)
        req = zmq.Context.instance().socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.setsockopt(zmq.RCVTIMEO, 5000)
        req.connect("tcp://" + address)
        try:
            req.send(b"\xc1\x00 raw")
            assert req.recv() == b"reply:\xc1\x00 raw"
            listener.expect(r"GOT b'\\xc1\\x00 raw'")
            req.send(b"text please")
            assert req.recv() == "text é".encode()
            req.send(b"a value please")  # not bytes or text: encoded for pgnet peers
            assert wire.decode(req.recv()) == [1, (2,)]
        finally:
            req.close(0)


def test_raw_news_to_a_plain_zeromq_sub_socket():
    port = addresses.free_port()
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"raw")
    sub.connect("tcp://127.0.0.1:%d" % port)
    try:
        pgnet.publish_news(port, "raw", b"\x01\x02", raw=True)  # binds the publisher
        # A plain SUB cannot know when its subscription has arrived (pgnet's
        # subscribe() can), so publish until the first item gets through.
        frames = None
        for _ in range(100):
            pgnet.publish_news(port, "raw", b"\x01\x02", raw=True)
            if sub.poll(50):
                frames = sub.recv_multipart()
                break
        assert frames == [b"raw", b"\x01\x02"]
        pgnet.publish_news(port, "rawer", "text é", raw=True)
        assert sub.poll(5000)
        assert sub.recv_multipart() == [b"rawer", "text é".encode()]
    finally:
        sub.close(0)


def test_raw_news_from_a_plain_zeromq_publisher():
    # An XPUB is still a plain ZeroMQ publisher; it lets this fake wait for
    # the subscription instead of publishing into the void.
    code = """
    import zmq
    socket = zmq.Context.instance().socket(zmq.XPUB)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    print("PORT", port, flush=True)
    while socket.recv() != b"\\x01sensor":
        pass
    socket.send_multipart([b"sensor/other", b"\\xc1 not msgpack"])
    socket.send_multipart([b"sensor", b"\\x00\\x01"])
    socket.recv()   # wait here until the subscriber goes
    """
    with run(code) as peer:
        address = "127.0.0.1:" + peer.expect(r"PORT (\d+)").group(1)
        assert pgnet.wait_for_news(address, "sensor", wait_for_s=5, raw=True) == (
            "sensor/other", b"\xc1 not msgpack")
        assert pgnet.wait_for_news(address, "sensor", wait_for_s=5, raw=True) == ("sensor", b"\x00\x01")


def test_raw_news_and_decoded_news_from_one_publisher():
    # "bin" is a sensor's own bytes, read raw; "num" is pgnet news, decoded:
    # how each topic is kept does not depend on the last call.
    code = """
    import zmq
    from pgnet import wire
    socket = zmq.Context.instance().socket(zmq.XPUB)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    print("PORT", port, flush=True)
    wanted = set()
    while not {b"\\x01bin", b"\\x01num"} <= wanted:
        wanted.add(socket.recv())
    for number in range(3):
        socket.send_multipart([b"bin", b"\\xc1\\xc1 raw %d" % number])
        socket.send_multipart([b"num", wire.encode(number)])
    socket.recv()   # wait here until the subscriber goes
    """
    with run(code) as peer:
        address = "127.0.0.1:" + peer.expect(r"PORT (\d+)").group(1)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            pgnet.subscribe(address, "bin", wait_for_s=0, raw=True)
            for number in range(3):
                assert pgnet.wait_for_news(address, "num", wait_for_s=5) == ("num", number)
                assert pgnet.wait_for_news(address, "bin", wait_for_s=5, raw=True) == (
                    "bin", b"\xc1\xc1 raw %d" % number)
