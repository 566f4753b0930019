"""A publisher's subscriptions, bounded: however many topics a classmate's
program subscribes to, a publisher holds at most
``settings.max_subscriptions`` of them, and a computer that asks for more
is cut off for a while.

ZeroMQ keeps every topic a publisher's subscribers subscribe to, in a tree
of bytes (some 13 kB for a 255-byte topic nobody else has), with no limit
of its own, until the subscriber goes. A program cannot refuse one
subscription: ZeroMQ's "manual" mode, where the program chooses which to
apply, still stores every one it is sent, to unsubscribe them when the
subscriber goes. What frees them is the subscriber's connection closing.
So pgnet watches what its publisher holds, and closes connections:

* ZeroMQ tells the publisher of each topic that a first subscriber
  subscribes to, with the address of the computer that asked, and of each
  topic that no subscriber holds any more: pgnet counts the topics held
  and, for each computer, those it asked for first.
* ZeroMQ's monitor reports each connection to the publisher, with its
  socket: pgnet notes which computer each one is from. A thread of the
  publisher's own takes in these reports as they come, also while the
  program does something else than use pgnet: left unread, they would pile
  up with each connection a classmate opens (some 250 bytes each, without
  end), and ZeroMQ cannot drop them (with their queue bounded, it would
  wait, stalling every connection of the program).
* Past the limit, pgnet cuts off the computer that asked for the most
  (and any other that asked for a good share): it breaks that computer's
  connections to this publisher (ZeroMQ then frees all they held) and,
  for ``CUT_OFF_S`` seconds, each new connection it makes; and it warns
  (``DroppedMessageWarning``). The programs on that computer reconnect
  after that, as ZeroMQ programs always do.
* ZeroMQ registers subscriptions before it tells of them, and in a flood
  it can register thousands in one call: so pgnet also asks ZeroMQ how
  many topics it holds (``ZMQ_TOPICS_COUNT``, from libzmq 4.3.5), and acts
  on that too. The publisher takes in subscriptions a few at a time from
  each connection (``INTAKE``), which keeps those calls short.

The other subscribers are not disturbed: their connections stay open and
their news keeps coming. Breaking a connection ZeroMQ owns takes the
operating system's help: on Linux the connection is reset at once; on
other systems it is shut down, and ZeroMQ closes it.

Measured on Linux, with the default limit: a million 200-byte topics from
one computer's program, reconnecting whenever cut off, cost a publisher
20 to 40 MB at most, and its other subscribers kept getting their news.
What it cannot bound as tightly: many connections flooding at once (from
several computers) can get more registered inside one ZeroMQ call, before
pgnet can count them: some 100 MB, freed once they are cut off.

Example:

    subscriptions = Subscriptions(publisher_socket, "weather")  # before bind
    subscriptions.note(frame)     # each zmq.Frame the publisher receives
    subscriptions.check()         # now and then: too many topics?
    subscriptions.held            # how many topics its subscribers hold
    subscriptions.close()         # before the publisher's socket closes
"""

import ctypes
import itertools
import os
import socket
import sys
import threading
import time

import zmq
from zmq.utils.monitor import parse_monitor_message

from .endpoint import open_socket
from .errors import DroppedMessageWarning, warn_limited
from .settings import settings

#: How long a computer that subscribed to too many topics is cut off from
#: a publisher, in seconds: each connection it makes meanwhile is closed.
#:
#: Example: a program on that computer gets news again 10 s later.
CUT_OFF_S = 10.0

#: How many subscriptions a publisher takes in from one connection at a
#: time. (ZeroMQ registers all that have come whenever the program uses the
#: socket, in one go: with a bigger number, a flood of subscriptions would
#: be registered many thousands at a time, before pgnet could count them.)
#:
#: Example: ``sock.setsockopt(zmq.RCVHWM, INTAKE)``.
INTAKE = 2

# A computer still holding too much this long after being cut off (its
# connections not closed yet) is cut off again.
_RECUT_S = 1.0
# When there are too many, a computer that asked for more than this share
# of them is cut off too.
_SHARE = 0.1
_BATCH_S = 0.05  # the watching thread's pause after taking in what came
_LOOK_EVERY = 64  # new topics between two checks
_CHECK_EVERY_S = 0.1  # the longest between two checks of a publisher in use
_TOPICS_COUNT = getattr(zmq, "TOPICS_COUNT", 116)
_POLLIN = int(zmq.POLLIN)
_ON_LINUX = sys.platform.startswith("linux")
_numbers = itertools.count(1)
_libc = []  # the C library, once loaded (Linux)


class Subscriptions:
    """The topics a publisher's subscribers hold, counted by computer, and
    the publisher's connections; bounded by ``settings.max_subscriptions``.

    Made before the publisher's socket binds, so that it sees every
    connection; the publisher hands it each message its socket receives
    (``note``), calls ``check`` now and then, and ``close`` before closing
    its socket.

    Example:

        subscriptions = Subscriptions(sock, "weather")
        sock.bind("tcp://*:5001")
        subscriptions.note(sock.recv(copy=False))
        print(subscriptions.held, subscriptions.by_computer)
    """

    def __init__(self, sock, source):
        #: What the publisher is (a name or address), for warnings.
        self.source = source
        #: Each topic held -> the computer (its IP address) that asked first.
        self.topics = {}
        #: Each computer -> how many of the topics held it asked for first.
        self.by_computer = {}
        #: Each connection's socket (a file descriptor) -> (ip, port).
        self.connections = {}
        #: Each computer cut off -> when (``time.monotonic()``).
        self.cut_off = {}
        # Held while connections or cut_off change: the watching thread
        # changes them too.
        self._lock = threading.Lock()
        #: How many topics ZeroMQ said no subscriber holds any more because
        #: the last one left. (ZeroMQ's own count of topics does not go
        #: down for those: what it holds is at most its count less these.)
        self.left = 0
        self._sock = sock
        self._counts = True  # (False once ZeroMQ turns out not to count)
        self._new = 0  # new topics since the last look at ZeroMQ's count
        self._next_check = 0.0  # (time.monotonic())
        sock.setsockopt(zmq.RCVHWM, INTAKE)
        address = "inproc://pgnet-subscriptions-%d-%d" % (os.getpid(), next(_numbers))
        sock.monitor(address, zmq.EVENT_ACCEPTED | zmq.EVENT_DISCONNECTED | zmq.EVENT_MONITOR_STOPPED)
        events = open_socket(zmq.PAIR)
        # Unbounded, as ZeroMQ's monitor waits rather than drops when full;
        # the thread keeps it short.
        events.setsockopt(zmq.RCVHWM, 0)
        events.setsockopt(zmq.LINGER, 0)
        events.connect(address)
        threading.Thread(target=self._watch, args=(events,), daemon=True,
                         name="pgnet connections to %s" % source).start()

    @property
    def held(self):
        """How many topics the publisher's subscribers hold (each counted
        once, however many subscribers have it).

        Example: ``publisher.subscriptions.held   # 12``"""
        return len(self.topics)

    def note(self, frame):
        """Take note of one message the publisher received (a ``zmq.Frame``):
        a topic now held, or one no longer held; cut off a computer if there
        are too many.

        Example: ``subscriptions.note(sock.recv(copy=False))``"""
        data = frame.bytes
        kind, topic = data[:1], data[1:]
        if kind == b"\x01":
            if topic not in self.topics:
                computer = _computer(frame)
                self.topics[topic] = computer
                self.by_computer[computer] = self.by_computer.get(computer, 0) + 1
                self._new += 1
                if (self._new >= _LOOK_EVERY or len(self.topics) > settings.max_subscriptions
                        or computer in self.cut_off):  # (back already: close it at once)
                    self.check()
        elif kind == b"\x00" and topic in self.topics:
            computer = self.topics.pop(topic)
            left = self.by_computer[computer] - 1
            if left:
                self.by_computer[computer] = left
            else:
                del self.by_computer[computer]
            if _computer(frame) is None:  # (ZeroMQ's own: the last holder left)
                self.left += 1

    def estimate(self):
        """How many topics ZeroMQ may be holding: what it says it holds, less
        those it told of as freed when their last subscriber left (libzmq
        4.3.5 and later say); at least those it told of that are still held.

        Example: ``subscriptions.estimate()   # 2440``"""
        if self._counts:
            try:
                return max(len(self.topics), self._sock.getsockopt(_TOPICS_COUNT) - self.left)
            except zmq.ZMQError:
                self._counts = False
        return len(self.topics)

    def look(self):
        """If there are too many topics, cut off the computers that asked
        for too many.

        Example: ``subscriptions.look()``"""
        self._new = 0
        limit = settings.max_subscriptions
        estimate = self.estimate()
        if estimate <= limit:
            return
        now = time.monotonic()
        # The topics of a computer cut off just now are being freed.
        freeing = [c for c, when in self.cut_off.items() if now - when < _RECUT_S]
        freed = sum(self.by_computer.get(c, 0) for c in freeing)
        others = [c for c in self.by_computer if c not in freeing and c is not None]
        if not others:
            return
        # ZeroMQ's own count runs ahead of what it has told: by that count,
        # each computer that asked for a good share is cut off, never one
        # that asked for a few.
        to_cut = {c for c in others if self.by_computer[c] > limit * _SHARE}
        if len(self.topics) - freed > limit:
            # By what it has told: the one that asked for the most too.
            to_cut.add(max(others, key=self.by_computer.get))
        for computer in to_cut:
            self._cut(computer, now)

    def _cut(self, computer, now):
        with self._lock:
            for gone in [c for c, when in self.cut_off.items() if now - when > CUT_OFF_S]:
                del self.cut_off[gone]
            self.cut_off[computer] = now
            for connection, peer in list(self.connections.items()):
                if peer[0] == computer and not _break(connection, peer):
                    del self.connections[connection]  # (closed already)
        warn_limited(
            (self, "too many"), DroppedMessageWarning,
            "The computer at %s subscribed to more topics of news on %s than a "
            "publisher keeps (pgnet.settings.max_subscriptions is %d): its programs "
            "are disconnected from it for %g s.",
            computer, self.source, settings.max_subscriptions, CUT_OFF_S,
        )

    def check(self, received=1):
        """``look``, if it is time to. Call it after receiving, with how
        many messages came (``received``): after none, it only looks now and
        then (nothing new is held, and a publisher that sends a lot should
        not pay for it).

        Example: ``subscriptions.check(publisher.receive_all())``"""
        now = time.monotonic()
        if not received and now < self._next_check:
            return
        self._next_check = now + _CHECK_EVERY_S
        self.look()

    def _watch(self, events):
        # The thread: takes in what ZeroMQ's monitor reports on ``events``
        # (its own socket from now on) as it comes, until close().
        try:
            while True:
                # Asleep until a report comes: the last, when the publisher
                # closes, is ZeroMQ's "monitor stopped".
                zmq.zmq_poll([(events, _POLLIN)], -1)
                while True:
                    try:
                        event = parse_monitor_message(events.recv_multipart(zmq.NOBLOCK))
                    except zmq.Again:
                        break
                    if event["event"] == zmq.EVENT_MONITOR_STOPPED:
                        return
                    self._connection(event["event"], event["value"])
                # Reports taken in batches: woken for each one, this thread
                # would slow ZeroMQ's taking in of connections many times over.
                time.sleep(_BATCH_S)
        except zmq.ZMQError:
            pass  # (ZeroMQ is ending: the program is)
        finally:
            events.close(0)

    def _connection(self, event, connection):
        """Note a new connection and the computer it is from (closing it at
        once if that computer is cut off), or forget a closed one."""
        if event == zmq.EVENT_DISCONNECTED:
            with self._lock:
                self.connections.pop(connection, None)
            return
        peer = _peer(connection)
        if peer is None:
            return
        with self._lock:
            self.connections[connection] = peer
            if time.monotonic() - self.cut_off.get(peer[0], -CUT_OFF_S) < CUT_OFF_S:
                _break(connection, peer)

    def close(self):
        """Stop watching (before the publisher's socket closes).

        Example: ``subscriptions.close()``"""
        try:
            self._sock.disable_monitor()
        except zmq.ZMQError:
            pass  # (the socket is closed already)


def _computer(frame):
    """The IP address of the computer a subscription came from, or None."""
    try:
        return frame.get("Peer-Address")
    except zmq.ZMQError:
        return None


def _borrow(connection):
    """A socket object for ``connection`` (a socket ZeroMQ owns), on a
    duplicate of it: the duplicate keeps it from being closed and reused
    for another connection while pgnet looks at it. Close it after use."""
    return socket.socket(fileno=socket.dup(connection))


def _peer(connection):
    """``(ip, port)`` at the other end of ``connection``, or None if it
    has closed."""
    try:
        with _borrow(connection) as sock:
            return sock.getpeername()[:2]
    except OSError:
        return None


def _break(connection, peer):
    """Break ``connection`` (a socket ZeroMQ owns) if it still goes to
    ``peer``, so that ZeroMQ closes it and frees what it held; True if it
    did."""
    try:
        with _borrow(connection) as sock:
            if sock.getpeername()[:2] != peer:
                return False
            if _ON_LINUX:
                # connect() to "no address" resets a connection at once, and
                # drops what it has not read (a shutdown would not, on Linux).
                if not _libc:
                    _libc.append(ctypes.CDLL(None, use_errno=True))
                _libc[0].connect(sock.fileno(), (ctypes.c_char * 16)(), 16)
            else:
                sock.shutdown(socket.SHUT_RDWR)
            return True
    except OSError:
        return False
