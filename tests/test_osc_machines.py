"""OSC between simulated classroom machines (network namespaces, tests/netns.py):
a "phone" on one machine drives the game on another; the game, pinned to the
school network, still hears Sonic Pi on its own computer; and a zeroconf
browser on the phone's machine finds the game's announced OSC port, as
TouchOSC would.

Safety: everything runs inside namespaces this test creates, on 10.123.x.x,
with no route anywhere else.
"""

import textwrap

import pytest

import liblo
import netns
from support import Program

OK, REASON = netns.have_netns()
pytestmark = [pytest.mark.skipif(not OK, reason=REASON), liblo.needed]

LISTENER = """
import pgnet
print("LISTENING", pgnet.osc.listen(9000, announce=True), flush=True)
while True:
    address, args, sender = pgnet.osc.wait_for_osc(wait_for_s=60)
    print("OSC", address, args, sender, flush=True)
"""

BROWSER = """
import threading, zeroconf
found = threading.Event()

class Listener:
    def add_service(self, zc, kind, name):
        info = zc.get_service_info(kind, name, 3000)
        if info is not None:
            print("FOUND", name, info.parsed_addresses(), info.port, flush=True)
            found.set()

    def update_service(self, *args):
        pass

    def remove_service(self, *args):
        pass

zc = zeroconf.Zeroconf(interfaces=["10.123.0.3"], ip_version=zeroconf.IPVersion.V4Only)
zeroconf.ServiceBrowser(zc, "_osc._udp.local.", Listener())
found.wait(20)
zc.close()
"""


def run_on(machine, code, env=None):
    return Program(["-c", textwrap.dedent(code)], env=dict({"PGNET_NETWORK": ""}, **(env or {})),
                   prefix=machine.command([]))


@pytest.fixture(scope="module", autouse=True)
def _no_stale_namespaces():
    netns.cleanup_stale()


@pytest.fixture
def net():
    with netns.Network() as network:
        yield network


def oscsend_on(machine, host, address, *values):
    types = "".join("i" if isinstance(v, int) else "s" for v in values)
    result = machine.run(["oscsend", host, "9000", address, types] + [str(v) for v in values], timeout=10)
    assert result.returncode == 0, result.stderr


def test_a_phone_on_another_machine_and_sonic_pi_on_this_one(net):
    game, phone = net.add_machine("game"), net.add_machine("phone")
    # The game pinned to the school network: it listens there and on
    # 127.0.0.1, where programs on its own computer send.
    with run_on(game, LISTENER, env={"PGNET_NETWORK": "10.123.0.*"}) as listener:
        assert listener.expect(r"^LISTENING (\S+)$").group(1) == "%s:9000" % game.address
        oscsend_on(phone, game.address, "/pad/1", 7)
        listener.expect(r"^OSC /pad/1 \[7\] %s:\d+$" % phone.address.replace(".", r"\."))
        oscsend_on(game, "127.0.0.1", "/beat", 1)
        listener.expect(r"^OSC /beat \[1\] 127\.0\.0\.1:\d+$")


def test_a_browser_on_the_phones_machine_finds_the_game(net):
    pytest.importorskip("zeroconf", reason='zeroconf comes with the osc extra: pip install -e ".[osc]"')
    game, phone = net.add_machine("game"), net.add_machine("phone")
    assert phone.address == "10.123.0.3"  # (the browser's interface)
    with run_on(game, LISTENER) as listener:
        listener.expect(r"^LISTENING ")
        with run_on(phone, BROWSER) as browser:
            found = browser.expect(r"^FOUND (.+) \[(.*)\] (\d+)$", timeout=25)
    # The game's address on the network the phone is on, never 127.0.0.1.
    assert found.group(1).endswith("._osc._udp.local.")
    assert found.group(2) == repr(game.address) and found.group(3) == "9000"
