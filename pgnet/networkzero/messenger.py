"""networkzero's messages and news (``nw0.messenger``), on pgnet's.

Messages are a question and its answer: ``send_message_to`` waits for the
reply another program sends with ``send_reply_to`` after
``wait_for_message_from``. News goes from ``send_news_to`` to everyone
waiting in ``wait_for_news_from``. Everything waits for ever unless told.

What arrives has the shapes networkzero's JSON gave it (tuples as lists,
dict keys as text); bytes can be sent as they are.

Example:

    import pgnet.networkzero as nw0
    address = nw0.advertise("reverso")
    while True:
        word = nw0.wait_for_message_from(address)
        nw0.send_reply_to(address, word[::-1])
"""

from .. import messaging, wire
from . import config
from .core import InvalidAddressError, SocketTimedOutError, for_pgnet, json_shapes, networkzero_errors

#: What a message or reply is when none is given.
#:
#: Example: ``nw0.send_message_to(robot)`` sends ``EMPTY``.
EMPTY = None


def send_message_to(address, message=EMPTY, wait_for_reply_s=config.FOREVER):
    """Send ``message`` to ``address`` and return the reply, waiting up to
    ``wait_for_reply_s`` seconds (for ever unless told).

    Raises ``SocketTimedOutError`` if no reply comes in time; the next
    message can go at once.

    Example:

        reply = nw0.send_message_to(hub, ["JOIN", "Alice"])
    """
    if isinstance(address, list):
        raise InvalidAddressError(address, reason="a message goes to one address, not several.")
    with networkzero_errors(address):
        _, arrival = messaging.request(
            for_pgnet(address), wire.encode(json_shapes(message)), False, wait_for_reply_s
        )
    if arrival is None:
        raise SocketTimedOutError(wait_for_reply_s)
    return json_shapes(arrival.data)


def wait_for_message_from(address, wait_for_s=config.FOREVER, autoreply=False):
    """Wait for a message on ``address`` (for ever unless told); return it,
    or ``None`` if none came in time. Answer it with ``send_reply_to``, or
    pass ``autoreply=True`` to answer with an empty reply at once.

    Example:

        command = nw0.wait_for_message_from(address, autoreply=True)
    """
    with networkzero_errors(address):
        arrival = messaging.next_message(for_pgnet(address), wait_for_s)
    if arrival is None:
        return None
    if autoreply:
        messaging.send_reply(for_pgnet(address), EMPTY)
    return json_shapes(arrival.data)


def send_reply_to(address, reply=EMPTY):
    """Answer the message ``wait_for_message_from`` returned on ``address``.

    Example:

        message = nw0.wait_for_message_from(address)
        nw0.send_reply_to(address, message[::-1])
    """
    with networkzero_errors(address):
        messaging.send_reply(for_pgnet(address), json_shapes(reply))


def send_news_to(address, topic, data=None):
    """Publish ``data`` under ``topic`` (text) to everyone waiting for news
    from ``address``. Returns at once.

    Example:

        nw0.send_news_to(address, "temperature", 21.5)
    """
    with networkzero_errors(address):
        messaging.publish_news(for_pgnet(address), topic, json_shapes(data))


def wait_for_news_from(address, prefix=config.EVERYTHING, wait_for_s=config.FOREVER):
    """Wait for news from ``address`` (or a list of addresses) whose topic
    starts with ``prefix`` (or with any of a list of prefixes), for ever
    unless told. Returns ``(topic, data)``, or ``(None, None)`` if nothing
    came in time.

    Example:

        topic, temperature = nw0.wait_for_news_from(sensor, "temperature")
    """
    sources = address if isinstance(address, list) else [address]
    prefixes = [prefix] if isinstance(prefix, str) else list(prefix)
    with networkzero_errors(address):
        arrival = messaging.next_news([for_pgnet(a) for a in sources], prefixes, wait_for_s)
    if arrival is None:
        return None, None
    return arrival.extra, json_shapes(arrival.data)
