"""``pgnet list``: which pgnet programs are running, where, and on which
computer; with ``--watch``, live, as they start and stop; with
``--all-rooms``, the programs of every room (for the teacher).

Example:

    $ pgnet list
    NAME   ADDRESS             MACHINE
    robot  192.168.1.40:53121  raspberrypi
    pong   127.0.0.1:40123     laptop (this computer)
"""

import time

from .. import auth, discovery
from ..settings import settings
from .finding import is_this_computer, listening_beacon, local_ips
from .output import OK, Progress, clock, note, quiet, say


def cmd_list(args):
    """``pgnet list [--wait SECONDS] [--watch]``: show every pgnet program
    on the network (or, with ``--watch``, keep showing them come and go).

    ``args`` comes from the command line (see ``pgnet list --help``).

    Example:

        main(["list", "--wait", "2"])   # prints the table, returns 0
    """
    all_rooms = getattr(args, "all_rooms", False)
    if all_rooms:
        with quiet():
            peer = discovery.Beacon(all_rooms=True)
    else:
        peer = listening_beacon()
    if args.watch:
        return _watch(peer)
    # Every copy of every name is asked; programs of other rooms are not
    # (they do not answer): their adverts come once a second.
    peer.send_query(None, every=True)
    asked = time.monotonic()
    wait = max(args.wait, 1.2) if all_rooms else args.wait
    with Progress("Looking for pgnet programs (%g s)..." % wait):
        time.sleep(max(0.0, asked + wait - time.monotonic()))
    services = peer.all_services()
    if not all_rooms and (settings.room or auth.active()):
        say("Room: %s%s" % (repr(settings.room) if settings.room else "(none)",
                            ", with a password" if auth.active() else ""))
    if not services:
        say("No pgnet programs found on the network%s." % ("" if all_rooms else " in this room"))
        note("Start one (try 'pgnet listen hello' in another terminal), or run "
             "'pgnet doctor' if you expected some.")
        return OK
    _print_table(services, all_rooms)
    shared = sorted({s.name for s in services if sum(t.name == s.name for t in services) > 1})
    for name in shared[:5]:
        machines = sorted({s.machine for s in services if s.name == name})
        note("%r runs %d times%s. Each program uses the copy on its own computer "
             "if there is one; to choose, write %r." % (
                 name, sum(s.name == name for s in services),
                 " (on %s)" % ", ".join(machines) if len(machines) > 1 else " on one computer",
                 "%s@%s" % (name, machines[0])))
    return OK


def _print_table(services, all_rooms):
    own_ips = local_ips()
    rows = [("NAME", "ADDRESS", "MACHINE") + (("ROOM",) if all_rooms else ())]
    for service in services:
        row = (shown_name(service.name), service.address, _machine_label(service, own_ips))
        rows.append(row + ((repr(service.room) if service.room else "-",) if all_rooms else ()))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        say("  ".join("%-*s" % (w, cell) for w, cell in zip(widths, row)) + "  " + row[-1])


def shown_name(name):
    """A name as ``pgnet list`` shows it: a two-player game's lobby entry
    or game in play said in words.

    Example:

        shown_name("pong#3fa09c1e Ada")      # 'pong#3fa09c1e Ada (pong: Ada is waiting)'
        shown_name("robot")                  # 'robot'
    """
    game, hash_, rest = name.partition("#")
    if not hash_ or len(rest) < 9:
        return name
    if rest.startswith("playing "):
        return "%s (%s: %s)" % (name, game, rest[len("playing ") + 9:] or "a game")
    return "%s (%s: %s is waiting)" % (name, game, rest[9:] or rest[:8])


def _watch(peer):
    """Print a line each time a program appears, goes or moves, until Ctrl-C."""
    note("Watching the network for pgnet programs starting and stopping "
         "(press Ctrl-C to stop)...")
    own_ips = local_ips()
    known = {}
    while True:
        current = {(s.name, s.instance): s for s in peer.all_services()}
        for key in sorted(set(current) - set(known)):
            service = current[key]
            say("%s  appeared  %s  at %s on %s" % (
                clock(), service.name, service.address, _machine_label(service, own_ips)))
        for key in sorted(set(known) - set(current)):
            service = known[key]
            say("%s  gone      %s  (was at %s on %s)" % (
                clock(), service.name, service.address, _machine_label(service, own_ips)))
        for key in sorted(set(known) & set(current)):
            if known[key].address != current[key].address:
                say("%s  moved     %s  to %s" % (clock(), key[0], current[key].address))
        known = current
        peer.wait_for_change(0.25)  # woken by every advert and bye; expiries by the timeout


def _machine_label(service, own_ips):
    """The computer a service runs on, marked when it is this one."""
    if is_this_computer(service.address.rpartition(":")[0], own_ips):
        return "%s (this computer)" % service.machine
    return service.machine
