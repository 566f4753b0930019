"""This computer's network interfaces: its addresses, and where broadcasts go.

Everything here asks the operating system about *this* computer, so the
answers change when a Wi-Fi connects or a cable is pulled out. (What an
address *is*, and the forms pgnet accepts, is ``pgnet.addresses``: no I/O
there.) Which address pgnet shows for this computer, and why, is explained
in ``pgnet.addresses``' notes under "Which address is advertised".

Example:

    from pgnet import netif
    for network in netif.networks():
        print(network.interface, network.ip)   # lo 127.0.0.1, wlan0 192.168.1.23
    print(netif.best_ip())                     # 192.168.1.23
"""

import fnmatch
import ipaddress
import re
import socket
from collections import namedtuple

from .errors import AddressError
from .settings import settings

#: This computer's own address, which only programs on this computer reach.
#:
#: Example: ``"%s:%d" % (LOOPBACK, 5000)`` is ``"127.0.0.1:5000"``.
LOOPBACK = "127.0.0.1"

#: The broadcast address of the loopback network: a packet sent there reaches
#: every program on this computer that listens on the port (Linux, Windows).
#:
#: Example: ``sock.sendto(data, (LOOPBACK_BROADCAST, port))``.
LOOPBACK_BROADCAST = "127.255.255.255"

# Interface names that usually belong to virtual machines, containers or VPNs:
# shown last, because other computers in the room cannot reach them.
_VIRTUAL = re.compile(
    r"^(docker|br-|veth|virbr|vbox|vmnet|vmware|tun|tap|wg|zt|utun|lxc|lxd|"
    r"podman|cni|flannel|tailscale|hyper-v|vethernet)",
    re.IGNORECASE,
)

#: One IPv4 address of this computer: the interface's name, the address and
#: the network's prefix length (24 for 255.255.255.0).
#:
#: Example: ``Network("wlan0", "192.168.1.23", 24)``.
Network = namedtuple("Network", "interface ip prefix")


def networks():
    """This computer's IPv4 addresses, as a list of ``Network``.

    Example:

        for network in netif.networks():
            print(network.interface, network.ip)
    """
    found = []
    import ifaddr  # here: it costs a third of import pgnet, and not every program asks

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if isinstance(ip.ip, str):  # IPv4; IPv6 comes as a tuple
                found.append(Network(adapter.nice_name, ip.ip, ip.network_prefix))
    if not any(n.ip == LOOPBACK for n in found):
        found.append(Network("lo", LOOPBACK, 8))
    return found


def usable_networks(pattern=None):
    """The networks pgnet may use: those matching ``pattern`` (or
    ``settings.network``), plus loopback, minus link-local ``169.254.*``.

    Example:

        netif.usable_networks("192.168.*")   # [Network('lo', ...), Network('wlan0', ...)]
    """
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

    Example:

        netif.broadcast_addresses()   # ['127.255.255.255', '192.168.1.255']
    """
    targets = {LOOPBACK_BROADCAST}
    for network in usable_networks():
        if network.ip.startswith("127.") or network.prefix >= 31:
            continue
        net = ipaddress.IPv4Network("%s/%d" % (network.ip, network.prefix), strict=False)
        targets.add(str(net.broadcast_address))
    return sorted(targets)


def route_ip():
    """The address this computer would use to reach the wider network (its
    default route), or None on a computer without one.

    Connecting a UDP socket sends nothing; it only asks the routing table.

    Example:

        netif.route_ip()   # '192.168.1.23', or None when offline
    """
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("198.51.100.1", 9))  # a documentation-only address
        return probe.getsockname()[0]
    except OSError:
        return None
    finally:
        probe.close()


def is_virtual(interface_name):
    """True if the interface called ``interface_name`` usually belongs to a
    virtual machine, a container or a VPN, which other computers in the room
    cannot reach.

    Example:

        netif.is_virtual("docker0")   # True
        netif.is_virtual("wlan0")     # False
    """
    return bool(_VIRTUAL.match(interface_name))


def _is_private(ip):
    return ipaddress.IPv4Address(ip).is_private


def best_ip(pattern=None):
    """The address pgnet shows for this computer (see "Which address is
    advertised" in ``pgnet.addresses``).

    ``pattern`` is a wildcard such as ``"192.168.*"``; with one, the address
    must match it, or ``AddressError`` says which addresses there are.

    Example:

        netif.best_ip()            # '192.168.1.23'
        netif.best_ip("10.*")      # '10.0.0.7'
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
    default_route = route_ip()

    def rank(network):
        return (
            network.ip != default_route,
            not _is_private(network.ip),
            is_virtual(network.interface),
        )

    return min(candidates, key=rank).ip


def free_port(host=""):
    """A TCP port that nothing on this computer is using right now.

    The operating system picks it, so it really is free.

    Example:

        port = netif.free_port()
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
