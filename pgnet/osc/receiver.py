"""One UDP port that OSC arrives on: bind it, and read what is waiting
without ever waiting.

    receiver = Receiver(9000)
    for data, sender in receiver.read(300, on_too_big, on_flood):
        ...

Threads: the main thread only (the game's loop, or ``wait_for_osc``).
"""

import errno
import socket
import struct
import sys

from .. import addresses
from ..errors import AddressError, log
from .packets import MAX_PACKET_BYTES

# Linux tells how many packets it dropped because the socket's buffer was
# full (SO_RXQ_OVFL), with each packet received: a flood, counted exactly.
_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40) if sys.platform.startswith("linux") else None
_COUNT = struct.Struct("=I")
_SPACE = socket.CMSG_SPACE(_COUNT.size) if hasattr(socket, "CMSG_SPACE") else 0


class _Port:
    """One bound, non-blocking UDP socket, and the drops the system told of."""

    def __init__(self, host, port):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self.socket.bind((host, port))
        except OSError:
            self.socket.close()
            raise
        self.socket.setblocking(False)
        self.dropped = 0
        self.counting = False
        if _RXQ_OVFL is not None:
            try:
                self.socket.setsockopt(socket.SOL_SOCKET, _RXQ_OVFL, 1)
                self.counting = True
            except OSError:
                pass

    def receive(self):
        if self.counting:
            data, extra, _, source = self.socket.recvmsg(MAX_PACKET_BYTES + 1, _SPACE)
            return data, source, extra
        data, source = self.socket.recvfrom(MAX_PACKET_BYTES + 1)
        return data, source, ()

    def newly_dropped(self, extra):
        for level, kind, value in extra:
            if level == socket.SOL_SOCKET and kind == _RXQ_OVFL and len(value) == _COUNT.size:
                total = _COUNT.unpack(value)[0]
                if total > self.dropped:
                    new, self.dropped = total - self.dropped, total
                    return new
        return 0


class Receiver:
    """A UDP port bound to ``address`` (a port, ``"ip:port"``, an ip or
    wildcard with any free port, or None for any free port; see
    ``pgnet.addresses``).

    ``port`` is the port it got, ``address`` the "ip:port" to tell others,
    ``everywhere`` is True when it listens on all of this computer's
    networks (and so can send anywhere too), and ``sockets`` its sockets:
    one pinned to a network (``pgnet.settings.network``) listens on
    127.0.0.1 too, as pgnet's other listeners do, for programs on this
    computer such as Sonic Pi.

    Example:

        receiver = Receiver("127.0.0.1:9000")
        receiver.address     # '127.0.0.1:9000'
    """

    def __init__(self, address=None):
        port_given = address is not None and addresses.split(address)[1] is not None
        where = addresses.for_listening(address)
        host = "" if where.host == "*" else where.host
        self.everywhere = host == ""
        try:
            self._ports = [_Port(host, where.port if port_given else 0)]
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise AddressError(
                    "UDP port %d is taken by another program on this computer. "
                    "Close it, or choose another port." % where.port) from None
            raise AddressError("Cannot listen for OSC on %r: %s." % (
                address, error.strerror or error)) from None
        self.socket = self._ports[0].socket
        self.port = self.socket.getsockname()[1]
        if host and not host.startswith("127."):
            try:
                self._ports.append(_Port(addresses.LOOPBACK, self.port))
            except OSError as error:
                log.debug("cannot also listen for OSC on 127.0.0.1:%d: %s", self.port, error)
        self.sockets = [p.socket for p in self._ports]
        self.address = "%s:%d" % (where.shown.rpartition(":")[0], self.port)

    def __repr__(self):
        return "<OSC receiver %s>" % self.address

    def read(self, limit, too_big, flood):
        """The packets waiting, as ``(data, "ip:port" of the sender)``
        pairs, at most ``limit`` of them. A packet over
        ``MAX_PACKET_BYTES`` is not returned: ``too_big(sender, size)`` is
        called for it instead; ``flood(sender, count)`` is called when the
        operating system says it dropped ``count`` packets since the last
        time (its buffer was full).

        Example: ``packets = receiver.read(300, print, print)``"""
        found = []
        for port in self._ports:
            for _ in range(limit - len(found)):
                try:
                    data, source, extra = port.receive()
                except BlockingIOError:
                    break
                except OSError:  # e.g. Windows reports an earlier send's refusal here
                    continue
                sender = "%s:%d" % source[:2]
                dropped = port.newly_dropped(extra)
                if dropped:
                    flood(sender, dropped)
                if len(data) > MAX_PACKET_BYTES:
                    too_big(sender, len(data))
                else:
                    found.append((data, sender))
        return found

    def close(self):
        """Stop listening and free the port.

        Example: ``receiver.close()``"""
        for port in self._ports:
            port.socket.close()
