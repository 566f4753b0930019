"""pgnet.osc in a plain program: listen, wait_for_osc, on() handlers, sending
to an address or a name, bundles delivered at their time and in time order,
and what it does with floods, garbage and packets too big (dropped, counted,
one warning)."""

import socket
import subprocess
import sys
import time
import warnings

import pytest

import pgnet
from pgnet.osc import hub as osc_hub
from pgnet.osc import packets
from support import unique, wait_until, warning_text


@pytest.fixture(autouse=True)
def fresh_osc():
    yield
    pgnet.osc.close()


@pytest.fixture
def port():
    """The port this test listens for OSC on."""
    return int(pgnet.osc.listen("127.0.0.1").rpartition(":")[2])


@pytest.fixture
def raw():
    """A plain UDP socket: another program that sends OSC (or not)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        yield sock


def test_import_pgnet_needs_no_osc_packages_and_osc_needs_no_pygame():
    code = ("import sys, pgnet, pgnet.osc; pgnet.osc.listen(); "
            "print(sorted(m for m in ('pythonosc', 'zeroconf', 'pygame') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_a_message_arrives_with_its_sender(port, raw):
    raw.sendto(packets.encode_message("/pad/1", [1, 2.5, "hi", b"\x01"]), ("127.0.0.1", port))
    address, args, sender = pgnet.osc.wait_for_osc(wait_for_s=5)
    assert (address, args) == ("/pad/1", [1, 2.5, "hi", b"\x01"])
    assert sender == "127.0.0.1:%d" % raw.getsockname()[1]
    assert pgnet.osc.wait_for_osc(wait_for_s=0) == (None, None, None)
    assert pgnet.osc.counts() == {"received": 1}


def test_wait_for_osc_with_a_pattern_skips_the_others(port, raw):
    for address in ["/accxyz", "/pad/1", "/accxyz", "/pad/2"]:
        raw.sendto(packets.encode_message(address, []), ("127.0.0.1", port))
    assert pgnet.osc.wait_for_osc("/pad/*", wait_for_s=5)[0] == "/pad/1"
    assert pgnet.osc.wait_for_osc("/pad/*", wait_for_s=5)[0] == "/pad/2"


def test_handlers_get_what_they_ask_for(port):
    seen = []

    @pgnet.osc.on("/pad/[12]")
    def pad(args, address):
        seen.append((address, args))

    pgnet.osc.on("/{pad,fader}/*")(lambda sender: seen.append(sender[:10]))
    for address in ["/pad/1", "/pad/3", "/other"]:
        pgnet.osc.send(port, address, 7)
        assert pgnet.osc.wait_for_osc(wait_for_s=5)[0] == address
    assert seen == [("/pad/1", [7]), "127.0.0.1:", "127.0.0.1:"]
    with pytest.raises(TypeError, match="address, args and sender"):
        pgnet.osc.on("/x")(lambda message: None)


def test_wait_for_osc_before_listen_says_what_to_do():
    with pytest.raises(pgnet.PgnetError, match=r"listen\(PORT\) first"):
        pgnet.osc.wait_for_osc(wait_for_s=0)
    with pytest.raises(ValueError):
        pgnet.osc.wait_for_osc(wait_for_s=-1)


def test_send_to_a_name_finds_its_osc_port():
    name = unique("drums")
    pgnet.osc.listen("127.0.0.1", name=name)
    assert pgnet.discover(pgnet.osc.service_name(name), wait_for_s=5) is not None
    assert pgnet.osc.send(name, "/hit", 1) is True
    assert pgnet.osc.wait_for_osc(wait_for_s=5)[:2] == ("/hit", [1])
    with pytest.warns(pgnet.NotFoundWarning, match="/osc"):
        assert pgnet.osc.send(unique("nobody"), "/x", wait_for_s=0.2) is False


def test_bundles_are_delivered_together_at_their_time_in_time_order(port):
    start = time.time()
    # Sent latest first: delivered in the order of their times.
    pgnet.osc.send_bundle(port, [("/third", 3)], at=start + 0.6)
    pgnet.osc.send_bundle(port, [("/first", 1), ("/second", 2)], at=start + 0.3)
    pgnet.osc.send_bundle(port, [("/now", 0)])
    arrived = []
    while len(arrived) < 4:
        address, args, _ = pgnet.osc.wait_for_osc(wait_for_s=5)
        assert address is not None, arrived
        arrived.append((address, time.time() - start))
    assert [a for a, _ in arrived] == ["/now", "/first", "/second", "/third"]
    times = dict(arrived)
    assert times["/now"] < 0.25
    for address, due in [("/first", 0.3), ("/second", 0.3), ("/third", 0.6)]:
        assert due <= times[address] < due + 0.25, arrived  # never early
    assert times["/second"] - times["/first"] < 0.01  # together


def test_a_bundle_in_the_past_is_delivered_at_once(port):
    pgnet.osc.send_bundle(port, [("/late", 1)], at=time.time() - 60)
    assert pgnet.osc.wait_for_osc(wait_for_s=0.5)[0] == "/late"


def test_garbage_and_packets_too_big_are_dropped_counted_and_warned_once(port, raw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for data in [b"hello", b"/x\x00\x00,q\x00\x00", b"/" + b"x" * packets.MAX_PACKET_BYTES] * 3:
            raw.sendto(data, ("127.0.0.1", port))
        raw.sendto(packets.encode_message("/fine", []), ("127.0.0.1", port))
        assert pgnet.osc.wait_for_osc(wait_for_s=5)[0] == "/fine"
    assert pgnet.osc.counts() == {"malformed": 6, "too big": 3, "received": 1}
    pgnets = [w.category for w in caught if issubclass(w.category, pgnet.PgnetWarning)]
    assert pgnets == [pgnet.DroppedMessageWarning] * 2, warning_text(caught)
    assert "not OSC" in warning_text(caught) and "too big" not in warning_text(caught).lower()


def test_a_flood_is_dropped_and_counted_never_queued_without_end(port, raw):
    sent = 3000
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for number in range(sent):
            raw.sendto(packets.encode_message("/n", [number]), ("127.0.0.1", port))
        numbers = []
        while True:
            address, args, _ = pgnet.osc.wait_for_osc(wait_for_s=0.3)
            if address is None:
                break
            numbers.append(args[0])
        # Linux counts the packets it dropped on the next one that arrives.
        pgnet.osc.send(port, "/end")
        assert pgnet.osc.wait_for_osc(wait_for_s=5)[0] == "/end"
    counts = pgnet.osc.counts()
    assert numbers == sorted(numbers)  # in order
    assert counts["received"] == len(numbers) + 1 < sent
    if sys.platform.startswith("linux"):  # every drop counted
        assert counts["received"] + counts["flood"] == sent + 1, counts
    # One warning for the flood (others may come from this test process's
    # own discovery, which runs in a thread of its own).
    osc_warnings = [w for w in caught if w.category is pgnet.DroppedMessageWarning]
    assert len(osc_warnings) == 1 and "faster" in str(osc_warnings[0].message), warning_text(caught)


def test_future_bundles_wait_in_a_bounded_queue(port, monkeypatch):
    monkeypatch.setattr(osc_hub, "SCHEDULED_MESSAGES", 4)
    later = time.time() + 3600
    with pytest.warns(pgnet.DroppedMessageWarning, match="time-tagged"):
        for _ in range(3):
            pgnet.osc.send_bundle(port, [("/a", 1), ("/b", 2)], at=later)
        pgnet.osc.send(port, "/now")
        assert pgnet.osc.wait_for_osc(wait_for_s=5)[0] == "/now"
    assert pgnet.osc.counts()["too many waiting"] == 1
    assert osc_hub.default.scheduled_count == 4


class Unreachable:
    """A socket whose sends fail, as they do to a network that is down."""

    def sendto(self, data, where):
        raise OSError(101, "Network is unreachable")


def test_sends_that_cannot_work_say_why(port, monkeypatch):
    with pytest.raises(pgnet.MessageError):
        pgnet.osc.send(port, "no slash")
    with pytest.raises(pgnet.MessageError, match="tuple"):
        pgnet.osc.send_bundle(port, ["/a"])
    with pytest.raises(pgnet.AddressError):
        pgnet.osc.send("10.0.0.300:5", "/x")
    monkeypatch.setattr(osc_hub.Hub, "_sending_socket", lambda hub: Unreachable())
    with pytest.warns(pgnet.NotSentWarning, match="Could not send OSC to 10.1.2.3:9000: Network is unreachable"):
        assert pgnet.osc.send("10.1.2.3:9000", "/x") is False


def test_a_port_in_use_is_an_address_error(port):
    with pytest.raises(pgnet.AddressError, match="taken"):
        pgnet.osc.listen("127.0.0.1:%d" % port)


def test_close_frees_the_port_and_the_name():
    name = unique("synth")
    address = pgnet.osc.listen("127.0.0.1", name=name)
    pgnet.osc.close()
    wait_until(lambda: pgnet.discover(pgnet.osc.service_name(name), wait_for_s=0) is None,
               message="the name to go")
    assert pgnet.osc.listen(address) == address  # the port is free again

