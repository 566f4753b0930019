"""A discovery relay, for networks where broadcasts don't get through.

pgnet finds programs by broadcasting on the local network. Some networks
stop broadcasts: a school that puts each room, or laptops and Raspberry Pis,
on separate networks (VLANs), or a Wi-Fi that keeps its devices apart. The
way out: run a relay on one computer every machine can reach, and point
every pgnet program at it:

    pgnet relay                                # on the relay computer

    PGNET_RELAY=10.0.0.5 python3 game.py       # on every other computer

(or ``pgnet.settings.relay = "10.0.0.5"`` before using the network). Each
program then also sends its discovery packets to the relay, which passes
every packet on to all the other programs that use it, marked with the
address of the program it came from. Names work again; the messages
themselves still go straight from program to program, so the networks must
let ordinary connections through (most school networks do: it is only
broadcasts they stop).

The relay listens on UDP port ``settings.discovery_port + 1`` (46375),
which must be open in its firewall.
"""

import socket
import time

from . import wire
from .discovery import _MAGIC, _MAX_PACKET, _parse
from .errors import MessageError, log
from .settings import settings

#: A program the relay has not heard from for this long is forgotten
#: (programs greet it twice a second).
CLIENT_TIMEOUT_S = 5.0


class Relay:
    """The relay: one UDP socket, and the programs that use it.

    Example:

        relay = Relay()
        relay.run()       # until Ctrl-C
    """

    def __init__(self, port=None, on_change=None):
        self.port = port or settings.discovery_port + 1
        self.clients = {}  # (ip, port) -> when last heard from
        self.forwarded = 0
        self.on_change = on_change or (lambda kind, client: None)
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("", self.port))
        self.socket.settimeout(0.5)

    def handle(self, data, client):
        """Pass one packet from ``client`` on to every other client."""
        new = client not in self.clients
        self.clients[client] = time.monotonic()
        if new:
            self.on_change("joined", client)
        try:
            packet = _parse(data)
        except (MessageError, TypeError, ValueError):
            return  # the clients' greetings, and anything malformed
        packet["o"] = client[0]  # who it is really from
        relayed = _MAGIC + wire.encode(packet)
        for other in list(self.clients):
            if other != client:
                try:
                    self.socket.sendto(relayed, other)
                    self.forwarded += 1
                except OSError as error:
                    log.debug("relay: cannot reach %s: %s", other, error)

    def forget_silent(self, now):
        """Forget the clients not heard from for ``CLIENT_TIMEOUT_S``."""
        for client, seen in list(self.clients.items()):
            if now - seen > CLIENT_TIMEOUT_S:
                del self.clients[client]
                self.on_change("left", client)

    def run(self, until=None):
        """Relay packets until Ctrl-C (or until ``until()`` returns True)."""
        while until is None or not until():
            try:
                data, client = self.socket.recvfrom(_MAX_PACKET)
            except socket.timeout:
                data = None
            if data is not None:
                self.handle(data, client)
            self.forget_silent(time.monotonic())

    def close(self):
        """Stop relaying: close the relay's socket."""
        self.socket.close()
