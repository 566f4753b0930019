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

import ipaddress
import re
import socket
import threading
import time
from collections import namedtuple

from . import netif
from .errors import AddressError
# Kept here too, for the code and tests that use them as addresses.LOOPBACK...
from .netif import LOOPBACK, LOOPBACK_BROADCAST, free_port  # noqa: F401
from .settings import settings

_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_PORT = re.compile(r"^\d+$")

#: Where to listen: ``host`` to bind (``"*"`` for every address), ``port``,
#: and ``shown``, the "ip:port" text to give back to the user.
#:
#: Example: ``ListenAddress("*", 40123, "192.168.1.23:40123")``.
ListenAddress = namedtuple("ListenAddress", "host port shown")


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
    if host and (_PORT.match(port) or _IPV4.match(host)):
        return True  # (an IP with a bad port is a mistaken address, not a name)
    return bool(_PORT.match(text) or _IPV4.match(text) or "*" in text)


def split(address):
    """``(host, port)`` for an address in any form the module's table gives;
    either part is None when the address leaves it out. Raises
    ``AddressError`` for a bad port or a value that is not an address.

    The host is returned as written (a name, an IP or a wildcard): nothing
    is looked up.

    Example:

        split("192.168.1.5:5000")   # ('192.168.1.5', 5000)
        split(5000)                 # (None, 5000)
        split("192.168.*")          # ('192.168.*', None)
    """
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
    if colon and _IPV4.match(host):
        raise AddressError(
            "%r: the port after ':' must be a number, as in '%s:5000'." % (address, host)
        )
    return text, None


def check_ip(ip, original):
    """Raise ``AddressError`` unless ``ip`` is a valid IPv4 address such as
    ``"192.168.1.5"``; the message quotes ``original``, what the user wrote.

    Example:

        check_ip("10.0.0.5", "10.0.0.5:4000")        # fine
        check_ip("10.0.0.999", "10.0.0.999:4000")    # AddressError
    """
    try:
        ipaddress.IPv4Address(ip)
    except ValueError:
        raise AddressError(
            "%r is not a valid IP address: each of the four numbers must be "
            "0 to 255, as in '192.168.1.5'." % original
        ) from None


def for_connecting(address, resolve=True):
    """``"ip:port"`` for an address to send to (names are not handled here).

    A bare port means this computer; a host name is looked up (with
    ``resolve=False``, as for an address another program claims, a host
    name raises ``AddressError``: looking up what a peer chose could take
    seconds).

    Example:

        for_connecting(5000)                 # '127.0.0.1:5000'
        for_connecting("robot.local:5000")   # '192.168.1.40:5000'
    """
    host, port = split(address)
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
        if not resolve:
            raise AddressError("%r is not an IP address." % address)
        try:
            host = socket.gethostbyname(host)
        except OSError:
            raise AddressError(
                "Cannot find the computer called %r. Check the spelling, or "
                "use its IP address or its pgnet service name instead." % host
            ) from None
    check_ip(host, address)
    return "%s:%d" % (host, port)


def needs_lookup(address):
    """True if ``address`` names a computer that must be looked up, which
    can take seconds (``"robot.local:5000"``), not an IP address.

    Example: ``needs_lookup("robot.local:5000")   # True``"""
    host, port = split(address)
    return host is not None and port is not None and "*" not in host and not _IPV4.match(host)


#: How long the address of a computer's name is remembered, in seconds; a
#: name that could not be found, ``FAILED_LOOKUP_TTL_S``.
LOOKUP_TTL_S = 60.0
FAILED_LOOKUP_TTL_S = 10.0
_MAX_KEPT = 1000  # names remembered at most
_MAX_AT_ONCE = 8  # lookups in the background at once


class Lookups:
    """The addresses of computers' names, looked up once a minute at most
    (a lookup can take seconds, never once a frame), and in the background
    for a caller that must not wait, such as a game's frame.

    Example:

        lookups = Lookups()
        lookups.address("robot.local:5000")               # '192.168.1.40:5000'
        lookups.address("pi.local:5000", wait=False)      # None until known
    """

    def __init__(self):
        self._known = {}  # "name:port" -> ("ip:port" or the AddressError, until when)
        self._pending = set()  # names being looked up in the background
        self._lock = threading.Lock()

    def address(self, target, wait=True):
        """``"ip:port"`` for ``target`` (see ``for_connecting``). A name not
        known yet is looked up now, or, without ``wait``, in the background
        (None until then; None too for a name that could not be found,
        which raises ``AddressError`` when the caller waits).

        Example: ``lookups.address("robot.local:5000", wait=False)``"""
        if not needs_lookup(target):
            return for_connecting(target)
        known = self._known.get(target)
        if known is not None and time.monotonic() < known[1]:
            if not isinstance(known[0], AddressError):
                return known[0]
            if wait:
                raise AddressError(str(known[0])) from None
            return None
        if wait:
            return self._look_up(target)
        with self._lock:
            if target in self._pending or len(self._pending) >= _MAX_AT_ONCE:
                return None
            self._pending.add(target)
        threading.Thread(target=self._look_up_quietly, args=(target,),
                         name="pgnet lookup", daemon=True).start()
        return None

    def _look_up(self, target):
        try:
            address, ttl_s = for_connecting(target), LOOKUP_TTL_S
        except AddressError as error:
            self._keep(target, error, FAILED_LOOKUP_TTL_S)
            raise
        self._keep(target, address, ttl_s)
        return address

    def _look_up_quietly(self, target):
        try:
            self._look_up(target)
        except AddressError:
            pass  # (kept: a caller that waits is told)
        finally:
            with self._lock:
                self._pending.discard(target)

    def _keep(self, target, result, ttl_s):
        with self._lock:
            if len(self._known) >= _MAX_KEPT:
                self._known.clear()
            self._known[target] = (result, time.monotonic() + ttl_s)


def for_listening(address=None):
    """Where to listen, as a ``ListenAddress``, for ``address`` in any
    form the module's table gives (``None`` means: any free port).

    Example:

        for_listening("192.168.*")   # ListenAddress('192.168.1.5', 40123, ...)
    """
    host, port = (None, None) if address is None else split(address)
    if host is None or host in ("*", "0.0.0.0"):
        if settings.network:
            host = netif.best_ip()
        else:
            host = "*"
    elif "*" in host:
        host = netif.best_ip(host)
    elif not _IPV4.match(host):
        try:
            host = socket.gethostbyname(host)
        except OSError:
            raise AddressError(
                "Cannot listen on %r: no computer of that name. Leave the "
                "address out and pgnet chooses one." % address
            ) from None
    if host != "*":
        check_ip(host, address)
    if port is None:
        try:
            port = netif.free_port("" if host == "*" else host)
        except OSError:  # another computer's address: to advertise, not to listen on
            port = netif.free_port()
    shown_ip = netif.best_ip() if host == "*" else host
    return ListenAddress(host, port, "%s:%d" % (shown_ip, port))


def my_address(address=None):
    """This computer's address, as other programs reach it, with a port:
    ``"192.168.1.23:40123"``. Leave ``address`` out for a free port; give a
    port (``5000``) to have that one, or a wildcard (``"192.168.*"``) to
    choose which of this computer's networks. Nothing is opened: it is an
    address to listen on, or to show.

    (To know where a name you advertise is, ``pgnet.advertise`` returns it.)

    Example:

        print("This computer is", pgnet.my_address().split(":")[0])
        pgnet.wait_for_message(pgnet.my_address(5000))
    """
    return for_listening(address).shown
