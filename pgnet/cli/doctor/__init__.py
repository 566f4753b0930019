"""``pgnet doctor``: why can't my computers find each other?

The doctor runs small checks in order, each adding its lines and findings
to one ``Report``, and ends with a summary that says what to do about each
problem. The checks, by the module they live in:

* ``environment``: this computer, the versions, the settings; the relay;
* ``networks``: the interfaces, the address pgnet shows and why, no
  network, several networks, a VPN, a PGNET_NETWORK that matches nothing;
* ``port``: the discovery port: free, shared, or taken (and by whom);
* ``broadcasts``: a query to each broadcast address, and whether it comes
  back; packets of other rooms, or refused for the room password;
* ``answers``: which pgnet programs answered, here and on other computers,
  whether those accept connections, and names advertised more than once.

Example:

    $ pgnet doctor
    pgnet doctor: can this computer use pgnet?
    ...
    Summary:
      ✓ discovery port 46374: free.
    No problems found.
"""

from ... import discovery
from ...settings import settings
from ..finding import local_ips
from ..output import FAILED, OK
from .answers import check_answers
from .answers import check_names
from .broadcasts import check_broadcasts, check_room, listen_for_answers
from .environment import check_relay, show_settings
from .networks import (check_connected, check_network_setting, check_several_networks,
                       check_vpn, look_at_networks, show_address, show_interfaces)
from .port import check_discovery_port
from .report import Report


def cmd_doctor(args):
    """``pgnet doctor [--wait SECONDS]``: check everything pgnet needs on
    this computer and say what to do about each problem; FAILED if there
    is one.

    ``args`` comes from the command line (see ``pgnet doctor --help``).

    Example:

        main(["doctor", "--wait", "3"])   # prints the report, returns 0 or 1
    """
    report = Report()
    port = settings.discovery_port
    pattern = settings.network

    show_settings(report, port, pattern)
    if settings.relay:
        check_relay(report, settings.relay, discovery.relay_address())

    nets = look_at_networks(pattern)
    check_network_setting(report, nets)
    show_interfaces(report, nets)
    show_address(report, nets)
    targets = discovery.packet_targets()
    report.line("Discovery packets go to: %s" % ", ".join(targets))
    check_connected(report, nets)
    check_several_networks(report, nets)
    check_vpn(report, nets)

    can_listen = check_discovery_port(report, port)

    report.line("")
    if not can_listen:
        report.line("Broadcasts: not checked (the discovery port cannot be opened).")
    else:
        heard = listen_for_answers(port, targets, args.wait)
        own_ips = local_ips()
        check_broadcasts(report, targets, heard, args.wait, port, own_ips)
        check_answers(report, heard, own_ips, nets)
        check_names(report, heard, own_ips)
        check_room(report, heard)

    report.summary()
    return FAILED if report.problems() else OK
