"""The discovery relay's code: ``Relay``, which passes discovery packets on
between programs on networks that broadcasts do not cross.

Its public name is ``pgnet.relay``, whose notes say what a relay is for and
how a class uses one (``pgnet relay`` runs it).

Example:

    from pgnet.discovery.relay import Relay
    Relay().run()   # until Ctrl-C
"""

import socket
import time
import uuid

from .. import auth
from ..errors import MessageError, log
from ..settings import settings
from . import protocol
from .answers import Rate

#: A program the relay has not heard from for this long is forgotten
#: (programs greet it once a second).
#:
#: Example: ``CLIENT_TIMEOUT_S`` is 5.0 seconds.
CLIENT_TIMEOUT_S = 5.0

#: The most programs one computer (one IP address) may have using the relay.
#:
#: Example: a computer sending from 1,000 ports gets ``MAX_CLIENTS_PER_IP``.
MAX_CLIENTS_PER_IP = 16

#: The most programs the relay passes packets on to.
#:
#: Example: a class of 30 with three programs each uses 90 of them.
MAX_CLIENTS = 1024

#: The relay passes on this many queries from one computer at once, then
#: one every ``QUERY_EVERY_S``: each query it passes on makes every program
#: that has the name answer, so a flood of them must not go through.
#:
#: Example: three programs starting together on one computer all get through.
QUERY_BURST = 8

#: See ``QUERY_BURST``.
#:
#: Example: a computer sending 250 queries a second gets 4 of them passed on.
QUERY_EVERY_S = 0.25


class Relay:
    """The relay: one UDP socket, and the programs that use it.

    It listens on ``port`` (``settings.discovery_port + 1`` if not given),
    and calls ``on_change(kind, client)`` when a program starts using it
    (``"joined"``) or goes quiet (``"left"``); ``client`` is its
    ``(ip, port)``. Only valid discovery packets (and greetings) make a
    program a client, up to ``MAX_CLIENTS_PER_IP`` per computer and
    ``MAX_CLIENTS`` in all, and passes on few queries from one computer
    (``QUERY_BURST``). It passes each packet on untouched, inside a
    ``"relayed"`` packet saying where it came from, sealed when the relay
    has the room's password (``PGNET_PASSWORD``); programs with a password
    need that.

    Example:

        relay = Relay()
        relay.run()       # until Ctrl-C
    """

    def __init__(self, port=None, on_change=None):
        self.port = port or settings.discovery_port + 1
        self.instance = uuid.uuid4().hex[:16]
        self.clients = {}  # (ip, port) -> when last heard from
        self._per_ip = {}  # ip -> how many of the clients
        self.forwarded = 0
        self.refused = 0  # packets from programs it could not take as clients
        self.limited = 0  # queries beyond QUERY_BURST, not passed on
        self._queries = Rate(QUERY_EVERY_S, QUERY_BURST, MAX_CLIENTS)  # per computer
        self.bad_packets = 0
        self.on_change = on_change or (lambda kind, client: None)
        self._sealer = auth.Sealer()
        if auth.active():
            auth.room_key()
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("", self.port))
        self.socket.settimeout(0.5)

    def handle(self, data, client):
        """Pass one packet from ``client`` on to every other client.

        Example:

            data, client = relay.socket.recvfrom(4096)
            relay.handle(data, client)
        """
        if len(data) > protocol.MAX_PACKET - protocol.RELAY_OVERHEAD:
            self.bad_packets += 1
            return
        try:
            # (A relay checks no seal: each program checks the packet's own.)
            packet = protocol.parse_packet(data, verify=False, kinds=("query", "advert", "bye", "hello"))
        except (MessageError, ValueError):
            self.bad_packets += 1
            return
        if not self._take(client):
            self.refused += 1
            return
        if packet["t"] == "hello":
            return
        if packet["t"] == "query" and not self._queries.allows(client[0], time.monotonic()):
            self.limited += 1
            return
        relayed = protocol.encode_packet(
            protocol.relayed(data, client[0], self.instance, client[1]),
            self._sealer if auth.active() else None,
        )
        for other in list(self.clients):
            if other != client:
                try:
                    self.socket.sendto(relayed, other)
                    self.forwarded += 1
                except OSError as error:
                    log.debug("relay: cannot reach %s: %s", other, error)

    def _take(self, client):
        """Note that ``client`` was heard now; False if it cannot be one."""
        if client in self.clients:
            self.clients[client] = time.monotonic()
            return True
        ip = client[0]
        if len(self.clients) >= MAX_CLIENTS or self._per_ip.get(ip, 0) >= MAX_CLIENTS_PER_IP:
            return False
        self.clients[client] = time.monotonic()
        self._per_ip[ip] = self._per_ip.get(ip, 0) + 1
        self.on_change("joined", client)
        return True

    def forget_silent(self, now):
        """Forget the clients not heard from for ``CLIENT_TIMEOUT_S``.

        Example:

            relay.forget_silent(time.monotonic())
        """
        for client, seen in list(self.clients.items()):
            if now - seen > CLIENT_TIMEOUT_S:
                del self.clients[client]
                left = self._per_ip[client[0]] - 1
                if left:
                    self._per_ip[client[0]] = left
                else:
                    del self._per_ip[client[0]]
                self.on_change("left", client)

    def run(self, until=None):
        """Relay packets until Ctrl-C (or until ``until()`` returns True).

        Example:

            stop_at = time.monotonic() + 60
            relay.run(until=lambda: time.monotonic() > stop_at)   # for a minute
        """
        next_check = time.monotonic() + 1.0
        while until is None or not until():
            try:
                got = protocol.receive(self.socket)  # (None on Windows' WSAECONNRESET too)
            except OSError as error:  # (such as ICMP "port unreachable" on some systems)
                log.debug("relay: receive failed: %s", error)
                got = None
            if got is not None:
                self.handle(*got)
            now = time.monotonic()
            if now >= next_check:  # (not per packet: a flood must not make it rescan)
                next_check = now + 1.0
                self.forget_silent(now)

    def close(self):
        """Stop relaying: close the relay's socket.

        Example:

            relay.close()
        """
        self.socket.close()
