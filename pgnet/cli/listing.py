"""``pgnet list``: which pgnet programs are running, where, and on which
computer; with ``--watch``, live, as they start and stop.

Example:

    $ pgnet list
    NAME   ADDRESS             MACHINE
    robot  192.168.1.40:53121  raspberrypi
    pong   127.0.0.1:40123     laptop (this computer)
"""

import time

from .finding import is_this_computer, listening_beacon, local_ips
from .output import OK, Progress, clock, note, say


def cmd_list(args):
    """``pgnet list [--wait SECONDS] [--watch]``: show every pgnet program
    on the network (or, with ``--watch``, keep showing them come and go).

    ``args`` comes from the command line (see ``pgnet list --help``).

    Example:

        main(["list", "--wait", "2"])   # prints the table, returns 0
    """
    peer = listening_beacon()
    if args.watch:
        return _watch(peer)
    with Progress("Looking for pgnet programs (%g s)..." % args.wait):
        time.sleep(max(0.0, peer.started + args.wait - time.monotonic()))
    services = peer.services()
    shared = peer.instance_counts()
    if not services:
        say("No pgnet programs found on the network.")
        note("Start one (try 'pgnet listen hello' in another terminal), or run "
             "'pgnet doctor' if you expected some.")
        return OK
    own_ips = local_ips()
    rows = [("NAME", "ADDRESS", "MACHINE")]
    for service in services:
        machine = _machine_label(service, own_ips)
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
    """Print a line each time a program appears, goes or moves, until Ctrl-C."""
    note("Watching the network for pgnet programs starting and stopping "
         "(press Ctrl-C to stop)...")
    own_ips = local_ips()
    known = {}
    while True:
        current = {(s.name, s.instance): s for s in peer.services()}
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
