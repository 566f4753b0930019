"""A mischievous classmate: whatever another program sends, a pgnet program
stays alive, bounded (memory, open files) and responsive, and legitimate
traffic keeps flowing during the attack.

Every attacker is a separate process sending real packets, to 127.0.0.1 or
127.255.255.255 only; floods are bounded in count and stop by themselves.
Each test prints a MEASURED line with the figure it bounds.
"""

import os
import re
import signal
import socket
import time
import warnings

import msgpack
import pytest

import pgnet
from pgnet import scheduler, wire
from pgnet.discovery import get_beacon, protocol
from support import ECHO_SERVICE, ROOT, Program, alive, run, start, status, unique, wait_until

MB = 1024 * 1024


def open_files(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def nested_tuples(levels):
    """msgpack bytes of tuples nested ``levels`` deep, each in the next."""
    data = msgpack.packb([])
    for _ in range(levels):
        data = msgpack.packb([msgpack.ExtType(wire.TUPLE_EXT, data)])
    return data


#: A listener that answers each message with ["ok", message] and says how
#: big it is: "READY address rss".
LISTENER = """
import sys, time
import pgnet
address = pgnet.listen("127.0.0.1")
pause = float(sys.argv[1]) if len(sys.argv) > 1 else 0
print("READY", address, flush=True)
time.sleep(pause)    # a program busy elsewhere (or a game that stopped pumping)
print("READING", flush=True)
while True:
    message = pgnet.wait_for_message(address, wait_for_s=60)
    if message is not None:
        pgnet.send_reply(address, ["ok", message])
"""

#: Sends the frames argv[3] (a Python expression, made here: never sent
#: through a command line) argv[2] times to argv[1], from a DEALER; then
#: waits to be killed.
FLOOD = """
import sys, zmq, msgpack
sock = zmq.Context.instance().socket(zmq.DEALER)
sock.setsockopt(zmq.SNDHWM, 0)
sock.setsockopt(zmq.LINGER, 0)
sock.connect("tcp://" + sys.argv[1])
count = int(sys.argv[2])
frames = eval(sys.argv[3])
for _ in range(count):
    sock.send_multipart(frames, copy=False)
print("SENT", flush=True)
# A last, good message after the flood: its answer says the flood is in.
sock.send_multipart([b"", b"message", msgpack.packb("marker")])
while sock.poll(30000):
    if msgpack.unpackb(sock.recv_multipart()[-1]) == ["ok", "marker"]:
        print("ANSWERED", flush=True)
        break
__import__("time").sleep(60)
"""


def flood(address, count, frames):
    """The attacker: ``frames`` is a Python expression for the frames."""
    return run(FLOOD, address, count, frames)


# -- decoding ------------------------------------------------------------------------

def test_tuples_nested_deep_in_a_broadcast_and_a_message_crash_nothing():
    name = unique("steady")
    service, address = start(ECHO_SERVICE, name, "steady")
    port = int(os.environ["PGNET_DISCOVERY_PORT"])
    bomb = nested_tuples(700)
    attack = """
import socket, sys, zmq
packet, body = bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
udp.sendto(packet, ("127.255.255.255", int(sys.argv[4])))
sock = zmq.Context.instance().socket(zmq.DEALER)
sock.connect("tcp://" + sys.argv[1])
sock.send_multipart([b"1", b"", b"message", body])
sock.send_multipart([b"2", b"", b"command", body])
print("REPLY", sock.poll(5000) and sock.recv_multipart()[2], flush=True)
"""
    with service, run(attack, address, (protocol.MAGIC + bomb).hex(), bomb.hex(), port) as attacker:
        assert attacker.expect(r"REPLY (.*)").group(1) == repr(b"error")  # told, at once
        assert pgnet.send_message(address, "still there?", wait_for_reply_s=5) == ["steady", "still there?"]
        assert pgnet.discover(name, wait_for_s=5) == address
        wait_until(lambda: "nested more than" in service.stderr_text(), 5, message="the warning")
        alive(service)
        get_beacon()  # this process heard the broadcast too, and lives


def test_timestamps_and_huge_ints_are_refused():
    for data in (msgpack.packb(msgpack.Timestamp(1, 0)), msgpack.packb({"t": [msgpack.Timestamp(1, 0)]}),
                 msgpack.packb(msgpack.ExtType(wire.BIG_INT_EXT, b"\x01" * MB))):
        with pytest.raises(pgnet.MessageError):
            wire.decode(data)
    with pytest.raises(pgnet.MessageError):
        wire.encode(2 ** 9000)
    assert wire.decode(wire.encode(2 ** 8000)) == 2 ** 8000


def test_a_message_of_empty_arrays_decodes_to_little():
    listener, address = start(LISTENER)
    pid = listener.process.pid
    body = 'b"\\xdd" + (16 * 2**20 - 5).to_bytes(4, "big") + b"\\x90" * (16 * 2**20 - 5)'
    before = status(pid, "VmRSS")
    with listener, flood(address, 3, '[b"", b"message", %s]' % body) as attacker:
        attacker.expect("ANSWERED", timeout=60)  # (after the three, on their connection)
        started = time.monotonic()
        assert pgnet.send_message(address, "after", wait_for_reply_s=20) == ["ok", "after"]
        took = time.monotonic() - started
        grew = status(pid, "VmHWM") - before
        print("MEASURED 3 x 16 MiB of empty arrays: peak +%.0f MiB, answered after %.2f s" % (grew, took))
        assert grew < 128
        alive(listener)


def test_a_giant_frame_is_refused_before_it_is_stored():
    listener, address = start(LISTENER)
    pid = listener.process.pid
    before = status(pid, "VmRSS")
    with listener, flood(address, 1, '[b"", b"message", b"x" * 2**28]') as attacker:
        attacker.expect("ANSWERED", timeout=60)
        assert pgnet.send_message(address, "after", wait_for_reply_s=10) == ["ok", "after"]
        grew = status(pid, "VmHWM") - before
        print("MEASURED a 256 MiB frame to a 16 MiB listener: peak +%.0f MiB" % grew)
        assert grew < 64
        alive(listener)


# -- memory bounded by bytes -----------------------------------------------------------

def test_huge_subscriptions_do_not_bloat_a_publisher():
    publisher_code = """
import time, pgnet
port = pgnet.publish_news("127.0.0.1", "status", 0)
print("READY 127.0.0.1:%s" % port.rpartition(":")[2] if isinstance(port, str) else port, flush=True)
n = 0
while True:
    n += 1
    pgnet.publish_news("127.0.0.1:" + PORT, "status", n)
    time.sleep(0.02)
"""
    port = str(pgnet.addresses.free_port())
    publisher = run(publisher_code.replace("PORT", repr(port)).replace(
        'pgnet.publish_news("127.0.0.1", "status", 0)', "pgnet.publish_news(int(%s), 'status', 0)" % port))
    address = "127.0.0.1:" + port
    attack = """
import os, sys, zmq
sock = zmq.Context.instance().socket(zmq.XSUB)
sock.setsockopt(zmq.LINGER, 0)
sock.connect("tcp://" + sys.argv[1])
for i in range(10):
    sock.send(b"\\x01" + os.urandom(MB))
print("SENT", flush=True)
__import__("time").sleep(60)
""".replace("MB", str(MB))
    with publisher:
        wait_until(lambda: publisher.lines, 10, message="the publisher")
        before = status(publisher.process.pid, "VmRSS")
        with run(attack, address) as attacker:
            attacker.expect("SENT")
            assert pgnet.wait_for_news(address, "status", wait_for_s=10)[0] == "status"
            time.sleep(0)  # (the news above proves the publisher went round its loop)
            wait_until(lambda: pgnet.wait_for_news(address, "status", wait_for_s=5)[0], 5,
                       message="news during the attack")
            grew = status(publisher.process.pid, "VmHWM") - before
        print("MEASURED 10 x 1 MB subscriptions: publisher peak +%.0f MiB" % grew)
        assert grew < 64
        alive(publisher)


#: A publisher that is not pgnet: sends argv[1] news items whose topic is
#: argv[2] bytes long, then one item "end" under a 200-byte topic.
LONG_TOPICS = """
import sys, msgpack, zmq
sock = zmq.Context.instance().socket(zmq.XPUB)
sock.setsockopt(zmq.SNDHWM, 0)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
sock.recv()  # a subscription: someone is listening
topic = b"t" * int(sys.argv[2])
for _ in range(int(sys.argv[1])):
    sock.send_multipart([topic, msgpack.packb(1)])
sock.send_multipart([b"t" * 200, msgpack.packb("end")])
__import__("time").sleep(60)
"""

#: Subscribes to argv[1]'s "t" news and reads it (without taking it) until
#: "end" has come; then prints what its inbox held and how much it grew.
READS_NEWS = """
import sys, time, pgnet
from pgnet import registry
def rss():
    with open("/proc/self/status") as lines:
        return [int(l.split()[1]) // 1024 for l in lines if l.startswith("VmRSS")][0]
pgnet.subscribe(sys.argv[1], "t", wait_for_s=0)
subscriber = registry.connected_subscriber(sys.argv[1], 0)
before = rss()
while not any(item.data == "end" for _, item, _ in subscriber.inbox.queues.get("news", ())):
    subscriber.receive_all()
    time.sleep(0.001)
print("RESULT items %d counted %d grew %d" % (len(subscriber.inbox),
      sum(subscriber.inbox.sizes.values()), rss() - before), flush=True)
"""


def test_news_with_a_huge_topic_is_dropped_and_topics_are_counted():
    publisher, address = start(LONG_TOPICS, 40, 4 * MB)
    with publisher, run(READS_NEWS, address) as subscriber:
        result = subscriber.expect(r"RESULT items (\d+) counted (\d+) grew (-?\d+)", timeout=25)
        items, counted, grew = map(int, result.groups())
        print("MEASURED 40 news items with 4 MiB topics: subscriber +%d MiB" % grew)
        assert items == 1  # only "end": the others were dropped, warned
        assert "topic is longer than 255 bytes" in subscriber.stderr_text()
        assert counted >= 200 + len(msgpack.packb("end"))  # its topic counts too
        assert grew < 64
        alive(subscriber)


def test_a_flood_while_the_program_is_not_reading_stays_bounded():
    listener, address = start(LISTENER, 4)
    pid = listener.process.pid
    before = status(pid, "VmRSS")
    with listener, flood(address, 20000, '[b"", b"message", msgpack.packb("x" * 4000)]'):
        listener.expect("READING", timeout=15)
        started = time.monotonic()
        assert pgnet.send_message(address, "me too", wait_for_reply_s=20) == ["ok", "me too"]
        took = time.monotonic() - started
        grew = status(pid, "VmHWM") - before
        print("MEASURED 20,000 x 4 kB while not reading: peak +%.0f MiB; "
              "a legitimate message answered %.2f s after reading resumed" % (grew, took))
        assert grew < 64
        alive(listener)


#: Not pgnet's publisher: it welcomes each subscriber as pgnet's does, reads
#: its subscriptions up to its replay request, and never answers it. Then,
#: argv[2] times, with argv[1] "items" a news item of 1 MB; with "ends" a
#: welcome and a false end of an answer, whose publisher id is 1 MB. Then
#: the item "last".
NEVER_ANSWERS = """
import os, sys, time, zmq
from pgnet import news, replay, wire
mode, count = sys.argv[1], int(sys.argv[2])
sock = zmq.Context.instance().socket(zmq.XPUB)
sock.setsockopt(zmq.XPUB_WELCOME_MSG, news.WELCOME)
sock.setsockopt(zmq.SNDHWM, 0)
sock.setsockopt(zmq.RCVTIMEO, 30000)
print("READY 127.0.0.1:%d" % sock.bind_to_random_port("tcp://127.0.0.1"), flush=True)
request = b""
while replay.answer_prefix(request) is None:
    request = sock.recv()[1:]
for _ in range(count):
    if mode == "items":
        sock.send_multipart([b"t", wire.encode(bytes(MB))])
    else:
        sock.send(news.WELCOME)
        sock.send(replay.answer_prefix(request) + b"e" + os.urandom(MB))
    time.sleep(0.002)
sock.send_multipart([b"t", wire.encode("last")])
time.sleep(60)
""".replace("MB", str(MB))

#: Reads news on "t" from argv[1] until the item "last"; says its memory
#: (MiB) before subscribing and at its peak.
UNTIL_LAST = """
import sys, time, zmq
import pgnet
from pgnet import news
def memory(field):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) / 1024 for line in lines if line.startswith(field + ":"))
zmq.Context.instance()
before = memory("VmRSS")
pgnet.wait_for_news(sys.argv[1], "t", wait_for_s=0)
count, item = 0, None
while item != "last":
    topic, item = pgnet.wait_for_news(sys.argv[1], "t", wait_for_s=30)
    if topic is None:
        break
    count += 1
print("GOT", count, item, "%.0f" % (memory("VmHWM") - before), flush=True)
time.sleep(60)
"""


@pytest.mark.parametrize("mode, count, attack", [
    ("items", 200, "200 news items of 1 MB, never answering the replay request"),
    ("ends", 150, "150 false ends of a replay, each with a 1 MB id"),
])
def test_a_publisher_that_never_answers_cannot_fill_a_subscribers_memory(mode, count, attack):
    publisher, address = start(NEVER_ANSWERS, mode, count)
    with publisher, run(UNTIL_LAST, address, env={"PGNET_INBOX_BYTES": str(8 * MB)}) as subscriber:
        got = subscriber.expect(r"GOT (\d+) (\S+) (\d+)", timeout=30)
        grew = int(got.group(3))
        print("MEASURED %s: subscriber peak +%d MiB" % (attack, grew))
        assert got.group(2) == "last"
        assert grew < 64
        alive(subscriber)


# -- sockets bounded ----------------------------------------------------------------

def test_sends_to_many_addresses_keep_sockets_bounded():
    code = """
import os, resource, pgnet
resource.setrlimit(resource.RLIMIT_NOFILE, (300, 300))
fds = lambda: len(os.listdir("/proc/self/fd"))
print("BEFORE", fds(), flush=True)
for port in range(21000, 21400):
    pgnet.send_command("127.0.0.1:%d" % port, "FORWARD", 1)
print("AFTER", fds(), flush=True)
"""
    with run(code) as program:
        before = int(program.expect(r"BEFORE (\d+)").group(1))
        after = int(program.expect(r"AFTER (\d+)", timeout=60).group(1))
        print("MEASURED 400 addresses: open files %d -> %d" % (before, after))
        assert after - before <= 2 * pgnet.settings.max_senders + 10
        assert program.wait(30) == 0, program.stderr_text()
        assert "ZMQError" not in program.stderr_text()


def test_two_threads_sending_to_one_target(echo):
    code = """
import sys, threading, pgnet
target = sys.argv[1]
wrong = []
def ask(who):
    for i in range(100):
        reply = pgnet.send_message(target, [who, i], wait_for_reply_s=10)
        if reply is None or reply[1] != [who, i]:
            wrong.append((who, i, reply))
for round in range(8):
    threads = [threading.Thread(target=ask, args=(w,)) for w in ("a", "b")]
    [t.start() for t in threads]
    [t.join() for t in threads]
print("WRONG", len(wrong), wrong[:3], flush=True)
"""
    name, _ = echo
    with run(code, name) as program:
        assert program.expect(r"WRONG (\d+)", timeout=60).group(1) == "0"
        assert program.wait(20) == 0, program.stderr_text()


# -- fair, bounded work ---------------------------------------------------------------

def test_robot_watchdog_holds_under_a_message_flood():
    name = unique("rover")
    robot = Program([os.path.join(ROOT, "games", "robot", "robot.py"), name],
                    cwd=os.path.join(ROOT, "games", "robot"))
    controller = """
import sys, time, pgnet
for _ in range(20):
    pgnet.send_command(sys.argv[1], "DRIVE", 0.5, 0)
    time.sleep(0.05)
print("CABLE PULLED", flush=True)
time.sleep(30)
"""
    with robot:
        address = robot.expect(r"listening at (\S+)", timeout=20).group(1)
        with run(controller, name) as driver:
            robot.expect(r"^driving", timeout=10)
            # The flood starts while the robot drives, and outlasts the controller.
            with flood(address, 300000, '[b"", b"message", msgpack.packb("STATUS")]'):
                driver.expect("CABLE PULLED")
                pulled = time.monotonic()
                robot.expect(r"^watchdog: no command", timeout=15)
                took = time.monotonic() - pulled
        print("MEASURED robot stopped %.2f s after the last command, under a STATUS flood" % took)
        assert took < 1.5
        alive(robot)


def test_a_garbage_flood_does_not_starve_a_legitimate_client():
    listener, address = start(LISTENER)
    with listener, flood(address, 50000, '[b"", b"message", b"\\xc1"]') as attacker:
        attacker.expect("SENT", timeout=30)
        worst = 0
        for i in range(10):
            started = time.monotonic()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                assert pgnet.send_message(address, i, wait_for_reply_s=10) == ["ok", i]
            worst = max(worst, time.monotonic() - started)
        lines = len(listener.errors)
        print("MEASURED 50,000 garbage frames: worst answer %.2f s, %d warning lines" % (worst, lines))
        assert worst < 3
        assert lines < 200
        alive(listener)


# -- honest answers ------------------------------------------------------------------

def test_an_advert_whose_computer_name_hides_terminal_codes_is_ignored():
    peer = get_beacon()
    evil, good = unique("escape"), unique("plain")
    adverts = [protocol.encode_packet(protocol.advert(name, 5000, None, time.time(), "e" * 16, machine, 2.0))
               for name, machine in ((evil, "\x1b[2J\x1b[H*** use robot@evil ***"), (good, "pc"))]
    attack = """
import socket, sys
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for data in sys.argv[2:]:   # in order: the second says the first was read
    udp.sendto(bytes.fromhex(data), ("127.255.255.255", int(sys.argv[1])))
print("SENT", flush=True)
"""
    with run(attack, os.environ["PGNET_DISCOVERY_PORT"], *(data.hex() for data in adverts)) as attacker:
        attacker.expect("SENT")
        wait_until(lambda: peer.lookup(good), 5, message="the plain advert")
    assert peer.lookup(evil) is None
    assert not any("\x1b" in service.machine for service in peer.all_services())


def test_a_malformed_reply_is_reported_at_once():
    fake = """
import zmq
sock = zmq.Context.instance().socket(zmq.ROUTER)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
while True:
    sender, number = sock.recv_multipart()[:2]
    sock.send_multipart([sender, number, b"", b"\\xc1"])
"""
    program, address = start(fake)
    with program, pytest.warns(pgnet.RemoteErrorWarning) as warned:
        started = time.monotonic()
        assert pgnet.send_message(address, "hi", wait_for_reply_s=5) is None
        took = time.monotonic() - started
    print("MEASURED a malformed reply reported after %.3f s (limit 5 s)" % took)
    assert took < 1
    assert "could not be read" in str(warned[0].message)
    assert "running" not in str(warned[0].message)


# -- signals and forks ---------------------------------------------------------------

def test_sigterm_while_discovery_sends_ends_through_atexit():
    code = """
import atexit, sys, time, pgnet
atexit.register(lambda: print("ATEXIT", flush=True))
for i in range(20):
    pgnet.advertise("%s-%d" % (sys.argv[1], i))
print("READY", flush=True)
while True:
    pgnet.discover_all()
"""
    for _ in range(6):
        name = unique("term")
        with run(code, name) as program:
            program.expect("READY")
            wait_until(lambda: pgnet.discover(name + "-19", wait_for_s=0), 5, message="the adverts")
            program.process.send_signal(signal.SIGTERM)
            assert program.wait(3) == 128 + signal.SIGTERM, program.stderr_text()
            assert "ATEXIT" in program.lines
            wait_until(lambda: pgnet.discover(name + "-0", wait_for_s=0) is None, 1.5, message="the bye")


def test_a_forked_child_starts_clean(echo):
    code = """
import os, sys, pgnet
pgnet.advertise(sys.argv[1])
pid = os.fork()
if pid == 0:
    print("CHILD", pgnet.send_message(sys.argv[2], "from the child", wait_for_reply_s=5), flush=True)
    sys.exit(0)
os.waitpid(pid, 0)
print("CHILD GONE", flush=True)
sys.stdin.readline() if False else __import__("time").sleep(60)
"""
    name = unique("parent")
    echo_name, _ = echo
    with run(code, name, echo_name) as program:
        assert program.expect(r"CHILD (.*)").group(1) == repr(["echo", "from the child"])
        program.expect("CHILD GONE")
        # The child said no bye for its parent's name: still found a second later.
        deadline = time.monotonic() + 1
        while time.monotonic() < deadline:
            assert pgnet.discover(name, wait_for_s=1), "the child said bye for its parent"
            time.sleep(0.05)


# -- nothing slow in a frame -------------------------------------------------------------

def test_a_host_name_is_looked_up_once(echo):
    code = """
import socket, sys, pgnet
looked_up = []
real = socket.gethostbyname
socket.gethostbyname = lambda host: looked_up.append(host) or real(host)
for i in range(50):
    pgnet.send_command("localhost:" + sys.argv[1].rpartition(":")[2], "PING", i)
print("LOOKUPS", len(looked_up), flush=True)
"""
    _, address = echo
    with run(code, address) as program:
        assert int(program.expect(r"LOOKUPS (\d+)").group(1)) <= 1


def test_a_name_not_found_is_asked_for_sparingly(monkeypatch):
    queries = []
    real = type(get_beacon()).send_query
    monkeypatch.setattr(type(get_beacon()), "send_query", lambda peer, n: queries.append(n) or real(peer, n))
    frames = scheduler.Scheduler(pgnet.registry.default)
    frames.use_events()
    name = unique("nobody")
    started = time.monotonic()
    while time.monotonic() - started < 1.2:
        frames.when_found(pgnet.registry.connected_sender, name, lambda s: None)
        frames.pump()
        time.sleep(1 / 60)
    asked = queries.count(name)
    print("MEASURED a send every frame for 1.2 s to a name not found: %d queries" % asked)
    assert 1 <= asked <= 4
    frames.cancel_postponed()


def test_hooks_that_fail_answer_the_asker_at_once_and_a_wait_in_a_frame_does_not_freeze():
    from game_support import game

    name = unique("failing")
    env = {"GAME_NAME": name}
    driver = """
import os, time, warnings, pgnet
name = os.environ["GAME_NAME"]
pgnet.discover(name, wait_for_s=10)
for message in ("boom", "unsendable", "wait"):
    started = time.monotonic()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reply = pgnet.send_message(name, message, wait_for_reply_s=5)
    print("ANSWER", message, repr(reply), "%.2f" % (time.monotonic() - started),
          [str(w.message) for w in caught], flush=True)
pgnet.send_command(name, "QUIT")
"""
    with game("raising.py", env) as player:
        player.expect(r"^LISTENING ")
        with Program(driver, env=env) as asker:
            boom = asker.expect(r"^ANSWER boom None (\S+) (.*)")
            assert float(boom.group(1)) < 1
            assert "on_network_message raised ValueError: this message is bad" in boom.group(2)
            unsendable = asker.expect(r"^ANSWER unsendable None (\S+) (.*)")
            assert float(unsendable.group(1)) < 1
            assert "on_network_message" in unsendable.group(2) and "cannot be sent" in unsendable.group(2)
            waited = asker.expect(r"^ANSWER wait (.*) (\S+) \[\]")
            assert waited.group(1) == repr(["waited", (None, None)])
            assert float(waited.group(2)) < 1
            # (Leaving this block kills the asker: let it send QUIT first.)
            assert asker.wait() == 0, asker.stderr_text()
        assert player.wait() == 0, "\n".join(player.lines) + asker.stderr_text() + player.stderr_text()
    assert re.search(r"raising\.py, line \d+: a call that waits", player.stderr_text())
