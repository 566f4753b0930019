"""Addresses: what pgnet accepts where an address is asked for.

Everywhere pgnet takes an address you may write:

| you write | pgnet understands |
| --- | --- |
| `"pong"` | a service *name*, found on the network (see `pgnet.discover`) |
| `"192.168.1.5:5000"` | that computer, that port |
| `"robot.local:5000"` | a host name and port |
| `5000` or `"5000"` | that port on this computer |
| `"192.168.1.5"` | that address, any free port (only when listening) |
| `"192.168.*"` | whichever of this computer's addresses is on that network, any free port (only when listening); add `":5000"` for a given port |

A name is anything that is not one of the other forms, so ``"Ada's pong"``
is a name. A host name needs its port (``"robot.local:5000"``), otherwise it
is taken for a service name.

Which address is advertised
---------------------------
A computer can have several addresses: Wi-Fi, a cable, a VPN, a virtual
machine's network. Unless told otherwise, a listening program accepts
connections on *all* of them, and the others reach it on whichever address
their discovery packets arrived from, so the right one is used without anyone
choosing. The address pgnet *shows* you (the value ``pgnet.advertise``
returns) is, in this order of preference: the one your computer uses to reach
the wider network; an address on a private network (``192.168.*``, ``10.*``,
``172.16.*`` to ``172.31.*``) of a real, not virtual, network card; any other
address; ``127.0.0.1`` on a computer with no network at all.

To pin pgnet to one network (a machine with both a school network and a
robot's Wi-Fi, say), set ``pgnet.settings.network`` or the environment
variable ``PGNET_NETWORK`` to a wildcard such as ``"192.168.4.*"``. pgnet then
listens, advertises and broadcasts on that network only (and on
``127.0.0.1``, so programs on the same computer still meet).
"""

import fnmatch
import ipaddress
import re
import socket
from collections import namedtuple

import ifaddr

from .errors import AddressError
from .settings import settings

LOOPBACK = "127.0.0.1"
LOOPBACK_BROADCAST = "127.255.255.255"

# Interface names that usually belong to virtual machines, containers or VPNs:
# shown last, because other computers in the room cannot reach them.
_VIRTUAL = re.compile(
    r"^(docker|br-|veth|virbr|vbox|vmnet|vmware|tun|tap|wg|zt|utun|lxc|lxd|"
    r"podman|cni|flannel|tailscale|hyper-v|vethernet)",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PORT = re.compile(r"^\d+$")

#: One IPv4 address of this computer: the interface's name, the address and
#: the network's prefix length (24 for 255.255.255.0).
Network = namedtuple("Network", "interface ip prefix")

#: Where to listen: ``host`` to bind (``"*"`` for every address), ``port``,
#: and ``shown``, the "ip:port" text to give back to the user.
ListenAddress = namedtuple("ListenAddress", "host port shown")


def networks():
    """This computer's IPv4 addresses, as a list of ``Network``.

    Example:

        for network in pgnet.addresses.networks():
            print(network.interface, network.ip)
    """
    found = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):  # IPv4; IPv6 comes as a tuple
                found.append(Network(adapter.nice_name, ip.ip, ip.network_prefix))
    if not any(n.ip == LOOPBACK for n in found):
        found.append(Network("lo", LOOPBACK, 8))
    return found


def usable_networks(pattern=None):
    """The networks pgnet may use: those matching ``pattern`` (or
    ``settings.network``), plus loopback, minus link-local ``169.254.*``."""
    pattern = pattern or settings.network
    chosen = []
    for network in networks():
        if network.ip.startswith("169.254."):
            continue
        if network.ip.startswith("127.") or not pattern or _matches(network.ip, pattern):
            chosen.append(network)
    return chosen


def _matches(ip, pattern):
    return fnmatch.fnmatchcase(ip, pattern) or fnmatch.fnmatchcase(ip, pattern + ".*")


def broadcast_addresses():
    """Where discovery packets go: each usable network's directed broadcast
    address, plus ``127.255.255.255`` for programs on this computer.

    Worked out again at every call, so a Wi-Fi that connects after the
    program started is used as soon as it is up.
    """
    targets = {LOOPBACK_BROADCAST}
    for network in usable_networks():
        if network.ip.startswith("127.") or network.prefix >= 31:
            continue
        net = ipaddress.IPv4Network("%s/%d" % (network.ip, network.prefix), strict=False)
        targets.add(str(net.broadcast_address))
    return sorted(targets)


def _route_ip():
    """The address this computer would use to reach the wider network.

    Connecting a UDP socket sends nothing; it only asks the routing table.
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("198.51.100.1", 9))  # a documentation-only address
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()


def _is_private(ip):
    return ipaddress.IPv4Address(ip).is_private


def best_ip(pattern=None):
    """The address pgnet shows for this computer (see the module's notes).

    ``pattern`` is a wildcard such as ``"192.168.*"``; with one, the address
    must match it, or ``AddressError`` says which addresses there are.

    Example:

        pgnet.addresses.best_ip()            # '192.168.1.23'
        pgnet.addresses.best_ip("10.*")      # '10.0.0.7'
    """
    pattern = pattern or settings.network
    candidates = [n for n in usable_networks(pattern) if not n.ip.startswith("127.")]
    if pattern:
        candidates = [n for n in candidates if _matches(n.ip, pattern)]
        if not candidates and not _matches(LOOPBACK, pattern):
            raise AddressError(
                "None of this computer's addresses (%s) is on the network %r. "
                "Check the wildcard, or that this computer is connected to "
                "that network." % (", ".join(n.ip for n in networks()), pattern)
            )
    if not candidates:
        return LOOPBACK
    route_ip = _route_ip()

    def rank(network):
        return (
            network.ip != route_ip,
            not _is_private(network.ip),
            bool(_VIRTUAL.match(network.interface)),
        )

    return min(candidates, key=rank).ip


def free_port(host=""):
    """A TCP port that nothing on this computer is using right now.

    The operating system picks it, so it really is free.

    Example:

        port = pgnet.addresses.free_port()
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _port(text, original):
    port = int(text)
    if not 1 <= port <= 65535:
        raise AddressError(
            "%r has port %d, but ports go from 1 to 65535. Pick a number in "
            "that range (above 1024 is best), or leave the port out and pgnet "
            "picks a free one." % (original, port)
        )
    return port


def is_address(text):
    """True if ``text`` is an address, False if it is a service name.

    Example:

        is_address("10.0.0.5:4000")   # True
        is_address("pong")            # False
    """
    if isinstance(text, int):
        return True
    text = text.strip()
    host, _, port = text.rpartition(":")
    if host and _PORT.match(port):
        return True
    return bool(_PORT.match(text) or _IPV4.match(text) or "*" in text)


def _split(address):
    if isinstance(address, bool) or not isinstance(address, (str, int)):
        raise AddressError(
            "An address must be text such as '192.168.1.5:5000' or a port "
            "number, not %s." % type(address).__name__
        )
    if isinstance(address, int):
        return None, _port(str(address), address)
    text = address.strip()
    if _PORT.match(text):
        return None, _port(text, address)
    host, colon, port = text.rpartition(":")
    if colon and host and _PORT.match(port):
        return host, _port(port, address)
    return text, None


def _check_ip(ip, original):
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        raise AddressError(
            "%r is not a valid IP address: each of the four numbers must be "
            "0 to 255, as in '192.168.1.5'." % original
        ) from None


def for_connecting(address):
    """``"ip:port"`` for an address to send to (names are not handled here).

    A bare port means this computer; a host name is looked up.

    Example:

        for_connecting(5000)                 # '127.0.0.1:5000'
        for_connecting("robot.local:5000")   # '192.168.1.40:5000'
    """
    host, port = _split(address)
    if port is None:
        raise AddressError(
            "%r has no port. To send, pgnet needs a port as well, as in "
            "'192.168.1.5:5000', or a service name it can discover." % address
        )
    if host is None:
        return "%s:%d" % (LOOPBACK, port)
    if "*" in host:
        raise AddressError(
            "%r is a wildcard: it can choose where to listen, but you can only "
            "send to one address. Use the other program's name or address." % address
        )
    if not _IPV4.match(host):
        try:
            host = socket.gethostbyname(host)
        except OSError:
            raise AddressError(
                "Cannot find the computer called %r. Check the spelling, or "
                "use its IP address or its pgnet service name instead." % host
            ) from None
    _check_ip(host, address)
    return "%s:%d" % (host, port)


def for_listening(address=None):
    """Where to listen, as a ``ListenAddress``, for ``address`` in any
    form the module's table gives (``None`` means: any free port).

    Example:

        for_listening("192.168.*")   # ListenAddress('192.168.1.5', 40123, ...)
    """
    host, port = (None, None) if address is None else _split(address)
    if host is None or host in ("*", "0.0.0.0"):
        if settings.network:
            host = best_ip()
        else:
            host = "*"
    elif "*" in host:
        host = best_ip(host)
    elif not _IPV4.match(host):
        try:
            host = socket.gethostbyname(host)
        except OSError:
            raise AddressError(
                "Cannot listen on %r: no computer of that name. Leave the "
                "address out and pgnet chooses one." % address
            ) from None
    if host != "*":
        _check_ip(host, address)
    if port is None:
        port = free_port("" if host == "*" else host)
    shown_ip = best_ip() if host == "*" else host
    return ListenAddress(host, port, "%s:%d" % (shown_ip, port))
