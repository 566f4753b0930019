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

from ..errors import MessageError, log
from ..settings import settings
from . import protocol

#: A program the relay has not heard from for this long is forgotten
#: (programs greet it twice a second).
#:
#: Example: ``CLIENT_TIMEOUT_S`` is 5.0 seconds.
CLIENT_TIMEOUT_S = 5.0


class Relay:
    """The relay: one UDP socket, and the programs that use it.

    It listens on ``port`` (``settings.discovery_port + 1`` if not given),
    and calls ``on_change(kind, client)`` when a program starts using it
    (``"joined"``) or goes quiet (``"left"``); ``client`` is its
    ``(ip, port)``.

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
        """Pass one packet from ``client`` on to every other client.

        Example:

            data, client = relay.socket.recvfrom(4096)
            relay.handle(data, client)
        """
        new = client not in self.clients
        self.clients[client] = time.monotonic()
        if new:
            self.on_change("joined", client)
        try:
            packet = protocol.parse_packet(data)
        except (MessageError, TypeError, ValueError):
            return  # the clients' greetings, and anything malformed
        relayed = protocol.encode_packet(protocol.relayed(packet, client[0]))
        for other in list(self.clients):
            if other != client:
                try:
                    self.socket.sendto(relayed, other)
                    self.forwarded += 1
                except OSError as error:
                    log.debug("relay: cannot reach %s: %s", other, error)

    def forget_silent(self, now):
        """Forget the clients not heard from for ``CLIENT_TIMEOUT_S``.

        Example:

            relay.forget_silent(time.monotonic())
        """
        for client, seen in list(self.clients.items()):
            if now - seen > CLIENT_TIMEOUT_S:
                del self.clients[client]
                self.on_change("left", client)

    def run(self, until=None):
        """Relay packets until Ctrl-C (or until ``until()`` returns True).

        Example:

            stop_at = time.monotonic() + 60
            relay.run(until=lambda: time.monotonic() > stop_at)   # for a minute
        """
        while until is None or not until():
            got = protocol.receive(self.socket)  # (None on Windows' WSAECONNRESET too)
            if got is not None:
                self.handle(*got)
            self.forget_silent(time.monotonic())

    def close(self):
        """Stop relaying: close the relay's socket.

        Example:

            relay.close()
        """
        self.socket.close()
