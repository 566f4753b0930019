"""The doctor's checks on this computer's networks: which interfaces it
has, which address pgnet shows and why, and the usual troubles (no network
at all, several networks, a VPN, a PGNET_NETWORK that matches nothing).

``look_at_networks`` asks the operating system once; every check after it
only reads that snapshot, so the checks can be tried with made-up networks.

Example:

    nets = look_at_networks(settings.network)
    show_interfaces(report, nets)
    check_connected(report, nets)
"""

import ipaddress

from ... import netif
from ...errors import AddressError
from .report import wrap


class Networks:
    """This computer's networks as the doctor saw them.

    ``every``: all its addresses (``netif.Network``); ``usable``: those
    pgnet may use; ``route_ip``: the address of the default route (or
    None); ``shown``: the address pgnet shows (None if ``pattern`` matches
    nothing, then ``error`` says why); ``pattern``: PGNET_NETWORK.
    Worked out from those: ``outside`` (usable, not loopback), ``real``
    and ``virtual`` (``outside`` split by interface kind), and
    ``self_assigned`` (169.254.*: plugged in, but given no address).

    Example:

        lo = netif.Network("lo", "127.0.0.1", 8)
        Networks([lo], [lo], None, "127.0.0.1", None).outside   # []
    """

    def __init__(self, every, usable, route_ip, shown, pattern, error=None):
        self.every = every
        self.usable = usable
        self.route_ip = route_ip
        self.shown = shown
        self.pattern = pattern
        self.error = error
        self.outside = [n for n in usable if not n.ip.startswith("127.")]
        self.real = [n for n in self.outside if not netif.is_virtual(n.interface)]
        self.virtual = [n for n in self.outside if netif.is_virtual(n.interface)]
        self.self_assigned = [n for n in every if n.ip.startswith("169.254.")]


def look_at_networks(pattern):
    """This computer's networks now, as ``Networks`` (``pattern`` is
    PGNET_NETWORK, which pgnet's own calls read from the settings).

    Example:

        look_at_networks(None).shown   # '192.168.1.23'
    """
    every, usable, route_ip = netif.networks(), netif.usable_networks(), netif.route_ip()
    try:
        shown, error = netif.best_ip(), None
    except AddressError as problem:
        shown, error = None, problem
    return Networks(every, usable, route_ip, shown, pattern, error)


def check_network_setting(report, nets):
    """A problem if PGNET_NETWORK matches none of this computer's addresses.

    Example:

        check_network_setting(report, nets)   # "... matches none of this computer's addresses."
    """
    if nets.error is None:
        return
    report.problem(
        "the network setting PGNET_NETWORK=%r matches none of this computer's "
        "addresses." % nets.pattern,
        str(nets.error) + " Or unset PGNET_NETWORK to use every network.",
    )


def interface_notes(network, nets):
    """What the doctor says about one of this computer's addresses.

    Example:

        interface_notes(netif.Network("lo", "127.0.0.1", 8), nets)
        # ['this computer only', '<- the address pgnet shows']
    """
    notes = []
    if network.ip.startswith("127."):
        notes.append("this computer only")
    elif network.ip.startswith("169.254."):
        notes.append("self-assigned: the network gave it no address; not used")
    elif network not in nets.usable:
        notes.append("not used: PGNET_NETWORK=%r" % nets.pattern)
    elif netif.is_virtual(network.interface):
        notes.append("virtual (VPN, VM or container): other computers may not reach it")
    elif network.ip != nets.shown:
        notes.append("used too")
    if network.ip == nets.route_ip:
        notes.append("default route")
    if network.ip == nets.shown:
        notes.append("<- the address pgnet shows")
    return notes


def show_interfaces(report, nets):
    """The table of this computer's addresses, with a note on each.

    Example:

        show_interfaces(report, nets)
        #   lo     127.0.0.1/8         this computer only
        #   wlan0  192.168.1.23/24     default route; <- the address pgnet shows
    """
    report.line("")
    report.line("This computer's networks:")
    width = max(len(n.interface) for n in nets.every)
    for network in nets.every:
        report.line("  %-*s  %-18s  %s" % (
            width, network.interface, "%s/%d" % (network.ip, network.prefix),
            "; ".join(interface_notes(network, nets))))


def why_shown(shown, candidates, route_ip, pattern):
    """Why pgnet shows ``shown`` for this computer, in plain words.

    ``candidates`` are the usable networks other than loopback, ``route_ip``
    the default route's address (or None), ``pattern`` PGNET_NETWORK.

    Example:

        why_shown("127.0.0.1", [], None, None)
        # 'this computer has no network, only itself (127.0.0.1)'
    """
    if shown.startswith("127."):
        if pattern:
            return ("the network setting PGNET_NETWORK=%r keeps pgnet on this "
                    "computer (127.0.0.1): other computers cannot find it" % pattern)
        return "this computer has no network, only itself (127.0.0.1)"
    restricted = " among the addresses PGNET_NETWORK=%r allows" % pattern if pattern else ""
    if len(candidates) == 1:
        return "it is this computer's only network address%s" % restricted
    if shown == route_ip:
        return ("it is the address this computer uses to reach the wider network "
                "(its default route)%s" % restricted)
    chosen = next(n for n in candidates if n.ip == shown)
    equals = [n for n in candidates
              if n.ip != route_ip and ipaddress.IPv4Address(n.ip).is_private
              and not netif.is_virtual(n.interface)]
    if chosen in equals:
        return ("there is no default route, and it is the first address on a "
                "private network (the kind schools and homes use) of a real "
                "network card%s" % restricted)
    return "it is the first usable address%s" % restricted


def show_address(report, nets):
    """The address pgnet shows for this computer, and why that one.

    Example:

        show_address(report, nets)
        # pgnet shows this computer as 192.168.1.23, because it is this
        # computer's only network address.
    """
    if not nets.shown:
        return
    report.line("")
    report.line(wrap("pgnet shows this computer as %s, because %s." % (
        nets.shown, why_shown(nets.shown, nets.outside, nets.route_ip, nets.pattern)), ""))
    if len(nets.outside) > 1 and not nets.pattern:
        report.line(wrap("Programs listen on every address, and other computers reach "
                         "them on whichever address their discovery packets came from, "
                         "so the address shown only matters when you type it in.", "  "))


def check_connected(report, nets):
    """Is this computer on a network at all? Offline (a problem, with a
    hint about a self-assigned address), kept to itself by PGNET_NETWORK
    (a warning), or the networks pgnet uses (ok).

    Example:

        check_connected(report, nets)   # "network: this computer is offline ..."
    """
    if not nets.outside and nets.shown is not None:
        if nets.pattern:
            report.warn(
                "network: only this computer (PGNET_NETWORK=%r)." % nets.pattern,
                "pgnet works only between programs on this computer. To reach "
                "other computers, unset PGNET_NETWORK, or set it to the classroom "
                "network (such as '192.168.1.*').",
            )
            return
        advice = ("Connect it to the classroom Wi-Fi or network cable, then "
                  "run 'pgnet doctor' again. Until then, programs on this "
                  "computer can still talk to each other.")
        if nets.self_assigned:
            first = nets.self_assigned[0]
            advice += (" %s has a self-assigned address (%s): it is plugged in but "
                       "the network gave it no address; check the cable or the "
                       "Wi-Fi password." % (first.interface, first.ip))
        report.problem(
            "network: this computer is offline (it has no network, only "
            "127.0.0.1), so pgnet works only on this computer.", advice)
    elif nets.outside:
        summary = ", ".join("%s %s" % (n.interface, n.ip) for n in nets.outside)
        report.ok("network: %s; pgnet shows %s." % (summary, nets.shown))


def pattern_for(network):
    """A PGNET_NETWORK wildcard for ``network``: ``10.123.0.*`` for a /24.

    Example:

        pattern_for(netif.Network("eth0", "172.16.5.9", 16))   # '172.16.*'
    """
    octets = network.ip.split(".")
    keep = max(1, min(3, network.prefix // 8))
    return ".".join(octets[:keep]) + ".*"


def suggested_setting(networks):
    """The PGNET_NETWORK to suggest for a computer on several ``networks``:
    the first, with the others as alternatives.

    Example:

        suggested_setting([netif.Network("eth0", "10.123.0.2", 24),
                           netif.Network("eth1", "10.123.1.2", 24)])
        # "PGNET_NETWORK='10.123.0.*' (or '10.123.1.*')"
    """
    first, *others = [pattern_for(n) for n in networks]
    return "PGNET_NETWORK=%r (or %s)" % (first, " or ".join(map(repr, others)))


def check_several_networks(report, nets):
    """A warning when this computer is on several real networks and
    PGNET_NETWORK does not choose one, with the setting to try.

    Example:

        check_several_networks(report, nets)
        # "this computer is on 2 networks (eth0 10.123.0.2, eth1 10.123.1.2); ..."
    """
    if len(nets.real) < 2 or nets.pattern:
        return
    report.warn(
        "this computer is on %d networks (%s); pgnet uses all of them and shows %s." % (
            len(nets.real), ", ".join("%s %s" % (n.interface, n.ip) for n in nets.real), nets.shown),
        "Fine if the others find it. If they cannot, choose the classroom network "
        "for every pgnet program on this computer: set %s before starting them."
        % suggested_setting(nets.real),
    )


def check_vpn(report, nets):
    """A warning when a VPN or virtual network carries the default route,
    or when every network this computer has is virtual.

    Example:

        check_vpn(report, nets)   # "a VPN or virtual network (tun0) carries ..."
    """
    route_network = next((n for n in nets.outside if n.ip == nets.route_ip), None)
    if route_network is not None and netif.is_virtual(route_network.interface):
        report.warn(
            "a VPN or virtual network (%s) carries this computer's traffic."
            % route_network.interface,
            "VPNs often block classroom traffic: turn the VPN off during the "
            "lesson, or allow 'local network access' in its settings, or set "
            "PGNET_NETWORK to the classroom network.",
        )
    elif nets.virtual and not nets.real:
        report.warn(
            "the only networks are virtual (%s): VPN, virtual machine or "
            "container networks." % ", ".join(n.interface for n in nets.virtual),
            "Other computers in the room probably cannot reach them. Connect "
            "to the classroom Wi-Fi or cable; in a virtual machine, set its "
            "network to 'bridged'.",
        )
