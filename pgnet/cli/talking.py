"""Talking to a program from the command line: ``pgnet send``, ``command``,
``ping``, ``listen`` and ``news``.

Each command finds its program (``finding.find``), checks that it can be
reached, then does one thing with ``pgnet.messaging``, the same calls a
student's program makes.

Example:

    $ pgnet send quiz "What is 6 x 7?"
    42
    $ pgnet command robot FORWARD 0.5
    Sent FORWARD [0.5] to 'robot' (192.168.1.40:53121).
"""

import statistics
import time

from .. import addresses, discovery, messaging, registry
from ..commands import parse_param
from .finding import check_reachable, find
from .output import OK, Failure, Progress, clock, note, parse_value, say, show, show_command, soft_failures

#: What ``pgnet ping`` sends. Any program that answers messages replies to
#: it; ``pgnet listen`` sends it straight back.
#:
#: Example: ``messaging.send_message(address, PING_MESSAGE)``.
PING_MESSAGE = "ping"


def cmd_send(args):
    """``pgnet send NAME|ADDRESS MESSAGE``: send a message, print the reply.

    ``args`` comes from the command line (see ``pgnet send --help``).

    Example:

        main(["send", "robot", "[1, 2, 3]"])   # prints the reply, returns 0
    """
    message = args.message if args.raw or args.text else parse_value(args.message)
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with soft_failures() as failures:
        reply = messaging.send_message(address, message, wait_for_reply_s=args.wait, raw=args.raw)
    if reply is None and failures:
        raise _no_reply(described, args.wait)
    if isinstance(reply, bytes) and args.raw:
        say(reply.decode("utf-8", "replace"))
    elif isinstance(reply, str):
        say(reply)
    else:
        say(show(reply))
    return OK


def _no_reply(described, wait_s):
    return Failure(
        "no reply from %s within %g s: it is running but did not answer. A "
        "program answers with send_reply(), or by returning a value from "
        "on_network_message()." % (described, wait_s)
    )


def cmd_command(args):
    """``pgnet command NAME|ADDRESS COMMAND [PARAMETER...]``: send a
    command, and say it was sent.

    ``args`` comes from the command line (see ``pgnet command --help``).

    Example:

        main(["command", "robot", "FORWARD", "0.5"])   # returns 0
    """
    if args.params:
        word, params = args.word, [parse_param(p) for p in args.params]
    else:
        word, params = messaging.split_command(args.word)
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with soft_failures() as failures:
        messaging.send_command(address, word, *params)
        messaging.finish()  # so the command has really left
    if failures:
        raise Failure(str(failures[0].message))
    say("Sent %s to %s." % (show_command(word, params), described))
    return OK


def cmd_ping(args):
    """``pgnet ping NAME|ADDRESS``: time a few messages there and back.

    ``args`` comes from the command line (see ``pgnet ping --help``).

    Example:

        main(["ping", "robot", "--count", "3"])   # prints min/median/max, returns 0
    """
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    say("Pinging %s with messages:" % described)
    times = []
    lost = 0
    for number in range(1, args.count + 1):
        started = time.perf_counter()
        with soft_failures() as failures:
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


def cmd_listen(args):
    """``pgnet listen NAME``: be a program called NAME, show every message
    and command that arrives, and send each message back as its reply.

    ``args`` comes from the command line (see ``pgnet listen --help``).

    Example:

        main(["listen", "test", "--count", "1"])   # returns 0 after one arrival
    """
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
            say("%s  message from %s: %s" % (clock(), arrival.sender, show(arrival.data)))
        else:
            word, params = arrival.data
            say("%s  command from %s: %s" % (clock(), arrival.sender, show_command(word, params)))
    return OK


def cmd_news(args):
    """``pgnet news NAME|ADDRESS [TOPIC]``: subscribe to a program's news
    and show each item as it arrives.

    ``args`` comes from the command line (see ``pgnet news --help``).

    Example:

        main(["news", "weather", "temperature", "--count", "5"])   # returns 0
    """
    topic = args.topic or ""
    address, described = find(args.target, args.wait)
    check_reachable(address, described, args.wait)
    with Progress("Subscribing to %s..." % described):
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
        say("%s  %s: %s" % (clock(), got_topic, show(news)))
    return OK
