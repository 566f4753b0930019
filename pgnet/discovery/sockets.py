"""The beacon's sockets, and where its packets go.

Each program has two UDP sockets:

* the *shared* one, on the discovery port, which every pgnet program on
  this computer opens too (``share_port``): it hears the others' adverts,
  byes and queries, sent by broadcast to each network and, for the programs
  on this same computer, by multicast to ``LOCAL_GROUP`` on the loopback
  interface (``IP_MULTICAST_LOOP``, time to live 0: it never leaves this
  computer). Multicast works on loopback on Linux, macOS and Windows,
  where ``127.255.255.255`` does not (macOS's ``lo0`` has no broadcast);
* a *private* one, on a port of its own, from which it sends its queries,
  so that the answers can come back to it alone, by unicast; relays talk
  to it too.

Example:

    shared, listening = open_shared_socket(46374)
    targets = Targets(46374)
    for target in targets.all():
        shared.sendto(data, target)
"""

import ipaddress
import socket
import time

from .. import netif
from ..errors import DiscoveryWarning, log, warn
from ..settings import settings

#: The multicast group for programs on the same computer (administratively
#: scoped, sent with a time to live of 0 on the loopback interface).
#:
#: Example: ``sock.sendto(data, (LOCAL_GROUP, settings.discovery_port))``.
LOCAL_GROUP = "239.255.46.74"

#: How often (seconds) the list of this computer's networks is read again.
#:
#: Example: a Wi-Fi that connects is used within ``REFRESH_S``.
REFRESH_S = 3.0


def share_port(sock):
    """Let ``sock`` share its UDP port with the other pgnet programs on this
    computer, so that every one of them hears each broadcast. Call it
    before ``bind``.

    Each system says it differently: on Linux ``SO_REUSEADDR`` is enough;
    macOS (like the BSDs) needs ``SO_REUSEPORT`` too for two programs to
    bind the port; Windows has no ``SO_REUSEPORT``, and its
    ``SO_REUSEADDR`` does it all (pgnet never sets ``SO_EXCLUSIVEADDRUSE``,
    which would keep the others out). Where ``SO_REUSEPORT`` exists but is
    refused (some older kernels, WSL 1), ``SO_REUSEADDR`` alone still lets
    the programs share the port on Linux.

    Example:

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        share_port(sock)
        sock.bind(("", settings.discovery_port))
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reuse_port = getattr(socket, "SO_REUSEPORT", None)
    if reuse_port is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, reuse_port, 1)
        except OSError as error:
            log.debug("discovery: SO_REUSEPORT refused (%s); sharing with SO_REUSEADDR only", error)


def _join_local_group(sock):
    """Join ``LOCAL_GROUP`` on loopback and send multicast there; False if
    this computer does not allow it (then ``127.255.255.255`` is used)."""
    loopback = socket.inet_aton(netif.LOOPBACK)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                        socket.inet_aton(LOCAL_GROUP) + loopback)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, loopback)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
        return True
    except OSError as error:
        log.debug("discovery: no multicast on loopback (%s); using %s",
                  error, netif.LOOPBACK_BROADCAST)
        return False


def _multicast_out(sock):
    """Let ``sock`` (a private socket) send to ``LOCAL_GROUP`` too."""
    loopback = socket.inet_aton(netif.LOOPBACK)
    try:
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, loopback)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 0)
    except OSError as error:
        log.debug("discovery: cannot send multicast from the private socket: %s", error)


def open_shared_socket(port):
    """``(socket, listening, multicast)``: the shared discovery socket on
    ``port``; ``listening`` False if the port could not be had (warned: the
    program can still be found, but not find), ``multicast`` False if
    loopback multicast is not available here.

    Example:

        sock, listening, multicast = open_shared_socket(46374)
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    share_port(sock)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    try:
        sock.bind(("", port))
        listening = True
    except OSError as error:
        listening = False
        warn(DiscoveryWarning,
            "pgnet cannot open the discovery port %d (%s), so this program "
            "cannot find others by name (they can still find it). Another "
            "program may be using the port: run 'pgnet doctor' to check.",
            port, error.strerror or error,
        )
    multicast = _join_local_group(sock)
    sock.setblocking(False)
    return sock, listening, multicast


def open_private_socket():
    """This program's own UDP socket (a port of its own), for queries, the
    answers to them, and relays.

    Example:

        sock = open_private_socket()
        sock.getsockname()   # ('0.0.0.0', 51234)
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.bind(("", 0))
    _multicast_out(sock)
    sock.setblocking(False)
    return sock


#: The most discovery packets a second one computer (one IP address) may
#: send a program before the rest of that second's are dropped unread: a
#: flood from one computer costs each program at most this many packets'
#: work. (A computer running 100 names sends about 100 a second.)
#:
#: Example: a flood of 12,000 packets a second is read 1,000 times.
MAX_PER_SOURCE_PER_S = 1000


class SourceLimit:
    """Counts the packets from each IP address in the current second; says
    when one sends more than ``MAX_PER_SOURCE_PER_S``. Bounded whatever
    arrives (it starts again from nothing each second).

    Example:

        limit = SourceLimit()
        if limit.allows("10.0.0.9", time.monotonic()):
            handle(packet)
    """

    def __init__(self, per_second=MAX_PER_SOURCE_PER_S):
        self.per_second = per_second
        self.dropped = 0
        self._second = 0
        self._counts = {}

    def allows(self, ip, now):
        """True if ``ip`` may have one more packet read this second.

        Example: ``limit.allows("10.0.0.9", time.monotonic())``"""
        second = int(now)
        if second != self._second or len(self._counts) > 4096:
            self._second, self._counts = second, {}
        count = self._counts.get(ip, 0) + 1
        self._counts[ip] = count
        if count > self.per_second:
            self.dropped += 1
            return False
        return True


def relay_addresses():
    """``[(ip, port), ...]`` of the relays in ``settings.relay`` (one, or
    several separated by commas); empty without any.

    A relay listens on the port after the discovery port unless the setting
    gives one (``"10.0.0.5:46375"``). A relay that cannot be found is
    warned about and left out.

    Example:

        settings.relay = "10.0.0.5, 10.0.0.6:47000"
        relay_addresses()   # [('10.0.0.5', 46375), ('10.0.0.6', 47000)]
    """
    found = []
    for entry in (settings.relay or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        host, _, port = entry.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            host, port = entry, settings.discovery_port + 1
        try:
            found.append((socket.gethostbyname(host), int(port)))
        except (OSError, UnicodeError):
            warn(DiscoveryWarning,
                "Cannot find the relay computer %r (PGNET_RELAY). Check its name "
                "or use its IP address; until then it is not used.", host
            )
    return found


def relay_address():
    """The first relay of ``relay_addresses()``, or None.

    Example:

        relay_address()   # ('10.0.0.5', 46375)
    """
    relays = relay_addresses()
    return relays[0] if relays else None


def packet_targets(multicast=True):
    """The addresses discovery packets go to, as text: ``LOCAL_GROUP`` (or
    ``127.255.255.255`` without multicast) for this computer, then each
    network's broadcast address.

    Example:

        packet_targets()   # ['239.255.46.74', '192.168.1.255']
    """
    return [address for address, _ in Targets(0, multicast).all()]


class Targets:
    """Where this program's discovery packets go, and which addresses are
    this computer's own; read from the system at most every ``REFRESH_S``
    seconds (reading it costs tens of microseconds, up to milliseconds).

    Example:

        targets = Targets(46374)
        targets.all()                  # [('239.255.46.74', 46374), ('10.0.0.255', 46374)]
        targets.is_local("10.0.0.7")   # True if that is this computer
    """

    def __init__(self, port, multicast=True):
        self.port = port
        self.multicast = multicast
        self._read_at = -REFRESH_S
        self._targets = []
        self._own = frozenset()
        self._networks = []
        self.shown_ip = netif.LOOPBACK

    def _refresh(self):
        now = time.monotonic()
        if now - self._read_at < REFRESH_S:
            return
        self._read_at = now
        try:
            lan = [a for a in netif.broadcast_addresses() if a != netif.LOOPBACK_BROADCAST]
            self._own = frozenset(n.ip for n in netif.networks())
            self._networks = [
                ipaddress.IPv4Network("%s/%d" % (n.ip, n.prefix), strict=False)
                for n in netif.usable_networks()
            ]
            self.shown_ip = netif.best_ip()
        except Exception as error:  # (a network going away mid-read, a bad PGNET_NETWORK)
            log.debug("discovery: cannot read this computer's networks: %s", error)
            lan = []
        local = LOCAL_GROUP if self.multicast else netif.LOOPBACK_BROADCAST
        self._targets = [(local, self.port)] + [(a, self.port) for a in lan]

    def all(self):
        """Every ``(address, port)`` a discovery packet goes to.

        Example: ``for target in targets.all(): sock.sendto(data, target)``"""
        self._refresh()
        return self._targets

    def reaches(self, ip):
        """True if this program may answer ``ip``: always, unless pinned to
        some networks (``settings.network``); then only on those.

        Example: ``targets.reaches("10.0.0.9")``"""
        if not settings.network or self.is_local(ip):
            return True
        address = ipaddress.IPv4Address(ip)
        return any(address in network for network in self._networks)

    def own_ips(self):
        """This computer's addresses but loopback, smallest first.

        Example: ``targets.own_ips()``   # ['10.0.0.7', '192.168.1.23']"""
        self._refresh()
        return sorted(ip for ip in self._own if not ip.startswith("127."))

    def is_local(self, ip):
        """True if ``ip`` is one of this computer's own addresses.

        Example: ``targets.is_local("127.0.0.1")``   # True"""
        if ip.startswith("127."):
            return True
        self._refresh()
        return ip in self._own
