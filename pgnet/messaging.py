"""Sending and receiving over ZeroMQ: messages, commands and news.

Three ways for programs to talk, each a pair of functions:

* **messages** (a question and its answer): ``send_message`` waits for
  the reply that the other program gives with ``send_reply`` after
  ``wait_for_message``;
* **commands** (do this, no answer needed): ``send_command`` and
  ``wait_for_command``, a command word with parameters, like
  ``"LEFT", 0.5``;
* **news** (tell everyone who is interested): ``publish_news`` and
  ``wait_for_news``, each item with a topic, such as ``"score"``.

Wherever an address is asked for, a service name works too: sending to
``"robot"`` finds the program advertising "robot" first, and waiting for
messages on ``"robot"`` advertises that name.

Every wait takes a time limit in seconds; 0 means "just check". If nothing
arrives in time, the ``wait_for_...`` calls quietly return ``None`` (or
``(None, None)``): waiting and finding nothing is normal. A message that
gets no reply in time is a soft failure: pgnet warns and returns ``None``.

Example, the listener:

    import pgnet
    while True:
        name = pgnet.wait_for_message("greeter", wait_for_s=60)
        if name is not None:
            pgnet.send_reply("greeter", "Hello, " + name)

and the sender, on the same computer or another:

    import pgnet
    print(pgnet.send_message("greeter", "Ada"))    # Hello, Ada

Under the covers (see ``docs/wire-format.md`` for other languages): a
listener is a ZeroMQ ROUTER socket, a sender a DEALER (so a timeout never
leaves a socket stuck, and replies are matched to requests by number), news
goes out on an XPUB socket to SUB sockets.

How it is built: ``pgnet.transport`` has the sockets, ``pgnet.registry``
knows which ones this program has, ``pgnet.scheduler`` runs game mode and
``pgnet.commands`` reads commands; this module is the calls above, thin.

Threads: call these from the main thread (or from one thread only): the
sockets they use are not shared between threads.
"""

import atexit
import os
import time

import zmq

from . import registry, scheduler, transport, wire
from .commands import encode_command, split_command  # (split_command: a public call here too)
from .errors import MessageError, NoReplyWarning, PgnetError, stops_at_public_call, warn
from .transport import COMMAND, CONFIRM, DEFAULT_WAIT_S, MESSAGE

# Events mode is read at each send: as an attribute, not a call (see
# scheduler.Scheduler.events).
_scheduler = scheduler.default


def _wait_limit(wait_for_s):
    if wait_for_s is None:
        return DEFAULT_WAIT_S
    if wait_for_s < 0:
        raise ValueError("wait_for_s cannot be negative; use 0 to just check.")
    return wait_for_s


# -- messages ------------------------------------------------------------------

@stops_at_public_call
def send_message(address, message, wait_for_reply_s=None, raw=False):
    """Send ``message`` to ``address`` (or a name) and return the reply.

    Waits up to ``wait_for_reply_s`` seconds (default 5) for the reply;
    warns and returns ``None`` if none comes. ``raw=True`` sends ``message``
    (bytes) exactly as it is and returns the reply undecoded, for programs
    not written with pgnet.

    In a game, where a frame must never wait, leave ``wait_for_reply_s``
    out: the call returns ``None`` at once and the reply arrives later, at
    your ``on_network_reply(reply, sender)`` hook.

    Example:

        answer = pgnet.send_message("quiz", "What is 6 x 7?")
    """
    body = _raw_body(message) if raw else wire.encode(message)
    if _scheduler.events and wait_for_reply_s is None:
        scheduler.when_found(
            registry.connected_sender, address,
            lambda s: s.send(MESSAGE, body, raw, DEFAULT_WAIT_S),
        )
        return None
    wait = _wait_limit(wait_for_reply_s)
    sender = registry.connected_sender(address, wait)
    if sender is None:
        return None
    number = sender.send(MESSAGE, body, raw, wait)
    if number is None:
        return None
    arrival = sender.wait(wait, lambda a: a.extra == number)
    if arrival is None:
        sender.waiting.pop(number, None)
        warn(NoReplyWarning,
            "No reply from %s within %g s. Is it running and answering "
            "messages? (It must call send_reply, or return a value from "
            "on_network_message.)", address, wait,
        )
        # Start afresh next time: the old socket may hold an unanswered request.
        registry.forget(sender)
        return None
    return arrival.data


def _raw_body(message):
    if isinstance(message, str):
        message = message.encode("utf-8")
    if not isinstance(message, bytes):
        raise MessageError(
            "With raw=True, pgnet sends bytes (or text) exactly as they are; "
            "got %s. Leave out raw=True to send any Python value."
            % type(message).__name__
        )
    wire.check_size(len(message))
    return message


def _is_message(arrival):
    return arrival.kind == "message"


def _is_command(arrival):
    return arrival.kind == "command"


def listen(address):
    """Start receiving messages and commands on ``address`` (or a name,
    which is advertised). Returns the address, at once.

    You don't need this before ``wait_for_message``; in a game it is
    how you start listening, and what arrives goes to your hooks.

    Example:

        pgnet.listen("pong")
    """
    return registry.bound_listener(address).address


@stops_at_public_call
def wait_for_message(address, wait_for_s=None):
    """Wait for a message on ``address`` (or a name) and return it.

    Returns ``None`` if nothing arrives within ``wait_for_s`` seconds (default
    5; 0 just checks). Answer it with ``send_reply``.

    Example:

        question = pgnet.wait_for_message("quiz", wait_for_s=30)
    """
    wait = _wait_limit(wait_for_s)
    listener = registry.bound_listener(address)
    arrival = listener.wait(wait, _is_message)
    if arrival is None:
        return None
    listener.to_answer = arrival
    return arrival.data


def send_reply(address, reply):
    """Answer the last message ``wait_for_message`` gave you on ``address``.

    Example:

        question = pgnet.wait_for_message("quiz")
        pgnet.send_reply("quiz", 42)
    """
    listener = registry.bound_listener(address)
    if listener.to_answer is None:
        raise PgnetError(
            "send_reply(%r): there is no message to reply to. Call "
            "wait_for_message first, and reply once to each message." % (address,)
        )
    reply_to_arrival(listener.to_answer, reply)
    listener.to_answer = None


def reply_to_arrival(arrival, reply):
    """Send ``reply`` back to whoever sent the message ``arrival``.

    Used by the game hooks: what ``on_network_message`` returns is sent
    back this way.

    Example:

        arrival = registry.bound_listener("quiz").wait(5.0)
        reply_to_arrival(arrival, "42")
    """
    listener, envelope, raw = arrival.extra
    listener.reply(envelope, raw, reply)


# -- commands ------------------------------------------------------------------

@stops_at_public_call
def send_command(address, command, *params):
    """Send a command and its parameters; don't wait for an answer.

    ``send_command("robot", "LEFT", 0.5)`` and ``send_command("robot",
    "LEFT 0.5")`` do the same thing. Returns at once (outside a game, it
    may first wait up to 5 s to find a name it does not know yet).

    Example:

        pgnet.send_command("robot", "FORWARD", 0.8)
    """
    body = encode_command(*split_command(command, params))
    if _scheduler.events:
        scheduler.when_found(registry.connected_sender, address, lambda s: s.send(COMMAND, body))
        return
    sender = registry.connected_sender(address, DEFAULT_WAIT_S)
    if sender is not None:
        sender.send(COMMAND, body)


@stops_at_public_call
def wait_for_command(address, wait_for_s=None):
    """Wait for a command on ``address`` (or a name).

    Returns ``(command, params)``, such as ``("LEFT", [0.5])``, or
    ``(None, None)`` if none arrives within ``wait_for_s`` seconds (default
    5; 0 just checks).

    Example:

        command, params = pgnet.wait_for_command("robot", wait_for_s=60)
        if command == "FORWARD":
            speed = params[0]
    """
    wait = _wait_limit(wait_for_s)
    arrival = registry.bound_listener(address).wait(wait, _is_command)
    return arrival.data if arrival else (None, None)


# -- news ----------------------------------------------------------------------

def _topic(topic):
    if not isinstance(topic, str):
        raise MessageError("A news topic is text, like 'score', not %s." % type(topic).__name__)
    return topic


def publish_news(address, topic, news, raw=False):
    """Publish ``news`` under ``topic`` to everyone subscribed on ``address``.

    ``address`` is where this program publishes: a name (advertised for
    you) or an address. Returns at once. ``raw=True`` sends bytes exactly as
    they are, for subscribers not written with pgnet.

    Example:

        pgnet.publish_news("weather", "temperature", 21.5)
    """
    topic = _topic(topic).encode("utf-8")
    body = _raw_body(news) if raw else wire.encode(news)
    registry.bound_publisher(address).publish(topic, body)


@stops_at_public_call
def subscribe(address, topic="", wait_for_s=None, raw=False):
    """Start receiving news from ``address`` (or a name) whose topic starts
    with ``topic`` ("" means all of it).

    Waits up to ``wait_for_s`` seconds (default 5) until the publisher has
    really registered the subscription, so no news published after this
    returns True is lost. Returns False, with a warning, if the publisher
    did not answer in time (news will still arrive once it does).
    ``raw=True`` keeps news as the bytes that arrived, undecoded.

    In a game it returns at once and news arrives at your
    ``on_network_news(topic, news, sender)`` hook.

    Example:

        pgnet.subscribe("weather", "temperature")
        topic, reading = pgnet.wait_for_news("weather", "temperature")
    """
    topic = _topic(topic)

    def start(subscriber):
        subscriber.raw = raw
        subscriber.add_topic(topic)
        return subscriber

    if _scheduler.events and wait_for_s is None:
        scheduler.when_found(registry.connected_subscriber, address, start, patient=True)
        return False
    wait = _wait_limit(wait_for_s)
    subscriber = registry.connected_subscriber(address, wait)
    if subscriber is None:
        return False
    start(subscriber)
    deadline = time.monotonic() + wait
    token = None
    try:
        while token is None or subscriber.confirming == token:
            if token is None and subscriber.welcomed:
                # Connected. The welcome alone does not mean the publisher has
                # our topics yet: ask it to confirm on a topic of our own, sent
                # after them down the same connection.
                token = subscriber.confirming = CONFIRM + os.urandom(8).hex().encode()
                subscriber.socket.setsockopt(zmq.SUBSCRIBE, token)
                continue
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if wait > 0:
                    warn(NoReplyWarning, "%s has not answered yet; its news will arrive once it does.", address)
                return False
            transport.poll(subscriber, int(min(remaining, 0.2) * 1000) + 1)
            subscriber.receive_all()
        return True
    finally:
        if token is not None:
            subscriber.socket.setsockopt(zmq.UNSUBSCRIBE, token)


@stops_at_public_call
def wait_for_news(address, topic="", wait_for_s=None, raw=False):
    """Wait for news from ``address`` (or a name) whose topic starts with
    ``topic``. Returns ``(topic, news)``, or ``(None, None)`` if nothing
    arrives within ``wait_for_s`` seconds (default 5; 0 just checks).

    The first call subscribes. ``raw=True`` returns the news as the bytes
    that arrived, undecoded.

    Example:

        while True:
            topic, reading = pgnet.wait_for_news("weather", wait_for_s=60)
            print(topic, reading)
    """
    wait = _wait_limit(wait_for_s)
    topic = _topic(topic)
    subscriber = registry.connected_subscriber(address, wait)
    if subscriber is None:
        return None, None
    subscriber.raw = raw
    subscriber.add_topic(topic)
    arrival = subscriber.wait(wait, lambda a: a.extra.startswith(topic))
    return (arrival.extra, arrival.data) if arrival else (None, None)


# -- closing -------------------------------------------------------------------

def close_all():
    """Close every socket pgnet opened (done for you at exit).

    Example:

        pgnet.close_all()
    """
    registry.close_all()
    scheduler.cancel_postponed()


def finish():
    """Close everything, then give queued messages (a last command sent
    just before the program ends) up to the sockets' linger time to leave.
    Done for you at exit: pyzmq no longer ends its context then, so without
    this they could be lost.

    Example:

        pgnet.send_command("robot", "STOP")
        finish()        # the command has left
    """
    close_all()
    transport.end_context()


atexit.register(finish)
