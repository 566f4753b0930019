"""Tests of the network-namespace test harness in tests/netns.py itself.

Every wait below is a condition with a deadline (process exit, socket
timeout, output polling); nothing sleeps and hopes.
"""

import json
import os
import subprocess
import sys

import pytest

try:
    from . import netns
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    import netns

OK, REASON = netns.have_netns()
pytestmark = pytest.mark.skipif(not OK, reason=REASON)

PY = sys.executable
PORT = 47123

# B: answer every datagram with "echo:<data>" until killed.
ECHO_SERVER = r"""
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
while True:
    data, addr = s.recvfrom(2048)
    s.sendto(b"echo:" + data, addr)
"""

# A: send "ping" every 50 ms until an echo arrives or the deadline passes.
# Exit 0 and print "PONG <addr>" on success, exit 1 on timeout.
PING_CLIENT = r"""
import socket, sys, time
dst, port, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.05)
while time.monotonic() < deadline:
    try:
        s.sendto(b"ping", (dst, port))
        data, addr = s.recvfrom(2048)
    except OSError:          # timeout, or ICMP errors (port/host unreachable)
        continue
    if data == b"echo:ping":
        print("PONG", addr[0], flush=True)
        sys.exit(0)
print("TIMEOUT", flush=True)
sys.exit(1)
"""

# Wait (socket timeout = deadline) for one datagram on 0.0.0.0:PORT that did
# not come from this machine; print "GOT <data> <addr>" and exit 0, else exit 1.
BCAST_RECEIVER = r"""
import socket, sys, time
port, deadline = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", port))
while True:
    left = deadline - time.monotonic()
    if left <= 0:
        print("TIMEOUT", flush=True)
        sys.exit(1)
    s.settimeout(left)
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    print("GOT", data.decode(), addr[0], flush=True)
    sys.exit(0)
"""

# Broadcast "hello" from 0.0.0.0:PORT to DST:PORT every 50 ms until the deadline.
BCAST_SENDER = r"""
import socket, sys, time
dst, port, deadline = sys.argv[1], int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.bind(("0.0.0.0", port))
while time.monotonic() < deadline:
    s.sendto(b"hello", (dst, port))
    time.sleep(0.05)
"""

# Inside one namespace: two SO_REUSEADDR+SO_REUSEPORT sockets on the same port
# must both receive a broadcast to 127.255.255.255 (also the sender's own one).
LOOPBACK_BCAST = r"""
import socket, sys
port = int(sys.argv[1])
socks = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.bind(("0.0.0.0", port))
    s.settimeout(2)
    socks.append(s)
socks[0].sendto(b"lo-bcast", ("127.255.255.255", port))
for s in socks:
    data, addr = s.recvfrom(2048)
    print(data.decode(), addr[0], flush=True)
"""


def ping(src, dst_addr, deadline):
    """Run PING_CLIENT in SRC against DST_ADDR; return CompletedProcess."""
    return src.run([PY, "-c", PING_CLIENT, dst_addr, str(PORT), str(deadline)],
                   timeout=deadline + 10)


def ip_json(machine, *args):
    out = machine.run(["ip", "-j", *args], timeout=10, check=True).stdout
    return json.loads(out)


@pytest.fixture
def net():
    with netns.Network() as network:
        yield network


def test_udp_ping_between_two_machines(net):
    a = net.add_machine("alice")
    b = net.add_machine("bob")
    assert (a.address, b.address) == ("10.123.0.2", "10.123.0.3")
    b.popen([PY, "-c", ECHO_SERVER, str(PORT)])
    a.popen([PY, "-c", ECHO_SERVER, str(PORT)])
    r = ping(a, b.address, 5)
    assert r.returncode == 0, r
    assert r.stdout.split() == ["PONG", b.address]
    r = ping(b, a.address, 5)
    assert r.returncode == 0, r
    assert r.stdout.split() == ["PONG", a.address]


def test_broadcast_between_machines(net):
    a = net.add_machine("alice")
    b = net.add_machine("bob")
    recv = b.popen([PY, "-c", BCAST_RECEIVER, str(PORT), "5"], stdout=subprocess.PIPE)
    send = a.popen([PY, "-c", BCAST_SENDER, "10.123.0.255", str(PORT), "5"])
    out = netns.wait_for_output(recv, None, timeout=10)
    assert recv.wait(timeout=5) == 0, out
    assert out.split() == ["GOT", "hello", a.address]
    send.kill()


def test_loopback_broadcast_reaches_every_reuseport_socket(net):
    a = net.add_machine("alice")
    r = a.run([PY, "-c", LOOPBACK_BCAST, str(PORT)], timeout=10)
    assert r.returncode == 0, r
    assert r.stdout.splitlines() == ["lo-bcast 127.0.0.1"] * 2


def test_offline_machine_has_only_loopback(net):
    m = net.add_offline_machine("hermit")
    assert m.address is None
    links = ip_json(m, "link", "show")
    assert [link["ifname"] for link in links] == ["lo"]
    assert "UP" in links[0]["flags"]
    addrs = ip_json(m, "-4", "addr", "show")
    assert [a["local"] for i in addrs for a in i["addr_info"]] == ["127.0.0.1"]
    assert m.run(["ip", "-4", "route", "show"], timeout=10).stdout.strip() == ""
    # sending anywhere off-box fails immediately
    r = m.run([PY, "-c", "import socket; socket.socket(socket.AF_INET, "
               "socket.SOCK_DGRAM).sendto(b'x', ('10.123.0.2', 9))"], timeout=10)
    assert r.returncode != 0 and "unreachable" in r.stderr


def test_machine_created_down_is_unreachable_until_link_up(net):
    a = net.add_machine("alice")
    late = net.add_machine("late", up=False)
    assert late.address == "10.123.0.3"
    late.popen([PY, "-c", ECHO_SERVER, str(PORT)])
    (eth0,) = ip_json(late, "link", "show", "dev", "eth0")
    assert "UP" not in eth0["flags"]

    r = ping(a, late.address, 0.5)        # a negative check needs some window
    assert r.returncode == 1, r

    late.link_up()
    r = ping(a, late.address, 5)
    assert r.returncode == 0, r

    late.link_down()
    r = ping(a, late.address, 0.3)
    assert r.returncode == 1, r

    late.link_up()
    r = ping(a, late.address, 5)
    assert r.returncode == 0, r


def test_two_interface_machine(net):
    dual = net.add_machine("dual")
    second = dual.add_interface(1)
    assert (dual.address, second) == ("10.123.0.2", "10.123.1.2")
    assert dual.addresses == ["10.123.0.2", "10.123.1.2"]
    addrs = {(i["ifname"], a["local"], a["prefixlen"])
             for i in ip_json(dual, "-4", "addr", "show") for a in i["addr_info"]}
    assert addrs == {("lo", "127.0.0.1", 8), ("eth0", "10.123.0.2", 24),
                     ("eth1", "10.123.1.2", 24)}
    # each address is reachable from a machine on its subnet
    dual.popen([PY, "-c", ECHO_SERVER, str(PORT)])
    a0 = net.add_machine("a0")
    a1 = net.add_machine("a1", subnet=1)
    assert a1.address == "10.123.1.3"
    assert ping(a0, "10.123.0.2", 5).returncode == 0
    assert ping(a1, "10.123.1.2", 5).returncode == 0


def test_close_removes_everything():
    network = netns.Network()
    a = network.add_machine("alice")
    network.add_offline_machine("hermit")
    proc = a.popen([PY, "-c", "import time; time.sleep(60)"])
    names = [network.switch] + [m.name for m in network.machines]
    assert set(names) <= set(netns._list_netns())
    network.close()
    assert proc.poll() is not None
    assert not set(names) & set(netns._list_netns())
    network.close()                      # idempotent


def test_cleanup_stale_removes_dead_runs_only():
    # A prefix private to this process, so concurrent runs don't interfere.
    prefix = "pgtst" + "".join(chr(ord("a") + int(d)) for d in str(os.getpid()))
    # pid_max + 1 can never be a live process
    with open("/proc/sys/kernel/pid_max") as f:
        dead_pid = int(f.read()) + 1
    stale = "%s%dx1-sw" % (prefix, dead_pid)
    unrelated = prefix + "-notours"            # does not follow the naming scheme
    for ns in (stale, unrelated):
        subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        with netns.Network(prefix=prefix) as live:
            assert netns.cleanup_stale(prefix) == [stale]
            remaining = set(netns._list_netns())
            assert stale not in remaining
            assert unrelated in remaining
            assert live.switch in remaining      # our own live run is kept
    finally:
        for ns in (stale, unrelated):
            if ns in netns._list_netns():
                subprocess.run(["ip", "netns", "delete", ns])


def test_namespace_names_are_unique_and_interfaces_short():
    with netns.Network() as n1, netns.Network() as n2:
        assert n1.switch != n2.switch
        assert str(os.getpid()) in n1.switch
        m1 = n1.add_machine("same")
        m2 = n2.add_machine("same")
        assert m1.name != m2.name
        # identical addresses in two Networks do not interfere
        assert m1.address == m2.address
        switch_links = json.loads(subprocess.run(
            ["ip", "-n", n1.switch, "-j", "link", "show"],
            capture_output=True, text=True, check=True).stdout)
        names = [link["ifname"] for link in ip_json(m1, "link", "show") + switch_links]
        assert sorted(names) == ["br0", "eth0", "lo", "lo", "p1"]
