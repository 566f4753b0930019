"""The doctor's check on the pgnet programs that answered its query: which
run on this computer and which on others, and whether the others accept
connections (a firewall often lets broadcasts out but no connection in).

Example:

    check_answers(report, heard, local_ips(), nets)
    # pgnet programs that answered:
    #   on this computer: pong
    #   on other computers: robot (raspberrypi at 10.0.0.7:40123)
"""

import ipaddress
import socket
import threading

from ...osc import NAME_SUFFIX as OSC_NAME_SUFFIX
from ...reachable import try_connection
from ...settings import settings
from ..finding import is_this_computer
from .broadcasts import NO_BROADCASTS_ADVICE


def split_by_computer(programs, own_ips):
    """``(here, remote)``: the ``programs`` (``Answer``) whose adverts came
    from this computer, and those from other computers.

    Example:

        split_by_computer([Answer("pong", "laptop", "127.0.0.1:5000", "127.0.0.1")], set())
        # ([Answer('pong', ...)], [])
    """
    here, remote = [], []
    for answer in programs:
        (here if is_this_computer(answer.source, own_ips) else remote).append(answer)
    return here, remote


def check_answers(report, heard, own_ips, nets):
    """List the programs that answered, here and on other computers, and
    say what it means: other computers found (then try connecting to
    them), only heard, or silent (with the usual reasons).

    ``heard`` is a ``Heard``, ``own_ips`` this computer's addresses and
    ``nets`` its ``Networks``; with no network outside this computer there
    is nothing to expect from others.

    Example:

        check_answers(report, heard, {"127.0.0.1"}, nets)
        # "pgnet programs on this computer answered: pong."
    """
    here, remote = split_by_computer(heard.programs, own_ips)
    names_here = ", ".join(sorted({answer.name for answer in here}))
    report.line("")
    report.line("pgnet programs that answered:")
    report.line("  on this computer: %s" % (names_here or "none"))
    report.line("  on other computers: %s" % (", ".join(
        "%s (%s at %s)" % (a.name, a.machine, a.address) for a in remote) or "none"))
    if here:
        report.ok("pgnet programs on this computer answered: %s." % names_here)
    if not nets.outside:
        return  # only this computer: nothing to expect from the network
    remote_queriers = {s for s in heard.queriers if not is_this_computer(s, own_ips)}
    if remote:
        machines = {(a.machine, a.source) for a in remote}
        report.ok("%d pgnet program%s on %d other computer%s answered." % (
            len(remote), "" if len(remote) == 1 else "s",
            len(machines), "" if len(machines) == 1 else "s"))
        check_connections(report, remote, nets.usable)
    elif remote_queriers:
        report.ok("pgnet programs on other computers (%s) are heard, though none "
                  "advertises a name." % ", ".join(sorted(remote_queriers)))
    else:
        report.warn(
            "no pgnet program on another computer answered.",
            "Fine if none is running. To test, run 'pgnet listen hello' on another "
            "computer, then 'pgnet doctor' again here. If it still finds nothing: "
            "the Wi-Fi may keep its devices apart ('client isolation' or 'AP "
            "isolation', usual on guest and some school Wi-Fi: use another "
            "network, a cable, or a phone hotspot); or a firewall on either "
            "computer blocks UDP port %d; or the computers are on different "
            "networks (compare their addresses with 'pgnet doctor'); or they use "
            "different PGNET_DISCOVERY_PORT values. %s" % (settings.discovery_port, NO_BROADCASTS_ADVICE),
        )


def on_my_networks(remote, usable, limit=8):
    """The first ``limit`` of the ``remote`` answers whose address is on one
    of the ``usable`` networks: those this computer should reach directly.

    Example:

        on_my_networks([Answer("robot", "pi", "10.0.0.7:40123", "10.0.0.7")],
                       [netif.Network("eth0", "10.0.0.5", 24)])   # [Answer('robot', ...)]
    """
    subnets = [ipaddress.IPv4Network("%s/%d" % (n.ip, n.prefix), strict=False)
               for n in usable if not n.ip.startswith("127.")]
    chosen = []
    for answer in remote[:limit]:
        if answer.name.endswith(OSC_NAME_SUFFIX):
            continue  # an OSC port: UDP, so a TCP connection says nothing
        try:
            ip = ipaddress.IPv4Address(answer.address.rpartition(":")[0])
        except ValueError:
            continue
        if any(ip in net for net in subnets):
            chosen.append(answer)
    return chosen


def probe_connections(addresses):
    """Try a TCP connection to each of ``addresses`` at once: {address: None
    if it was accepted, else why not}, within about two seconds.

    Example:

        probe_connections(["10.0.0.7:40123"])   # {'10.0.0.7:40123': None}
    """
    results = {}

    def probe(address):
        error = try_connection(address, 1.0)
        if error is None:
            results[address] = None
        else:
            results[address] = "no answer" if isinstance(error, socket.timeout) else (error.strerror or str(error))

    threads = [threading.Thread(target=probe, args=(a,), daemon=True) for a in addresses]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2.0)
    return {address: results.get(address, "no answer") for address in addresses}


def report_connections(report, tried, results):
    """A problem for each program in ``tried`` whose connection failed
    (``results`` from ``probe_connections``), or ok if all of them worked.

    Example:

        report_connections(report, [robot], {robot.address: None})
        # "connections to robot work."
    """
    blocked = [answer for answer in tried if results.get(answer.address, "no answer")]
    for answer in blocked:
        report.problem(
            "%r on %s (%s) is found but cannot be reached (%s)."
            % (answer.name, answer.machine, answer.address, results.get(answer.address, "no answer")),
            "A firewall on %s lets its broadcasts out but no connections in: allow "
            "Python through that computer's firewall (on Windows: for Private "
            "networks)." % answer.machine,
        )
    if tried and not blocked:
        report.ok("connections to %s work." % ", ".join(answer.name for answer in tried))


def check_connections(report, remote, usable):
    """Try connecting to the programs found on other computers of this
    computer's networks, and report which cannot be reached.

    Example:

        check_connections(report, remote, nets.usable)   # "connections to robot work."
    """
    tried = on_my_networks(remote, usable)
    report_connections(report, tried, probe_connections([answer.address for answer in tried]))


def check_names(report, heard, own_ips):
    """Names advertised more than once: two programs with one name on this
    computer (a problem: the others find only one), or copies on several
    computers (fine: each program uses the one on its own computer).

    Example:

        check_names(report, heard, local_ips())
        # 'robot' runs on 3 computers: lab-1, lab-2, lab-3 ...
    """
    by_name = {}
    for answer in heard.programs:
        by_name.setdefault(answer.name, []).append(answer)
    for name, answers in sorted(by_name.items()):
        if len(answers) < 2:
            continue
        here = [a for a in answers if is_this_computer(a.source, own_ips)]
        if len(here) > 1:
            report.warn(
                "%d programs on this computer advertise the name %r." % (len(here), name),
                "The others find only one of them: give each its own name.",
            )
        computers = sorted({a.machine for a in answers})
        if len(computers) > 1:
            report.line("  %r runs on %d computers (%s): each program uses the one on "
                        "its own computer, or '%s@COMPUTER'." % (
                            name, len(computers), ", ".join(computers), name))
