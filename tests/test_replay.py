"""pgnet.replay: news from the first item.

A subscriber that is waiting (by name or by address) before a publisher's
first publish_news gets every item from the first one, in order, once
each; one that starts later hears nothing older; a plain ZeroMQ SUB and a
pgnet program of the previous release still get news. Real programs on one
machine and across two network namespaces, at 200 items a second.

Every wait is a condition with a deadline; the publishers' own pacing
(5 ms between items) is the workload, not a wait.
"""

import os
import shutil
import subprocess
import time

import msgpack
import pytest
import zmq

import pgnet
from pgnet import replay, transport, wire
from support import ROOT, Program, run, start, unique, wait_until

try:
    import netns
except ImportError:  # pragma: no cover
    netns = None

RATE_GAP_S = 0.005  # 200 items a second
ITEMS = 100


# -- the pieces, without a network ---------------------------------------------------

def request(token=b"0123456789abcdef"):
    return replay.REQUEST + token


def test_answer_prefix_accepts_only_requests():
    assert replay.answer_prefix(request()) == replay.ANSWER + b"0123456789abcdef"
    for other in [b"score", replay.REQUEST + b"short", request() + b"x", transport.CONFIRM + b"0" * 16]:
        assert replay.answer_prefix(other) is None


def test_answer_frames_start_with_the_confirm_prefix_old_subscribers_ignore():
    assert replay.ANSWER.startswith(transport.CONFIRM)
    early = replay.EarlyNews()
    early.look(100.0)
    early.keep(b"score", b"\x01")
    early.look(100.25)
    frames = replay.answer(early, request())
    assert len(frames) == 2
    assert all(frame.startswith(transport.CONFIRM) for frame in frames)
    assert frames[-1] == replay.ANSWER + b"0123456789abcdef" + b"e" + early.id
    assert replay.answer(None, request()) == [replay.ANSWER + b"0123456789abcdef" + b"n"]


def test_a_subscriber_asking_again_and_again_gets_no_more_than_the_budget(monkeypatch):
    monkeypatch.setattr(replay, "ANSWER_BUDGET_BYTES", 10_000)
    early = replay.EarlyNews()
    early.look(time.monotonic())
    assert early.keep(b"score", b"x" * 3000)
    answers = [replay.answer(early, request()) for _ in range(5)]
    full = [a for a in answers if a[-1].endswith(b"e" + early.id)]
    assert len(full) == 3  # 3 x 3,000 bytes fit in 10,000; then "nothing kept"
    assert all(a == [replay.ANSWER + b"0123456789abcdef" + b"n"] for a in answers[3:])


def test_early_news_lets_go_after_the_window_or_when_too_big(monkeypatch):
    early = replay.EarlyNews()
    early.look(10.0)
    assert early.keep(b"t", b"x") and not early.expired()
    early.look(10.0 + replay.WINDOW_S)
    assert not early.expired()
    early.look(10.0 + replay.WINDOW_S + 0.01)
    assert early.expired()
    monkeypatch.setattr(replay, "MAX_ITEMS", 2)
    small = replay.EarlyNews()
    small.look(0.0)
    assert small.keep(b"t", b"1") and small.keep(b"t", b"2")
    assert not small.keep(b"t", b"3")
    monkeypatch.setattr(replay, "MAX_BYTES", 10)
    assert not replay.EarlyNews().keep(b"topic", b"123456")


def catch_up_with_answer(waited_s, ages_s, end=b"e"):
    """A subscriber that has waited ``waited_s`` gets items of these ages."""
    early = replay.EarlyNews()
    now = 1000.0
    for number, age in enumerate(ages_s):
        early.look(now - age)
        early.keep(b"n", msgpack.packb(number))
    early.look(now)
    catch_up = replay.CatchUp(now - waited_s)
    catch_up.connected(now)
    catch_up.hold(b"n", msgpack.packb("held"))
    frames = replay.answer(early, catch_up.request)
    if end != b"e":
        frames[-1] = catch_up.answers + end
    given = []
    for frame in frames:
        given += catch_up.answered(frame, lambda topic: True, now)
    return catch_up, [msgpack.unpackb(body) for _, body in given]


def test_a_subscriber_gets_what_was_published_since_it_started_waiting():
    catch_up, given = catch_up_with_answer(1.0, [3.0, 1.5, 0.9, 0.2, 0.0])
    assert given == [2, 3, 4]  # in order; the held item is in the replay
    assert not catch_up.holding


def test_an_answer_that_kept_nothing_gives_out_what_was_held():
    catch_up, given = catch_up_with_answer(1.0, [0.5], end=b"n")
    assert given == ["held"]


def test_a_second_replay_from_the_same_publisher_is_not_taken_twice():
    early = replay.EarlyNews()
    early.look(5.0)
    early.keep(b"n", b"old")
    catch_up = replay.CatchUp(0.0)
    for connection, expected in [(1, [b"old"]), (2, [b"live after reconnecting"])]:
        catch_up.connected(5.0 + connection)
        catch_up.hold(b"n", b"live after reconnecting")
        given = []
        for frame in replay.answer(early, catch_up.request):
            given += catch_up.answered(frame, lambda topic: True, 5.0 + connection)
        assert [body for _, body in given] == expected, connection


def test_holding_ends_when_the_publisher_never_answers():
    catch_up = replay.CatchUp(0.0)
    catch_up.connected(1.0)
    catch_up.hold(b"n", b"a")
    assert not catch_up.overdue(1.0 + replay.HOLD_S)
    assert catch_up.overdue(1.0 + replay.HOLD_S + 0.1)
    assert catch_up.release() == [(b"n", b"a")] and not catch_up.holding


def test_holding_stops_past_what_an_inbox_takes(monkeypatch):
    monkeypatch.setattr(pgnet.settings, "inbox_items", 3)
    catch_up = replay.CatchUp(0.0)
    catch_up.connected(1.0)
    assert [catch_up.hold(b"n", b"%d" % n) for n in range(3)] == [[], [], []]
    assert catch_up.hold(b"n", b"3") == [(b"n", b"%d" % n) for n in range(4)]
    assert not catch_up.holding
    monkeypatch.setattr(pgnet.settings, "inbox_bytes", 1000)
    catch_up.connected(2.0)
    assert catch_up.hold(b"n", bytes(600)) == []
    assert len(catch_up.hold(b"n", bytes(600))) == 2 and not catch_up.holding


def test_only_well_formed_publisher_ids_are_remembered_and_only_the_latest():
    catch_up = replay.CatchUp(0.0)
    for n in range(100):
        catch_up.connected(1.0)
        catch_up.hold(b"n", b"held")
        end = catch_up.answers + b"e" + (b"%08d" % n if n % 2 else bytes(1000))
        assert catch_up.answered(end, lambda topic: True, 1.0) == ([] if n % 2 else [(b"n", b"held")])
        assert not catch_up.holding
    assert list(catch_up.from_publishers) == [b"%08d" % n for n in range(100 - 31, 100, 2)]


# -- real programs on one machine ----------------------------------------------------

#: Advertises argv[1] for news (without publishing yet: nothing is bound),
#: then, on the command GO sent to argv[2], publishes ITEMS items 200 a second.
PUBLISHER = """
import sys, time
import pgnet
news, control, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
print("READY", pgnet.advertise(news), flush=True)
while pgnet.wait_for_command(control, wait_for_s=60)[0] != "GO":
    pass
for number in range(count):
    pgnet.publish_news(news, "item", number)
    time.sleep(%r)
print("PUBLISHED", flush=True)
pgnet.wait_for_command(control, wait_for_s=60)
""" % RATE_GAP_S

#: Waits for news from argv[1] (a name or an address) until the last item.
SUBSCRIBER = """
import sys
import pgnet
source, count = sys.argv[1], int(sys.argv[2])
pgnet.wait_for_news(source, "item", wait_for_s=0)     # subscribed, nothing yet
print("WAITING", flush=True)
got = []
while not got or got[-1] != count - 1:
    topic, item = pgnet.wait_for_news(source, "item", wait_for_s=10)
    if topic is None:
        break
    got.append(item)
print("GOT", len(got), got == list(range(count)), got[:3], flush=True)
"""


def check_all_items(subscriber, count=ITEMS):
    got = subscriber.expect(r"^GOT (\d+) (\w+) (.*)$", timeout=20)
    assert (int(got.group(1)), got.group(2)) == (count, "True"), got.group(0)


def test_waiting_subscribers_get_every_item_from_the_first():
    news, control = unique("news"), unique("control")
    publisher, address = start(PUBLISHER, news, control, ITEMS)
    with publisher:
        pgnet.discover(news, wait_for_s=5)
        subscribers = [run(SUBSCRIBER, source, ITEMS) for source in (news, address)]
        try:
            for subscriber in subscribers:
                subscriber.expect("WAITING")
            pgnet.send_command(control, "GO")
            for subscriber in subscribers:  # by name, by address
                check_all_items(subscriber)
                assert subscriber.stderr_text() == ""
        finally:
            for subscriber in subscribers:
                subscriber.kill()
        assert publisher.stderr_text() == ""


def test_a_subscriber_waiting_for_a_name_not_advertised_yet_gets_every_item():
    news = unique("news")
    code = """
    import sys, time
    import pgnet
    news, count = sys.argv[1], int(sys.argv[2])
    for number in range(count):            # advertises, binds and publishes at once
        pgnet.publish_news(news, "item", number)
        time.sleep(%r)
    time.sleep(1)
    """ % RATE_GAP_S
    with run(SUBSCRIBER.replace("wait_for_s=0)", "wait_for_s=0.3)"), news, ITEMS) as subscriber:
        subscriber.expect("WAITING")
        with run(code, news, ITEMS):
            check_all_items(subscriber)


def test_a_subscriber_that_starts_later_hears_nothing_older():
    news, control = unique("news"), unique("control")
    publisher, address = start(PUBLISHER, news, control, 40)
    with publisher:
        pgnet.send_command(control, "GO")
        publisher.expect("PUBLISHED")
        # An item published a moment before a subscriber starts may still
        # reach it (the answer's age is judged on two clocks, and it takes
        # a moment to arrive): what must never come is news clearly older.
        published = time.monotonic()
        wait_until(lambda: time.monotonic() > published + 0.3, 1, message="0.3 s to pass")
        late = pgnet.wait_for_news(address, "item", wait_for_s=0.5)
        assert late == (None, None)


def test_a_plain_zeromq_sub_still_gets_news():
    news, control = unique("news"), unique("control")
    publisher, address = start(PUBLISHER, news, control, ITEMS)
    context = zmq.Context.instance()
    plain = {topic: context.socket(zmq.SUB) for topic in ("", "item")}
    with publisher:
        try:
            for topic, sock in plain.items():
                sock.setsockopt(zmq.SUBSCRIBE, topic.encode())
                sock.connect("tcp://" + address)
            # A pgnet subscriber too, whose replay request makes the
            # publisher answer while the plain ones are listening.
            with run(SUBSCRIBER, address, ITEMS) as subscriber:
                subscriber.expect("WAITING")
                pgnet.send_command(control, "GO")
                check_all_items(subscriber)
                publisher.expect("PUBLISHED")
            for topic, sock in plain.items():
                items = []
                while sock.poll(1000):
                    frames = sock.recv_multipart()
                    if len(frames) == 2:
                        assert frames[0] == b"item"
                        items.append(wire.decode(frames[1]))
                    else:  # "": welcomes and answers, one frame each
                        assert topic == "" and len(frames) == 1
                        assert frames[0].startswith(b"\x00pgnet-")
                # Plain ZeroMQ: what came after it connected, in order.
                assert items and items == list(range(items[0], ITEMS)), topic
        finally:
            for sock in plain.values():
                sock.close(0)


def old_pgnet(tmp_path):
    """A function that makes a program's code use pgnet as it was before
    news from the first item (the previous release), or skip."""
    if shutil.which("git") is None:
        pytest.skip("git is needed to take the previous release's pgnet")
    archive = subprocess.run(["git", "-C", ROOT, "archive", "2e2a554", "pgnet"], capture_output=True)
    if archive.returncode != 0:
        pytest.skip("the previous release's commit is not in this clone")
    subprocess.run(["tar", "-x", "-C", str(tmp_path)], input=archive.stdout, check=True)

    def old(code):
        return "import sys; sys.path.insert(0, %r)\n" % str(tmp_path) + code.replace(
            "import pgnet\n", "import pgnet\nassert not hasattr(pgnet, 'FOREVER'), pgnet.__file__\n", 1)
    return old


def test_programs_of_the_previous_release_still_get_news_and_give_it(tmp_path):
    old = old_pgnet(tmp_path)
    # An old subscriber of a new publisher, beside a new one whose replay it
    # sees: it gets news as before, with no warning.
    news, control = unique("news"), unique("control")
    publisher, address = start(PUBLISHER, news, control, ITEMS)
    with publisher:
        old_one = Program(["-W", "error::UserWarning", "-c", old(SUBSCRIBER), address, str(ITEMS)])
        new_one = run(SUBSCRIBER, address, ITEMS)
        with old_one, new_one:
            old_one.expect("WAITING")
            new_one.expect("WAITING")
            pgnet.send_command(control, "GO")
            check_all_items(new_one)
            got = old_one.expect(r"^GOT (\d+)", timeout=20)
            assert int(got.group(1)) > 0
            assert old_one.wait() == 0, old_one.stderr_text()
    # A new subscriber of an old publisher: news as before, with no warning.
    news, control = unique("news"), unique("control")
    with Program(["-c", old(PUBLISHER), news, control, str(ITEMS)]) as old_publisher:
        address = old_publisher.expect(r"READY (\S+)").group(1)
        with Program(["-W", "error::UserWarning", "-c", SUBSCRIBER, address, str(ITEMS)]) as new_one:
            new_one.expect("WAITING")
            pgnet.send_command(control, "GO")
            got = new_one.expect(r"^GOT (\d+)", timeout=20)
            assert int(got.group(1)) > 0
            assert new_one.wait() == 0, new_one.stderr_text()


def test_a_publisher_that_welcomes_but_never_answers_only_delays_news(monkeypatch):
    monkeypatch.setattr(replay, "HOLD_S", 0.3)
    context = zmq.Context.instance()
    fake = context.socket(zmq.XPUB)
    fake.setsockopt(zmq.XPUB_WELCOME_MSG, transport.WELCOME)
    port = fake.bind_to_random_port("tcp://127.0.0.1")
    try:
        address = "127.0.0.1:%d" % port
        assert pgnet.wait_for_news(address, "t", wait_for_s=0) == (None, None)
        deadline = time.monotonic() + 5
        while fake.poll(10) and time.monotonic() < deadline:
            fake.recv()  # the subscriptions, never answered
        fake.send_multipart([b"t", wire.encode("held")])
        started = time.monotonic()
        assert pgnet.wait_for_news(address, "t", wait_for_s=5) == ("t", "held")
        assert time.monotonic() - started < 2
    finally:
        fake.close(0)


# -- with a room password ------------------------------------------------------------

ROOM = {"PGNET_ROOM": "5B", "PGNET_PASSWORD": "tiger lily"}

#: A publisher scripted frame by frame, as a pgnet publisher sends them at
#: the worst moment: argv[1] items published before the subscriber's topics
#: were registered (so in the replay only), one that reaches it live while
#: it holds (in the replay too), the answer, then a last item. With a
#: password, an attacker's copies of two sealed items come before the last.
SCRIPTED_PUBLISHER = """
import sys, time, zmq
from pgnet import auth, news, replay, wire
before = int(sys.argv[1])
sock = zmq.Context.instance().socket(zmq.XPUB)
sock.setsockopt(zmq.XPUB_WELCOME_MSG, news.WELCOME)
sock.setsockopt(zmq.RCVTIMEO, 30000)
print("READY 127.0.0.1:%d" % sock.bind_to_random_port("tcp://127.0.0.1"), flush=True)
request = b""
while replay.answer_prefix(request) is None:
    request = sock.recv()[1:]  # its subscriptions: its topic, then the request
early, sealer, sent = replay.EarlyNews(), auth.Sealer(), []
def item(number):
    body = wire.encode(number)
    body = sealer.seal(b"news item", body) if auth.active() else body
    early.look(time.monotonic())
    early.keep(b"item", body)
    sent.append(body)
    return body
for number in range(before):
    item(number)
sock.send_multipart([b"item", item(before)])
for frame in replay.answer(early, request):
    sock.send(frame)
if auth.active():
    for copy in (sent[0], sent[before]):
        sock.send_multipart([b"item", copy])
sock.send_multipart([b"item", item(before + 1)])
time.sleep(60)
"""


@pytest.mark.parametrize("env", [{}, ROOM], ids=["without a password", "with a password"])
def test_news_held_during_the_catch_up_comes_once_with_or_without_a_password(env):
    # 100 items before: more than the replay guard's window of counters.
    with run(SCRIPTED_PUBLISHER, 100, env=env) as publisher:
        address = publisher.expect(r"READY (\S+)").group(1)
        with run(SUBSCRIBER, address, 102, env=env) as subscriber:
            check_all_items(subscriber, 102)
            assert subscriber.wait() == 0
            # The attacker's copies were refused, and said so.
            assert ("a copy of something already received" in subscriber.stderr_text()) == bool(env)


#: Two threads of one program wait for news from argv[1] (each thread has
#: a subscriber of its own), until the last item; then each says what it got.
TWO_THREADS = """
import sys, threading
import pgnet
source, count, control = sys.argv[1], int(sys.argv[2]), sys.argv[3]
subscribed = threading.Barrier(3)
got = {}
def read(name):
    items = got[name] = []
    pgnet.wait_for_news(source, "item", wait_for_s=0)
    subscribed.wait()
    while not items or items[-1] != count - 1:
        topic, item = pgnet.wait_for_news(source, "item", wait_for_s=10)
        if topic is None:
            break
        items.append(item)
threads = [threading.Thread(target=read, args=(name,)) for name in ("one", "two")]
for thread in threads:
    thread.start()
subscribed.wait()
pgnet.send_command(control, "GO")
for thread in threads:
    thread.join()
for items in got.values():
    print("GOT", len(items), items == list(range(count)), items[:3], flush=True)
"""


def test_with_a_password_two_subscribers_in_one_program_each_get_every_item():
    news, control = unique("news"), unique("control")
    with run(PUBLISHER, news, control, ITEMS, env=ROOM) as publisher:
        address = publisher.expect(r"READY (\S+)").group(1)
        with run(TWO_THREADS, address, ITEMS, control, env=ROOM) as program:
            check_all_items(program)
            check_all_items(program)
            assert program.wait() == 0, program.stderr_text()
            assert program.stderr_text() == ""


# -- two machines ------------------------------------------------------------------

@pytest.mark.skipif(netns is None or not netns.have_netns()[0], reason="needs network namespaces (root)")
def test_across_two_machines_waiting_subscribers_get_every_item():
    netns.cleanup_stale()
    with netns.Network() as net:
        alice, bob = net.add_machine("alice"), net.add_machine("bob")
        env = {"PGNET_NETWORK": ""}
        news, control = unique("news"), unique("control")
        with Program(["-c", PUBLISHER, news, control, str(ITEMS)], env=env,
                     prefix=alice.command([])) as publisher:
            address = publisher.expect(r"READY (\S+)").group(1)
            assert address.startswith(alice.address + ":")
            subscribers = [
                Program(["-c", SUBSCRIBER, source, str(ITEMS)], env=env, prefix=bob.command([]))
                for source in (news, address)
            ]
            try:
                for subscriber in subscribers:
                    subscriber.expect("WAITING", timeout=15)
                go = Program(["-c", "import pgnet, sys; pgnet.send_command(sys.argv[1], 'GO')", control],
                             env=env, prefix=bob.command([]))
                with go:
                    assert go.wait() == 0, go.stderr_text()
                for subscriber in subscribers:
                    check_all_items(subscriber)
            finally:
                for subscriber in subscribers:
                    subscriber.kill()
