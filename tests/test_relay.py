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
