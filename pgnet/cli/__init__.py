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
    pgnet wheelhouse usb/pgnet      # wheels to install pgnet without internet

Every command exits with 0 when it worked, and otherwise prints one line
saying what went wrong and exits with 1 (2 for a mistake in the command
line itself, 130 when stopped with Ctrl-C).

This file reads the command line and runs the command; each command family
has a module of its own, loaded when one of its commands runs: ``listing``
(list), ``talking`` (send, command, ping, listen, news), ``relay``,
``wheelhouse``, and the ``doctor`` package. ``output`` is how they all print
and fail, ``finding`` how they find a program.
"""

import argparse
import importlib
import os
import signal
import sys
import textwrap
import threading

from .. import __version__
from ..osc import cli as osc_cli
from ..errors import AddressError, PgnetError, ServiceNameError
from ..retry import DEFAULT_WAIT_S
from ..settings import settings
from .arguments import count, seconds
from .output import FAILED, INTERRUPTED, OK, USAGE, Failure, note, setup_logging
from .wheelhouse import add_parser as add_wheelhouse_parser

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
  pgnet osc listen 9000            see the OSC that arrives (Sonic Pi, phones)

'pgnet COMMAND --help' says more about each command."""


def _later(module, command):
    """``command``, a function of ``pgnet.cli.<module>``, loaded when it runs:
    so that ``pgnet list`` does not wait for ZeroMQ to load, nor ``pgnet
    send`` for the doctor."""

    def run(args):
        return getattr(importlib.import_module("." + module, __name__), command)(args)

    return run


def _parser():
    def subcommand(name, help_text, description, examples):
        sub = commands.add_parser(
            name, help=help_text, description=description,
            epilog="example%s:\n%s" % ("s" if examples.count("\n") else "", textwrap.indent(examples, "  ")),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        return sub

    def discovery_port(text):
        value = int(text) if text.strip().isdigit() else -1
        if not 1024 <= value <= 65534:
            raise argparse.ArgumentTypeError(
                "must be a number from 1024 to 65534 (the relay uses the one after it), not %s" % text)
        return value

    def wait_option(sub, what, default=DEFAULT_WAIT_S):
        sub.add_argument("--wait", "-w", type=seconds, default=default, metavar="SECONDS",
                         help="%s (default %g)" % (what, default))

    parser = argparse.ArgumentParser(
        prog="pgnet", description=_DESCRIPTION, epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version="pgnet " + __version__)
    parser.add_argument("--verbose", "-v", action="count", default=0,
                        help="show pgnet's warnings (twice: its debugging messages too)")
    parser.add_argument("--port", type=discovery_port, metavar="PORT",
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
        "pgnet list --watch       # keep watching; Ctrl-C to stop\n"
        "pgnet list --all-rooms   # the teacher: every room's programs",
    )
    wait_option(sub, "how long to listen for programs before showing them", 0.5)
    sub.add_argument("--watch", action="store_true",
                     help="keep watching, and show programs as they appear and go")
    sub.add_argument("--all-rooms", action="store_true",
                     help="show the programs of every room (PGNET_ROOM), with their rooms")
    sub.set_defaults(run=_later("listing", "cmd_list"), chatty=True)

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
    sub.set_defaults(run=_later("talking", "cmd_send"), chatty=False)

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
    sub.set_defaults(run=_later("talking", "cmd_command"), chatty=False)

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
    sub.set_defaults(run=_later("talking", "cmd_listen"), chatty=True)

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
    sub.set_defaults(run=_later("talking", "cmd_news"), chatty=True)

    sub = subcommand(
        "ping", "time messages there and back",
        "Send a few messages to a program that answers messages and show how\n"
        "long each reply takes (min/median/max, in milliseconds).",
        "pgnet ping robot\npgnet ping 192.168.1.5:40123 --count 10",
    )
    sub.add_argument("target", metavar="NAME|ADDRESS", help="the program to ping")
    sub.add_argument("--count", "-c", type=count, default=5, metavar="N",
                     help="how many messages (default 5)")
    sub.add_argument("--interval", "-i", type=seconds, default=0.2, metavar="SECONDS",
                     help="pause between messages (default 0.2)")
    wait_option(sub, "how long to look for NAME, and to wait for each reply", 2.0)
    sub.set_defaults(run=_later("talking", "cmd_ping"), chatty=False)

    sub = subcommand(
        "doctor", "check this computer's network for pgnet",
        "Check everything pgnet needs on this computer: its networks and which\n"
        "address pgnet shows (and why), the discovery port, whether broadcasts\n"
        "work, and whether pgnet programs on other computers answer. Says what to\n"
        "do about each problem. Exits with 1 if it found one.",
        "pgnet doctor\npgnet doctor --wait 3     # listen longer for other computers",
    )
    wait_option(sub, "how long to listen for answers", 1.0)
    sub.set_defaults(run=_later("doctor", "cmd_doctor"), chatty=False)

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
    sub.set_defaults(run=_later("relay", "cmd_relay"), chatty=True)
    osc_cli.add_parser(commands)

    add_wheelhouse_parser(commands)
    return parser


def _shutdown():
    """Say bye, and deliver what is still queued (a reply, a command) before
    the program ends: ZeroMQ drops it otherwise. A command loads only the
    parts of pgnet it uses; those it did not load have nothing to close."""
    discovery = sys.modules.get("pgnet.discovery")
    beacon = discovery.current_beacon() if discovery is not None else None
    if beacon is not None:
        beacon.close()
    messaging = sys.modules.get("pgnet.messaging")
    if messaging is not None:
        messaging.finish()


def main(argv=None):
    """Run the ``pgnet`` command with the words ``argv`` (the program's own
    command line if None); returns the exit status.

    Example:

        main(["list", "--wait", "2"])   # prints what is running, returns 0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit:  # --help, --version, or a usage mistake
        return exit.code if isinstance(exit.code, int) else USAGE
    if not args.command:
        parser.print_help()
        return USAGE
    setup_logging(args.verbose, args.chatty)
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
        # A second Ctrl-C while saying bye would end with a traceback instead.
        ignoring = threading.current_thread() is threading.main_thread()
        if ignoring:
            previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            _shutdown()
        finally:
            if ignoring:
                signal.signal(signal.SIGINT, previous)
    return status
