"""Messages, commands and news between real processes over loopback.

Every wait is a condition with a deadline (Program.expect, wait_until, the
library's own time limits); nothing sleeps and hopes.
"""

import statistics
import time

import pytest

import pgnet
from pgnet import addresses
from support import ECHO_SERVICE, run, start, unique, warning_text


@pytest.fixture(scope="module")
def echo():
    """An echo service: its name and address."""
    name = unique("echo")
    program, address = start(ECHO_SERVICE, name, "echo")
    with program:
        yield name, address
        assert program.process.poll() is None, program.stderr_text()


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


def test_after_a_timeout_the_next_message_works_and_the_late_reply_is_not_taken():
    code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("READY", address, flush=True)
    first = pgnet.wait_for_message(address, wait_for_s=10)
    print("HOLDING", first, flush=True)
    pgnet.wait_for_command(address, wait_for_s=10)          # "now answer"
    pgnet.send_reply(address, "reply to " + first)           # too late
    second = pgnet.wait_for_message(address, wait_for_s=10)
    pgnet.send_reply(address, "reply to " + second)
    print("DONE", flush=True)
    """
    listener, address = start(code)
    with listener:
        started = time.monotonic()
        with pytest.warns(pgnet.NoReplyWarning) as warned:
            assert pgnet.send_message(address, "slow", wait_for_reply_s=0.3) is None
        took = time.monotonic() - started
        assert 0.3 <= took < 1.0
        assert "No reply" in warning_text(warned)
        listener.expect(r"HOLDING slow")
        pgnet.send_command(address, "NOW")
        assert pgnet.send_message(address, "fast", wait_for_reply_s=5) == "reply to fast"
        listener.expect(r"DONE")


def test_replies_never_reach_the_wrong_requester(echo):
    # Two programs fire requests at one listener at the same time; each
    # checks that every reply is the answer to its own request.
    code = """
    import sys, time
    import pgnet
    target, tag, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    me = pgnet.listen("127.0.0.1")
    print("READY", me, flush=True)
    pgnet.wait_for_command(me, wait_for_s=10)                 # start together
    started = time.monotonic()
    wrong = 0
    for number in range(count):
        request = [tag, number]
        reply = pgnet.send_message(target, request, wait_for_reply_s=5)
        if reply != ["echo", request]:
            wrong += 1
            print("WRONG", request, reply, flush=True)
    print("RESULT", wrong, started, time.monotonic(), flush=True)
    """
    _, address = echo
    first, first_address = start(code, address, "A", 300)
    second, second_address = start(code, address, "B", 300)
    with first, second:
        pgnet.send_command(first_address, "GO")
        pgnet.send_command(second_address, "GO")
        results = [p.expect(r"RESULT (\d+) (\S+) (\S+)", timeout=30).groups() for p in (first, second)]
    assert [int(wrong) for wrong, _, _ in results] == [0, 0]
    starts = [float(s) for _, s, _ in results]
    ends = [float(e) for _, _, e in results]
    assert max(starts) < min(ends), "the two requesters did not overlap"


def test_a_message_sent_while_waiting_for_a_command_is_kept():
    receiver_code = """
    import pgnet
    address = pgnet.listen("127.0.0.1")
    print("READY", address, flush=True)
    command, params = pgnet.wait_for_command(address, wait_for_s=10)
    print("COMMAND", command, flush=True)
    message = pgnet.wait_for_message(address, wait_for_s=0)   # already here
    print("MESSAGE", message, flush=True)
    pgnet.send_reply(address, "got " + message)
    """
    # In game (events) mode sends return at once, so this program can send a
    # message and then a command down the same connection, in that order.
    sender_code = """
    import sys, time
    import pgnet
    from pgnet import messaging
    messaging.use_events()
    pgnet.send_message(sys.argv[1], "hello")
    pgnet.send_command(sys.argv[1], "GO")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replies = [a.data for a in messaging.pump() if a.kind == "reply"]
        if replies:
            print("REPLY", replies[0], flush=True)
            break
        time.sleep(0.01)  # a game frame; the loop ends at the deadline
    """
    receiver, address = start(receiver_code)
    with receiver, run(sender_code, address) as sender:
        assert receiver.expect(r"COMMAND (\S+)").group(1) == "GO"
        assert receiver.expect(r"MESSAGE (.*)").group(1) == "hello"
        assert sender.expect(r"REPLY (.*)").group(1) == "got hello"


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
    with pytest.raises(ValueError):
        pgnet.wait_for_message(port, wait_for_s=-1)


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


def test_subscribe_in_the_program_that_publishes():
    port = addresses.free_port()
    pgnet.publish_news(port, "nobody yet", 0)
    address = "127.0.0.1:%d" % port
    assert pgnet.subscribe(address, "mine", wait_for_s=5) is True
    pgnet.publish_news(port, "other", 1)
    pgnet.publish_news(port, "mine", (1, 2))
    assert pgnet.wait_for_news(address, "mine", wait_for_s=5) == ("mine", (1, 2))


def test_news_right_after_subscribing_to_a_second_topic_arrives():
    # subscribe() returns True only once the publisher has the topic, even on
    # a connection that was welcomed long ago.
    for number in range(20):
        port = addresses.free_port()
        pgnet.publish_news(port, "nobody yet", 0)
        address = "127.0.0.1:%d" % port
        assert pgnet.subscribe(address, "first", wait_for_s=5)
        assert pgnet.subscribe(address, "second", wait_for_s=5)
        pgnet.publish_news(port, "second", number)
        assert pgnet.wait_for_news(address, "second", wait_for_s=0.2) == ("second", number)


# -- roles ----------------------------------------------------------------------------

def test_one_program_listens_publishes_and_sends_at_once(echo):
    code = """
    import sys
    import pgnet
    listen_on, publish_on, send_to = sys.argv[1:4]
    pgnet.listen(listen_on)
    pgnet.publish_news(publish_on, "starting", None)
    print("READY", pgnet.discover(listen_on), flush=True)
    while True:
        message = pgnet.wait_for_message(listen_on, wait_for_s=60)
        if message == "go":
            answer = pgnet.send_message(send_to, "from the busy one", wait_for_reply_s=5)
            pgnet.publish_news(publish_on, "result", answer)
            pgnet.send_reply(listen_on, "done")
    """
    echo_name, _ = echo
    listen_on, publish_on = unique("busy"), unique("busy-news")
    busy, _ = start(code, listen_on, publish_on, echo_name)
    with busy:
        assert pgnet.subscribe(publish_on, "result", wait_for_s=5) is True
        assert pgnet.send_message(listen_on, "go", wait_for_reply_s=10) == "done"
        assert pgnet.wait_for_news(publish_on, "result", wait_for_s=5) == (
            "result", ["echo", "from the busy one"])
        assert len({pgnet.discover(listen_on), pgnet.discover(publish_on)}) == 2


def test_one_port_cannot_listen_and_publish():
    port = addresses.free_port()
    pgnet.listen(port)
    with pytest.raises(pgnet.SocketRoleError) as error:
        pgnet.publish_news(port, "topic", "news")
    assert "listening for messages" in str(error.value)
    assert pgnet.wait_for_message(port, wait_for_s=0) is None  # the listener still works

    other = addresses.free_port()
    pgnet.publish_news(other, "topic", "news")
    with pytest.raises(pgnet.SocketRoleError) as error:
        pgnet.wait_for_message(other, wait_for_s=0)
    assert "publishing news" in str(error.value)


def test_one_name_cannot_listen_and_publish():
    name = unique("both")
    pgnet.listen(name)
    with pytest.raises(pgnet.SocketRoleError):
        pgnet.publish_news(name, "topic", "news")
