"""Faults: peers that die, garbage on every kind of socket, and Ctrl-C.

Whatever another program sends, a pgnet program warns, drops it and keeps
working. The fakes here are plain pyzmq or plain UDP, as a buggy or hostile
program would be. Every packet goes to 127.0.0.1 or 127.255.255.255 only.
"""

import os
import re
import signal
import socket
import time

import msgpack
import pytest
import zmq

import pgnet
from pgnet import addresses, discovery, wire
from support import ECHO_SERVICE, run, start, unique, wait_until, warning_text
from test_protocol import advert_packet as _advert, garbage_packets as _garbage_packets

def plain_socket(kind, address=None):
    sock = zmq.Context.instance().socket(kind)
    sock.setsockopt(zmq.LINGER, 0)
    if address:
        sock.connect("tcp://" + address)
    return sock


def no_crash(program):
    """The program is still running and printed no traceback."""
    assert program.process.poll() is None, program.stderr_text()
    assert "Traceback" not in program.stderr_text()


# -- a peer dies ------------------------------------------------------------------

def test_replier_killed_while_holding_a_request():
    holder_code = """
    import sys
    import pgnet
    name = sys.argv[1]
    print("READY", pgnet.listen(name), flush=True)
    print("HOLDING", pgnet.wait_for_message(name, wait_for_s=30), flush=True)
    pgnet.wait_for_command(name, wait_for_s=30)   # never answers
    """
    sender_code = """
    import sys, time
    import pgnet
    first, second = sys.argv[1:3]
    started = time.monotonic()
    reply = pgnet.send_message(first, "are you there?", wait_for_reply_s=1.5)
    print("FIRST", repr(reply), "%.3f" % (time.monotonic() - started), flush=True)
    print("SECOND", repr(pgnet.send_message(second, "and you?", wait_for_reply_s=5)), flush=True)
    """
    doomed, spare = unique("doomed"), unique("spare")
    holder, _ = start(holder_code, doomed)
    replier, _ = start(ECHO_SERVICE, spare, "spare")
    with holder, replier, run(sender_code, doomed, spare) as sender:
        holder.expect(r"HOLDING are you there\?")
        holder.kill(signal.SIGKILL)
        first = sender.expect(r"FIRST (\S+) (\S+)")
        assert first.group(1) == "None"
        assert 1.5 <= float(first.group(2)) < 2.5
        assert sender.expect(r"SECOND (.*)").group(1) == repr(["spare", "and you?"])
        assert "No reply from %s" % doomed in sender.stderr_text()
        assert "Traceback" not in sender.stderr_text()


# -- garbage on the discovery port --------------------------------------------------

def test_garbage_datagrams_on_the_discovery_port():
    port = int(os.environ["PGNET_DISCOVERY_PORT"])
    # Answers each name it is sent with what its own beacon knows.
    finder_code = """
    import pgnet
    control = pgnet.listen("127.0.0.1")
    print("READY", control, flush=True)
    while True:
        name = pgnet.wait_for_message(control, wait_for_s=60)
        if name is not None:
            pgnet.send_reply(control, [pgnet.discover(name, wait_for_s=3), pgnet.discover_all()])
    """
    name, fuzz = unique("steady"), unique("fuzz")
    beacon = discovery.get_beacon()  # this process listens too
    bad_before = beacon.bad_packets
    advertiser, address = start(ECHO_SERVICE, name, "steady")
    finder, finder_address = start(finder_code)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    with advertiser, finder, sender:
        assert pgnet.send_message(finder_address, name, wait_for_reply_s=5)[0] == address
        packets = _garbage_packets(fuzz)
        for packet in packets:
            for target in ("127.0.0.1", "127.255.255.255"):
                sender.sendto(packet, (target, port))
        # Packets on one socket are handled in order: once this last, valid
        # advert is known, all the garbage before it has been seen.
        sentinel = fuzz + "-sentinel"
        sender.sendto(_advert(sentinel), ("127.255.255.255", port))
        wait_until(lambda: pgnet.discover(sentinel, wait_for_s=0), timeout=5, message="the sentinel")
        found, listed = pgnet.send_message(finder_address, sentinel, wait_for_reply_s=5)
        assert found == "127.0.0.1:45678"
        for services in (listed, pgnet.discover_all()):
            assert sorted(n for n, _ in services if n.startswith(fuzz)) == [sentinel], services
        assert beacon.bad_packets - bad_before >= len(packets)
        assert beacon._thread.is_alive()
        # Everyone still works: the advertiser answers a fresh program's query,
        # the finder hears a service that starts now.
        with run("import pgnet, sys; print('FOUND', pgnet.discover(sys.argv[1], wait_for_s=5))", name) as fresh:
            assert fresh.expect(r"FOUND (\S+)").group(1) == address
        later = unique("later")
        with start(ECHO_SERVICE, later, "later")[0]:
            later_address = pgnet.send_message(finder_address, later, wait_for_reply_s=5)[0]
            assert pgnet.send_message(later_address, "hi", wait_for_reply_s=5) == ["later", "hi"]
        assert pgnet.send_message(address, "still here?", wait_for_reply_s=5) == ["steady", "still here?"]
        no_crash(advertiser)
        no_crash(finder)


def test_an_advert_claiming_a_tiny_time_to_live_still_lasts_half_a_second():
    port = int(os.environ["PGNET_DISCOVERY_PORT"])
    name = unique("mayfly")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sender.sendto(_advert(name, ttl=0.001), ("127.255.255.255", port))
        wait_until(lambda: pgnet.discover(name, wait_for_s=0), timeout=5, message="the advert")
        started = time.monotonic()
        wait_until(lambda: pgnet.discover(name, wait_for_s=0) is None, timeout=5,
                   message="the advert to expire")
        assert 0.3 < time.monotonic() - started < 1.5


# -- garbage on ZeroMQ sockets ----------------------------------------------------------

LISTENER = """
import pgnet
pgnet.settings.max_message_bytes = 100000
address = pgnet.listen("127.0.0.1")
print("READY", address, flush=True)
while True:
    message = pgnet.wait_for_message(address, wait_for_s=60)
    if message is not None:
        pgnet.send_reply(address, ["echo", message, pgnet.wait_for_command(address, wait_for_s=0)])
"""

P = msgpack.packb


def test_garbage_frames_to_a_listener():
    bad = [
        [b"no delimiter"],
        [b""],
        [b"n", b"", b"message", b"a", b"b"],
        [b"n", b"", b"bogus", P(1)],
        [b""] + [b"x"] * 50,
        [b"n", b"", b"message", b"\xc1"],
        [b"n", b"", b"message", P([1, 2, 3])[:-1]],
        [b"n", b"", b"message", P(msgpack.ExtType(5, b"x"))],
        [b"n", b"", b"message", P(msgpack.ExtType(127, b""))],
        [b"n", b"", b"message", P(msgpack.ExtType(1, b"\xc1"))],
        [b"n", b"", b"message", b"\xa3\xff\xfe\xfd"],
        [b"n", b"", b"message", b"x" * 200000],
        [b"n", b"", b"command", b"\xc1"],
        [b"n", b"", b"command", P("FORWARD")],
        [b"n", b"", b"command", P([])],
        [b"n", b"", b"command", P(["", []])],
        [b"n", b"", b"command", P([1, []])],
        [b"n", b"", b"command", P(["GO", "fast"])],
        [b"n", b"", b"command", P(["GO", [], 3])],
        [b"n", b"", b"command", b"x" * 200000],
    ]
    listener, address = start(LISTENER)
    dealer = plain_socket(zmq.DEALER, address)
    dealer.setsockopt(zmq.ROUTING_ID, b"\xff\xfe fuzzer")  # not UTF-8 either
    with listener:
        try:
            for frames in bad:
                dealer.send_multipart(frames)
            wait_until(lambda: listener.stderr_text().count("Dropped") >= len(bad), timeout=5,
                       message="a warning for each bad input")
            # Valid traffic still works: a command then a message from pgnet...
            pgnet.send_command(address, "OK", 1)
            assert pgnet.send_message(address, "check", wait_for_reply_s=5) == ["echo", "check", ("OK", [1])]
            # ...and raw bytes from a plain REQ socket.
            req = plain_socket(zmq.REQ, address)
            req.send(b"raw")
            assert req.poll(5000)
            assert wire.decode(req.recv()) == ["echo", b"raw", (None, None)]
            req.close(0)
        finally:
            dealer.close(0)
        assert listener.stderr_text().count("Dropped") == len(bad)  # one each, nothing else
        no_crash(listener)


def test_garbage_frames_from_a_publisher(monkeypatch):
    fake_code = """
    import msgpack, zmq
    socket = zmq.Context.instance().socket(zmq.XPUB)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%d" % port, flush=True)
    while socket.recv() != b"\\x01news":
        pass
    for frames in [
        [b"news"],
        [b"news", b"a", b"b"],
        [b"news\\xff", msgpack.packb(1)],
        [b"news", b"\\xc1"],
        [b"news", msgpack.packb(msgpack.ExtType(9, b""))],
        [b"news", msgpack.packb("x" * 200000)],
        [b"news", msgpack.packb("good")],
    ]:
        socket.send_multipart(frames)
    socket.recv()
    """
    monkeypatch.setattr(pgnet.settings, "max_message_bytes", 100000)
    fake, address = start(fake_code)
    with fake, pytest.warns(pgnet.DroppedMessageWarning) as warned:
        assert pgnet.wait_for_news(address, "news", wait_for_s=5) == ("news", "good")
        dropped = [w for w in warned if "Dropped" in str(w.message)]
        assert len(dropped) == 6, warning_text(warned)
        assert all(w.category is pgnet.DroppedMessageWarning for w in dropped)


def test_garbage_frames_to_a_publisher():
    # The publisher is this process. The fake subscriber is an XSUB socket,
    # which may send anything upstream; it runs in its own process because
    # closing a socket with a 200 kB subscription overflows libzmq's stack.
    fake_code = """
    import sys, zmq
    socket = zmq.Context.instance().socket(zmq.XSUB)
    socket.connect("tcp://" + sys.argv[1])
    for frames in ([b"\\xff junk"], [b"\\x01"], [b""], [b"\\x01a", b"\\x01b", b"c"],
                   [b"\\x01" + b"x" * 200000], [b"\\x00never subscribed"]):
        socket.send_multipart(frames)
    print("SENT", flush=True)
    socket.recv()   # wait here until killed
    """
    port = addresses.free_port()
    address = "127.0.0.1:%d" % port
    pgnet.publish_news(port, "starting", None)
    with run(fake_code, address) as fake:
        fake.expect(r"SENT")
        assert pgnet.subscribe(address, "after", wait_for_s=5) is True
        pgnet.publish_news(port, "after", "the garbage")
        assert pgnet.wait_for_news(address, "after", wait_for_s=5) == ("after", "the garbage")
        fake.kill(signal.SIGKILL)  # it goes without a goodbye, subscriptions and all
    pgnet.publish_news(port, "after", "it went")
    assert pgnet.wait_for_news(address, "after", wait_for_s=5) == ("after", "it went")


def test_garbage_replies_to_a_sender():
    fake_code = """
    import msgpack, zmq
    socket = zmq.Context.instance().socket(zmq.ROUTER)
    port = socket.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%d" % port, flush=True)
    sender, number = socket.recv_multipart()[:2]
    for frames in [
        [b"junk"],
        [number, b"not empty", msgpack.packb(1)],
        [number, b"", b"a", b"b"],
        [b"\\x00" * 8, b"", msgpack.packb("not yours")],
        [number, b"", b"\\xc1"],
    ]:
        socket.send_multipart([sender] + frames)
    sender, number = socket.recv_multipart()[:2]      # the next request
    socket.send_multipart([sender, number, b"", msgpack.packb(["fine", "now"])])
    socket.recv()
    """
    fake, address = start(fake_code)
    with fake, pytest.warns(pgnet.PgnetWarning) as warned:
        assert pgnet.send_message(address, "first", wait_for_reply_s=0.5) is None
        text = warning_text(warned)
        assert text.count("Dropped a malformed reply") == 3
        assert "not a pgnet message" in text
        assert "No reply from" in text
        assert "not yours" not in text
        assert pgnet.send_message(address, "second", wait_for_reply_s=5) == ["fine", "now"]


# -- Ctrl-C ----------------------------------------------------------------------------

def _sleeping_in_poll(pid):
    """True once the process's main thread sleeps in poll(), as it does
    inside a wait (on Linux; elsewhere assume it is, after its WAITING)."""
    try:
        with open("/proc/%d/wchan" % pid) as wchan:
            return "poll" in wchan.read()
    except OSError:
        return True


def test_ctrl_c_interrupts_a_long_wait():
    code = """
    import signal, sys
    import pgnet
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    name = sys.argv[1]
    pgnet.listen(name)
    print("WAITING", flush=True)
    pgnet.wait_for_message(name, wait_for_s=60)
    print("NOT INTERRUPTED", flush=True)
    """
    name = unique("patient")
    with run(code, name) as program:
        program.expect(r"WAITING")
        assert pgnet.discover(name, wait_for_s=5)
        wait_until(lambda: _sleeping_in_poll(program.process.pid), timeout=5,
                   message="the program to be inside its wait")
        started = time.monotonic()
        program.process.send_signal(signal.SIGINT)
        returncode = program.wait(5)
        took = time.monotonic() - started
        print("MEASURED Ctrl-C to exit: %.3f s" % took)
        assert returncode != 0
        assert "KeyboardInterrupt" in program.stderr_text()
        # The traceback ends at pgnet's public call, not inside ZeroMQ.
        places = re.findall(r'File "([^"]+)", line \d+, in (\S+)', program.stderr_text())
        assert places[-1][1] == "wait_for_message", program.stderr_text()
        assert places[-1][0].endswith(os.path.join("pgnet", "messaging.py"))
        assert not any("zmq" in file for file, _ in places), program.stderr_text()
        assert len(program.stderr_text().splitlines()) <= 10, program.stderr_text()
        assert "NOT INTERRUPTED" not in program.lines
        assert took < 1.0
        # It said bye on the way out.
        wait_until(lambda: pgnet.discover(name, wait_for_s=0) is None, timeout=1.5,
                   message="the interrupted program's bye")
