"""``pgnet doctor``: why can't my computers find each other?

It checks everything pgnet needs on this computer (its networks and the
address pgnet shows, the discovery port, broadcasts, other computers'
answers) and says what to do about each problem.

Example:

    $ pgnet doctor
    pgnet doctor: can this computer use pgnet?
    ...
    No problems found.
"""

import ipaddress
import os
import socket
import sys
import textwrap
import threading
import time
import uuid

from .. import __version__, discovery, netif
from ..discovery import protocol
from ..errors import AddressError
from ..settings import settings
from . import finding
from .output import FAILED, OK, Progress, say, symbols

class _Report:
    """What ``pgnet doctor`` found: ok, warning (advice) or problem."""

    def __init__(self):
        self.findings = []  # (kind, text, advice)

    def ok(self, text):
        self.findings.append(("ok", text, None))

    def warn(self, text, advice):
        self.findings.append(("warn", text, advice))

    def problem(self, text, advice):
        self.findings.append(("problem", text, advice))

    def problems(self):
        return [f for f in self.findings if f[0] == "problem"]


def _wrap(text, indent):
    return textwrap.fill(text, 78, initial_indent=indent, subsequent_indent=indent)


def _pattern_for(network):
    """A PGNET_NETWORK wildcard for ``network``: ``10.123.0.*`` for a /24."""
    octets = network.ip.split(".")
    keep = max(1, min(3, network.prefix // 8))
    return ".".join(octets[:keep]) + ".*"


def _is_virtual(network):
    return netif.is_virtual(network.interface)


def _port_owners(port):
    """Linux: ``[(pid, command line)]`` of the processes holding UDP ``port``."""
    inodes = set()
    try:
        with open("/proc/net/udp") as table:
            next(table)
            for line in table:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port:
                    inodes.add(fields[9])
    except (OSError, ValueError, IndexError, StopIteration):
        return []
    owners = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fds = os.listdir("/proc/%s/fd" % pid)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink("/proc/%s/fd/%s" % (pid, fd))
            except OSError:
                continue
            if link.startswith("socket:[") and link[8:-1] in inodes:
                owners.append((int(pid), _program_name(pid)))
                break
    return owners


def _program_name(pid):
    """``python game.py`` for a process: its program, and its script if any."""
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            argv = f.read().decode("utf-8", "replace").split("\0")
    except OSError:
        return "?"
    words = [os.path.basename(argv[0])]
    words += [os.path.basename(a) for a in argv[1:3] if a.endswith(".py")]
    if len(argv) > 1 and argv[1] in ("-m", "-c"):
        words += [argv[1], (argv[2] if argv[1] == "-m" else "...")]
    return " ".join(words)


def _bind_test(port, shared):
    """None if UDP ``port`` can be bound (as pgnet does, if ``shared``), else
    the OSError."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        if shared:
            discovery.share_port(sock)
        sock.bind(("", port))
        return None
    except OSError as error:
        return error
    finally:
        sock.close()


def _why_shown(shown, candidates, route_ip, pattern):
    """Why pgnet shows ``shown`` for this computer, in plain words."""
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
              and not _is_virtual(n)]
    if chosen in equals:
        return ("there is no default route, and it is the first address on a "
                "private network (the kind schools and homes use) of a real "
                "network card%s" % restricted)
    return "it is the first usable address%s" % restricted


def cmd_doctor(args):
    """``pgnet doctor [--wait SECONDS]``: check everything pgnet needs on
    this computer and say what to do about each problem; FAILED if there
    is one.

    Example:

        main(["doctor", "--wait", "3"])   # prints the report, returns 0 or 1
    """
    check, cross, bang = symbols()
    marks = {"ok": check, "warn": bang, "problem": cross}
    report = _Report()
    port = settings.discovery_port
    pattern = settings.network

    say("pgnet doctor: can this computer use pgnet?")
    say("  computer %r, pgnet %s, Python %s" % (
        socket.gethostname(), __version__, sys.version.split()[0]))
    say("  discovery port: UDP %d%s" % (
        port, " (from PGNET_DISCOVERY_PORT)" if os.environ.get("PGNET_DISCOVERY_PORT") else " (the default)"))
    say("  network setting: %s" % (
        "PGNET_NETWORK=%r" % pattern if pattern else "none (pgnet uses every network)"))
    if settings.relay:
        relay = discovery.relay_address()
        say("  relay: PGNET_RELAY=%r%s" % (
            settings.relay, " (UDP %s:%d)" % relay if relay else ""))
        if relay is None:
            report.problem(
                "the relay computer %r (PGNET_RELAY) cannot be found." % settings.relay,
                "Check its name, or use its IP address.",
            )
        else:
            report.warn(
                "discovery also goes through the relay at %s:%d." % relay,
                "If programs on other networks are not found, check that 'pgnet "
                "relay' is running there and that UDP port %d is open in its "
                "firewall." % relay[1],
            )

    # -- this computer's networks ------------------------------------------------
    networks = netif.networks()
    usable = netif.usable_networks()
    route_ip = netif.route_ip()
    try:
        shown = netif.best_ip()
    except AddressError as error:
        shown = None
        report.problem(
            "the network setting PGNET_NETWORK=%r matches none of this computer's "
            "addresses." % pattern,
            str(error) + " Or unset PGNET_NETWORK to use every network.",
        )
    outside = [n for n in usable if not n.ip.startswith("127.")]
    real = [n for n in outside if not _is_virtual(n)]
    virtual = [n for n in outside if _is_virtual(n)]
    self_assigned = [n for n in networks if n.ip.startswith("169.254.")]

    say("")
    say("This computer's networks:")
    width = max(len(n.interface) for n in networks)
    for network in networks:
        notes = []
        if network.ip.startswith("127."):
            notes.append("this computer only")
        elif network.ip.startswith("169.254."):
            notes.append("self-assigned: the network gave it no address; not used")
        elif network not in usable:
            notes.append("not used: PGNET_NETWORK=%r" % pattern)
        elif _is_virtual(network):
            notes.append("virtual (VPN, VM or container): other computers may not reach it")
        elif network.ip != shown:
            notes.append("used too")
        if network.ip == route_ip:
            notes.append("default route")
        if network.ip == shown:
            notes.append("<- the address pgnet shows")
        say("  %-*s  %-18s  %s" % (width, network.interface,
                                   "%s/%d" % (network.ip, network.prefix), "; ".join(notes)))

    if shown:
        candidates = outside if outside else []
        say("")
        say(_wrap("pgnet shows this computer as %s, because %s." % (
            shown, _why_shown(shown, candidates, route_ip, pattern)), ""))
        if len(outside) > 1 and not pattern:
            say(_wrap("Programs listen on every address, and other computers reach "
                      "them on whichever address their discovery packets came from, "
                      "so the address shown only matters when you type it in.", "  "))
    targets = netif.broadcast_addresses()
    say("Discovery broadcasts go to: %s" % ", ".join(targets))

    if not outside and shown is not None:
        if pattern:
            report.warn(
                "network: only this computer (PGNET_NETWORK=%r)." % pattern,
                "pgnet works only between programs on this computer. To reach "
                "other computers, unset PGNET_NETWORK, or set it to the classroom "
                "network (such as '192.168.1.*').",
            )
        else:
            advice = ("Connect it to the classroom Wi-Fi or network cable, then "
                      "run 'pgnet doctor' again. Until then, programs on this "
                      "computer can still talk to each other.")
            if self_assigned:
                advice += (" %s has a self-assigned address (%s): it is plugged in but "
                           "the network gave it no address; check the cable or the "
                           "Wi-Fi password." % (self_assigned[0].interface, self_assigned[0].ip))
            report.problem(
                "network: this computer is offline (it has no network, only "
                "127.0.0.1), so pgnet works only on this computer.", advice)
    elif outside:
        summary = ", ".join("%s %s" % (n.interface, n.ip) for n in outside)
        report.ok("network: %s; pgnet shows %s." % (summary, shown))
        if len(real) > 1 and not pattern:
            report.warn(
                "this computer is on %d networks (%s); pgnet uses all of them "
                "and shows %s." % (len(real), ", ".join("%s %s" % (n.interface, n.ip) for n in real), shown),
                "Fine if the others find it. If they cannot, choose the "
                "classroom network for every pgnet program on this computer: "
                "set PGNET_NETWORK=%r (or %s) before starting them."
                % (_pattern_for(real[0]), " or ".join(repr(_pattern_for(n)) for n in real[1:])),
            )
        route_network = next((n for n in outside if n.ip == route_ip), None)
        if route_network is not None and _is_virtual(route_network):
            report.warn(
                "a VPN or virtual network (%s) carries this computer's traffic."
                % route_network.interface,
                "VPNs often block classroom traffic: turn the VPN off during the "
                "lesson, or allow 'local network access' in its settings, or set "
                "PGNET_NETWORK to the classroom network.",
            )
        elif virtual and not real:
            report.warn(
                "the only networks are virtual (%s): VPN, virtual machine or "
                "container networks." % ", ".join(n.interface for n in virtual),
                "Other computers in the room probably cannot reach them. Connect "
                "to the classroom Wi-Fi or cable; in a virtual machine, set its "
                "network to 'bridged'.",
            )

    # -- the discovery port -------------------------------------------------------
    say("")
    say("Discovery port UDP %d:" % port)
    exclusive = _bind_test(port, shared=False)
    if exclusive is None:
        can_listen = True
        say("  free: no other pgnet program is running on this computer.")
        report.ok("discovery port %d: free." % port)
    elif _bind_test(port, shared=True) is None:
        can_listen = True
        say("  shared with other pgnet programs on this computer (as it should be).")
        report.ok("discovery port %d: shared with other pgnet programs." % port)
    else:
        can_listen = False
        error = _bind_test(port, shared=True)
        owners = _port_owners(port)
        held_by = (" (%s)" % ", ".join("process %d, %s" % o for o in owners)) if owners else ""
        if getattr(error, "errno", None) in (98, 48, 10048):  # EADDRINUSE: Linux, macOS, Windows
            say("  taken by a program that does not share it%s." % held_by)
            report.problem(
                "discovery port %d is taken by a program that is not pgnet%s, so "
                "pgnet programs here cannot find others by name." % (port, held_by),
                "Close that program. If it must keep the port, choose another "
                "discovery port for the whole class: set PGNET_DISCOVERY_PORT "
                "(for example PGNET_DISCOVERY_PORT=%d) on every computer. (On Linux "
                "and macOS a pgnet program run by another user also holds it.)"
                % (port + 1 if port < 65535 else 47000),
            )
        else:
            say("  cannot be opened: %s." % (error.strerror or error))
            report.problem(
                "discovery port %d cannot be opened (%s)." % (port, error.strerror or error),
                "Choose another port for the whole class with PGNET_DISCOVERY_PORT "
                "(above 1024), set on every computer.",
            )

    # -- broadcasts and answers ---------------------------------------------------
    say("")
    if not can_listen:
        say("Broadcasts: not checked (the discovery port cannot be opened).")
    else:
        _check_broadcasts(args, report, port, targets, usable, outside)

    # -- summary --------------------------------------------------------------------
    say("")
    say("Summary:")
    for kind, text, advice in report.findings:
        say(_wrap(text, "    ").replace("    ", "  %s " % marks[kind], 1))
        if advice:
            say(_wrap("What to do: " + advice, "      "))
    problems = report.problems()
    if problems:
        say("%d problem%s found." % (len(problems), "" if len(problems) == 1 else "s"))
        return FAILED
    say("No problems found.")
    return OK


def _check_broadcasts(args, report, port, targets, usable, outside):
    """Send a query to each broadcast address, see it come back, and count
    the pgnet programs that answer."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        discovery.share_port(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.bind(("", port))
        instance = "doctor-" + uuid.uuid4().hex[:12]
        sent, returned, send_errors = {}, {}, {}
        for index, target in enumerate(targets):
            packet = protocol.encode_packet(protocol.query(None, "%s-%d" % (instance, index)))
            try:
                sock.sendto(packet, (target, port))
                sent[index] = time.perf_counter()
            except OSError as error:
                send_errors[target] = error.strerror or str(error)
        local_ips = finding.local_ips()
        programs = {}  # (instance, name) -> (source, machine, address)
        other_queriers = set()
        with Progress("Listening for answers for %g s..." % args.wait):
            deadline = time.monotonic() + args.wait
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                sock.settimeout(remaining)
                try:
                    data, (source, _) = sock.recvfrom(protocol.MAX_PACKET)
                except socket.timeout:
                    break
                except OSError:
                    continue
                try:
                    packet = protocol.parse_packet(data)
                except Exception:  # anything on the port that is not pgnet's
                    continue
                if packet["t"] == "query" and packet["i"].startswith(instance + "-"):
                    index = int(packet["i"].rsplit("-", 1)[1])
                    if index not in returned and index in sent:
                        returned[index] = ((time.perf_counter() - sent[index]) * 1000, source)
                elif packet["t"] == "query":
                    other_queriers.add(source)
                elif packet["t"] == "advert":
                    host = packet["h"] or source
                    programs[(packet["i"], packet["n"])] = (
                        source, packet["m"], "%s:%d" % (host, packet["p"]))
    finally:
        sock.close()

    say("Broadcasts (a discovery query to each address, which should come back):")
    came_back, lost = [], []
    for index, target in enumerate(targets):
        if target in send_errors:
            say("  %s: could not send (%s)" % (target, send_errors[target]))
            lost.append(target)
        elif index in returned:
            say("  %s: came back in %.1f ms" % (target, returned[index][0]))
            came_back.append(target)
        else:
            say("  %s: did not come back within %g s" % (target, args.wait))
            lost.append(target)
    if came_back:
        report.ok("broadcasts come back: %s." % ", ".join(came_back))
    for target in lost:
        if target in send_errors:
            report.problem(
                "discovery broadcasts to %s cannot be sent (%s)." % (target, send_errors[target]),
                "That network is not really connected: check the cable or Wi-Fi. "
                "If this keeps happening, set PGNET_NETWORK to the classroom "
                "network so pgnet stops using it.",
            )
        elif target == netif.LOOPBACK_BROADCAST:
            report.problem(
                "broadcasts on this computer (127.255.255.255) do not come back, "
                "so even programs on this computer cannot find each other.",
                "A firewall on this computer blocks UDP port %d. Allow Python (or "
                "that port) through it." % port,
            )
        else:
            report.problem(
                "broadcasts to %s do not come back, so pgnet cannot find other "
                "computers on that network." % target,
                "A firewall on this computer probably blocks UDP port %d: allow "
                "Python through it (on Windows, answer 'Allow' for Private "
                "networks and make sure the Wi-Fi is set to Private; on macOS, "
                "System Settings > Network > Firewall)." % port,
            )

    # Who answered.
    here, remote = [], []
    for (_, name), (source, machine, address) in sorted(programs.items(), key=lambda p: p[0][1]):
        (here if source.startswith("127.") or source in local_ips else remote).append(
            (name, machine, address, source))
    say("")
    say("pgnet programs that answered:")
    say("  on this computer: %s" % (", ".join(sorted({p[0] for p in here})) or "none"))
    machines = sorted({(p[1], p[3]) for p in remote})
    if remote:
        say("  on other computers: %s" % ", ".join(
            "%s (%s at %s)" % (name, machine, address) for name, machine, address, _ in remote))
    else:
        say("  on other computers: none")
    remote_queriers = {s for s in other_queriers if not s.startswith("127.") and s not in local_ips}

    if here:
        report.ok("pgnet programs on this computer answered: %s." % ", ".join(sorted({p[0] for p in here})))
    if not outside:
        return  # only this computer: nothing to expect from the network
    if remote:
        report.ok("%d pgnet program%s on %d other computer%s answered." % (
            len(remote), "" if len(remote) == 1 else "s",
            len(machines), "" if len(machines) == 1 else "s"))
        _check_connections(report, remote, usable)
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
            "different PGNET_DISCOVERY_PORT values." % settings.discovery_port,
        )


def _check_connections(report, remote, usable, limit=8):
    """Try a TCP connection to each program found on another computer: a
    firewall there often lets broadcasts out but no connection in."""
    subnets = [ipaddress.IPv4Network("%s/%d" % (n.ip, n.prefix), strict=False)
               for n in usable if not n.ip.startswith("127.")]
    todo = []
    for name, machine, address, _ in remote[:limit]:
        ip = address.rpartition(":")[0]
        try:
            if any(ipaddress.IPv4Address(ip) in net for net in subnets):
                todo.append((name, machine, address))
        except ValueError:
            continue
    results = {}

    def probe(address):
        host, _, port = address.rpartition(":")
        try:
            with socket.create_connection((host, int(port)), timeout=1.0):
                results[address] = None
        except OSError as error:
            results[address] = "no answer" if isinstance(error, socket.timeout) else (error.strerror or str(error))

    threads = [threading.Thread(target=probe, args=(a,), daemon=True) for _, _, a in todo]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2.0)
    blocked = [(n, m, a) for n, m, a in todo if results.get(a, "no answer")]
    for name, machine, address in blocked:
        report.problem(
            "%r on %s (%s) is found but cannot be reached (%s)."
            % (name, machine, address, results.get(address, "no answer")),
            "A firewall on %s lets its broadcasts out but no connections in: allow "
            "Python through that computer's firewall (on Windows: for Private "
            "networks)." % machine,
        )
    if todo and not blocked:
        report.ok("connections to %s work." % ", ".join(n for n, _, _ in todo))
