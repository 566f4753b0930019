"""Which program the user means, and whether it can be reached.

Commands take a NAME (``robot``, looked up on the network) or an ADDRESS
(``192.168.1.5:40123``). ``find`` turns either into an address, and
``check_reachable`` tries a plain connection first (``pgnet.reachable``),
so that a stopped program, a firewall and a wrong network each get their
own explanation instead of a silent wait.

Example:

    address, described = find("robot", wait_s=5)   # ('10.0.0.7:40123', "'robot' (10.0.0.7:40123)")
    check_reachable(address, described, wait_s=5)  # raises Failure with the reason
"""

from .. import addresses, discovery, netif, reachable
from ..errors import AddressError, ServiceNameError
from .output import USAGE, Failure, Progress, quiet


def listening_beacon():
    """This program's discovery peer, or a ``Failure`` if it cannot hear
    (another program holds the discovery port without sharing it).

    Example:

        peer = listening_beacon()
        peer.services()
    """
    with quiet():
        peer = discovery.get_beacon()
    if not peer.listening:
        raise Failure(
            "this computer's pgnet discovery port (UDP %d) is taken by another "
            "program, so pgnet cannot find others by name. Run 'pgnet doctor' "
            "to see which, or give an address (ip:port) instead of a name."
            % peer.port
        )
    return peer


def find(target, wait_s):
    """``(address, description)`` for a NAME or ADDRESS typed by the user.

    A name is looked up on the network for up to ``wait_s`` seconds; a
    ``Failure`` says what was seen instead if it is not found.

    Example:

        find("robot", 5)             # ('10.0.0.7:40123', "'robot' (10.0.0.7:40123)")
        find("10.0.0.7:40123", 5)    # ('10.0.0.7:40123', '10.0.0.7:40123')
    """
    if addresses.is_address(target):
        try:
            address = addresses.for_connecting(target)
        except AddressError as error:
            raise Failure(str(error), USAGE) from None
        return address, address
    try:
        discovery.check_name(target)
    except ServiceNameError as error:
        raise Failure(str(error), USAGE) from None
    peer = listening_beacon()
    address = peer.lookup(target)
    if address is None:
        with Progress("Looking for %r (up to %g s)..." % (target, wait_s)):
            address = peer.wait_for(target, wait_s)
    if address is None:
        seen = [s.name for s in peer.services()]
        raise Failure(
            "no program called %r found on the network after %g s (%s). Check "
            "that it is running and the spelling, with 'pgnet list'."
            % (target, wait_s,
               "programs seen: " + ", ".join(map(repr, seen)) if seen else "no pgnet programs seen at all")
        )
    return address, "%r (%s)" % (target, address)


def check_reachable(address, described, wait_s):
    """Fail with the reason if nothing accepts connections at ``address``
    (see ``pgnet.reachable``: the library says the same, in a warning).
    ``described`` is how the failure names the program.

    Example:

        check_reachable("10.0.0.7:40123", "'robot' (10.0.0.7:40123)", 5)
    """
    reason = reachable.problem(address, described, max(0.5, min(wait_s, 3.0)))
    if reason is not None:
        raise Failure(reason)


def local_ips():
    """This computer's own IPv4 addresses, as a set.

    Example:

        local_ips()   # {'127.0.0.1', '192.168.1.23'}
    """
    return {n.ip for n in netif.networks()}


def is_this_computer(ip, own_ips):
    """True if ``ip`` is this computer: loopback, or one of ``own_ips``
    (from ``local_ips()``).

    Example:

        is_this_computer("127.0.0.1", set())                      # True
        is_this_computer("10.0.0.7", {"127.0.0.1", "10.0.0.5"})   # False
    """
    return ip.startswith("127.") or ip in own_ips
