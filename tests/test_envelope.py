"""pgnet.envelope: how requests and replies are framed, and programs of
both envelopes working together. An older program (the four-frame
envelope, as pgnet spoke it before the lean one) is played by plain pyzmq
following the older wire format; every test between programs runs real
processes over real sockets on 127.0.0.1.
"""

import time
import warnings

import pytest
import zmq

import pgnet
from pgnet import envelope, registry, wire
from pgnet.envelope import COMMAND, ERROR, LEAN, LEAN_OFFER, MESSAGE
from support import Program, run, start, wait_until, warning_text

NUMBER = (7).to_bytes(8, "big")


# -- the frames ------------------------------------------------------------------------

def test_a_message_starts_with_the_offer_then_requests_go_in_one_frame():
    assert envelope.request(MESSAGE, NUMBER, b"body", False, False) == [NUMBER, LEAN_OFFER, b"", MESSAGE, b"body"]
    assert envelope.request(MESSAGE, NUMBER, b"raw", True, False) == [NUMBER, LEAN_OFFER, b"", b"raw"]
    assert envelope.request(COMMAND, NUMBER, b"body", False, False) == [NUMBER, b"", COMMAND, b"body"]
    assert envelope.request(MESSAGE, NUMBER, b"body", False, True) == [b"\x02M" + NUMBER + b"body"]
    assert envelope.request(COMMAND, NUMBER, b"body", False, True) == [b"\x02C" + NUMBER + b"body"]
    assert envelope.request(MESSAGE, NUMBER, b"raw", True, True) == [b"\x02B" + NUMBER + b"raw"]


@pytest.mark.parametrize("frames, expected, reply, error", [
    ([b"id", b"\x02M" + NUMBER + b"body"], (MESSAGE, False, NUMBER, b"body"),
     [b"id", b"\x02R" + NUMBER + b"yes"], [b"id", b"\x02E" + NUMBER + b"why"]),
    ([b"id", b"\x02C" + NUMBER], (COMMAND, False, NUMBER, b""), None, None),
    ([b"id", b"\x02B" + NUMBER + b"raw"], (MESSAGE, True, NUMBER, b"raw"),
     [b"id", b"\x02R" + NUMBER + b"yes"], [b"id", b"\x02E" + NUMBER + b"why"]),
    ([b"id", NUMBER, LEAN_OFFER, b"", MESSAGE, b"body"], (MESSAGE, False, NUMBER, b"body"),
     [b"id", b"\x02R" + NUMBER + b"yes"], [b"id", b"\x02E" + NUMBER + b"why"]),
    ([b"id", NUMBER, b"", MESSAGE, b"body"], (MESSAGE, False, NUMBER, b"body"),
     [b"id", NUMBER, b"", b"yes"], [b"id", NUMBER, b"", ERROR, b"why"]),
    ([b"id", NUMBER, b"", COMMAND, b"body"], (COMMAND, False, NUMBER, b"body"), None, None),
    ([b"id", b"", b"plain"], (MESSAGE, True, None, b"plain"), [b"id", b"", b"yes"], None),
], ids=["lean", "lean-command", "lean-raw", "offer", "four-frame", "four-frame-command", "req"])
def test_requests_are_read_and_answered_in_their_own_envelope(frames, expected, reply, error):
    kind, raw, number, body, route = envelope.read_request(frames)
    assert (kind, raw, number, body) == expected
    if reply is not None:
        assert envelope.reply_frames(route, b"yes") == reply
    if error is not None:
        assert envelope.reply_frames(route, b"why", error=True) == error
        assert envelope.is_lean(route) == (error[1][:1] == LEAN)


@pytest.mark.parametrize("frames, why", [
    ([b"id", b"no delimiter"], "no envelope"),
    ([b"id", b"\x02M" + b"short"], "no envelope"),
    ([b"id", b"\x02X" + NUMBER + b"body"], "no envelope"),
    ([b"id", b""], "0 parts"),
    ([b"id", NUMBER, b"", b"bogus", b"body"], "2 parts"),
])
def test_malformed_requests_say_why(frames, why):
    assert envelope.read_request(frames) == why


@pytest.mark.parametrize("frames, expected", [
    ([b"\x02R" + NUMBER + b"yes"], (NUMBER, b"yes", False, True)),
    ([b"\x02E" + NUMBER + b"why"], (NUMBER, b"why", True, True)),
    ([NUMBER, b"", b"yes"], (NUMBER, b"yes", False, False)),
    ([NUMBER, b"", ERROR, b"why"], (NUMBER, b"why", True, False)),
    ([NUMBER, LEAN_OFFER, b"", b"yes"], (NUMBER, b"yes", False, False)),
    ([NUMBER, LEAN_OFFER, b"", ERROR, b"why"], (NUMBER, b"why", True, False)),
    ([b"junk"], None),
    ([b"\x02R" + b"short"], None),
    ([NUMBER, LEAN_OFFER], None),
    ([NUMBER, b"not empty", b"yes"], None),
    ([NUMBER, b"", b"a", b"b"], None),
])
def test_replies_are_read_in_either_envelope(frames, expected):
    assert envelope.read_reply(frames) == expected


# -- programs of both envelopes ----------------------------------------------------------

# How the plain pyzmq listeners below start: a ROUTER on a free port, and a
# loop over the messages it receives (each one's frames in ``frames``).
ROUTER_LOOP = """
import time
import msgpack, zmq
sock = zmq.Context.instance().socket(zmq.ROUTER)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
while True:
    frames = sock.recv_multipart()
"""

# A listener as pgnet's were before the lean envelope, in plain pyzmq: it
# sends the envelope (every frame up to the first empty one) back unread,
# with an error frame when told "fail", and says what each request was.
OLD_LISTENER = ROUTER_LOOP + """
    delimiter = frames.index(b"", 1)
    envelope, rest = frames[: delimiter + 1], frames[delimiter + 1 :]
    kind = rest[0] if len(rest) == 2 else b"raw"
    body = msgpack.unpackb(rest[-1]) if len(rest) == 2 else rest[-1]
    print("FRAMES", len(frames), kind.decode(), flush=True)
    if kind == b"command":
        print("COMMAND", body, flush=True)
    elif body == "fail":
        sock.send_multipart(envelope + [b"error", msgpack.packb("old could not answer")])
    else:
        sock.send_multipart(envelope + [msgpack.packb(["old", body])])
"""

# A sender as pgnet's were before the lean envelope, in plain pyzmq: four
# frames, no offer; it prints the frames of each reply.
OLD_SENDER = """
import sys, msgpack, zmq
dealer = zmq.Context.instance().socket(zmq.DEALER)
dealer.setsockopt(zmq.ROUTING_ID, b"old-pgnet\\x0012345678")
dealer.setsockopt(zmq.RCVTIMEO, 5000)
dealer.connect("tcp://" + sys.argv[1])
for number, message in enumerate([["q", 1], ["q", 2], "unsendable"], 1):
    dealer.send_multipart([number.to_bytes(8, "big"), b"", b"message", msgpack.packb(message)])
    reply = dealer.recv_multipart()
    print("REPLY", len(reply), int.from_bytes(reply[0], "big"), reply[-2] if len(reply) == 4 else "",
          msgpack.unpackb(reply[-1]), flush=True)
dealer.send_multipart([(4).to_bytes(8, "big"), b"", b"command", msgpack.packb(["GO", [1]])])
print("SENT", flush=True)
"""

# A pgnet listener of today: answers ["new", message]; "command?" with the
# next command; "unsendable" with a reply it cannot send (so the asker is
# told why at once).
NEW_LISTENER = """
import pgnet
address = pgnet.listen("127.0.0.1")
print("READY", address, flush=True)
while True:
    message = pgnet.wait_for_message(address, wait_for_s=60)
    if message == "command?":
        pgnet.send_reply(address, pgnet.wait_for_command(address, wait_for_s=5))
    elif message in ("unsendable", b"unsendable"):
        try:
            pgnet.send_reply(address, {1.5: "a float key"})
        except pgnet.MessageError:
            print("REFUSED", flush=True)
    elif message is not None:
        pgnet.send_reply(address, ["new", message])
"""


def test_a_new_sender_keeps_to_four_frames_with_an_older_listener():
    listener, address = start(OLD_LISTENER)
    with listener:
        for number in range(3):
            assert pgnet.send_message(address, number, wait_for_reply_s=5) == ["old", number]
            # routing id, number, the offer, "", kind, body: never the lean envelope
            listener.expect(r"^FRAMES 6 message$")
        assert registry.existing_sender(address).lean is False
        assert pgnet.send_message(address, b"bytes", wait_for_reply_s=5, raw=True) == \
            wire.encode(["old", b"bytes"])
        listener.expect(r"^FRAMES 5 raw$")
        with pytest.warns(pgnet.RemoteErrorWarning) as warned:
            started = time.monotonic()
            assert pgnet.send_message(address, "fail", wait_for_reply_s=5) is None
        assert time.monotonic() - started < 2.5  # told at once, not at the time limit
        assert "old could not answer" in warning_text(warned)
        pgnet.send_command(address, "GO", 3)
        listener.expect(r"^FRAMES 5 command$")  # no offer: a command gets no answer to take it
        listener.expect(r"^COMMAND \['GO', \[3\]\]$")


def test_an_older_sender_gets_four_frame_replies_from_a_new_listener():
    listener, address = start(NEW_LISTENER)
    with listener, run(OLD_SENDER, address) as sender:
        sender.expect(r"^REPLY 3 1  \['new', \['q', 1\]\]$")
        sender.expect(r"^REPLY 3 2  \['new', \['q', 2\]\]$")
        listener.expect(r"^REFUSED$")
        error = sender.expect(r"^REPLY 4 3 b'error' (.*)$").group(1)
        assert "cannot be sent" in error
        sender.expect(r"^SENT$")
        assert pgnet.send_message(address, "command?", wait_for_reply_s=5) == ("GO", [1])


def test_new_programs_move_to_the_lean_envelope_and_plain_req_peers_are_still_answered():
    listener, address = start(NEW_LISTENER)
    with listener:
        assert pgnet.send_message(address, "first", wait_for_reply_s=5) == ["new", "first"]
        assert registry.existing_sender(address).lean  # it answered in the lean envelope
        for value in ("second", ("a", "tuple"), 2**70, {"x": [1.5, None]}):
            assert pgnet.send_message(address, value, wait_for_reply_s=5) == ["new", value]
        assert pgnet.send_message(address, b"raw", wait_for_reply_s=5, raw=True) == wire.encode(["new", b"raw"])
        pgnet.send_command(address, "GO", 2)
        assert pgnet.send_message(address, "command?", wait_for_reply_s=5) == ("GO", [2])
        for raw in (False, True):  # a pgnet asker is told why, even for raw bytes
            with pytest.warns(pgnet.RemoteErrorWarning, match="cannot be sent"):
                assert pgnet.send_message(address, "unsendable", wait_for_reply_s=5, raw=raw) is None
        req = zmq.Context.instance().socket(zmq.REQ)
        req.setsockopt(zmq.LINGER, 0)
        req.connect("tcp://" + address)
        try:
            req.send(b"plain")
            assert req.poll(5000)
            assert wire.decode(req.recv()) == ["new", b"plain"]
            req.send(b"unsendable")  # a plain asker is told nothing: it would take it for the answer
            listener.expect(r"^REFUSED$")
            assert not req.poll(300)
        finally:
            req.close(0)


# A program in another language that sends the lean envelope from its first
# request (its listener's advert says w: 2), in plain pyzmq.
LEAN_PEER = """
import sys, msgpack, zmq
dealer = zmq.Context.instance().socket(zmq.DEALER)
dealer.setsockopt(zmq.ROUTING_ID, b"js-peer\\x0012345678")
dealer.setsockopt(zmq.RCVTIMEO, 5000)
dealer.connect("tcp://" + sys.argv[1])
number = (1).to_bytes(8, "big")
dealer.send(b"\\x02C" + (2).to_bytes(8, "big") + msgpack.packb(["GO", [4]]))
dealer.send(b"\\x02" + b"X" + number + b"junk")      # no such kind: dropped
dealer.send(b"\\x02M" + number[:5])                  # too short: dropped
for kind, body in ((b"M", msgpack.packb("command?")), (b"B", b"bytes"), (b"M", msgpack.packb("unsendable"))):
    dealer.send(b"\\x02" + kind + number + body)
    reply = dealer.recv()
    print("REPLY", reply[:2], int.from_bytes(reply[2:10], "big"), msgpack.unpackb(reply[10:]), flush=True)
"""


def test_a_peer_may_speak_the_lean_envelope_from_its_first_request():
    listener, address = start(NEW_LISTENER)
    with listener, run(LEAN_PEER, address) as peer:
        peer.expect(r"^REPLY b'\\x02R' 1 ExtType\(code=1, ")  # ("GO", [4]): a tuple
        peer.expect(r"^REPLY b'\\x02R' 1 \['new', b'bytes'\]$")
        reason = peer.expect(r"^REPLY b'\\x02E' 1 (.*)$").group(1)
        assert "cannot be sent" in reason
        wait_until(lambda: listener.stderr_text().count("Dropped a malformed message") == 2, 5,
                   message="a warning for each malformed request")


def test_after_a_timeout_in_the_lean_envelope_a_late_reply_reaches_nobody():
    code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("READY", address, flush=True)
    while True:
        message = pgnet.wait_for_message(address, wait_for_s=10)
        if message == "slow":
            pgnet.wait_for_command(address, wait_for_s=10)      # "now answer"
            pgnet.send_reply(address, "reply to slow")          # too late
        else:
            pgnet.send_reply(address, "reply to " + message)
    """
    listener, address = start(code)
    with listener:
        assert pgnet.send_message(address, "warm", wait_for_reply_s=5) == "reply to warm"
        assert registry.existing_sender(address).lean
        with pytest.warns(pgnet.NoReplyWarning):
            assert pgnet.send_message(address, "slow", wait_for_reply_s=0.3) is None
        pgnet.send_command(address, "NOW")
        for word in ("fast", "faster"):
            assert pgnet.send_message(address, word, wait_for_reply_s=5) == "reply to " + word


def test_the_lean_envelope_with_a_room_password():
    room = {"PGNET_ROOM": "5B", "PGNET_PASSWORD": "tiger lily"}
    listener = Program(NEW_LISTENER, env=room)
    asker = """
    import sys, pgnet
    from pgnet import registry
    address = sys.argv[1]
    print("FIRST", pgnet.send_message(address, "one", wait_for_reply_s=5), flush=True)
    pgnet.send_command(address, "JUMP", 3)
    print("LEAN", registry.existing_sender(address).lean, flush=True)
    print("SECOND", pgnet.send_message(address, "command?", wait_for_reply_s=5), flush=True)
    """
    with listener:
        address = listener.expect(r"READY (\S+)").group(1)
        with Program(["-c", asker.replace("\n    ", "\n"), address], env=room) as friend:
            assert friend.expect(r"FIRST (.*)").group(1) == "['new', 'one']"
            assert friend.expect(r"LEAN (.*)").group(1) == "True"
            assert friend.expect(r"SECOND (.*)").group(1) == "('JUMP', [3])"
        with Program(["-c", asker.replace("\n    ", "\n"), address]) as stranger:
            assert stranger.expect(r"FIRST (.*)").group(1) == "None"
        assert "without this room's password" in listener.stderr_text()


# A listener that speaks the lean envelope, in plain pyzmq, and answers some
# messages oddly: "stray" with someone else's reply and a malformed frame
# before the real reply, "fail" with an error reply, "garbled" with a reply
# that is not a pgnet message.
LEAN_ROUTER = ROUTER_LOOP + """
    identity = frames[0]
    if len(frames) == 2:
        number, body = frames[1][2:10], frames[1][10:]
    else:  # the first message of a new sender: four frames and the offer
        number, body = frames[1], frames[-1]
    message = msgpack.unpackb(body)
    reply = lambda head, data: sock.send_multipart([identity, head + number + data])
    if message == "stray":
        sock.send_multipart([identity, b"\\x02R" + (999).to_bytes(8, "big") + msgpack.packb("not yours")])
        sock.send_multipart([identity, b"junk"])
        reply(b"\\x02R", msgpack.packb("yours"))
    elif message == "fail":
        reply(b"\\x02E", msgpack.packb("it could not"))
    elif message == "garbled":
        reply(b"\\x02R", b"\\xc1")
    elif message == "slow":
        time.sleep(1)
        reply(b"\\x02R", msgpack.packb(["lean", message]))
    else:
        reply(b"\\x02R", msgpack.packb(["lean", message]))
"""


def test_a_lean_sender_takes_its_own_reply_and_nothing_else():
    peer, address = start(LEAN_ROUTER)
    with peer:
        assert pgnet.send_message(address, "hello", wait_for_reply_s=5) == ["lean", "hello"]
        assert registry.existing_sender(address).lean
        with pytest.warns(pgnet.DroppedMessageWarning, match="malformed reply"):
            assert pgnet.send_message(address, "stray", wait_for_reply_s=5) == "yours"
        with pytest.warns(pgnet.RemoteErrorWarning, match="it could not"):
            assert pgnet.send_message(address, "fail", wait_for_reply_s=5) is None
        with pytest.warns(pgnet.RemoteErrorWarning, match="could not be read"):
            assert pgnet.send_message(address, "garbled", wait_for_reply_s=5) is None
        assert pgnet.send_message(address, "again", wait_for_reply_s=5) == ["lean", "again"]


def test_a_wait_of_zero_only_looks_even_in_the_lean_envelope():
    # (A look must never block: inside a game's frame every wait is 0. The
    # peer takes a second over "slow", so a look finds no reply yet, and the
    # late reply must not be taken for the next request's.)
    peer, address = start(LEAN_ROUTER)
    with peer:
        assert pgnet.send_message(address, "hello", wait_for_reply_s=5) == ["lean", "hello"]
        assert registry.existing_sender(address).lean
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # (no reply was asked for: nothing to warn of)
            assert pgnet.send_message(address, "slow", wait_for_reply_s=0) is None
        assert pgnet.send_message(address, "again", wait_for_reply_s=5) == ["lean", "again"]
