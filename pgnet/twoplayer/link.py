"""How a two-player game talks: protocol words in, protocol words out.

Two games talk in pgnet commands: a word and its parameters. A ``Link`` is
one game's end: a listener on a free port that hands each word that arrives
to the handler registered for it, and ``send``, which sends a word to any
address without ever waiting (a game's frame must not stop).

The words, and who handles them:

| word | parameters | handled in |
| --- | --- | --- |
| ``JOIN`` | id, name, lobby entry, address, game, room, token to resume or "" | pairing |
| ``ACCEPT`` | id, name, token, your player number, resumed | pairing |
| ``REJECT`` | id, reason | pairing |
| ``PING`` | id, nonce (a player checking we are alive) | pairing |
| ``PONG`` | id, nonce (a ``PING``'s, sent back) | pairing |
| ``HB`` | token, id, address, seq, my time, last ``R`` received | session |
| ``ECHO`` | token, seq, time (an ``HB``'s, sent back) | session |
| ``R`` | token, seq, payload (an event, a move, a round) | session |
| ``ACK`` | token, last ``R`` received in order | session |
| ``BYE`` | token, id | session |
| ``S`` | token, seq, my time, ``my_state`` | sync |

The *token* names a session: two paired games, and only them, know it.

Example:

    link = Link(me, phase=lambda: "waiting")
    link.handle({"HB": on_heartbeat})          # on_heartbeat(now, *params)
    link.send("192.168.1.7:50123", "BYE", token, me.id)
"""

import time
import traceback

from .. import addresses, commands, registry, transport
from ..errors import log

#: Words sent many times a second: not logged, even for debugging.
FREQUENT = ("S", "HB", "ECHO", "ACK", "R")


def log_error():
    """Log the error being handled, with its traceback: a bug in pgnet, or
    in a hook; the game goes on.

    Example:

        try:
            tick(now)
        except Exception:
            log_error()
    """
    log.error("pgnet two-player: error (the game goes on):\n%s", traceback.format_exc())


class Link:
    """One game's end of the conversation: its listener, and sending.

    ``me`` is the game's player and ``phase()`` says what the game is doing
    ("waiting", "joining" or "playing"): both only for debugging logs.
    ``bytes_sent`` counts the game data sent so far.

    Example:

        link = Link(me, phase=lambda: "waiting")
        print("partners reach me at", link.address)
    """

    def __init__(self, me, phase):
        self.me = me
        self.phase = phase
        self.handlers = {}
        self.bytes_sent = 0
        self.closed = False
        self.to_reconnect = set()
        self.listener = registry.bound_listener(addresses.free_port())
        self.listener.handler = self.arrived
        #: Where this game listens, as "ip:port"; and its port.
        self.address = self.listener.address
        self.port = self.listener.port

    def handle(self, handlers):
        """Register handlers: word -> function(now, *params), called for
        each command with that word that arrives.

        Example:

            link.handle({"BYE": on_bye, "ACK": on_ack})
        """
        self.handlers.update(handlers)

    def arrived(self, arrival):
        """The listener's handler: call the handler for the word that came.

        A peer may send anything: malformed parameters are ignored (logged
        for debugging), and an error in a handler never stops the game.

        Example:

            listener.handler = link.arrived
        """
        if arrival.kind != "command" or self.closed:
            return
        word, params = arrival.data
        handler = self.handlers.get(word)
        if handler is None:
            return
        if word not in FREQUENT:
            log.debug("two-player %s (%s) got %s %r", self.me.id, self.phase(), word, params)
        try:
            handler(time.monotonic(), *params)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError) as error:
            log.debug("pgnet two-player: ignored a malformed %s: %s", word, error)
        except Exception:
            log_error()

    def send(self, address, word, *params):
        """Send ``word`` and its parameters to the game listening at
        ``address`` (nothing if ``address`` is None). Never waits: if the
        connection is not up yet, it goes when it is.

        Example:

            link.send(partner_address, "ACK", token, 12)
        """
        if address is None:
            return
        if word not in FREQUENT:
            log.debug("two-player %s (%s) sends %s to %s %r",
                      self.me.id, self.phase(), word, address, params)
        body = commands.encode_command(word, params)
        sender = registry.connected_sender(address, 0)
        if sender is not None and sender.send(transport.COMMAND, body) is not None:
            self.bytes_sent += len(body)

    def knows(self, address):
        """True if this game already has a connection to ``address`` (it
        talked to that game before); sending to a stranger opens one.

        Example:

            if link.knows(address):
                link.send(address, "BYE", token, my_id)
        """
        return registry.existing_sender(address) is not None

    def reconnect(self, address):
        """Close the connection to ``address``: the next send opens a fresh
        one. What is queued on it gets a moment to go, then is dropped.
        Only between pumps (a pump may be looking at the connection).

        Example:

            link.reconnect(partner_address)
        """
        if address is None:
            return
        endpoint = registry.existing_sender(address)
        if endpoint is not None:
            registry.forget(endpoint, 200)

    def reconnect_later(self, address):
        """``reconnect(address)`` at the next ``reconnect_pending()``: for
        code that runs inside a pump, such as a handler.

        Example:

            link.reconnect_later(partner_address)   # in on_bye
        """
        self.to_reconnect.add(address)

    def reconnect_pending(self):
        """Do the reconnects asked for with ``reconnect_later``.

        Example:

            link.reconnect_pending()     # first thing in a frame's work
        """
        for address in self.to_reconnect:
            self.reconnect(address)
        self.to_reconnect.clear()

    def close(self):
        """Stop listening: nothing more arrives, nothing more is handled.

        Example:

            link.close()
        """
        self.closed = True
        registry.forget(self.listener, 0)
