"""The doctor's broadcast check: send a discovery query to each place
discovery packets go (this computer's multicast group, each network's
broadcast address), listen for it to come back (with how long it took), and
collect the adverts other pgnet programs send in answer, counting the
packets of other rooms and those refused for the room password.

The packets are pgnet's own (``pgnet.discovery.protocol``): the doctor's
query is the one every pgnet program answers, and it opens the same two
sockets as a program (``pgnet.discovery.sockets``).

Example:

    heard = listen_for_answers(46374, ["239.255.46.74"], wait_s=1.0)
    check_broadcasts(report, ["239.255.46.74"], heard, 1.0, 46374)
    #   239.255.46.74: came back in 0.2 ms
"""

import select
import socket
import sys
import time
import uuid
from collections import namedtuple

from ... import auth, netif
from ...discovery import protocol, sockets
from ...settings import settings
from ..output import Progress

#: A pgnet program that answered: its service ``name``, the ``machine`` it
#: says it runs on, its ``address``, and the ``source`` address its advert
#: came from.
#:
#: Example: ``Answer("robot", "raspberrypi", "10.0.0.7:40123", "10.0.0.7")``.
Answer = namedtuple("Answer", "name machine address source")


class Heard:
    """What the doctor heard after its queries.

    ``came_back``: {broadcast address: milliseconds} for each query that
    came back; ``send_errors``: {broadcast address: why it could not be
    sent}; ``programs``: the ``Answer`` of each program that answered,
    sorted by name; ``queriers``: the source addresses of other programs'
    queries (programs that look, but advertise no name).

    Example:

        Heard(came_back={"127.255.255.255": 0.2}).programs   # []
    """

    def __init__(self, came_back=None, send_errors=None, programs=(), queriers=()):
        self.came_back = dict(came_back or {})
        self.send_errors = dict(send_errors or {})
        self.programs = list(programs)
        self.queriers = set(queriers)
        #: Packets ignored: {"other room": n, "no key": n, "replayed": n}.
        self.ignored = {"other room": 0, "no key": 0, "replayed": 0}


def listen_for_answers(port, targets, wait_s):
    """Send a query to each of the ``targets`` (broadcast addresses) on the
    discovery ``port`` and listen for ``wait_s`` seconds: a ``Heard``.

    Example:

        listen_for_answers(46374, ["127.255.255.255"], 1.0).came_back
        # {'127.255.255.255': 0.2}
    """
    heard = Heard()
    shared, _, _ = sockets.open_shared_socket(port)
    private = sockets.open_private_socket()
    try:
        # Each query carries its target's index, so its echo says which came back.
        instance = "doctor-" + uuid.uuid4().hex[:12]
        sealer = auth.Sealer() if auth.active() else None
        sent = {}
        for index, target in enumerate(targets):
            packet = protocol.encode_packet(protocol.query(None, "%s-%d" % (instance, index)), sealer)
            try:
                private.sendto(packet, (target, port))
                sent[index] = time.perf_counter()
            except OSError as error:
                heard.send_errors[target] = error.strerror or str(error)
        programs = {}  # (instance, name) -> Answer
        with Progress("Listening for answers for %g s..." % wait_s):
            for source, packet in _packets((shared, private), wait_s, heard.ignored):
                ours = packet["t"] == "query" and packet["i"].startswith(instance + "-")
                if ours:
                    ending = packet["i"].rsplit("-", 1)[1]  # a peer may fake the rest
                    index = int(ending) if ending.isdecimal() else None
                    if index in sent and targets[index] not in heard.came_back:
                        heard.came_back[targets[index]] = (time.perf_counter() - sent[index]) * 1000
                elif packet["t"] == "query":
                    heard.queriers.add(source)
                elif packet["t"] == "advert":
                    host = packet["h"] or source
                    programs[(packet["i"], packet["n"])] = Answer(
                        packet["n"], packet["m"], "%s:%d" % (host, packet["p"]), source)
    finally:
        shared.close()
        private.close()
    heard.programs = sorted(programs.values(), key=lambda answer: answer.name)
    return heard


def _packets(socks, wait_s, ignored):
    """``(source ip, packet)`` for each pgnet packet of this room arriving
    on ``socks`` within ``wait_s``; the others counted in ``ignored``."""
    deadline = time.monotonic() + wait_s
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        for sock in select.select(socks, [], [], remaining)[0]:
            try:
                data, (source, _) = sock.recvfrom(protocol.MAX_PACKET + 1)
                packet = protocol.parse_packet(data)
            except protocol.Rejected as rejected:
                ignored[rejected.reason] += 1
                continue
            except Exception:  # anything on the port that is not pgnet's
                continue
            yield source, packet


#: What to do where broadcasts cannot be made to work: the relay, or a
#: fixed address.
#:
#: Example: ``report.problem("broadcasts do not come back.", NO_BROADCASTS_ADVICE)``.
NO_BROADCASTS_ADVICE = (
    "If you cannot change that (a school network), run 'pgnet relay' on one "
    "computer and start every program with PGNET_RELAY set to that computer's "
    "address; or connect by address ('192.168.1.5:5000') instead of by name."
)

# How a firewall rule on this computer refuses a send: EPERM on Linux and
# macOS, WSAEACCES on Windows.
_REFUSED_BY_FIREWALL = ("Operation not permitted", "Permission denied")


def check_broadcasts(report, targets, heard, wait_s, port, own_ips=(), platform=sys.platform):
    """Which broadcasts came back (and in how long), and a problem, with
    what to do, for each that did not. ``own_ips`` (this computer's
    addresses) tell the answers of other computers from its own;
    ``platform`` is ``sys.platform`` (macOS has no loopback broadcast).

    Example:

        check_broadcasts(report, ["127.255.255.255"], heard, 1.0, 46374)
        # "broadcasts come back: 127.255.255.255."
    """
    report.line("Broadcasts (a discovery query to each address, which should come back):")
    if sockets.LOCAL_GROUP in targets:
        report.line("  (%s is this computer's own multicast group)" % sockets.LOCAL_GROUP)
    came_back, lost = [], []
    for target in targets:
        if target in heard.send_errors:
            report.line("  %s: could not send (%s)" % (target, heard.send_errors[target]))
            lost.append(target)
        elif target in heard.came_back:
            report.line("  %s: came back in %.1f ms" % (target, heard.came_back[target]))
            came_back.append(target)
        else:
            report.line("  %s: did not come back within %g s" % (target, wait_s))
            lost.append(target)
    if came_back:
        report.ok("broadcasts come back: %s." % ", ".join(came_back))
    others_answered = any(
        not a.source.startswith("127.") and a.source not in own_ips for a in heard.programs)
    for target in lost:
        error = heard.send_errors.get(target)
        if target == netif.LOOPBACK_BROADCAST and platform == "darwin":
            report.warn(
                "broadcasts on this Mac (127.255.255.255) do not come back: macOS "
                "passes no broadcasts on 127.x.",
                "Programs on this Mac find each other through the broadcasts of its "
                "Wi-Fi or cable instead. With no network at all, use an address "
                "such as '127.0.0.1:5000' instead of a name.",
            )
        elif error is not None and (error in _REFUSED_BY_FIREWALL or others_answered):
            report.problem(
                "discovery broadcasts to %s cannot be sent (%s)." % (target, error),
                "A firewall on this computer blocks pgnet's outgoing broadcasts "
                "(UDP port %d): allow Python through it. Until then this computer "
                "can find the others%s, but they cannot find its programs."
                % (port, " (some answered)" if others_answered else ""),
            )
        elif error is not None:
            report.problem(
                "discovery broadcasts to %s cannot be sent (%s)." % (target, error),
                "That network is not really connected: check the cable or Wi-Fi. "
                "If this keeps happening, set PGNET_NETWORK to the classroom "
                "network so pgnet stops using it.",
            )
        elif target in (netif.LOOPBACK_BROADCAST, sockets.LOCAL_GROUP):
            report.problem(
                "discovery packets on this computer (%s) do not come back, "
                "so even programs on this computer cannot find each other." % target,
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
                "System Settings > Network > Firewall). %s" % (port, NO_BROADCASTS_ADVICE),
            )


def check_room(report, heard):
    """What was ignored: packets of other rooms, packets without this
    room's password (or with one when this computer has none), replays.

    Example:

        check_room(report, heard)
        # ! 12 discovery packets were ignored: no room password ...
    """
    ignored = heard.ignored
    report.line("Packets ignored: %d of other rooms, %d without this room's password, "
                "%d seen before." % (ignored["other room"], ignored["no key"], ignored["replayed"]))
    if ignored["no key"]:
        report.warn(
            "%d discovery packets were ignored for the room password: %s."
            % (ignored["no key"], "they do not have this room's password" if settings.password
               else "they come from programs with a password, and this computer has none"),
            "Set the same PGNET_ROOM and PGNET_PASSWORD on every computer of the class "
            "(or none at all).",
        )
    if ignored["other room"] and not heard.programs:
        report.warn(
            "only programs of other rooms answered (%d packets)." % ignored["other room"],
            "Set the same PGNET_ROOM as the others (now %s), or see them all with "
            "'pgnet list --all-rooms'." % (repr(settings.room) if settings.room else "no room"),
        )
