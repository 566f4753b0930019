"""pgnet.transport, through real programs over loopback: requests matched
to their replies, inboxes that keep what a wait did not ask for, news
subscriptions confirmed, publishers kept working while a program waits.

Every wait is a condition with a deadline (Program.expect, wait_until, the
library's own time limits); nothing sleeps and hopes.
"""

import time

import pytest

import pgnet
from pgnet import addresses
from support import run, start, warning_text


# -- senders and listeners --------------------------------------------------------

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
    from pgnet import scheduler
    scheduler.use_events()
    pgnet.send_message(sys.argv[1], "hello")
    pgnet.send_command(sys.argv[1], "GO")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        replies = [a.data for a in scheduler.pump() if a.kind == "reply"]
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


# -- publishers and subscribers ----------------------------------------------------

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


def test_a_worker_threads_wait_keeps_the_publisher_working_without_holding_it_up():
    # A game publishes every frame while a worker thread waits for news from
    # elsewhere. The wait keeps the publisher working (a new subscriber is
    # greeted) but never holds it: a wait used to hold the publisher for
    # slices of 50 ms, and publish_news took 77 ms in the median frame.
    code = """
    import statistics, sys, threading, time
    import pgnet
    publish_on, elsewhere = sys.argv[1:3]
    pgnet.publish_news(publish_on, "pos", 0)

    def worker():
        while True:
            pgnet.wait_for_news(elsewhere, "nothing", wait_for_s=1)

    threading.Thread(target=worker, daemon=True).start()
    print("READY", publish_on, flush=True)
    took = []
    for frame in range(1, 241):   # 4 s at 60 frames a second
        start = time.perf_counter()
        pgnet.publish_news(publish_on, "pos", frame)
        took.append(time.perf_counter() - start)
        time.sleep(1 / 60)
    print("MEDIAN %.4f" % statistics.median(took), flush=True)
    """
    publish_on, elsewhere = ("127.0.0.1:%d" % addresses.free_port() for _ in range(2))
    with run(code, publish_on, elsewhere) as program:
        program.expect(r"^READY ")
        assert pgnet.subscribe(publish_on, "pos", wait_for_s=10)
        assert pgnet.wait_for_news(publish_on, "pos", wait_for_s=10)[0] == "pos"
        median = float(program.expect(r"^MEDIAN ([\d.]+)$", timeout=30).group(1))
    assert median < 0.010, "publish_news took %.1f ms in the median frame" % (median * 1000)
