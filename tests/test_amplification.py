"""A classroom must never become a packet amplifier: a student's few queries
must not make the programs (or the relay) send many more packets than came
in, however the queries are sent.

Three namespaces: the victim (a program with three names), the attacker (a
plain UDP script, no pgnet) and the relay computer. Each attacker sends a
bounded number of packets and stops by itself; the packets that come out
are counted by a real socket or by the kernel (/proc/net/snmp, one count
per namespace). Each test prints a MEASURED line with the figure it bounds.
"""

import json
import os

import pytest

try:
    from . import netns
    from .support import Program
except ImportError:  # tests/ is not a package: pytest puts it on sys.path
    import netns
    from support import Program

OK, REASON = netns.have_netns()
pytestmark = pytest.mark.skipif(not OK, reason=REASON)

IN_NAMESPACE = {"PGNET_NETWORK": ""}
PORT = int(os.environ["PGNET_DISCOVERY_PORT"])
NAMES = ("robot", "pong", "chat/ada")

VICTIM = r"""
import time, pgnet
for name in ("robot", "pong", "chat/ada"):
    pgnet.advertise(name)
print("READY", flush=True)
time.sleep(60)
"""

# The packets the attackers send, built without pgnet.
PACKETS = r"""
import json, select, socket, sys, time, msgpack
def packet(fields):
    return b"PGNET1" + msgpack.packb(dict(fields, v=2, r=""), use_bin_type=True)
QUERY = packet({"t": "query", "n": None, "i": "a" * 16})
def sockets(count):
    found = []
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("", 0))
        sock.setblocking(False)
        found.append(sock)
    return found
def drain(socks, seconds):
    answers = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ready, _, _ = select.select(socks, [], [], 0.05)
        for sock in ready:
            while True:
                try:
                    sock.recv(5000)
                except BlockingIOError:
                    break
                answers += 1
    return answers
"""

# Asks argv[1]'s discovery port (argv[2]) "who is there?" from argv[3]
# source ports, four times each over a second; counts the answers.
MANY_PORTS = PACKETS + r"""
target, socks = (sys.argv[1], int(sys.argv[2])), sockets(int(sys.argv[3]))
for _ in range(4):
    for sock in socks:
        sock.sendto(QUERY, target)
    time.sleep(0.25)
print("RESULT", json.dumps({"queries": 4 * len(socks), "answers": drain(socks, 1.0)}), flush=True)
"""

# A relay that passes on a flood: listens on argv[1] (the port the victim
# was told is its relay's), and once the victim greets it, sends it
# argv[2] "who is there?" queries, each from another made-up program.
FLOOD_RELAY = PACKETS + r"""
relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
relay.bind(("", int(sys.argv[1])))
while True:
    data, victim = relay.recvfrom(5000)
    if msgpack.unpackb(data[6:]).get("t") == "hello":
        break
print("GREETED", flush=True)
for n in range(int(sys.argv[2])):
    relay.sendto(packet({"t": "relayed", "o": "10.123.9.%d" % (n % 250 + 1), "q": 40000 + n,
                         "d": QUERY, "i": "f" * 16}), victim)
    time.sleep(0.004)
print("RESULT", json.dumps({"queries": int(sys.argv[2])}), flush=True)
"""

# Sends argv[3] "who is there?" queries to the relay at argv[1]:argv[2],
# from one port, 250 a second.
TO_RELAY = PACKETS + r"""
(sock,) = sockets(1)
for _ in range(int(sys.argv[3])):
    sock.sendto(QUERY, (sys.argv[1], int(sys.argv[2])))
    time.sleep(0.004)
print("RESULT", json.dumps({"queries": int(sys.argv[3])}), flush=True)
"""


def sent_datagrams(machine):
    """UDP datagrams sent so far from ``machine`` (its namespace's count)."""
    lines = machine.run(["cat", "/proc/net/snmp"], timeout=5).stdout.splitlines()
    header, values = [line.split() for line in lines if line.startswith("Udp:")][:2]
    return int(values[header.index("OutDatagrams")])


def on(machine, code, *args, env=None):
    """Run ``code`` (Python source, or ``["-m", module]``) inside ``machine``."""
    code = ["-c", code] if isinstance(code, str) else code
    return Program([*code, *map(str, args)], env=dict(IN_NAMESPACE, **(env or {})),
                   prefix=machine.command([]))


def result(program, timeout=30):
    return json.loads(program.expect(r"^RESULT (.*)$", timeout=timeout).group(1))


@pytest.fixture(scope="module")
def room():
    netns.cleanup_stale("pga")
    with netns.Network(prefix="pga") as network:
        yield [network.add_machine(label) for label in ("victim", "attack", "relay")]


def test_queries_from_many_ports_of_one_computer_get_few_answers(room):
    victim_m, attack_m, _ = room
    with on(victim_m, VICTIM) as victim:
        victim.expect("^READY$", timeout=20)
        with on(attack_m, MANY_PORTS, victim_m.address, PORT, 1) as attacker:
            one = result(attacker)
        with on(attack_m, MANY_PORTS, victim_m.address, PORT, 200) as attacker:
            many = result(attacker)
    print("MEASURED answers to 4 queries from 1 port: %(answers)d;" % one,
          "to %(queries)d from 200 ports: %(answers)d" % many)
    assert one["answers"] == 4 * len(NAMES)  # a few queries are all answered
    # One computer: a few answers at once, then one every 0.25 s, whatever
    # its ports (800 queries were answered with 2,400 adverts).
    assert many["answers"] <= 12 * len(NAMES)


def test_queries_passed_on_by_a_relay_make_few_extra_adverts(room):
    victim_m, attack_m, _ = room
    relay_port = PORT + 7
    env = {"PGNET_RELAY": "%s:%d" % (attack_m.address, relay_port)}
    with on(victim_m, VICTIM, env=env) as victim, \
            on(attack_m, FLOOD_RELAY, relay_port, 500) as relay:
        victim.expect("^READY$", timeout=20)
        relay.expect("^GREETED$", timeout=20)
        before = sent_datagrams(victim_m)
        queries = result(relay)["queries"]
        sent = sent_datagrams(victim_m) - before
    print("MEASURED %d relayed queries in 2 s: the victim sent %d datagrams" % (queries, sent))
    # At most one extra round of adverts per name in 0.25 s (each round: to
    # the network, this computer and the relay), beside the usual ones
    # (before: about 6 datagrams per query, 3,000 in all).
    assert sent < 200


def test_the_relay_passes_on_few_queries_from_one_computer(room):
    victim_m, attack_m, relay_m = room
    with on(relay_m, ["-m", "pgnet"], "relay") as relay, \
            on(victim_m, VICTIM, env={"PGNET_RELAY": relay_m.address}) as victim:
        relay.expect("Relaying", timeout=20)
        victim.expect("^READY$", timeout=20)
        relay.expect("joined", timeout=10)
        before = sent_datagrams(relay_m)
        with on(attack_m, TO_RELAY, relay_m.address, PORT + 1, 500) as attacker:
            queries = result(attacker)["queries"]
        sent = sent_datagrams(relay_m) - before
    print("MEASURED %d queries to the relay in 2 s: it sent %d datagrams" % (queries, sent))
    # A few queries at once, then 4 a second, each to the victim, and the
    # victim's adverts passed on to the attacker (before: every query, 500).
    assert sent < 100
