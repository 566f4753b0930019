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

Every wait takes a time limit in seconds; 0 means "just check" and
``FOREVER`` means no limit at all. If nothing
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

Threads: these calls may be made from several threads at once. Each
thread sends and subscribes on sockets of its own; a listener or publisher
(one port) is shared, one thread at a time: a thread waiting for a message
on it holds it until the wait ends. A common pattern, a game loop with a
worker thread that asks a server and waits for the answer, is safe.
"""

import atexit
import os
import threading
import time

import zmq

from . import auth, discovery, registry, scheduler, transport, wire
from .commands import encode_command, split_command  # (split_command: a public call here too)
from .errors import (
    MessageError, NoReplyWarning, PgnetError, end_quietly_if_the_program_ends, program_ends,
    stops_at_public_call, warn,
)
from .transport import COMMAND, CONFIRM, DEFAULT_WAIT_S, FOREVER, MESSAGE  # noqa: F401

# Events mode is read at each send: as an attribute, not a call (see
# scheduler.Scheduler.events).
_scheduler = scheduler.default


def _wait_limit(wait_for_s):
    # How long a call asked to wait for wait_for_s seconds may wait: that
    # (default 5), or 0 inside a Pygame Zero frame, where waiting would
    # freeze the game (see scheduler.frame_wait).
    if wait_for_s is None:
        wait_for_s = DEFAULT_WAIT_S
    elif not wait_for_s >= 0:  # (also NaN, which would never end)
        raise ValueError(
            "wait_for_s must be a number of seconds: 0 to just check, or "
            "pgnet.FOREVER for no limit; got %r." % (wait_for_s,)
        )
    return scheduler.frame_wait(wait_for_s)


def _in_the_game():
    # True in a game's main thread (events mode), whose frames never wait,
    # and whose pump() reads its sockets and runs its hooks. A worker thread
    # of a game calls as a plain program does: its sockets are its own, and
    # no pump reads them.
    return _scheduler.events and threading.current_thread() is threading.main_thread()


def _to_the_hooks(wait_for_s):
    # True if a call that sends something and waits for what comes back
    # (send_message, subscribe) is to hand that to the game's hooks instead:
    # in the game, if the caller gave no wait or the frame allows none.
    return _in_the_game() and (wait_for_s is None or _wait_limit(wait_for_s) == 0)


# -- messages ------------------------------------------------------------------

@stops_at_public_call
def send_message(address, message, wait_for_reply_s=None, raw=False):
    """Send ``message`` to ``address`` (or a name) and return the reply.

    Waits up to ``wait_for_reply_s`` seconds (default 5) for the reply;
    warns and returns ``None`` if none comes (0: send it, and do not wait).
    ``raw=True`` sends ``message`` (bytes) exactly as it is and returns the
    reply undecoded, for programs not written with pgnet.

    In a game, where a frame must never wait, leave ``wait_for_reply_s``
    out: the call returns ``None`` at once and the reply arrives later, at
    your ``on_network_reply(reply, sender)`` hook. (With a wait inside a
    frame it does the same, and warns ``SlowFrameWarning`` once. A worker
    thread of a game waits for its reply as a plain program does.)

    Example:

        answer = pgnet.send_message("quiz", "What is 6 x 7?")
    """
    body = _raw_body(message) if raw else wire.encode(message)
    if _to_the_hooks(wait_for_reply_s):
        reply_within_s = wait_for_reply_s or DEFAULT_WAIT_S
        scheduler.when_found(
            registry.connected_sender, address,
            lambda s: s.send(MESSAGE, body, raw, reply_within_s),
        )
        return None
    wait = _wait_limit(wait_for_reply_s)
    asked, arrival = request(address, body, raw, wait)
    if arrival is not None:
        return arrival.data
    if asked and wait > 0:  # (a wait of 0 asked for no reply)
        warn(NoReplyWarning,
            "No reply from %s within %g s. Is it running and answering "
            "messages? (It must call send_reply, or return a value from "
            "on_network_message.)", address, wait,
        )
    return None


def request(address, body, raw, wait_s):
    """Send a message (``body``, already encoded) to ``address`` (or a name)
    and wait up to ``wait_s`` seconds for its reply. Returns ``(asked,
    arrival)``: ``arrival`` is the reply's Arrival, or None; ``asked`` is
    False if there is nothing more to say (the message could not even be
    sent: a name not found, a full queue; or the other side answered with
    an error: already warned), True if it was sent (then None means no
    reply in time, not warned: the caller says what that means).

    Example:

        asked, arrival = request("quiz", wire.encode("6 x 7?"), False, 5.0)
    """
    sender = registry.connected_sender(address, wait_s)
    arrival = False if sender is None else sender.ask(body, raw, wait_s)
    if arrival is False:
        return False, None
    if arrival is None:
        # Start afresh next time: the old socket may hold an unanswered
        # request. (What is still queued on it gets the linger time to leave:
        # after a wait of 0, that is the message itself.)
        registry.forget(sender, transport.LINGER_MS)
        return True, None
    if arrival.kind == "error":
        transport.warn_remote_error(address, arrival.data)
        return False, None
    return True, arrival


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
    arrival = next_message(address, _wait_limit(wait_for_s))
    return None if arrival is None else arrival.data


def next_message(address, wait_s):
    """The Arrival of the next message on ``address`` (a name or where to
    listen), waiting up to ``wait_s`` seconds, or None; ``send_reply``
    answers it. (An Arrival, so that a message ``None`` and no message at
    all can be told apart.)

    Example:

        arrival = next_message("quiz", 5.0)
        if arrival is not None:
            send_reply("quiz", 42)
    """
    listener = registry.bound_listener(address)
    with listener.lock:
        arrival = listener.wait(wait_s, "message")
        if arrival is not None:
            listener.to_answer = arrival
    return arrival


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
    arrival, listener.to_answer = listener.to_answer, None
    reply_to_arrival(arrival, reply)


def reply_to_arrival(arrival, reply, by="send_reply"):
    """Send ``reply`` back to whoever sent the message ``arrival``.

    Used by the game hooks: what ``on_network_message`` returns is sent
    back this way (``by`` names what gave the reply, for the asker's
    warning if it cannot be sent: then the asker hears why at once, and
    ``MessageError`` is raised here).

    Example:

        arrival = registry.bound_listener("quiz").wait(5.0)
        reply_to_arrival(arrival, "42")
    """
    listener, route, raw = arrival.extra
    with listener.lock:
        try:
            listener.reply(route, raw, reply)
        except MessageError as error:
            listener.reply_error(route, raw, "the reply given by %s on %s cannot be sent (%s)"
                                 % (by, listener.source, error))
            raise


def reply_error_to_arrival(arrival, text):
    """Tell whoever sent the message ``arrival`` that it gets no answer,
    and why: their warning shows ``text`` at once.

    Example:

        reply_error_to_arrival(arrival, "on_network_message raised ValueError: bad")
    """
    listener, route, raw = arrival.extra
    with listener.lock:
        listener.reply_error(route, raw, text)


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
    if _in_the_game():
        # A frame never waits for a new connection: pump() sends what waits
        # for one.
        scheduler.when_found(registry.connected_sender, address, lambda s: s.send_command(body, 0))
        return
    while True:
        sender = registry.connected_sender(address, DEFAULT_WAIT_S)
        if sender is None:
            return
        with sender:  # (so that no other thread's close_all closes it meanwhile)
            if not sender.closing:  # (else one did, just now: take a fresh one)
                sender.send_command(body, transport.CONNECT_GRACE_S)
                return


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
    listener = registry.bound_listener(address)
    with listener.lock:
        arrival = listener.wait(wait, "command")
    return arrival.data if arrival else (None, None)


# -- news ----------------------------------------------------------------------

def _topic(topic):
    if not isinstance(topic, str):
        raise MessageError("A news topic is text, like 'score', not %s." % type(topic).__name__)
    if len(topic) * 4 > transport.MAX_TOPIC_BYTES and len(topic.encode("utf-8")) > transport.MAX_TOPIC_BYTES:
        raise MessageError(
            "The news topic %r... is too long: the limit is %d bytes. Choose a "
            "shorter topic." % (topic[:20], transport.MAX_TOPIC_BYTES)
        )
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
    try:
        if _scheduler.events and auth.active() and _in_the_game():
            # (Sealing needs the room key, derived in the background in the
            # game's first moments: until then the news goes from a later
            # frame's pump, and what comes after it, after it.)
            _scheduler.when_found(_publisher, address,
                                  lambda publisher: _publish(address, publisher, topic, body))
            return
        _publish(address, registry.bound_publisher(address), topic, body)
    except Exception as error:  # (not stops_at_public_call: this call must be quick)
        end_quietly_if_the_program_ends(error)
        raise


def _publisher(address, wait_s):
    # This program's publisher at address (for the scheduler, which gives a wait).
    return registry.bound_publisher(address)


def _publish(address, publisher, topic, body):
    # Publish on publisher (this program's at address), or on a new one if
    # another thread's close_all has just closed it.
    while True:
        with publisher.lock:
            if not publisher.closing:  # (else another thread's close_all just closed it)
                publisher.publish(topic, body)
                return
        publisher = registry.bound_publisher(address)


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
    ``on_network_news(topic, news, sender)`` hook (even if you give a
    wait: a frame never waits).

    Example:

        pgnet.subscribe("weather", "temperature")
        topic, reading = pgnet.wait_for_news("weather", "temperature")
    """
    topic = _topic(topic)
    started = time.monotonic()

    def start(subscriber):
        subscriber.want((topic,), raw, started)
        return subscriber

    if _to_the_hooks(wait_for_s):
        scheduler.when_found(registry.connected_subscriber, address, start, patient=True)
        return False
    wait = _wait_limit(wait_for_s)
    subscriber = registry.connected_subscriber(address, wait)
    if subscriber is None:
        return False
    start(subscriber)
    deadline = started + wait
    with subscriber:
        return _confirmed(subscriber, address, wait, deadline)


def _confirmed(subscriber, address, wait, deadline):
    # True once the publisher at address has subscriber's topics; False
    # (warned if wait > 0) if it has not said so by deadline.
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
    arrival = next_news([address], [_topic(topic)], _wait_limit(wait_for_s), raw)
    return (arrival.extra, arrival.data) if arrival else (None, None)


def next_news(sources, topics, wait_s, raw=False):
    """The Arrival of the next news item from any of ``sources`` (names or
    addresses) whose topic starts with any of ``topics`` (text), waiting up
    to ``wait_s`` seconds; or None. Subscribes to each topic at each source
    first; a name not found in time is left out, with a warning.

    Example:

        arrival = next_news(["sensor 1", "sensor 2"], ["movement"], 5.0)
        if arrival is not None:
            print(arrival.source, arrival.data)
    """
    started = time.monotonic()
    subscribers = []
    left = wait_s
    for source in sources:
        subscriber = registry.connected_subscriber(source, left)
        if subscriber is not None:
            subscriber.want(topics, raw, started)
            subscribers.append(subscriber)
        left = _left(started, wait_s)
    if not subscribers:
        return None
    # (Every topic starts with "": then there is nothing to check.)
    prefixes = None if "" in topics else tuple(topics)
    matches = None if prefixes is None else lambda a: a.extra.startswith(prefixes)
    return transport.wait_any(subscribers, left, "news", matches)


def _left(started, wait_s):
    # What is left at this moment of a wait of wait_s seconds from started
    # (time.monotonic()): finding a name and then the news share one wait.
    return max(0.0, wait_s - (time.monotonic() - started))


# -- closing -------------------------------------------------------------------

def close_all():
    """Close every socket pgnet opened (done for you at exit). One that
    another thread is using is closed when that use ends (a wait, when it
    returns).

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


def _after_fork_in_child():
    # The parent's sockets are the parent's: the child opens its own (pyzmq
    # gives it a new context).
    registry.abandon()
    scheduler.cancel_postponed()


def _at_exit():
    # The byes first, so that others stop sending here before the sockets
    # close: the beacon's own exit handler would come after this one when
    # the program advertised a name before it first used this module.
    program_ends()  # (another thread still using pgnet now ends quietly)
    beacon = discovery.current_beacon()
    if beacon is not None:
        beacon.close()
    finish()


atexit.register(_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
