"""The discovery relay, for networks that block broadcasts.

Two "classroom machines" on different subnets (10.123.0.x and 10.123.1.x)
joined by a router: ordinary connections cross it, broadcasts do not, as on
a school network with a VLAN per room. Without a relay they cannot find each
other by name; with `pgnet relay` on the router and PGNET_RELAY set, they can,
and then talk directly.
"""

import ast
import signal
import time

import pytest

try:
    from . import netns
    from .support import Program, unique
    from .test_machines import DISCOVER_ONCE, ECHO, IN_NAMESPACE, port_of, run_on
except ImportError:
    import netns
    from support import Program, unique
    from test_machines import DISCOVER_ONCE, ECHO, IN_NAMESPACE, port_of, run_on

OK, REASON = netns.have_netns()
pytestmark = pytest.mark.skipif(not OK, reason=REASON)

WATCH_UNTIL_GONE = r"""
import sys, time, pgnet
name = sys.argv[1]
pgnet.discover(name, wait_for_s=5)
print("watching", flush=True)
while name in dict(pgnet.discover_all()):
    time.sleep(0.005)
print("gone", flush=True)
"""

SEND_ONCE = r"""
import sys, pgnet
print("reply", repr(pgnet.send_message(sys.argv[1], "over the router", 5)), flush=True)
"""


@pytest.fixture
def routed():
    """Machines A (10.123.0.x) and B (10.123.1.x) and router R between them."""
    with netns.Network() as net:
        router = net.add_machine("router")
        router_far = router.add_interface(subnet=1)
        router.run(["sysctl", "-qw", "net.ipv4.ip_forward=1"], timeout=10).check_returncode()
        a = net.add_machine("alice")
        b = net.add_machine("bob", subnet=1)
        a.run(["ip", "route", "add", "10.123.1.0/24", "via", router.address], timeout=10).check_returncode()
        b.run(["ip", "route", "add", "10.123.0.0/24", "via", router_far], timeout=10).check_returncode()
        yield a, b, router, router_far


def test_without_relay_broadcasts_do_not_cross(routed):
    a, b, _, _ = routed
    name = unique("unreachable")
    with run_on(a, ECHO, name) as server:
        server.expect(r"^advertised ")
        with run_on(b, DISCOVER_ONCE.replace("wait_for_s=5", "wait_for_s=1.5"), name) as seeker:
            assert seeker.expect(r"^found (\S+) ").group(1) == "None"


def test_relay_lets_names_work_across_networks(routed):
    a, b, router, router_far = routed
    name = unique("across")
    with Program(["-m", "pgnet", "relay"], env=IN_NAMESPACE, prefix=router.command([])) as relay:
        relay.expect(r"Relaying pgnet discovery on UDP port")
        # Each side names the router by the address on its own network.
        with run_on(a, ECHO, name, env={"PGNET_RELAY": router.address}) as server:
            advertised = server.expect(r"^advertised (\S+)$").group(1)
            relay.expect(r"%s joined" % a.address.replace(".", r"\."))
            with run_on(b, DISCOVER_ONCE, name, env={"PGNET_RELAY": router_far}) as seeker:
                found = seeker.expect(r"^found (\S+) ").group(1)
            # Found at A's own address (the relay passes it on), not the router's.
            assert found == "%s:%d" % (a.address, port_of(advertised))
            with run_on(b, SEND_ONCE, name, env={"PGNET_RELAY": router_far}) as sender:
                reply = ast.literal_eval(sender.expect(r"^reply (.*)$").group(1))
            assert reply == ["echo", "over the router"]
            # A polite stop (SIGTERM) says bye, and the bye crosses the relay:
            # B forgets A well before the 2 s an unannounced exit takes.
            with run_on(b, WATCH_UNTIL_GONE, name, env={"PGNET_RELAY": router_far}) as watcher:
                watcher.expect(r"^watching")
                stopped = time.monotonic()
                server.kill(signal.SIGTERM)
                watcher.expect(r"^gone$", timeout=5)
                assert time.monotonic() - stopped < 1.0


# Keeps sending to argv[1] by name for argv[2] seconds after "GO"; counts.
KEEP_SENDING = r"""
import sys, time, pgnet
from pgnet import discovery
name, seconds = sys.argv[1], float(sys.argv[2])
print("first", pgnet.send_message(name, "hi", wait_for_reply_s=5), flush=True)
print("GO", flush=True)
time.sleep(0.5)
ok = lost = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    ok += pgnet.send_message(name, "hi", wait_for_reply_s=1) is not None
    lost += discovery.known_address(name) is None
    time.sleep(0.05)
print("counts", ok, lost, flush=True)
"""


def test_names_stay_usable_when_the_relay_stops(routed):
    a, b, router, router_far = routed
    name = unique("orphan")
    relay = Program(["-m", "pgnet", "relay"], env=IN_NAMESPACE, prefix=router.command([]))
    with relay, run_on(a, ECHO, name, env={"PGNET_RELAY": router.address}) as server:
        relay.expect(r"Relaying pgnet discovery")
        server.expect(r"^advertised ")
        with run_on(b, KEEP_SENDING, name, "4", env={"PGNET_RELAY": router_far}) as sender:
            assert sender.expect(r"^first (.*)$").group(1) == "['echo', 'hi']"
            sender.expect(r"^GO$")
            relay.kill(signal.SIGKILL)
            ok, lost = map(int, sender.expect(r"^counts (\d+) (\d+)$", timeout=20).groups())
    assert ok > 20 and lost == 0, (ok, lost)


def test_the_relay_takes_no_malformed_packet_and_bounds_its_clients():
    from pgnet.discovery import protocol, relay as relay_module
    from pgnet.addresses import free_port

    relay = relay_module.Relay(port=free_port())
    try:
        garbage = [b"", b"PGNET1", b"PGNET1\xc1", b"x" * 5000,
                   protocol.encode_packet(protocol.relayed(b"", "10.0.0.1", "r")),
                   protocol.encode_packet(dict(protocol.query(None, "i"), o=5))]
        for n, data in enumerate(garbage):
            relay.handle(data, ("10.0.0.9", 40000 + n))
        # Only the last, a fine query (with a key it does not know), made a client.
        assert set(relay.clients) == {("10.0.0.9", 40000 + len(garbage) - 1)}
        assert relay.bad_packets == len(garbage) - 1
        hello = protocol.encode_packet(protocol.hello("i"))
        for port in range(1000, 1000 + 4 * relay_module.MAX_CLIENTS_PER_IP):
            relay.handle(hello, ("10.0.0.7", port))
        assert len([c for c in relay.clients if c[0] == "10.0.0.7"]) == relay_module.MAX_CLIENTS_PER_IP
        assert relay.refused >= 3 * relay_module.MAX_CLIENTS_PER_IP - 1
    finally:
        relay.close()
