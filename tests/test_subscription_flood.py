"""A classmate's program that subscribes to a publisher's news a million
times, each time to a new topic: the publisher stays bounded in memory, its
legitimate subscribers keep getting news during and after the attack, and
what the attacker held is released when it goes.

The attacker is a separate process speaking ZeroMQ's wire protocol (ZMTP
3.0) over a plain TCP socket, so that it can send a million real
subscription frames without holding them itself (a pyzmq SUB or XSUB socket
keeps every topic it subscribes to, and would cost the attacker more than
the publisher). It connects from another loopback address, as a classmate's
computer would, and reconnects whenever it is disconnected, as ZeroMQ does.
"""

import time

import zmq

import pgnet
from pgnet import registry
from support import alive, run, status, wait_until

#: What the publisher may grow by during the attack, in MiB: the ceiling
#: docs/safety.md documents.
CEILING_MB = 64

#: Publishes "status" news 100 times a second on port argv[1]; prints
#: "HELD n" whenever the number of topics its subscribers hold changes (-1
#: with a pgnet that does not count them: the test then fails on memory).
PUBLISHER = """
import sys, time, pgnet
from pgnet import registry
port = int(sys.argv[1])
pgnet.publish_news(port, "status", 0)
subscriptions = getattr(registry.bound_publisher(port), "subscriptions", None)
print("READY", flush=True)
n, shown = 0, None
while True:
    n += 1
    pgnet.publish_news(port, "status", n)
    held = subscriptions.held if subscriptions is not None else -1
    if held != shown:
        print("HELD", held, flush=True)
        shown = held
    time.sleep(0.01)
"""

#: From address argv[1], subscribes to argv[3] distinct 200-byte topics on
#: 127.0.0.1:argv[2], reconnecting whenever it is cut off; prints "SENT n"
#: now and then and "CONNECTION k" at each connection.
ATTACKER = """
import os, socket, struct, sys, time
source, port, total = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
greeting = b"\\xff" + bytes(8) + b"\\x7f" + bytes([3, 0]) + b"NULL".ljust(20, b"\\x00") + bytes(32)
ready = b"\\x05READY" + b"\\x0bSocket-Type" + struct.pack("!I", 3) + b"SUB"
hello = greeting + bytes([4, len(ready)]) + ready
sent = connections = 0
while sent < total:
    sock = socket.socket()
    try:
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        connections += 1
        print("CONNECTION", connections, flush=True)
        sock.sendall(hello)
        while sent < total:
            sock.sendall(b"".join(bytes([0, 201, 1]) + os.urandom(200) for _ in range(500)))
            sent += 500
            if sent % 20000 == 0:
                print("SENT", sent, flush=True)
    except OSError:
        pass
    finally:
        sock.close()
    time.sleep(0.05)
print("SENT", sent, flush=True)
"""


def last(program, word):
    """The number on ``program``'s last line starting with ``word`` (or 0)."""
    for line in reversed(program.lines):
        if line.startswith(word + " "):
            return int(line.split()[1])
    return 0


#: The most topics our own subscriber has the publisher hold: its topic, its
#: replay request and the topic of the answer, the welcome (and, for a
#: moment, a confirmation).
OURS = 10


def test_a_million_subscriptions_keep_a_publisher_bounded_and_serving():
    port = pgnet.addresses.free_port()
    address = "127.0.0.1:%d" % port
    publisher = run(PUBLISHER, port)
    with publisher:
        publisher.expect("READY")
        assert pgnet.subscribe(address, "status")
        assert pgnet.wait_for_news(address, "status")[0] == "status"
        wait_until(lambda: 0 < last(publisher, "HELD") <= OURS, 5, message="our topics to be held")
        pid = publisher.process.pid
        before = status(pid, "VmRSS")

        def grew():
            return status(pid, "VmHWM") - before

        # During the attack: news keeps coming, each item within 2 s.
        with run(ATTACKER, "127.0.0.2", port, 1_000_000) as attacker:
            started = time.monotonic()
            news = 0
            while grew() < CEILING_MB and (time.monotonic() - started < 3 or not news):
                topic, _ = pgnet.wait_for_news(address, "status", wait_for_s=2)
                assert topic == "status", "no news for 2 s during the attack"
                news += 1
            peak = grew()
            print("MEASURED a subscription flood from one computer (%d+ topics sent, %d "
                  "connections): publisher peak +%.0f MiB, %d news items in %.1f s"
                  % (last(attacker, "SENT"), last(attacker, "CONNECTION"), peak, news,
                     time.monotonic() - started))
            assert peak < CEILING_MB
            assert "127.0.0.2" in publisher.stderr_text()  # (told why it was cut off)
        # The attacker has gone: what it held is released.
        wait_until(lambda: last(publisher, "HELD") <= OURS, 5, message="the attacker's topics to be released")
        assert pgnet.wait_for_news(address, "status", wait_for_s=2)[0] == "status"

        # Other computers take turns: what the first one held was freed, so
        # the publisher stays under the ceiling.
        for computer in ("127.0.0.3", "127.0.0.4"):
            with run(ATTACKER, computer, port, 1_000_000):
                wait_until(lambda: computer in publisher.stderr_text(), 10,
                           message="the attacker at %s to be cut off" % computer)
                assert pgnet.wait_for_news(address, "status", wait_for_s=2)[0] == "status"
            wait_until(lambda: last(publisher, "HELD") <= OURS, 5,
                       message="the topics of the attacker at %s to be released" % computer)
        print("MEASURED three computers' floods in turn: publisher peak +%.0f MiB" % grew())
        assert grew() < CEILING_MB
        alive(publisher)


def test_a_topic_is_counted_once_and_freed_when_its_subscribers_go():
    port = pgnet.addresses.free_port()
    pgnet.publish_news(port, "status", 0)
    publisher = registry.bound_publisher(port)
    context = zmq.Context.instance()
    subscribers = []
    for topic in [b"status"] * 20 + [b"other"]:
        sock = context.socket(zmq.SUB)
        sock.setsockopt(zmq.SUBSCRIBE, topic)
        sock.connect("tcp://127.0.0.1:%d" % port)
        subscribers.append(sock)

    def held():
        publisher.receive_all()
        return publisher.subscriptions.held

    wait_until(lambda: held() == 2, 5, message="two topics held")
    assert publisher.subscriptions.by_computer == {"127.0.0.1": 2}
    for sock in subscribers[:10] + subscribers[-1:]:  # half of "status", and "other"
        sock.close(0)
    wait_until(lambda: held() == 1, 5, message='"other" to be freed')
    for sock in subscribers[10:-1]:
        sock.close(0)
    wait_until(lambda: held() == 0, 5, message="the topics to be freed")
    assert publisher.subscriptions.by_computer == {}


#: Publishes once on port argv[1], then does something else than use pgnet.
IDLE_PUBLISHER = """
import sys, time, pgnet
pgnet.publish_news(int(sys.argv[1]), "status", 0)
print("READY", flush=True)
time.sleep(120)
"""

#: Opens and closes connections to 127.0.0.1:argv[1] (from 127.0.0.5), as
#: quickly as it can, for argv[2] seconds; prints "DONE n".
CONNECTS = """
import socket, sys, time
port, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
done = 0
while time.monotonic() < end:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\\x01" + bytes(7))
    sock.settimeout(2)
    try:
        sock.bind(("127.0.0.5", 0))
        sock.connect(("127.0.0.1", port))
        done += 1
    except OSError:
        pass
    sock.close()
print("DONE", done, flush=True)
"""


def test_connections_opened_and_closed_to_an_idle_publisher_cost_it_nothing():
    port = pgnet.addresses.free_port()
    with run(IDLE_PUBLISHER, port) as publisher:
        publisher.expect("READY")
        pid = publisher.process.pid
        before = status(pid, "VmRSS")
        attackers = [run(CONNECTS, port, 12) for _ in range(3)]
        try:
            made = sum(int(a.expect(r"DONE (\d+)", timeout=25).group(1)) for a in attackers)
        finally:
            for attacker in attackers:
                attacker.kill()
        # Each connection is two reports of ZeroMQ's monitor: read as they
        # come, they leave nothing behind.
        grew = status(pid, "VmRSS") - before
        print("MEASURED %d connections opened and closed to an idle publisher: +%.1f MiB"
              " (%.0f bytes each)" % (made, grew, grew * 1024 * 1024 / max(made, 1)))
        assert made > 2000
        assert grew * 1024 * 1024 < 120 * made  # (unread, each left some 250 bytes)
        alive(publisher)
