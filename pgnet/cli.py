"""The ``pgnet`` command: a teacher's toolkit for the classroom network.

Run ``pgnet --help`` (or ``python -m pgnet --help``) to see every command:

    pgnet list                      # what is running on the network, and where
    pgnet list --watch              # ... live, as programs start and stop
    pgnet send robot "[1, 2, 3]"    # send a message, print the reply
    pgnet command robot FORWARD 0.5 # send a command
    pgnet listen test               # be a program called "test": show what arrives
    pgnet news weather              # show news as it is published
    pgnet ping robot                # how long a message takes there and back
    pgnet doctor                    # why can't my computers find each other?

Every command exits with 0 when it worked, and otherwise prints one line
saying what went wrong and exits with 1 (2 for a mistake in the command
line itself, 130 when stopped with Ctrl-C).
"""

import argparse
import ast
import contextlib
import ipaddress
import logging
import os
import signal
import socket
import statistics
import sys
import textwrap
import threading
import time
import uuid
import warnings

from . import __version__, addresses, discovery, messaging, netif, registry
from .commands import parse_param
from .discovery import protocol
from .errors import AddressError, PgnetError, PgnetWarning, ServiceNameError, log
from .settings import settings

#: Exit statuses.
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130

#: How long commands wait (to find a name, or for a reply) unless told.
DEFAULT_WAIT_S = 5.0

#: What ``pgnet ping`` sends. Any program that answers messages replies to
#: it; ``pgnet listen`` sends it straight back.
PING_MESSAGE = "ping"


class Failure(Exception):
    """An expected failure: its text is printed as one line, no traceback."""

    def __init__(self, reason, status=FAILED):
        super().__init__(reason)
        self.status = status


# -- output ---------------------------------------------------------------------

def say(text=""):
    """A line of the command's output (stdout)."""
    print(text, flush=True)


def note(text):
    """A line about what the command is doing (stderr), not its output."""
    print(text, file=sys.stderr, flush=True)


def _clock():
    return time.strftime("%H:%M:%S")


def _symbols():
    """Check mark, cross and warning sign, or plain text if the terminal
    cannot show them (an old Windows console)."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "\u2713\u2717".encode(encoding)
        return "\u2713", "\u2717", "!"
    except (UnicodeEncodeError, LookupError):
        return "OK", "X ", "! "


class _Progress:
    """``Looking for 'robot'...`` on stderr while something takes a while.

    On a terminal the line is rubbed out afterwards, so only the result
    stays; in a log or a pipe it stays as a line of its own.
    """

    def __init__(self, text):
        self.text = text
        self.tty = sys.stderr.isatty()

    def __enter__(self):
        sys.stderr.write(self.text if self.tty else self.text + "\n")
        sys.stderr.flush()
        return self

    def __exit__(self, *exc):
        if self.tty:
            sys.stderr.write("\r" + " " * len(self.text) + "\r")
            sys.stderr.flush()


@contextlib.contextmanager
def _soft_failures():
    """Catch the warnings pgnet gives when a call fails softly (returns
    None): a list of ``warnings.WarningMessage``, filled during the block."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PgnetWarning)
        yield caught
    for failure in caught:  # still shown with --verbose
        log.warning("%s", failure.message)


_stderr_handler = None


@contextlib.contextmanager
def _quiet():
    """Hide pgnet's warnings for a moment (the tool says it better itself)."""
    handler = _stderr_handler
    level = handler.level if handler else None
    if handler and not handler.level <= logging.DEBUG:
        handler.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        if handler:
            handler.setLevel(level)


def _setup_logging(verbose, chatty):
    """pgnet's own warnings go to stderr as ``pgnet: ...``.

    For one-shot commands (send, ping...) the tool reports failures itself,
    so pgnet's warnings are shown only with ``--verbose``.
    """
    global _stderr_handler
    handler = _stderr_handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pgnet: %(message)s"))
    if verbose:
        handler.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    else:
        handler.setLevel(logging.WARNING if chatty else logging.CRITICAL)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    log.propagate = False


# -- values typed on the command line -------------------------------------------

def parse_value(text):
    """What a MESSAGE typed on the command line means.

    A Python literal if it is one (``42``, ``3.5``, ``[1, 2]``,
    ``{'x': 1}``, ``'quoted text'``, ``True``, ``None``), otherwise the
    text itself. Never ``eval``: nothing typed can run code.

    Example:

        parse_value("[1, 2]")   # [1, 2]
        parse_value("hello")    # 'hello'
    """
    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def _show(value):
    """A value as the person who sent it would write it in Python."""
    return repr(value)


def _show_command(word, params):
    return "%s %s" % (word, _show(list(params)))


# -- finding and reaching a program ---------------------------------------------

def _beacon():
    """This program's discovery peer, or a Failure if it cannot hear."""
    with _quiet():
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

    A name is looked up on the network for up to ``wait_s`` seconds.
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
    peer = _beacon()
    address = peer.lookup(target)
    if address is None:
        with _Progress("Looking for %r (up to %g s)..." % (target, wait_s)):
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
    """Fail with the reason if nothing accepts connections at ``address``.

    A plain TCP connection, opened and closed: it tells "stopped" from
    "firewall" from "not on this network" at once, where ZeroMQ would only
    wait in silence.
    """
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=max(0.5, min(wait_s, 3.0))):
            return
    except ConnectionRefusedError:
        raise Failure(
            "nothing is listening at %s: the program has stopped, or the "
            "address is wrong." % described
        ) from None
    except socket.timeout:
        raise Failure(
            "%s does not answer: that computer may be off or asleep, or a "
            "firewall on it blocks pgnet. Run 'pgnet doctor' on it." % described
        ) from None
    except OSError as error:
        raise Failure(
            "cannot reach %s (%s). Is this computer on the same network? "
            "Run 'pgnet doctor'." % (described, error.strerror or error)
        ) from None


def _no_reply(described, wait_s):
    return Failure(
        "no reply from %s within %g s: it is running but did not answer. A "
        "program answers with send_reply(), or by returning a value from "
        "on_network_message()." % (described, wait_s)
    )


def _machine_label(service, local_ips):
    ip = service.address.rpartition(":")[0]
    if ip.startswith("127.") or ip in local_ips:
        return "%s (this computer)" % service.machine
    return service.machine


def _local_ips():
    return {n.ip for n in netif.networks()}


# -- pgnet list -----------------------------------------------------------------

def cmd_list(args):
    peer = _beacon()
    if args.watch:
        return _watch(peer)
    with _Progress("Looking for pgnet programs (%g s)..." % args.wait):
        time.sleep(max(0.0, peer.started + args.wait - time.monotonic()))
    services = peer.services()
    shared = peer.instance_counts()
    if not services:
        say("No pgnet programs found on the network.")
        note("Start one (try 'pgnet listen hello' in another terminal), or run "
             "'pgnet doctor' if you expected some.")
        return OK
    local = _local_ips()
    rows = [("NAME", "ADDRESS", "MACHINE")]
    for service in services:
        machine = _machine_label(service, local)
        if service.name in shared:
            machine += "   (%d programs use this name!)" % shared[service.name]
        rows.append((service.name, service.address, machine))
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for row in rows:
        say(("%-*s  %-*s  %s" % (widths[0], row[0], widths[1], row[1], row[2])).rstrip())
    if shared:
        note("Two programs with the same name: others find only the first to "
             "start. Give the other one a different name.")
    return OK


def _watch(peer):
    note("Watching the network for pgnet programs starting and stopping "
         "(press Ctrl-C to stop)...")
    local = _local_ips()
    known = {}
    while True:
        current = {(s.name, s.instance): s for s in peer.services()}
        for key in sorted(set(current) - set(known)):
            service = current[key]
            say("%s  appeared  %s  at %s on %s" % (
                _clock(), service.name, service.address, _machine_label(service, local)))
        for key in sorted(set(known) - set(current)):
            service = known[key]
            say("%s  gone      %s  (was at %s on %s)" % (
                _clock(), service.name, service.address, _machine_label(service, local)))
        for key in sorted(set(known) & set(current)):
            if known[key].address != current[key].address:
                say("%s  moved     %s  to %s" % (_clock(), key[0], current[key].address))
        known = current
        peer.wait_for_change(0.25)  # woken by every advert and bye; expiries by the timeout


# -- pgnet send / command / ping --------------------------------------------------

def cmd_send(args):
    message = args.message if args.raw or args.text else parse_value(args.message)
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with _soft_failures() as failures:
        reply = messaging.send_message(address, message, wait_for_reply_s=args.wait, raw=args.raw)
    if reply is None and failures:
        raise _no_reply(described, args.wait)
    if isinstance(reply, bytes) and args.raw:
        say(reply.decode("utf-8", "replace"))
    elif isinstance(reply, str):
        say(reply)
    else:
        say(_show(reply))
    return OK


def cmd_command(args):
    if args.params:
        word, params = args.word, [parse_param(p) for p in args.params]
    else:
        word, params = messaging.split_command(args.word)
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with _soft_failures() as failures:
        messaging.send_command(address, word, *params)
        messaging.finish()  # so the command has really left
    if failures:
        raise Failure(str(failures[0].message))
    say("Sent %s to %s." % (_show_command(word, params), described))
    return OK


def cmd_ping(args):
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    say("Pinging %s with messages:" % described)
    times = []
    lost = 0
    for number in range(1, args.count + 1):
        started = time.perf_counter()
        with _soft_failures() as failures:
            reply = messaging.send_message(address, PING_MESSAGE, wait_for_reply_s=args.wait)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if reply is None and failures:
            lost += 1
            say("  %d: no reply within %g s" % (number, args.wait))
            if not times:
                break  # it does not answer messages at all: say so now
        else:
            times.append(elapsed_ms)
            say("  %d: reply in %.2f ms" % (number, elapsed_ms))
        if number < args.count and args.interval > 0:
            time.sleep(args.interval)
    if not times:
        raise Failure(
            "%s is running but does not reply to messages, so it cannot be "
            "pinged. A program replies with send_reply(), or by returning a "
            "value from on_network_message(); 'pgnet listen NAME' always does."
            % described
        )
    say("%d sent, %d replies, round trip min/median/max = %.2f/%.2f/%.2f ms" % (
        len(times) + lost, len(times), min(times), statistics.median(times), max(times)))
    return OK


# -- pgnet listen / news ------------------------------------------------------------

def cmd_listen(args):
    target = args.name
    if not addresses.is_address(target):
        discovery.check_name(target)
    listener = registry.bound_listener(target)
    if addresses.is_address(target):
        say("Listening at %s (press Ctrl-C to stop)." % listener.address)
    else:
        say("Listening as %r at %s (press Ctrl-C to stop)." % (target, listener.address))
    note("Messages get what they sent as the reply; commands are just shown.")
    arrived = 0
    while args.count is None or arrived < args.count:
        arrival = listener.wait(0.5)
        if arrival is None:
            continue
        arrived += 1
        if arrival.kind == "message":
            messaging.reply_to_arrival(arrival, arrival.data)
            say("%s  message from %s: %s" % (_clock(), arrival.sender, _show(arrival.data)))
        else:
            word, params = arrival.data
            say("%s  command from %s: %s" % (_clock(), arrival.sender, _show_command(word, params)))
    return OK


def cmd_news(args):
    topic = args.topic or ""
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with _Progress("Subscribing to %s..." % described):
        welcomed = messaging.subscribe(address, topic, wait_for_s=args.wait, raw=args.raw)
    if not welcomed:
        note("%s has not answered yet; its news will show once it does." % described)
    note("Showing news%s from %s (press Ctrl-C to stop)..." % (
        " about %r" % topic if topic else "", described))
    shown = 0
    while args.count is None or shown < args.count:
        got_topic, news = messaging.wait_for_news(address, topic, wait_for_s=0.5, raw=args.raw)
        if got_topic is None:
            continue
        shown += 1
        say("%s  %s: %s" % (_clock(), got_topic, _show(news)))
    return OK


# -- pgnet relay --------------------------------------------------------------------

def cmd_relay(args):
    from .discovery.relay import Relay

    def show(kind, client):
        say("%s  %s %s (%d using the relay)" % (_clock(), client[0], kind, len(relay.clients)))

    try:
        relay = Relay(on_change=show)
    except OSError as error:
        raise Failure(
            "cannot open UDP port %d (%s): is another relay running here?"
            % (settings.discovery_port + 1, error.strerror or error)
        ) from None
    say("Relaying pgnet discovery on UDP port %d (press Ctrl-C to stop)." % relay.port)
    note("On the other computers: PGNET_RELAY=<this computer's address> before starting.")
    try:
        relay.run()
    finally:
        relay.close()
    return OK


# -- pgnet doctor -------------------------------------------------------------------

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
    check, cross, bang = _symbols()
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
        local_ips = _local_ips()
        programs = {}  # (instance, name) -> (source, machine, address)
        other_queriers = set()
        with _Progress("Listening for answers for %g s..." % args.wait):
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
        elif target == addresses.LOOPBACK_BROADCAST:
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


# -- the command line ---------------------------------------------------------------

_DESCRIPTION = """\
pgnet's toolkit for the classroom: see which pgnet programs are running and
where, talk to them, and find out why two computers cannot see each other.

A NAME is a service name some program advertises (like 'robot'); an ADDRESS
is 'ip:port' (like 192.168.1.5:40123). Either works wherever a program is
asked for."""

_EPILOG = """\
examples:
  pgnet list                       every pgnet program on the network
  pgnet send quiz "What is 6 x 7?" send a message and print the reply
  pgnet command robot FORWARD 0.5  send the command FORWARD with 0.5
  pgnet doctor                     check this computer's network for pgnet

'pgnet COMMAND --help' says more about each command."""


def _parser():
    def subcommand(name, help_text, description, examples):
        sub = commands.add_parser(
            name, help=help_text, description=description,
            epilog="example%s:\n%s" % ("s" if examples.count("\n") else "", textwrap.indent(examples, "  ")),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    def positive(text):
        value = float(text)
        if value < 0:
            raise argparse.ArgumentTypeError("must be 0 or more, not %s" % text)
        return value

    def count(text):
        value = int(text)
        if value < 1:
            raise argparse.ArgumentTypeError("must be 1 or more, not %s" % text)
        return value

    def wait_option(sub, what, default=DEFAULT_WAIT_S):
        sub.add_argument("--wait", "-w", type=positive, default=default, metavar="SECONDS",
                         help="%s (default %g)" % (what, default))

    parser = argparse.ArgumentParser(
        prog="pgnet", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="pgnet " + __version__)
    parser.add_argument("--verbose", "-v", action="count", default=0,
                        help="show pgnet's warnings (twice: its debugging messages too)")
    parser.add_argument("--port", type=int, metavar="PORT",
                        help="use this discovery port instead of %d (the whole class "
                        "must use the same one; or set PGNET_DISCOVERY_PORT)"
                        % settings.discovery_port)
    parser.add_argument("--network", metavar="WILDCARD",
                        help="use only this network, such as '192.168.1.*' "
                        "(or set PGNET_NETWORK)")
    parser.add_argument("--relay", metavar="COMPUTER",
                        help="also find programs through the relay on COMPUTER "
                        "(see 'pgnet relay'; or set PGNET_RELAY)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub = subcommand(
        "list", "show every pgnet program on the network",
        "Show every pgnet program on the network: its name, its address and the "
        "computer it runs on.",
        "pgnet list\npgnet list --wait 3      # listen longer (a slow Wi-Fi)\n"
        "pgnet list --watch       # keep watching; Ctrl-C to stop",
    )
    wait_option(sub, "how long to listen for programs before showing them", 1.0)
    sub.add_argument("--watch", action="store_true",
                     help="keep watching, and show programs as they appear and go")
    sub.set_defaults(run=cmd_list, chatty=True)

    sub = subcommand(
        "send", "send a message and show the reply",
        "Send a message to a program and show its reply.\n\n"
        "MESSAGE is read as Python would read a value when it is one: 42, 3.5,\n"
        "[1, 2], {'x': 1}, True, None, 'quoted text'. Anything else is sent as\n"
        "text. (Quote it for the shell, as in the examples.)",
        "pgnet send quiz \"What is 6 x 7?\"\npgnet send robot \"[1, 2, 3]\"\n"
        "pgnet send 192.168.1.5:40123 42\n"
        "pgnet send thermometer --raw PING   # bytes as they are, for a non-pgnet program",
    )
    sub.add_argument("target", metavar="NAME|ADDRESS", help="the program to send to")
    sub.add_argument("message", metavar="MESSAGE", help="what to send")
    wait_option(sub, "how long to look for NAME, and to wait for the reply")
    sub.add_argument("--text", action="store_true",
                     help="send MESSAGE as text, even if it looks like a number or a list")
    sub.add_argument("--raw", action="store_true",
                     help="send MESSAGE's bytes exactly as they are and show the reply "
                     "as it comes (for programs not written with pgnet)")
    sub.set_defaults(run=cmd_send, chatty=False)

    sub = subcommand(
        "command", "send a command (such as FORWARD 0.5)",
        "Send a command, with parameters if it has any, and say it was sent.\n"
        "Parameters that look like numbers are sent as numbers.",
        "pgnet command robot FORWARD 0.5\npgnet command robot STOP\n"
        "pgnet command robot \"TURN -90\"\npgnet command display SAY \"hello world\"",
    )
    sub.add_argument("target", metavar="NAME|ADDRESS", help="the program to send to")
    sub.add_argument("word", metavar="COMMAND", help="the command, such as FORWARD")
    sub.add_argument("params", metavar="PARAMETER", nargs="*", help="its parameters")
    wait_option(sub, "how long to look for NAME")
    sub.set_defaults(run=cmd_command, chatty=False)

    sub = subcommand(
        "listen", "be a program called NAME and show what arrives",
        "Advertise NAME and show every message and command that arrives, and\n"
        "who sent it. Each message gets what it sent back as the reply. Handy to\n"
        "test a program that sends, or another computer's connection.",
        "pgnet listen robot\npgnet listen test --count 1   # stop after one",
    )
    sub.add_argument("name", metavar="NAME", help="the name to advertise (or a port to listen on)")
    sub.add_argument("--count", "-c", type=count, metavar="N",
                     help="stop after N messages and commands (default: until Ctrl-C)")
    sub.set_defaults(run=cmd_listen, chatty=True)

    sub = subcommand(
        "news", "show the news a program publishes",
        "Subscribe to a program's news and show each item as it arrives\n"
        "(all topics, or only those starting with TOPIC).",
        "pgnet news weather\npgnet news weather temperature\npgnet news pong score --count 5",
    )
    sub.add_argument("target", metavar="NAME|ADDRESS", help="the program that publishes")
    sub.add_argument("topic", metavar="TOPIC", nargs="?", default="",
                     help="only news whose topic starts with this")
    sub.add_argument("--count", "-c", type=count, metavar="N",
                     help="stop after N news items (default: until Ctrl-C)")
    wait_option(sub, "how long to look for NAME")
    sub.add_argument("--raw", action="store_true", help="show the news as the bytes that arrive")
    sub.set_defaults(run=cmd_news, chatty=True)

    sub = subcommand(
        "ping", "time messages there and back",
        "Send a few messages to a program that answers messages and show how\n"
        "long each reply takes (min/median/max, in milliseconds).",
        "pgnet ping robot\npgnet ping 192.168.1.5:40123 --count 10",
    )
    sub.add_argument("target", metavar="NAME|ADDRESS", help="the program to ping")
    sub.add_argument("--count", "-c", type=count, default=5, metavar="N",
                     help="how many messages (default 5)")
    sub.add_argument("--interval", "-i", type=positive, default=0.2, metavar="SECONDS",
                     help="pause between messages (default 0.2)")
    wait_option(sub, "how long to look for NAME, and to wait for each reply", 2.0)
    sub.set_defaults(run=cmd_ping, chatty=False)

    sub = subcommand(
        "doctor", "check this computer's network for pgnet",
        "Check everything pgnet needs on this computer: its networks and which\n"
        "address pgnet shows (and why), the discovery port, whether broadcasts\n"
        "work, and whether pgnet programs on other computers answer. Says what to\n"
        "do about each problem. Exits with 1 if it found one.",
        "pgnet doctor\npgnet doctor --wait 3     # listen longer for other computers",
    )
    wait_option(sub, "how long to listen for answers", 1.0)
    sub.set_defaults(run=cmd_doctor, chatty=False)

    sub = subcommand(
        "relay", "pass discovery on between networks that block broadcasts",
        "Be the discovery relay for networks that block broadcasts (separate\n"
        "VLANs, Wi-Fi that keeps devices apart). Run it on one computer every\n"
        "other computer can reach, and start every pgnet program with\n"
        "PGNET_RELAY set to this computer's address. Listens on UDP port %d\n"
        "(open it in this computer's firewall)." % (settings.discovery_port + 1),
        "pgnet relay\n"
        "PGNET_RELAY=10.0.0.5 python3 game.py   # then, on every other computer",
    )
    sub.set_defaults(run=cmd_relay, chatty=True)
    return parser


def _shutdown():
    """Say bye, and deliver what is still queued (a reply, a command) before
    the program ends: ZeroMQ drops it otherwise."""
    beacon = discovery.current_beacon()
    if beacon is not None:
        beacon.close()
    messaging.finish()


def main(argv=None):
    """Run the ``pgnet`` command; returns the exit status."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version, or a usage mistake
        return exit.code if isinstance(exit.code, int) else USAGE
    if not args.command:
        parser.print_help()
        return USAGE
    _setup_logging(args.verbose, args.chatty)
    if args.port is not None:
        settings.discovery_port = args.port
    if args.network:
        settings.network = args.network
    if args.relay:
        settings.relay = args.relay
    status = OK
    try:
        status = args.run(args)
    except KeyboardInterrupt:
        note("Stopped.")
        status = INTERRUPTED
    except Failure as failure:
        note("pgnet %s: %s" % (args.command, failure))
        status = failure.status
    except (AddressError, ServiceNameError) as error:
        note("pgnet %s: %s" % (args.command, error))
        status = USAGE
    except PgnetError as error:
        note("pgnet %s: %s" % (args.command, error))
        status = FAILED
    except BrokenPipeError:  # "pgnet list --watch | head": the reader left
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the final flush cannot fail
        status = OK
    finally:
        ignoring = threading.current_thread() is threading.main_thread()
        if ignoring:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            _shutdown()
        finally:
            if ignoring:
                signal.signal(signal.SIGINT, previous)
    return status
