"""``pgnet osc``: see and send OSC from a terminal.

    pgnet osc listen 9000                      # print every OSC message that arrives
    pgnet osc send 127.0.0.1:4560 /bounce 60   # send one (here: to Sonic Pi)

``add_parser(subcommands)`` adds the ``osc`` command to the ``pgnet``
command line; ``run(args)`` carries it out and returns the exit status:
0 when it worked, 1 when it failed (one line on stderr says why), 2 for a
mistake in the command line, 130 when stopped with Ctrl-C. ``python -m
pgnet.osc ...`` runs it on its own.
"""

import argparse
import sys
import textwrap
import time
import warnings

from .. import addresses
from ..cli.arguments import count, seconds
from ..commands import parse_param
from ..errors import AddressError, MessageError, PgnetError, PgnetWarning, ServiceNameError
from . import packets

#: Exit statuses, as the rest of the pgnet command: it worked, it failed, a
#: mistake in the command line, stopped with Ctrl-C.
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130

_EXAMPLES = """\
pgnet osc listen 9000                       # show what arrives on UDP port 9000
pgnet osc listen 9000 --name drums          # ... and let pgnet programs find it as 'drums'
pgnet osc listen 9000 --announce            # ... and let phone apps (TouchOSC) list it
pgnet osc send 127.0.0.1:4560 /bounce 60    # Sonic Pi listens on port 4560
pgnet osc send drums /hit 1 0.5 loud        # to a program listening with name 'drums'
pgnet osc send --text 9000 /say 42          # 42 as text, not a number"""


def add_parser(subcommands):
    """Add the ``osc`` command (with ``listen`` and ``send``) to
    ``subcommands``, the result of ``parser.add_subparsers()``.

    Example:

        commands = parser.add_subparsers(dest="command")
        pgnet.osc.cli.add_parser(commands)
    """
    osc = subcommands.add_parser(
        "osc", help="see and send Open Sound Control (Sonic Pi, phones, Pure Data)",
        description="See and send Open Sound Control messages: the way Sonic Pi, Pure "
        "Data and phone apps such as TouchOSC talk.",
        epilog="examples:\n" + textwrap.indent(_EXAMPLES, "  "),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    osc.set_defaults(run=run, chatty=True)
    actions = osc.add_subparsers(dest="osc_command", metavar="ACTION")
    actions.required = True

    listen = actions.add_parser(
        "listen", help="print every OSC message that arrives on PORT",
        description="Listen for OSC on UDP port PORT and print each message that "
        "arrives: when, its address, its values and who sent it.",
        epilog="examples:\n  pgnet osc listen 9000\n  pgnet osc listen 9000 --count 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listen.add_argument("listen_on", metavar="PORT", help="the UDP port to listen on (or ip:port; or an ip alone: any free port)")
    listen.add_argument("--name", help="advertise the port to pgnet programs under this name")
    listen.add_argument("--announce", action="store_true",
                        help="announce the port to phone apps over DNS-SD (needs pgnet[osc])")
    listen.add_argument("--count", "-c", type=count, metavar="N",
                        help="stop after N messages (default: until Ctrl-C)")

    send = actions.add_parser(
        "send", help="send one OSC message",
        description="Send one OSC message to TARGET: host:port, a port on this "
        "computer, or the name a pgnet program listens for OSC under. Values that "
        "look like numbers are sent as numbers (whole: int, with a point: float), "
        "the rest as text.",
        epilog="examples:\n  pgnet osc send 127.0.0.1:4560 /bounce 60\n"
        "  pgnet osc send drums /hit 1 0.5",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("target", metavar="TARGET", help="host:port, PORT or NAME")
    send.add_argument("address", metavar="/ADDRESS", help="the OSC address, such as /pad/1")
    send.add_argument("values", metavar="VALUE", nargs="*", help="the values to send")
    send.add_argument("--text", action="store_true", help="send every VALUE as text")
    send.add_argument("--wait", "-w", type=seconds, default=5.0, metavar="SECONDS",
                      help="how long to look for NAME (default 5)")
    return osc


class _Failure(Exception):
    def __init__(self, reason, status=FAILED):
        super().__init__(reason)
        self.status = status


def run(args):
    """Carry out ``pgnet osc ...`` (``args`` from the parser that
    ``add_parser`` set up); return the exit status.

    Example:

        status = run(parser.parse_args(["osc", "listen", "9000"]))
    """
    from .hub import default as hub  # (here: the pgnet command builds its parser from this module)

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PgnetWarning)
            try:
                act = _listen if args.osc_command == "listen" else _send
                return act(hub, args, caught)
            finally:
                _show_warnings(caught)
    except KeyboardInterrupt:
        _note("Stopped.")
        return INTERRUPTED
    except _Failure as failure:
        _note("pgnet osc %s: %s" % (args.osc_command, failure))
        return failure.status
    except (AddressError, ServiceNameError, MessageError) as error:
        _note("pgnet osc %s: %s" % (args.osc_command, error))
        return USAGE
    except PgnetError as error:
        _note("pgnet osc %s: %s" % (args.osc_command, error))
        return FAILED
    finally:
        hub.close()


def _note(text):
    print(text, file=sys.stderr, flush=True)


def _show_warnings(caught):
    for warning in caught:
        _note("pgnet: %s" % warning.message)
    del caught[:]


def _listen(hub, args, caught):
    receiver = hub.listen(args.listen_on, args.name, args.announce)
    print("Listening for OSC at %s%s (press Ctrl-C to stop)." % (
        receiver.address, " as %r" % args.name if args.name else ""), flush=True)
    shown = 0
    while args.count is None or shown < args.count:
        address, values, sender = hub.wait(None, 0.5)
        _show_warnings(caught)
        if address is not None:
            shown += 1
            print("%s  %s %s  from %s" % (time.strftime("%H:%M:%S"), address,
                                          _show(values), sender), flush=True)
    return OK


def _show(values):
    return " ".join(repr(value) for value in values)


def _send(hub, args, caught):
    values = list(args.values) if args.text else [parse_param(text) for text in args.values]
    data = packets.encode_message(args.address, values)
    if addresses.is_address(args.target):
        addresses.for_connecting(args.target)  # a bad address is a usage mistake
    if not hub.send(args.target, data, args.wait):
        reasons = "; ".join(str(w.message) for w in caught) or "it could not be sent"
        del caught[:]
        raise _Failure(reasons)
    print("Sent %s %s to %s." % (args.address, _show(values), args.target), flush=True)
    return OK
