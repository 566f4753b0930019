"""Messages, commands and news between real processes over loopback: the
public calls of pgnet.messaging.

Every wait is a condition with a deadline (Program.expect, wait_until, the
library's own time limits); nothing sleeps and hopes.
"""

import statistics
import time
import warnings

import pytest

import pgnet
from pgnet import addresses
from support import run, start, unique, unused_address, warning_text


# -- messages --------------------------------------------------------------------

def test_request_and_reply(echo):
    name, address = echo
    assert pgnet.send_message(address, "hello", wait_for_reply_s=5) == ["echo", "hello"]
    assert pgnet.send_message(name, {"by": "name"}, wait_for_reply_s=5) == ["echo", {"by": "name"}]


def test_round_trip_time(echo):
    _, address = echo
    pgnet.send_message(address, "warm up", wait_for_reply_s=5)
    times = []
    for number in range(200):
        started = time.perf_counter()
        reply = pgnet.send_message(address, number, wait_for_reply_s=5)
        times.append(time.perf_counter() - started)
        assert reply == ["echo", number]
    median = statistics.median(times)
    print("MEASURED request/reply round trip over 200: median %.0f us, max %.0f us"
          % (median * 1e6, max(times) * 1e6))
    assert median < 0.01


def test_waiting_zero_seconds_returns_at_once(recwarn):
    port = addresses.free_port()
    news_port = addresses.free_port()
    pgnet.publish_news(news_port, "nothing", None)
    checks = [
        (lambda: pgnet.wait_for_message(port, wait_for_s=0), None),
        (lambda: pgnet.wait_for_command(port, wait_for_s=0), (None, None)),
        (lambda: pgnet.wait_for_news("127.0.0.1:%d" % news_port, wait_for_s=0), (None, None)),
        (lambda: pgnet.discover(unique("nobody"), wait_for_s=0), None),
    ]
    for check, nothing in checks:
        started = time.monotonic()
        assert check() == nothing
        assert time.monotonic() - started < 0.05
    assert "No program called" not in warning_text(recwarn)  # 0 means "just look"
    for never_ends_or_negative in (-1, float("nan")):
        with pytest.raises(ValueError):
            pgnet.wait_for_message(port, wait_for_s=never_ends_or_negative)


def test_waiting_with_no_time_limit():
    # Each wait, with pgnet.FOREVER, gets what comes a while later.
    code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("READY", address, flush=True)
    message = pgnet.wait_for_message(address, wait_for_s=pgnet.FOREVER)
    pgnet.send_reply(address, ["got", message])
    command, params = pgnet.wait_for_command(address, wait_for_s=pgnet.FOREVER)
    print("COMMAND", command, params[0], flush=True)
    answer = pgnet.send_message(params[0], "?", wait_for_reply_s=pgnet.FOREVER)
    print("ANSWER", answer, flush=True)
    """
    program, address = start(code)
    with program:
        assert pgnet.send_message(address, "hi", wait_for_reply_s=pgnet.FOREVER) == ["got", "hi"]
        me = pgnet.listen("127.0.0.1")
        pgnet.send_command(address, "ASK", me)
        program.expect("COMMAND ASK")
        assert pgnet.wait_for_message(me, wait_for_s=pgnet.FOREVER) == "?"
        pgnet.send_reply(me, 42)
        assert program.expect(r"ANSWER (\S+)").group(1) == "42"


# -- commands ----------------------------------------------------------------------

def test_commands_with_parameters_and_the_text_form():
    code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("READY", address, flush=True)
    while True:
        command, params = pgnet.wait_for_command(address, wait_for_s=10)
        print("COMMAND", repr((command, params)), flush=True)
        if command in ("STOP", None):
            break
    """
    robot, address = start(code)
    with robot:
        sent = [
            (("LEFT", 0.5), ("LEFT", [0.5])),
            (("LEFT 0.5",), ("LEFT", [0.5])),
            (("TURN -90 fast",), ("TURN", [-90, "fast"])),
            (("SAY", "hello world", 3, [1, (2,)]), ("SAY", ["hello world", 3, [1, (2,)]])),
            (("FORWARD",), ("FORWARD", [])),
            (("STOP",), ("STOP", [])),
        ]
        for args, _ in sent:
            pgnet.send_command(address, *args)
        for _, expected in sent:  # in the order sent
            assert robot.expect(r"COMMAND (.*)").group(1) == repr(expected)


@pytest.mark.parametrize("bad", ["", "   ", None, 5, ["LEFT"]])
def test_a_command_must_be_a_word(bad):
    with pytest.raises(pgnet.MessageError):
        pgnet.send_command("127.0.0.1:%d" % addresses.free_port(), bad)


# -- news ---------------------------------------------------------------------------

# Publishes on argv[1]; each message to argv[2] is a list of (topic, news) to publish.
PUBLISHER = """
import sys
import pgnet
news, control = sys.argv[1], sys.argv[2]
pgnet.publish_news(news, "starting", None)
address = pgnet.listen(control)
print("READY", address, flush=True)
while True:
    items = pgnet.wait_for_message(control, wait_for_s=60)
    if items is None:
        continue
    for topic, item in items:
        pgnet.publish_news(news, topic, item)
    pgnet.send_reply(control, len(items))
"""

# Subscribes to argv[2] on argv[1]; collects news until the topic argv[3].
SUBSCRIBER = """
import sys
import pgnet
name, topic, last = sys.argv[1:4]
print("SUBSCRIBED", pgnet.subscribe(name, topic, wait_for_s=5), flush=True)
got = []
while True:
    item = pgnet.wait_for_news(name, topic, wait_for_s=10)
    if item == (None, None):
        print("TIMED OUT", flush=True)
        break
    got.append(item)
    if item[0] == last:
        break
print("GOT", repr(got), flush=True)
"""


def test_news_to_several_subscribers_with_topic_prefixes():
    news, control = unique("news"), unique("control")
    publisher, address = start(PUBLISHER, news, control)
    prefixes = ["score", "score/red", "pos", "", "chat"]
    items = [
        ("score", 1),
        ("position", (3, 4)),
        ("score/red", 2),
        ("chat", "hi"),
        ("scoreboard", [1, 2]),
        ("pos", {"x": 1.5}),
        ("chat", "bye"),
        ("weather", "sunny"),
        ("score/blue", 3),
    ] + [(prefix + "/end", None) for prefix in prefixes if prefix]
    wanted = {p: [item for item in items if item[0].startswith(p)] for p in prefixes}
    with publisher:
        subscribers = [run(SUBSCRIBER, news, p, wanted[p][-1][0]) for p in prefixes]
        try:
            for subscriber in subscribers:
                assert subscriber.expect(r"SUBSCRIBED (\S+)").group(1) == "True"
            assert pgnet.send_message(address, items, wait_for_reply_s=5) == len(items)
            for prefix, subscriber in zip(prefixes, subscribers):
                assert subscriber.expect(r"GOT (.*)").group(1) == repr(wanted[prefix]), prefix
        finally:
            for subscriber in subscribers:
                subscriber.kill()


# -- one truth: the library says at once what `pgnet send` says ---------------------------

@pytest.mark.parametrize("send", [
    lambda address: pgnet.send_message(address, "hello?"),
    lambda address: pgnet.send_command(address, "GO"),
], ids=["message", "command"])
def test_a_send_to_an_address_where_nothing_listens_warns_at_once(send):
    address = unused_address()
    started = time.monotonic()
    with pytest.warns(pgnet.NotSentWarning) as caught:
        assert send(address) is None
    assert time.monotonic() - started < 1.0  # not the 5 s wait for a reply
    assert "Not sent: nothing is listening at %s: the program has stopped, or the address is wrong." \
        % address in warning_text(caught)


def test_a_send_to_a_network_this_computer_cannot_reach_says_so_at_once(monkeypatch):
    import errno
    from pgnet import reachable

    def no_route(address, timeout_s):  # what a computer without that network answers
        return OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(reachable, "try_connection", no_route)
    address = unused_address()  # (never really tried: nothing leaves)
    with pytest.warns(pgnet.NotSentWarning) as caught:
        assert pgnet.send_message(address, "hello?") is None
    assert "cannot reach %s (Network is unreachable)" % address in warning_text(caught)


LATE_LISTENER = """
import sys, time, pgnet
name = sys.argv[1]
pgnet.advertise(name)                 # the name goes out first...
print("ADVERTISED", flush=True)
time.sleep(0.5)                       # ...and the port opens a moment later
message = pgnet.wait_for_message(name, wait_for_s=20)
pgnet.send_reply(name, message.upper())
print("COMMAND", pgnet.wait_for_command(name, wait_for_s=20)[0], flush=True)
"""


def test_a_name_advertised_before_its_port_opens_still_gets_its_message(recwarn):
    name = unique("late")
    with run(LATE_LISTENER, name) as listener:
        listener.expect(r"^ADVERTISED$")
        address = pgnet.discover(name, wait_for_s=5)
        assert pgnet.send_message(name, "early", wait_for_reply_s=10) == "EARLY"
        pgnet.send_command(address, "AFTER")  # (its address: advertised, so no check)
        listener.expect(r"^COMMAND AFTER$")
    assert not [w for w in recwarn if issubclass(w.category, pgnet.NotSentWarning)]


def test_finding_a_name_and_waiting_for_its_news_share_one_wait():
    # The name appears after 2 s and never publishes the topic: a wait of
    # 3 s ends after 3 s (finding the name and the news each had the whole
    # wait: it ended after 5).
    name = unique("late news")
    code = """
    import sys, time
    import pgnet
    time.sleep(2)
    pgnet.publish_news(sys.argv[1], "other", 0)
    print("PUBLISHING", flush=True)
    time.sleep(30)
    """
    with run(code, name) as publisher:
        started = time.monotonic()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert pgnet.wait_for_news(name, "item", wait_for_s=3) == (None, None)
        took = time.monotonic() - started
        publisher.expect(r"^PUBLISHING$")
    assert took < 4.0, "wait_for_news(wait_for_s=3) took %.1f s" % took


def test_a_message_sent_with_a_wait_of_0_still_leaves():
    # Nothing waits for its reply, but the message itself goes.
    address = pgnet.listen("127.0.0.1:%d" % addresses.free_port())
    code = """
    import sys
    import pgnet
    print("SENT", pgnet.send_message(sys.argv[1], "no wait", wait_for_reply_s=0), flush=True)
    """
    with run(code, address) as program:
        program.expect(r"^SENT None$")
        assert pgnet.wait_for_message(address, wait_for_s=10) == "no wait"
        assert program.wait(10) == 0, program.stderr_text()
    assert "No reply" not in program.stderr_text()


@pytest.mark.parametrize("wait", ["wait_for_message(address, wait_for_s=30)",
                                  "send_message(address, 'hi', wait_for_reply_s=30)",
                                  "wait_for_news(news, wait_for_s=30)",
                                  "subscribe(unused, wait_for_s=30)"])
def test_a_thread_still_waiting_when_the_program_ends_ends_quietly(wait):
    # Its socket used to be closed under it at exit: ZeroMQ aborted the
    # whole program ("Assertion failed ... signaler.cpp", exit code 134).
    code = """
    import sys, threading, time, pgnet
    address, news, unused = sys.argv[1:4]
    pgnet.listen(address)
    pgnet.publish_news(news, "nothing yet", None)
    def worker():
        while True:
            pgnet.CALL
    thread = threading.Thread(target=worker, daemon=True)
    thread.start()
    def waiting():  # (the worker is inside pgnet's wait, not on its way to it)
        frame = sys._current_frames().get(thread.ident)
        while frame is not None and frame.f_code.co_name not in ("wait", "ask", "poll"):
            frame = frame.f_back
        return frame is not None
    deadline = time.monotonic() + 10
    while not waiting() and time.monotonic() < deadline:
        time.sleep(0.01)
    print("WAITING" if waiting() else "NOT WAITING", flush=True)
    """.replace("CALL", wait)
    with run(code, unused_address(), unused_address(), unused_address()) as program:
        program.expect(r"^WAITING$")
        assert program.wait(10) == 0, program.stderr_text()
    assert "Traceback" not in program.stderr_text() and "Assertion" not in program.stderr_text()


def test_close_all_while_a_thread_publishes_leaves_nothing_behind():
    # close_all() used to close a publisher another thread was using (a raw
    # "Socket operation on non-socket"), or leave it open for good, its port
    # taken: every later publish failed.
    code = """
    import sys, threading, time, pgnet
    address = sys.argv[1]
    errors, published, stop = [], [0], []
    def worker():
        while not stop:
            try:
                pgnet.publish_news(address, "t", 1)
                published[0] += 1
            except Exception as error:
                errors.append(repr(error))
                time.sleep(0.05)
    threading.Thread(target=worker, daemon=True).start()
    for _ in range(40):
        time.sleep(0.005)
        pgnet.close_all()
    before = published[0]
    deadline = time.monotonic() + 10
    while published[0] < before + 100 and time.monotonic() < deadline:
        time.sleep(0.01)
    stop.append(True)
    print("PUBLISHED", published[0] - before, "ERRORS", errors[:3], flush=True)
    """
    with run(code, unused_address()) as program:
        match = program.expect(r"^PUBLISHED (\d+) ERRORS (.*)$", timeout=30)
        assert program.wait(10) == 0, program.stderr_text()
    assert match.group(2) == "[]"
    assert int(match.group(1)) >= 100


@pytest.mark.parametrize("send", ["send_command(address, 'GO', n)",
                                  "publish_news(news, 'count', n)",
                                  "send_message(address, n, wait_for_reply_s=0)"])
def test_a_thread_still_sending_when_the_program_ends_ends_quietly(send):
    # Its sender or publisher was closed under it at exit: a raw ZeroMQ
    # traceback, or a misleading "too many open" one, now and then an abort.
    code = """
    import sys, threading, time, pgnet
    address, news = sys.argv[1:3]
    pgnet.listen(address)
    sent = [0]
    def worker():
        n = 0
        while True:
            pgnet.CALL
            n += 1
            sent[0] = n
    threading.Thread(target=worker, daemon=True).start()
    deadline = time.monotonic() + 10
    while sent[0] < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    print("SENDING", sent[0], flush=True)
    """.replace("CALL", send)
    for _ in range(3):  # (it went wrong about one time in two)
        with run(code, unused_address(), unused_address()) as program:
            program.expect(r"^SENDING \d{3,}")
            assert program.wait(10) == 0, program.stderr_text()
        assert "Traceback" not in program.stderr_text(), program.stderr_text()



def test_a_command_after_a_message_with_no_wait_is_not_kept_for_a_robot_that_starts_later():
    # A command is for now: one sent while nothing listens must never reach
    # a robot that starts later (a wait-0 message's socket, kept, once took
    # the robot for there and queued the command).
    address = unused_address()
    client = run("""
    import sys, time, warnings, pgnet
    warnings.simplefilter("ignore")
    pgnet.send_message(sys.argv[1], "hello robot", wait_for_reply_s=0)
    pgnet.send_command(sys.argv[1], "FORWARD", 1.0)
    print("SENT", flush=True)
    time.sleep(15)   # (its sockets stay open meanwhile)
    """, address)
    with client:
        client.expect(r"^SENT$")
        robot = run("""
        import sys, pgnet
        print("GOT", pgnet.wait_for_command(sys.argv[1], wait_for_s=3), flush=True)
        """, address)
        with robot:
            assert robot.expect(r"^GOT (.*)$", timeout=20).group(1) == "(None, None)"


def test_close_all_neither_waits_for_waiting_threads_nor_hands_out_closed_sockets():
    # It waited a quarter of a second for each thread waiting on a listener
    # (2 s for 8), and meanwhile gave closed sockets to a thread sending:
    # raw "Socket operation on non-socket" errors.
    code = """
    import sys, threading, time, warnings, pgnet
    warnings.simplefilter("ignore")
    target, waiting_on = sys.argv[1], sys.argv[2:]
    pgnet.listen(target)
    errors, sent, stop = [], [0], []
    for address in waiting_on:
        threading.Thread(target=pgnet.wait_for_message, args=(address, 30), daemon=True).start()
    def sender():
        while not stop:
            try:
                pgnet.send_command(target, "GO")
                sent[0] += 1
            except Exception as error:
                errors.append(repr(error))
    threading.Thread(target=sender, daemon=True).start()
    while sent[0] < 100:
        time.sleep(0.01)
    started = time.monotonic()
    pgnet.close_all()
    took = time.monotonic() - started
    before = sent[0]
    while sent[0] < before + 100:
        time.sleep(0.01)
    stop.append(True)
    print("TOOK %.2f ERRORS %s" % (took, errors[:3]), flush=True)
    """
    with run(code, unused_address(), *[unused_address() for _ in range(8)]) as program:
        match = program.expect(r"^TOOK ([\d.]+) ERRORS (.*)$", timeout=30)
        assert program.wait(10) == 0, program.stderr_text()
    assert match.group(2) == "[]"
    assert float(match.group(1)) < 1.0
