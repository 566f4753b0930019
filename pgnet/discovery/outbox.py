"""What the beacon sends, and where to: every network of this computer,
this computer's own programs, and the relays; sealed with the room's key
when there is a password.

With a password, a packet sent before the room's key is derived (about
50 ms, in the background: a game's frame must never wait for it) waits
here, and leaves, in order, when the beacon's thread calls
``send_waiting``.

Example:

    outbox = Outbox(shared_socket, private_socket, sockets.Targets(46374))
    if not outbox.send(protocol.query(None, instance)):
        wake_the_thread()            # it waits for the key: the thread sends it
"""

import threading
from collections import deque

from .. import auth
from ..errors import log
from . import protocol


class Outbox:
    """Sends discovery packets from the beacon's two UDP sockets.

    ``shared`` is the socket on the discovery port (adverts, answers),
    ``private`` the one on a port of its own (queries, whose answers come
    back to it alone); ``targets`` a ``sockets.Targets``. ``relays`` is
    the list of relays' ``(ip, port)``, set by the beacon's thread once
    looked up (a computer's name can take seconds).

    Example:

        outbox.send(protocol.bye("pong", instance))
    """

    def __init__(self, shared, private, targets):
        self.shared = shared
        self.private = private
        self.targets = targets
        self.relays = []
        self._sealer = auth.Sealer()
        self._waiting = deque()  # (packet, socket) waiting for the room key
        self._lock = threading.Lock()  # keeps the waiting ones first, in order

    @property
    def waiting(self):
        """True while packets wait for the room key (see ``send_waiting``).

        Example: ``if outbox.waiting: outbox.send_waiting()``"""
        return bool(self._waiting)

    def encode(self, packet):
        """The bytes of ``packet``, sealed if there is a password (deriving
        the room's key first, if need be: not in a game's frame).

        Example: ``sock.sendto(outbox.encode(packet), asker)``"""
        return protocol.encode_packet(packet, self._sealer if auth.active() else None)

    def send(self, packet, sock=None):
        """Send ``packet`` to every network and this computer's programs
        (from ``sock``, the shared socket if not given), and to the relays;
        True if sent, False if it waits for the room key (then call
        ``send_waiting`` from a thread that may wait).

        Example: ``outbox.send(protocol.query("pong", instance), outbox.private)``"""
        with self._lock:
            if self._waiting or not auth.key_ready():
                self._waiting.append((packet, sock))
                return False
        self._send_now(packet, sock)
        return True

    def send_waiting(self):
        """Send, in order, what waited for the room key (deriving it if it
        is not there yet: this may take 50 ms).

        Example: ``outbox.send_waiting()``"""
        auth.room_key()
        with self._lock:
            while self._waiting:
                self._send_now(*self._waiting.popleft())

    def _send_now(self, packet, sock):
        data = self.encode(packet)
        sock = sock or self.shared
        for target in self.targets.all():
            self.send_to(sock, data, target)
        for relay in self.relays:
            self.send_to(self.private, data, relay)

    def send_to(self, sock, data, target):
        """Send the bytes ``data`` from ``sock`` to ``target``, an ``(ip,
        port)``; a failure (a network gone) is only logged.

        Example: ``outbox.send_to(outbox.shared, data, ("10.0.0.7", 51234))``"""
        try:
            sock.sendto(data, target)
        except OSError as error:
            log.debug("discovery: cannot send to %s: %s", target, error)
