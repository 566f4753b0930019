"""Fuzzing with Hypothesis: the decoder, the discovery parser and every kind
of pgnet socket get random input, and must only ever answer with their
documented errors (never crash, hang or grow without bound).

Each fuzzer runs in a child process, so that a crash of the interpreter (a
C stack overflow, an abort in libzmq) is a failed test, not a lost test run.
Seeded (derandomized) and bounded: the whole file takes about a minute.
"""

import textwrap

import pytest

from support import run

pytest.importorskip("hypothesis")

COMMON = """
import msgpack
from hypothesis import HealthCheck, given, settings, strategies as st
import pgnet
from pgnet import wire
from pgnet.discovery import protocol

FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**63, 2**64 - 1), st.floats(),
                    st.text(max_size=20), st.binary(max_size=20))

def extension(children):
    return st.builds(lambda code, data: msgpack.ExtType(code, msgpack.packb(data, default=lambda v: v)),
                     st.sampled_from([1, 1, 2, 3, 127]), children)

values = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=5), st.dictionaries(st.text(max_size=5), children, max_size=5),
    extension(children)), max_leaves=30)

def packed(value):
    return msgpack.packb(value, default=lambda v: v)

# Well-formed msgpack of odd shapes, its mutations, and plain garbage.
payloads = st.one_of(values.map(packed), st.binary(max_size=200),
                     st.tuples(values.map(packed), st.integers(0, 100), st.binary(max_size=4)).map(
                         lambda t: t[0][:t[1]] + t[2] + t[0][t[1]:]))
"""

DECODER = """
@FUZZ
@given(payloads)
def decoder(data):
    try:
        value = wire.decode(data)
    except pgnet.MessageError:
        return
    wire.encode(value)   # whatever decodes can be sent on

@FUZZ
@given(st.one_of(payloads, st.dictionaries(st.sampled_from("tnipshmo"), values, max_size=8).map(packed)))
def parser(data):
    try:
        protocol.parse_packet(protocol.MAGIC + data)
    except (pgnet.MessageError, ValueError):
        pass

decoder()
parser()
print("FUZZED", flush=True)
"""

SOCKETS = """
import time, zmq
from pgnet import addresses, registry, transport

context = zmq.Context.instance()
port = addresses.free_port()
listener = registry.bound_listener("127.0.0.1:%d" % port)
news_port = addresses.free_port()
publisher = registry.bound_publisher("127.0.0.1:%d" % news_port)

def peer(kind, connect=None):
    sock = context.socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    if connect:
        sock.connect("tcp://" + connect)
        return sock, None
    return sock, sock.bind_to_random_port("tcp://127.0.0.1")

to_listener, _ = peer(zmq.DEALER, "127.0.0.1:%d" % port)
to_publisher, _ = peer(zmq.XSUB, "127.0.0.1:%d" % news_port)
fake_server, server_port = peer(zmq.ROUTER)
fake_publisher, publisher_port = peer(zmq.XPUB)
sender = registry.connected_sender("127.0.0.1:%d" % server_port, 0)
subscriber = registry.connected_subscriber("127.0.0.1:%d" % publisher_port, 0)
subscriber.add_topic("")
sender.send(transport.MESSAGE, wire.encode("hello"), wait_for_s=60)
identity = fake_server.recv_multipart()[0]
fake_publisher.recv_multipart()   # a subscription: connected

frames = st.lists(st.one_of(payloads, st.sampled_from([b"", b"message", b"command", b"error"])),
                  min_size=1, max_size=6)

@FUZZ
@given(st.lists(st.tuples(st.integers(0, 3), frames), min_size=1, max_size=8))
def sockets(batches):
    for which, parts in batches:
        if which == 0:
            to_listener.send_multipart(parts)
        elif which == 1:
            to_publisher.send_multipart([b"\\x01" + parts[0][:300]] + parts[1:])
        elif which == 2:
            fake_server.send_multipart([identity] + parts)
        else:
            fake_publisher.send_multipart(parts)
    time.sleep(0.002)
    for endpoint in (listener, publisher, sender, subscriber):
        endpoint.receive_all()
        while endpoint.inbox.take() is not None:
            pass

import warnings
warnings.simplefilter("ignore")
sockets()
# Still working: a real message, answered.
probe = registry.connected_sender("127.0.0.1:%d" % port, 0)
probe.send(transport.MESSAGE, wire.encode("probe"))
arrival = listener.wait(5, "message", lambda a: a.data == "probe")
print("FUZZED", arrival is not None, flush=True)
"""


@pytest.mark.parametrize("body", [DECODER, SOCKETS], ids=["decoder-and-parser", "sockets"])
def test_fuzz(body):
    code = (COMMON + body).replace("EXAMPLES", "2000" if body is DECODER else "600")
    with run(textwrap.dedent(code)) as child:
        line = child.expect(r"^FUZZED", timeout=120)
        assert child.wait(30) == 0, child.stderr_text()[-5000:]
        assert line.string in ("FUZZED", "FUZZED True"), child.stderr_text()[-5000:]
