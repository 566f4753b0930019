"""pgnet's ZeroMQ sockets: what travels on them, and how.

Each of this program's sockets is an *endpoint* (see ``pgnet.endpoint``),
with an inbox for what it received:

* a ``Listener`` (a bound ROUTER socket) receives messages and commands and
  sends replies;
* a ``Sender`` (a DEALER socket connected to one listener) sends messages
  and commands and receives replies, matched to requests by number, so a
  timeout never leaves the socket stuck;
* a ``Publisher`` (a bound XPUB socket) publishes news and greets each
  subscriber, and a ``Subscriber`` (a SUB socket connected to one
  publisher) receives news: they are ``pgnet.news``'s, offered here too.

What arrives becomes an ``Arrival`` in the endpoint's inbox. The frames on
the wire are described in ``docs/wire-format.md``; how a request and its
reply are framed (the lean envelope, one frame, and the four-frame one of
older programs) is ``pgnet.envelope``'s job. This module also offers the
names of ``pgnet.endpoint`` (``Endpoint``, ``poll``, ...), of
``pgnet.inbox`` (``Arrival``, ``Inbox``) and ``pgnet.envelope``'s kinds
(``MESSAGE``, ``COMMAND``, ``ERROR``), so that other modules need only
this one.

Which endpoints this program has is ``pgnet.registry``'s job; this module
only makes them work. Example:

    listener = Listener(addresses.for_listening(5000), 5000)
    arrival = listener.wait(1.0)      # an Arrival, or None after 1 s

Threads: endpoints, like ZeroMQ sockets, are used by the main thread only.
"""

import itertools
import os
import socket
import struct
import time
from collections import deque

import zmq

from . import auth, discovery, envelope, freshness, wire
from .connection import CONNECT_GRACE_S, ConnectionWatch  # noqa: F401 (CONNECT_GRACE_S: for messaging)
from .endpoint import (
    HWM, LINGER_MS, Endpoint, bind, end_context, poll, receive_frame, send_frames,
    slice_ms, unpack, wait_any,
)
from .errors import (
    DroppedMessageWarning, MessageError, NoReplyWarning, NotSentWarning, RemoteErrorWarning,
    log, warn, warn_limited,
)
from .envelope import COMMAND, ERROR, MESSAGE
from .inbox import Arrival, Inbox
from .news import CONFIRM, MAX_TOPIC_BYTES, WELCOME, Publisher, Subscriber  # noqa: F401 (offered here)
from .readiness import ready, wake_items
from .retry import DEFAULT_WAIT_S  # (kept there: the pgnet command needs it without ZeroMQ)
from .settings import settings

__all__ = [
    "DEFAULT_WAIT_S", "FOREVER", "MESSAGE", "COMMAND", "ERROR", "WELCOME", "CONFIRM",
    "MAX_TOPIC_BYTES",
    "Listener", "Sender", "Publisher", "Subscriber",
    # from pgnet.endpoint and pgnet.inbox:
    "Arrival", "Endpoint", "Inbox", "bind", "end_context", "poll", "ready", "wait_any",
    "wake_items",
]

#: Wait with no time limit: give it wherever pgnet asks how long to wait.
#: (It is infinity, ``float("inf")``, so ``math.inf`` works too.)
#:
#: Example: ``pgnet.wait_for_message("robot", wait_for_s=pgnet.FOREVER)``.
FOREVER = float("inf")

#: The most commands held for one connection still being made: older ones go first.
MAX_HELD_COMMANDS = 1000


def _identity_label():
    names = discovery.local_names()
    return names[0] if names else "%s:%d" % (socket.gethostname(), os.getpid())


class Listener(Endpoint):
    """A bound ROUTER socket: receives messages and commands, sends replies.

    ``where`` is an ``addresses.ListenAddress``; ``source`` is the name or
    address the user gave, shown in what arrives.

    Example:

        listener = Listener(addresses.for_listening("127.0.0.1"), "127.0.0.1")
        arrival = listener.wait(5.0, "message")
    """

    role = "listening for messages"
    routed = True

    def __init__(self, where, source, retry_bind_s=0):
        super().__init__(zmq.ROUTER, where.shown, "messages and commands")
        self.source = source
        # Report a reply to an asker that has gone, instead of dropping it.
        self.socket.setsockopt(zmq.ROUTER_MANDATORY, 1)
        bind(self.socket, where, retry_bind_s)
        self.to_answer = None  # the last message wait_for_message handed out
        self.ages = freshness.CommandAges()  # (commands are for now)

    def arrive(self, frames):
        """A message or command as an Arrival, with its size (or None:
        warned and dropped). The request number (8 bytes, whatever the
        sender put there) is ``number``.

        Example (``receive_all`` does this):
        ``arrival, size = listener.arrive([identity, b"\\x02C" + number + body])``"""
        request = envelope.read_request(frames)
        if type(request) is str:
            self._drop("Dropped a malformed message on %s (%s).", self.source, request)
            return None
        kind, raw, number, body, route = request
        body = auth.unseal(b"raw" if raw else kind, body, self.source)
        if body is None:
            return None
        sender = _sender_name(frames[0])
        ok, data = unpack(body, raw, _WHAT[kind], self.source, sender)
        if not ok:
            if kind == MESSAGE:
                self.reply_error(route, raw, "%s could not read the message (too big, or not a "
                                 "pgnet message: it warned why)." % self.source)
            return None
        if kind == MESSAGE:
            return Arrival("message", self.source, sender, data, (self, route, raw)), len(body)
        command = _as_command(data)
        if command is None:
            self._drop("Dropped a malformed command from %s on %s.", sender, self.source)
            return None
        expires = self.ages.expiry(frames[0], number, time.monotonic()) if number else None
        return Arrival("command", self.source, sender, command, expires), len(body)

    def _drop(self, text, *args):
        warn_limited((self, "malformed"), DroppedMessageWarning, text, *args)

    def reply(self, route, raw, reply):
        """Send ``reply`` to the asker this ``route`` leads back to (see
        ``pgnet.envelope.read_request``; warn if it has gone); raise
        ``MessageError`` if ``reply`` cannot be sent.

        Example: ``listener.reply(route, False, "yes")``"""
        if raw and isinstance(reply, (bytes, str)):
            body = reply.encode("utf-8") if isinstance(reply, str) else reply
        else:
            body = wire.encode(reply)
        self._send_reply(route, body, False)

    def reply_error(self, route, raw, text):
        """Tell the asker this ``route`` leads back to that its message gets
        no answer, and why (``text``): it warns with that text at once
        instead of waiting for its time limit. (A plain ZeroMQ asker of raw
        bytes is told nothing: it would take the text for the answer.)

        Example: ``listener.reply_error(route, False, "quiz's hook raised ValueError")``"""
        if not raw or envelope.is_lean(route):
            self._send_reply(route, wire.encode(text[:2000]), True)

    def _send_reply(self, route, body, error):
        frames = envelope.reply_frames(route, auth.seal(self, b"reply", body), error)
        try:
            send_frames(self.socket, frames)
        except zmq.ZMQError:
            warn_limited((self, "gone"), NotSentWarning,
                         "Could not send the reply on %s: the asker has gone.", self.source)


_WHAT = {MESSAGE: "a message from %s", COMMAND: "a command from %s"}
_names = {}  # routing id -> who it is, for the senders heard lately


def _sender_name(identity):
    name = _names.get(identity)
    if name is None:
        label = identity.split(b"\x00", 1)[0]
        try:
            name = label.decode("utf-8") or "a non-pgnet program"
        except UnicodeDecodeError:
            name = "a non-pgnet program"
        if len(_names) >= 1000:
            _names.clear()
        _names[identity] = name
    return name


def _as_command(data):
    if (
        isinstance(data, list) and len(data) == 2
        and isinstance(data[0], str) and data[0] and isinstance(data[1], list)
    ):
        return data[0], data[1]
    return None


class Sender(Endpoint):
    """A DEALER socket connected to one listener: sends messages, commands.

    ``address`` is the "ip:port" to connect to; ``target`` is the name or
    address the user gave.

    Example:

        sender = Sender("127.0.0.1:5000", "robot")
        sender.send(COMMAND, commands.encode_command("GO", []))
    """

    role = "sending"
    _numbers = itertools.count(1)

    def __init__(self, address, target):
        super().__init__(zmq.DEALER, address, "replies")
        self.target = target  # the name or address the user gave
        self.waiting = {}  # request number -> (deadline, raw)
        #: True once the listener has answered in the lean envelope: then
        #: requests go in it too (see ``pgnet.envelope``).
        self.lean = False
        #: Commands waiting for a new connection (see ``send_command``).
        self.held = deque(maxlen=MAX_HELD_COMMANDS)
        #: The ``connection.ConnectionWatch`` of a sender of commands, else None.
        self.watch = None
        self._connected = False  # (it connects at its first send, see send_command)

    def _connect(self, watched):
        if watched:
            self.watch = ConnectionWatch(self.socket)  # (before connecting: it sees it all)
        label = _identity_label().encode("utf-8")[:200].decode("utf-8", "ignore").encode("utf-8")
        self.socket.setsockopt(zmq.ROUTING_ID, label + b"\x00" + os.urandom(8))
        self.socket.connect("tcp://" + self.address)
        self._connected = True

    def send(self, kind, body, raw=False, wait_for_s=None):
        """Send; return the request's number, or None (warned) if it can't.

        With ``wait_for_s``, a reply is expected within that time (see
        ``expire``).

        Example: ``number = sender.send(MESSAGE, wire.encode("hi"), wait_for_s=5)``"""
        if not self._connected:
            self._connect(False)
        number = _pack_number(next(self._numbers))
        body = auth.seal(self, b"raw" if raw else kind, body)
        if not self._send(envelope.request(kind, number, body, raw, self.lean)):
            return None
        if wait_for_s is not None:
            self.waiting[number] = (time.monotonic() + wait_for_s, raw)
        return number

    def ask(self, body, raw, wait_s):
        """Send the message ``body`` (encoded already; bytes as they are if
        ``raw``) and wait up to ``wait_s`` seconds for its reply: the
        reply's Arrival (``"reply"``, or ``"error"`` if the other program
        could not answer); None if none came in time; False if it could
        not be sent (warned).

        Example: ``arrival = sender.ask(wire.encode("6 x 7?"), False, 5.0)``"""
        with self:
            # (closing: another thread's close_all closed it just now; the
            # message was not sent, as when a name is not found)
            return False if self.closing else self._ask(body, raw, wait_s)

    def _ask(self, body, raw, wait_s):
        if (wait_s <= 0 or not self.lean or self.waiting or self.inbox.count or settings.password
                or not self.straight()):
            number = self.send(MESSAGE, body, raw, wait_s)
            return False if number is None else self._reply_to(number, wait_s)
        # The usual case (a wait, no other reply awaited, no seals, nothing
        # else to keep working), in the fewest steps, for a round trip pays
        # for each, many times over on a busy computer: the next frame is the
        # reply. (A wait of 0, a look inside a game's frame, goes the general
        # way, which never blocks.)
        number = _pack_number(next(self._numbers))
        if not self._send(envelope.request(MESSAGE, number, body, raw, True)):
            return False
        deadline = time.monotonic() + wait_s
        frame = receive_frame(self, slice_ms(wait_s))
        if frame is not None and frame[:envelope.HEADER_BYTES] == envelope.REPLY + number:
            try:
                data = decode_reply(frame[envelope.HEADER_BYTES:], raw)
                return Arrival("reply", self.target, self.target, data, number)
            except MessageError:
                pass  # (an "error" Arrival, made the general way)
        # Something else came, or nothing yet: the general way, which warns
        # about what it must.
        self.waiting[number] = (deadline, raw)
        if frame is not None:
            self.accept([frame])
        return self._reply_to(number, deadline - time.monotonic())

    def _reply_to(self, number, wait_s):
        arrival = self.wait(wait_s, None, lambda a: a.extra == number)
        if arrival is None:
            self.waiting.pop(number, None)
        return arrival

    def _send(self, frames):
        try:
            send_frames(self.socket, frames)
        except zmq.Again:
            warn_limited((self, "not sent"), NotSentWarning,
                "%s is not taking any more messages (%d are queued). Is it "
                "still running?", self.target, HWM,
            )
            return False
        return True

    def send_command(self, body, wait_s=0.0):
        """Send a command now, or not at all: a command is for now (see
        ``pgnet.freshness``), so it is never queued for a program that is
        not there, to reach it seconds later when it starts again.

        It goes while the connection is up (``self.watch`` follows it). A
        new connection's commands wait up to ``wait_s`` for it, then in
        ``held`` for ``tick`` to send, for ``CONNECT_GRACE_S`` at most; a
        command to a program that is not there is dropped with a
        ``NotSentWarning``. Commands and messages share the socket, so they
        arrive in the order they were sent. In the 8 bytes of a request
        number, a command carries its stamp (``freshness.stamp``).

        Example: ``sender.send_command(commands.encode_command("STOP", []))``"""
        if not self._connected:
            self._connect(True)
        elif self.watch is None:  # (it was up a moment ago, for a message)
            self.watch = ConnectionWatch(self.socket, known_up=True)
        body = auth.seal(self, COMMAND, body)
        self.held.append(envelope.request(COMMAND, freshness.stamp(), body, False, self.lean))
        self._send_held(wait_s)

    def _send_held(self, wait_s):
        state = self.watch.state()
        if state == "connecting" and wait_s > 0:
            self.watch.wait_up(wait_s)
            state = self.watch.state()
        if state == "connecting":
            return  # tick() tries again
        if state == "down":
            count = len(self.held)
            self.held.clear()
            warn_limited((self, "commands not sent"), NotSentWarning,
                "%d command%s not sent: %s is not there. Is it running? (pgnet "
                "never keeps a command for later: a robot that starts again must "
                "not act on an old FORWARD.)", count, "" if count == 1 else "s", self.target)
            return
        while self.held and self._send(self.held[0]):
            self.held.popleft()
        self.held.clear()  # (what _send refused, it warned about)

    def tick(self, now):
        """Once a frame: send the commands held for a new connection, and
        warn about requests whose reply is overdue (see ``expire``).

        Example: ``sender.tick(time.monotonic())``"""
        if self.held:
            self._send_held(0)
        if self.waiting:
            self.expire(now)

    def close(self, linger_ms=LINGER_MS):
        """Close the socket; what is queued gets ``linger_ms`` to leave
        (commands still held for a connection not made yet are dropped).

        Example: ``sender.close(0)``"""
        if self.watch is not None:
            self.watch.close()
        super().close(linger_ms)

    def arrive(self, frames):
        """A reply to one of our requests as an Arrival, with its size (an
        ``"error"`` Arrival, its data a text, if the other program could
        not answer or its reply cannot be read); None for anything else.

        Example (``receive_all`` does this):
        ``arrival, size = sender.arrive([b"\\x02R" + number + body])``"""
        reply = envelope.read_reply(frames)
        if reply is None:
            warn_limited((self, "malformed"), DroppedMessageWarning,
                         "Dropped a malformed reply from %s.", self.target)
            return None
        number, body, error, lean = reply
        body = auth.unseal(b"reply", body, self.target)
        if body is None:
            return None  # (still waiting: a genuine reply may follow)
        request = self.waiting.pop(number, None)
        if request is None:
            log.debug("Dropped a late reply from %s.", self.target)
            return None
        if lean:
            self.lean = True
        if error:
            ok, text = unpack(body, False, "an error reply from %s", self.target, self.target)
            reason = text if ok and isinstance(text, str) else "it could not answer"
            return Arrival("error", self.target, self.target, reason, number), len(body)
        try:
            data = decode_reply(body, request[1])
        except MessageError as error:
            return Arrival("error", self.target, self.target,
                           "its reply could not be read: %s" % error, number), len(body)
        return Arrival("reply", self.target, self.target, data, number), len(body)

    def expire(self, now):
        """Warn about each request whose reply is overdue at ``now``, and
        stop waiting for it. Example: ``sender.expire(time.monotonic())``"""
        for number, (deadline, _) in list(self.waiting.items()):
            if now > deadline:
                del self.waiting[number]
                warn(NoReplyWarning, "No reply from %s in time.", self.target)


_pack_number = struct.Struct("!Q").pack


def decode_reply(body, raw):
    """The value in a reply's ``body`` (bytes as they are if ``raw``);
    raises ``MessageError`` if it is too big or not a pgnet message.

    Example: ``decode_reply(wire.encode("yes"), False)   # 'yes'``"""
    if len(body) > settings.max_message_bytes:
        wire.check_size(len(body))
    return body if raw else wire.decode(body)


def warn_remote_error(target, reason):
    """Warn that ``target`` could not answer, saying why (``reason``, from
    its error reply).

    Example: ``warn_remote_error("quiz", "its on_network_message raised ValueError: bad")``"""
    warn_limited(("remote error", target), RemoteErrorWarning, "No reply from %s: %s", target, reason)
