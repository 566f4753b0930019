"""The endpoints this program has: which socket serves which job.

Every pgnet call that needs a socket asks here: "the listener for 'pong'",
"a sender connected to 'robot'". The first call opens it; later calls get
the same one. Each socket has one job: a socket opened to publish news is
never handed out as a listener (networkzero's PUB-used-as-listener bug),
and a port this program uses for one job cannot be taken for another
(``SocketRoleError`` says so).

It is one object, ``Endpoints``; the program's one is ``default``, and the
functions here are its methods:

    from pgnet import registry
    listener = registry.bound_listener("pong")
    sender = registry.connected_sender("robot", wait_s=5)   # None if not found

Threads: pgnet gives each thread its own connected sockets (a ZeroMQ
socket must only be used by one thread at a time): a worker thread's
``send_message`` never touches the game loop's. A bound socket (a listener
or a publisher: one port) is shared, and each use of it holds its
``lock``. ``all()`` is what the calling thread may use.

Sockets are bounded: at most ``settings.max_senders`` senders are kept per
thread; sending to one more closes the one unused for longest (what it had
queued gets a moment to leave; a later send opens it again).
"""

import threading
import time
from collections import OrderedDict

from . import addresses, discovery, reachable
from .errors import AddressError, NotSentWarning, SocketRoleError, end_quietly_if_the_program_ends, warn
from .settings import settings
from .transport import Listener, Publisher, Sender, Subscriber

#: After ``close_all``, how long a bind waits for a port this program has
#: just closed (ZeroMQ finishes closing in the background).
BIND_SETTLE_S = 0.5
#: The same inside a game's frame, which must not wait: a port just closed
#: is free again within a few milliseconds (0.2 to 1.6 ms measured).
FRAME_BIND_SETTLE_S = 0.005

_MAX_CHECKED = 1000  # "ip:port" targets remembered as needing no checks
_EVICTED_LINGER_MS = 0  # the one unused longest: what it queued is long gone, or never can
_REACH_CHECK_S = 0.5  # the longest a first send waits to learn a computer is there


#: How long ``close_all`` waits for another thread to finish using an
#: endpoint (a send, a publish) before it leaves the closing to it.
_CLOSE_WAIT_S = 0.25


class Endpoints:
    """The sockets of one program, each kept under its job and address.

    Example:

        endpoints = Endpoints()
        listener = endpoints.bound_listener("127.0.0.1:5000")
        endpoints.close_all()
    """

    def __init__(self):
        # Keyed by (role, address as the user wrote it) for bound sockets, and
        # by (role, "ip:port") for connected ones, so a socket is never taken
        # for one with another job.
        self._endpoints = {}
        self._senders = OrderedDict()  # key -> Sender, the most recently used last
        self._lock = threading.RLock()  # around changes to the tables
        self._publishers = []  # each endpoint's .publishers: see transport.poll
        self._lookups = addresses.Lookups()  # computers' names ("robot.local:5000")
        self._checked_addresses = set()  # "ip:port" targets sent to: each is its own answer
        self._recently_closed = False  # close_all() ran: a bind may need a moment
        #: Whether a call may wait now (False inside a game's frame): the
        #: program's scheduler, which knows, sets it for the default one.
        self.may_wait = lambda: True

    # -- bound: this program listens or publishes ---------------------------------

    def bound_listener(self, address):
        """The ``Listener`` for ``address`` (a name, which is advertised, or
        where to listen), opened on first use.

        Example: ``registry.bound_listener("pong").wait(1.0)``"""
        # Found here at once (each message waited for or replied to comes
        # this way); opened by _bound the first time.
        endpoint = self._endpoints.get((Listener.role, address))
        return endpoint if endpoint is not None else self._bound(Listener, address)

    def bound_publisher(self, address):
        """The ``Publisher`` for ``address`` (a name, which is advertised, or
        where to publish), opened on first use.

        Example: ``registry.bound_publisher("weather").publish(b"rain", body)``"""
        endpoint = self._endpoints.get((Publisher.role, address))
        return endpoint if endpoint is not None else self._bound(Publisher, address)

    def _bound(self, cls, address):
        with self._lock:
            return self._open_bound(cls, address)

    def _open_bound(self, cls, address):
        endpoint = self._endpoints.get((cls.role, address))  # (another thread's, just now)
        if endpoint is not None:
            return endpoint
        # Not opened under this address yet. A name, or the address
        # advertise() returned for one: listen where that name is advertised
        # (on every network, not just the one shown).
        name = address if isinstance(address, str) and not addresses.is_address(address) \
            else discovery.advertised_at(address)
        if name is not None:
            where = discovery.listen_address(name)
        else:
            where = addresses.for_listening(address)
        # The same socket may be asked for by name and by address.
        for other in self._endpoints.values():
            if isinstance(other, cls) and other.port == where.port:
                endpoint = other
                break
        else:
            endpoint = self._open(cls, where, address)
        self._endpoints[(cls.role, address)] = endpoint
        return endpoint

    def _open(self, cls, where, address):
        end_quietly_if_the_program_ends()  # (no new socket in another thread at exit)
        try:
            settle_s = 0
            if self._recently_closed:
                settle_s = BIND_SETTLE_S if self.may_wait() else FRAME_BIND_SETTLE_S
            endpoint = cls(where, address, settle_s)
        except AddressError:
            for other in self._endpoints.values():
                if other.port == where.port:
                    raise SocketRoleError(
                        "This program already uses port %d for %s, so it cannot "
                        "use it for %s too. Give each its own name or port."
                        % (where.port, other.role, cls.role)
                    ) from None
            raise
        endpoint.port = where.port
        endpoint.lock = threading.RLock()
        endpoint.publishers = self._publishers
        if cls is Publisher:
            self._publishers.append(endpoint)
        return endpoint

    # -- connected: this program sends or subscribes -------------------------------

    def connected_sender(self, target, wait_s):
        """A ``Sender`` connected to ``target`` (a name or an address), or
        None (warned) if the name is not found within ``wait_s`` seconds
        (0: only look at what is already known, never wait).

        Example: ``registry.connected_sender("robot", 5)``"""
        return self._connected(Sender, target, wait_s)

    def connected_subscriber(self, target, wait_s):
        """A ``Subscriber`` connected to ``target`` (a name or an address),
        or None (warned) if the name is not found within ``wait_s`` seconds
        (0: only look at what is already known, never wait).

        Example: ``registry.connected_subscriber("weather", 5).add_topic("rain")``"""
        return self._connected(Subscriber, target, wait_s)

    def _connected(self, cls, target, wait_s):
        # Where to: "ip:port", from the quickest answer that applies. (One
        # method, not two: a send to a name comes this way each time.)
        address = None
        if type(target) is str:
            if target in self._checked_addresses:
                address = target
            else:
                address = discovery.known_address(target)  # a name already found
        if address is None:
            if isinstance(target, str) and not addresses.is_address(target):
                if wait_s == 0:  # (in a game: a frame must never wait)
                    discovery.check_name(target)
                    address = discovery.get_beacon().lookup(target)
                else:
                    address = discovery.discover(target, wait_s)
                if address is None:
                    return None
            else:
                address = self._resolve(target, wait_s)
                if address is None:  # a computer's name, being looked up
                    return None
        key = (cls.role, address, threading.get_ident())
        endpoint = self._endpoints.get(key)
        if endpoint is None:
            typed = not isinstance(target, str) or addresses.is_address(target)  # not a name
            if cls is Sender and wait_s and typed and not _accepts_connections(address, wait_s):
                return None
            return self._open_connected(cls, key, address, target)
        if cls is Sender and key in self._senders:  # (close_all in another thread may have cleared it)
            self._senders.move_to_end(key)
        return endpoint

    def _open_connected(self, cls, key, address, target):
        end_quietly_if_the_program_ends()  # (no new socket in another thread at exit)
        with self._lock:
            endpoint = self._endpoints[key] = cls(address, target)
            endpoint.owner = key[2]
            endpoint.lock = threading.RLock()  # (held by its thread's waits: see close_all)
            endpoint.publishers = self._publishers
            if cls is Sender:
                self._senders[key] = endpoint
                self._evict_senders(key[2])
        return endpoint

    def _evict_senders(self, owner):
        """Close the senders of thread ``owner`` unused for longest, leaving
        ``settings.max_senders``; those waiting for a reply or holding
        commands for a new connection are kept."""
        mine = [k for k in self._senders if k[2] == owner]
        for key in mine[: max(0, len(mine) - settings.max_senders)]:
            sender = self._senders[key]
            if not sender.waiting and not sender.held:
                self.forget(sender, _EVICTED_LINGER_MS)

    def _resolve(self, target, wait_s):
        """``"ip:port"`` for an address (a computer's name is looked up:
        with a wait of 0, in the background, and None until then)."""
        address = self._lookups.address(target, wait=wait_s != 0)
        if address == target and len(self._checked_addresses) < _MAX_CHECKED:
            self._checked_addresses.add(address)  # "ip:port" already: no need to check it again
        return address

    def existing_sender(self, address):
        """The ``Sender`` already connected to ``address`` ("ip:port"), or
        None; never opens one.

        Example: ``registry.existing_sender("10.0.0.5:5000")``"""
        return self._endpoints.get((Sender.role, address, threading.get_ident()))

    # -- closing ------------------------------------------------------------------

    def forget(self, endpoint, linger_ms=0):
        """Close ``endpoint`` and forget it: the next call for its job and
        address opens a fresh one. What is queued on it gets ``linger_ms``
        to leave.

        Example: ``registry.forget(sender, 200)``"""
        with self._lock:
            for key, value in list(self._endpoints.items()):
                if value is endpoint:
                    del self._endpoints[key]
                    self._senders.pop(key, None)
            if endpoint in self._publishers:
                self._publishers.remove(endpoint)
        endpoint.close(linger_ms)

    def all(self):
        """Every endpoint this thread may use (its own connected ones and
        the bound ones), each once, in a new list.

        Example: ``[e.role for e in registry.all()]``"""
        me = threading.get_ident()
        return [e for e in set(self._endpoints.values()) if e.owner in (None, me)]

    def close_all(self):
        """Close every endpoint (what is queued gets the sockets' linger
        time to leave) and forget them all. One that another thread is
        waiting on is closed by that thread, as its wait ends.

        Example: ``registry.close_all()``"""
        with self._lock:  # (forgotten first: no other thread is given them again)
            endpoints = set(self._endpoints.values())
            for endpoint in endpoints:
                endpoint.closing = True  # (see Endpoint.closing)
            self._recently_closed = bool(endpoints) or self._recently_closed
            self._endpoints.clear()
            self._senders.clear()
            del self._publishers[:]
        # A thread waiting on one closes it as its wait ends (Endpoint.__exit__);
        # any other use (a send, a publish, a frame reading it) is over in a
        # moment: close_all waits _CLOSE_WAIT_S at most for them all.
        deadline = time.monotonic() + _CLOSE_WAIT_S
        for endpoint in endpoints:
            if endpoint.waits:
                continue
            if endpoint.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                try:
                    endpoint.close()
                finally:
                    endpoint.lock.release()

    def abandon(self):
        """Forget every endpoint without closing it: for a child process
        just made by ``os.fork()``, whose copies of the parent's sockets
        belong to the parent.

        Example: ``os.register_at_fork(after_in_child=registry.abandon)``"""
        self._lock = threading.RLock()
        self._endpoints = {}
        self._senders = OrderedDict()
        self._publishers = []


def _accepts_connections(address, wait_s):
    """Before the first send to ``address``, typed as "ip:port": say at
    once, as a warning, if nothing listens there or it cannot be reached,
    as the ``pgnet`` command does, instead of a silent wait for a reply
    that cannot come.

    Not for a name, nor an address some program advertises: a program
    advertises its name a moment before it opens its port, and a send in
    that moment must wait for it, not fail. Not in a game either, where a
    frame must never wait (``wait_s`` is 0 there)."""
    peer = discovery.current_beacon()
    if peer is not None and any(service.address == address for service in peer.services()):
        return True
    reason = reachable.problem(address, address, min(wait_s, _REACH_CHECK_S),
                               silence_is_a_problem=False)
    if reason is None:
        return True
    warn(NotSentWarning, "Not sent: %s", reason)
    return False


#: This program's endpoints: the one instance the functions below use.
default = Endpoints()

# The module-level functions are the default instance's own methods (no
# extra call on the way: a send looks its sender up here each time).
bound_listener = default.bound_listener
bound_publisher = default.bound_publisher
connected_sender = default.connected_sender
connected_subscriber = default.connected_subscriber
existing_sender = default.existing_sender
forget = default.forget
all = default.all  # (shadows the builtin here only: use registry.all())
close_all = default.close_all
abandon = default.abandon
