"""Discovery between real processes: advertise, discover, discover_all,
unadvertise, goodbyes, crashes, duplicate names, and what goes on the wire.

This test process is a pgnet peer too: it watches the others through its
own discovery beacon. All traffic stays on loopback (conftest.py).
"""

import os
import signal
import socket
import time

import msgpack
import pytest

import pgnet
from pgnet import discovery
from support import ECHO_SERVICE, run, start, unique, wait_until, warning_text

# A program that starts, finds argv[1] and prints how long that took.
FIND = """
import sys, time
import pgnet
started = time.monotonic()
address = pgnet.discover(sys.argv[1], wait_for_s=5)
took = time.monotonic() - started
print("FOUND", address, "%.6f" % took, flush=True)
print("ALL", sorted(pgnet.discover_all()), flush=True)
"""


def start_service(name, ident="svc"):
    return start(ECHO_SERVICE, name, ident)


def known(name):
    """The address this process's beacon has for ``name`` right now."""
    return dict(pgnet.discover_all()).get(name)


# -- advertise and discover ------------------------------------------------------

def test_advertise_returns_at_once():
    name = unique("fast")
    started = time.monotonic()
    address = pgnet.advertise(name)
    took = time.monotonic() - started
    print("MEASURED advertise() took %.2f ms" % (took * 1000))
    assert took < 0.1
    assert address.startswith("127.0.0.1:")
    assert pgnet.advertise(name) == address  # again: the same address
    assert pgnet.discover(name, wait_for_s=5) == address
    pgnet.unadvertise(name)


def test_discover_from_another_process_and_message_it():
    name = unique("robot")
    with start_service(name, "the robot")[0]:
        address = pgnet.discover(name, wait_for_s=5)
        assert address is not None
        assert pgnet.send_message(address, "ping", wait_for_reply_s=5) == ["the robot", "ping"]
        # A name works wherever an address does.
        assert pgnet.send_message(name, "pong", wait_for_reply_s=5) == ["the robot", "pong"]


def test_fresh_process_finds_a_running_service_quickly():
    name = unique("running")
    service, address = start_service(name)
    with service:
        timings = []
        for _ in range(3):
            with run(FIND, name) as finder:
                match = finder.expect(r"FOUND (\S+) (\S+)")
                assert match.group(1) == address
                timings.append(float(match.group(2)))
                listed = finder.expect(r"ALL (.*)").group(1)
                assert repr((name, address)) in listed
        print("MEASURED discover() from a fresh process: %s ms"
              % ", ".join("%.1f" % (t * 1000) for t in timings))
        assert max(timings) < 1.0


def test_discover_all_lists_services_with_their_addresses():
    first, second = unique("one"), unique("two")
    one, one_address = start_service(first)
    two, two_address = start_service(second)
    with one, two:
        wait_until(lambda: known(first) and known(second), timeout=5, message="both services")
        listed = pgnet.discover_all()
        assert (first, one_address) in listed and (second, two_address) in listed
        assert listed == sorted(listed)
        assert all(isinstance(name, str) and pgnet.is_address(address) for name, address in listed)


def test_discover_of_an_unknown_name_warns_and_returns_none():
    started = time.monotonic()
    with pytest.warns(pgnet.NotFoundWarning) as warned:
        assert pgnet.discover(unique("nobody"), wait_for_s=0.3) is None
    took = time.monotonic() - started
    assert 0.3 <= took < 1.0
    assert "No program called" in warning_text(warned)


def test_names_with_spaces_and_unicode():
    name = "Mrs Smith's robot 🤖 é " + unique("x")
    with start_service(name, "unicode")[0]:
        address = pgnet.discover(name, wait_for_s=5)
        assert pgnet.send_message(address, "hi", wait_for_reply_s=5) == ["unicode", "hi"]
        assert name in dict(pgnet.discover_all())


def test_longest_name_works_and_longer_is_refused():
    longest = unique("L").ljust(discovery.MAX_NAME_LENGTH, "é")
    assert len(longest) == pgnet.MAX_NAME_LENGTH
    address = pgnet.advertise(longest)
    assert pgnet.discover(longest, wait_for_s=5) == address
    pgnet.unadvertise(longest)
    with pytest.raises(pgnet.ServiceNameError) as error:
        pgnet.advertise(longest + "x")
    assert "limit is %d" % pgnet.MAX_NAME_LENGTH in str(error.value)


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "tab\there", "csi\x9b2J", "del\x7f", "rtl\u202eoverride",
                                  42, None, b"pong", "10.0.0.1:5000"])
def test_bad_names_raise_service_name_error(name):
    for use in (pgnet.advertise, pgnet.discover, pgnet.unadvertise):
        with pytest.raises(pgnet.ServiceNameError):
            use(name)


def test_empty_name_error_says_what_to_do():
    with pytest.raises(pgnet.ServiceNameError) as error:
        pgnet.advertise("")
    assert "cannot be empty" in str(error.value)


# -- leaving ------------------------------------------------------------------------

def test_killed_advertiser_disappears_within_a_few_seconds():
    name = unique("crash")
    service, address = start_service(name)
    with service:
        assert pgnet.discover(name, wait_for_s=5) == address
        started = time.monotonic()
        service.kill(signal.SIGKILL)  # no chance to say bye
        wait_until(lambda: known(name) is None, timeout=6, message="the killed service to go")
        took = time.monotonic() - started
    print("MEASURED killed advertiser gone after %.2f s (TTL %g s)" % (took, pgnet.settings.advert_ttl_s))
    assert took <= 4.0


@pytest.mark.parametrize("how", ["SIGTERM", "normal exit"])
def test_goodbye_makes_a_service_disappear_at_once(how):
    name = unique("polite")
    service, address = start_service(name)
    with service:
        assert pgnet.discover(name, wait_for_s=5) == address
        started = time.monotonic()
        if how == "SIGTERM":
            service.process.send_signal(signal.SIGTERM)
            # Ended as sys.exit(143) does, so that atexit (and the bye) ran.
            assert service.wait(5) == 128 + signal.SIGTERM
        else:
            assert pgnet.send_message(address, "quit", wait_for_reply_s=5) == "bye"
            assert service.wait(5) == 0
        wait_until(lambda: known(name) is None, timeout=5, message="the service to go")
        took = time.monotonic() - started
    print("MEASURED %s: gone after %.3f s" % (how, took))
    assert took < 1.5  # well under the TTL: it said bye


def test_unadvertise_from_another_process():
    name = unique("shy")
    service, address = start_service(name)
    with service:
        assert pgnet.discover(name, wait_for_s=5) == address
        started = time.monotonic()
        assert pgnet.send_message(address, "unadvertise", wait_for_reply_s=5) == "done"
        wait_until(lambda: known(name) is None, timeout=5, message="the name to go")
        assert time.monotonic() - started < 1.5
        # Still listening, just no longer findable by name.
        assert pgnet.send_message(address, "still there?", wait_for_reply_s=5) == ["svc", "still there?"]
        assert known(name) is None


def test_unadvertise_in_this_process(recwarn):
    name = unique("local")
    pgnet.advertise(name)
    assert pgnet.discover(name, wait_for_s=5)
    pgnet.unadvertise(name)
    wait_until(lambda: known(name) is None, timeout=2, message="the name to go")
    assert "was not advertising" not in warning_text(recwarn)
    pgnet.unadvertise(name)  # a second time: a warning, not an error
    assert "was not advertising" in warning_text(recwarn)
    assert recwarn.pop(pgnet.UsageWarning)


def test_unadvertise_is_final_even_while_adverts_are_going_out(monkeypatch):
    # An advert sent just after the bye would bring the name back for a
    # whole TTL. Adverts every 5 ms make that race likely if it exists.
    monkeypatch.setattr(pgnet.settings, "advert_interval_s", 0.005)
    for _ in range(200):
        name = unique("flicker")
        pgnet.advertise(name)
        wait_until(lambda: known(name), timeout=2, interval=0.001, message="the name")
        pgnet.unadvertise(name)
        wait_until(lambda: known(name) is None, timeout=1, message="the name to go for good")


# -- two programs, one name ------------------------------------------------------

def test_same_name_twice_warns_and_the_first_advertiser_wins():
    name = unique("twin")
    first, first_address = start_service(name, "first")
    with first:
        assert pgnet.discover(name, wait_for_s=5) == first_address
        second, second_address = start_service(name, "second")
        with second:
            assert second_address != first_address
            # The second warns. (The first warns too if it heard the second
            # before the second learnt of it and went quiet.)
            wait_until(lambda: "Two programs are advertising the name" in second.stderr_text(),
                       timeout=5, message="the duplicate-name warning")
            assert "Others will find the other one" in second.stderr_text()
            assert "Others will find the other one" not in first.stderr_text()
            # Everyone agrees on the first one: this process, fresh ones, by name.
            for _ in range(8):
                with run(FIND, name) as finder:
                    assert finder.expect(r"FOUND (\S+)").group(1) == first_address
            for _ in range(5):
                assert pgnet.discover(name, wait_for_s=5) == first_address
                assert pgnet.send_message(name, "who?", wait_for_reply_s=5) == ["first", "who?"]
            # When the first goes, the name passes to the second.
            assert pgnet.send_message(first_address, "quit", wait_for_reply_s=5) == "bye"
            wait_until(lambda: known(name) == second_address, timeout=5, message="the second to take over")


# A fresh program that advertises argv[1] only if no one else has it.
ADVERTISE_UNIQUE = """
import sys, pgnet
print("GOT", pgnet.advertise(sys.argv[1], unique=True), flush=True)
"""


def test_advertise_can_refuse_a_name_another_program_has():
    name = unique("quiz master")
    holder, address = start_service(name, "holder")
    with holder:
        assert pgnet.discover(name, wait_for_s=5) == address
        with pytest.warns(pgnet.NameClashWarning, match="already advertises the name"):
            assert pgnet.advertise(name, unique=True) is None
        assert name not in discovery.local_names()
        # A program that has just started asks the network first.
        with run(ADVERTISE_UNIQUE, name) as fresh:
            assert fresh.expect(r"^GOT (.*)$").group(1) == "None"
            assert fresh.wait() == 0
            assert "already advertises the name" in fresh.stderr_text()
        assert pgnet.send_message(name, "who?", wait_for_reply_s=5) == ["holder", "who?"]
    free = unique("free")
    mine = pgnet.advertise(free, unique=True)
    assert pgnet.is_address(mine)
    assert pgnet.advertise(free, unique=True) == mine  # already ours: the same address
    pgnet.unadvertise(free)


def test_discover_group_lists_the_names_of_one_group():
    group = unique("class")
    mine = [group + "/ada", group + "/bob"]
    addresses_of = {name: pgnet.advertise(name) for name in mine + [group + ":colon", group + "x/no"]}
    other, other_address = start_service(group + "/zoe", "zoe")
    with other:
        pgnet.discover(group + "/zoe", wait_for_s=5)
        everyone = dict(mine=[(n, addresses_of[n]) for n in mine] + [(group + "/zoe", other_address)])
        assert pgnet.discover_group(group) == sorted(everyone["mine"])
        assert pgnet.discover_group(group, exclude=group + "/ada") == sorted(everyone["mine"])[1:]
        assert pgnet.discover_group(group, exclude=[group + "/ada", group + "/zoe"]) == [
            (group + "/bob", addresses_of[group + "/bob"])]
        assert pgnet.discover_group(group, separator=":") == [(group + ":colon", addresses_of[group + ":colon"])]
        assert pgnet.discover_group(unique("empty")) == []
    for name in addresses_of:
        pgnet.unadvertise(name)


def test_waiting_for_a_name_with_no_time_limit():
    name = unique("late")
    code = """
    import sys, pgnet
    print("LOOKING", flush=True)
    print("FOUND", pgnet.discover(sys.argv[1], wait_for_s=pgnet.FOREVER), flush=True)
    """
    with run(code, name) as seeker:
        seeker.expect("LOOKING")
        address = pgnet.advertise(name)
        assert seeker.expect(r"FOUND (\S+)").group(1) == address
    pgnet.unadvertise(name)


# -- what goes on the wire -------------------------------------------------------

class PacketWatcher:
    """A plain UDP socket sharing the discovery port, recording packets."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        self.socket.bind(("", int(os.environ["PGNET_DISCOVERY_PORT"])))
        self.socket.settimeout(0.05)
        self.packets = []

    def collect(self):
        """Read what has arrived; return the number of packets read."""
        count = 0
        while True:
            try:
                data, _ = self.socket.recvfrom(65536)
            except socket.timeout:
                return count
            count += 1
            if data.startswith(b"PGNET1"):
                try:
                    self.packets.append(msgpack.unpackb(data[6:], strict_map_key=False))
                except Exception:
                    pass

    def close(self):
        self.socket.close()


def test_a_program_that_only_discovers_sends_queries_but_no_adverts():
    code = """
    import sys
    import pgnet
    print("INSTANCE", pgnet.discovery.get_beacon().instance, flush=True)
    found = pgnet.discover(sys.argv[1], wait_for_s=5)
    pgnet.discover_all()
    # Long enough for several advert intervals: it still must not advertise.
    missing = pgnet.discover(sys.argv[2], wait_for_s=1.6)
    print("DONE", found, missing, flush=True)
    """
    name = unique("seen")
    watcher = PacketWatcher()
    try:
        with start_service(name)[0]:
            with run(code, name, unique("missing")) as finder:
                instance = finder.expect(r"INSTANCE (\w+)").group(1)
                wait_until(lambda: watcher.collect() == 0 and finder.process.poll() is not None,
                           timeout=10, message="the finder to finish")
                assert finder.expect(r"DONE (\S+) (\S+)").group(2) == "None"
        from_finder = [p for p in watcher.packets if p.get("i") == instance]
        kinds = [p["t"] for p in from_finder]
        assert kinds.count("query") >= 3  # one at start, then while it looks
        assert set(kinds) == {"query"}
        # The advertiser's adverts came through the same socket: the watcher works.
        assert any(p.get("t") == "advert" and p.get("n") == name for p in watcher.packets)
    finally:
        watcher.close()


# -- a crowded room ------------------------------------------------------------------

def test_discover_all_lists_a_name_as_soon_as_advertise_returns():
    for _ in range(20):
        name = unique("at-once")
        pgnet.advertise(name)
        assert name in dict(pgnet.discover_all())
        pgnet.unadvertise(name)


def _wakeups(thread_id):
    with open("/proc/self/task/%d/status" % thread_id) as status:
        return sum(int(line.split()[1]) for line in status
                   if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")))


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc (Linux)")
def test_an_idle_beacon_sleeps_until_a_packet_comes():
    # A beacon of its own, on a port of its own: nothing else talks to it.
    from pgnet.addresses import free_port

    peer = discovery.Beacon(port=free_port())
    try:
        time.sleep(0.3)  # its start-up query and anything it set off
        before = _wakeups(peer.thread_id)
        time.sleep(1.0)
        assert _wakeups(peer.thread_id) - before <= 2  # (was 10 a second)
    finally:
        peer.close()


def test_a_new_program_asks_for_a_name_only_if_its_first_question_did_not_bring_it(monkeypatch):
    # Its first question ("who is there?") is answered by every program:
    # asking for the name at once as well doubled what every computer sent
    # it, and another computer answers one computer only so often.
    name = unique("found")
    asked = []
    real = discovery.Beacon.send_query
    monkeypatch.setattr(discovery.Beacon, "send_query",
                        lambda peer, wanted, every=False: asked.append(wanted) or real(peer, wanted, every))
    program, address = start(ECHO_SERVICE, name, "1")
    with program:
        peer = discovery.Beacon()
        try:
            assert peer.wait_for(name, 5) == address
        finally:
            peer.close()
    assert asked == [None]
