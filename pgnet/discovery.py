"""Finding programs by name: advertise, discover, discover_all, unadvertise.

How it works, in brief: every pgnet program that uses discovery opens the
same UDP port (``pgnet.settings.discovery_port``) and shares it with the other
pgnet programs on its computer. A program that advertises a name broadcasts a
small *advert* packet on every network it is on, twice a second. Every
program hears every advert, so each keeps its own up-to-date table of who is
where. A program that starts later broadcasts a *query*, and everyone
answers at once, so it learns the whole table in a few milliseconds.

A program that stops says *bye*; one that crashes simply stops sending
adverts, and the others forget it ``settings.advert_ttl_s`` seconds later.
Each program is a full peer: no program's exit can lose another's adverts.

Example, in one program:

    import pgnet
    address = pgnet.advertise("robot")   # returns at once

and in another, on the same computer or anywhere on the network:

    import pgnet
    robot = pgnet.discover("robot")      # '192.168.1.40:53121'
"""

import atexit
import os
import select
import signal
import socket
import threading
import time
import uuid
from collections import deque, namedtuple

from . import addresses, wire
from .errors import DiscoveryWarning, MessageError, NameClashWarning, NotFoundWarning, ServiceNameError, UsageWarning, log, warn
from .settings import settings

#: The longest service name, in characters.
MAX_NAME_LENGTH = 64

_MAGIC = b"PGNET1"
_MAX_PACKET = 4096
_CHANGE_LOG_LENGTH = 10000

#: A change seen on the network: ``kind`` is ``"found"`` or ``"lost"``.
Change = namedtuple("Change", "kind name address")

#: A service on the network, as ``discover_all`` and ``pgnet list`` show it.
Service = namedtuple("Service", "name address machine instance")


def check_name(name):
    """Raise ``ServiceNameError`` unless ``name`` can be advertised.

    Example:

        check_name("Ada's pong")   # fine
        check_name("")             # ServiceNameError
    """
    if not isinstance(name, str):
        raise ServiceNameError(
            "A service name must be text, like 'pong', not %s."
            % type(name).__name__
        )
    if not name.strip():
        raise ServiceNameError(
            "A service name cannot be empty. Choose a name that says what "
            "your program is, like 'pong' or 'robot'."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceNameError(
            "The service name %r... is %d characters long; the limit is %d. "
            "Choose a shorter name." % (name[:20], len(name), MAX_NAME_LENGTH)
        )
    if any(ord(char) < 32 for char in name):
        raise ServiceNameError(
            "The service name %r contains a control character (such as a "
            "newline or tab). Use letters, digits, spaces and punctuation." % name
        )
    if addresses.is_address(name):
        raise ServiceNameError(
            "%r looks like an address, not a name. Names are words such as "
            "'pong'; addresses look like '192.168.1.5:5000'." % name
        )


class _Remote:
    """What this program knows of one program advertising one name."""

    __slots__ = ("port", "host", "since", "machine", "sources", "ttl")

    def __init__(self, port, host, since, machine, ttl):
        self.port, self.host, self.since = port, host, since
        self.machine, self.ttl = machine, ttl
        self.sources = {}  # source ip -> when an advert last came from it

    def address(self):
        if self.host:
            return "%s:%d" % (self.host, self.port)
        # Prefer an address other computers could use too; among those, the
        # first heard, so that a service heard on two networks does not flip
        # between them (each flip would be a lost + found event).
        ip = next(
            (s for s in self.sources if not s.startswith("127.")),
            next(iter(self.sources)),
        )
        return "%s:%d" % (ip, self.port)


class Beacon:
    """One program's discovery peer: a UDP socket and a background thread.

    There is one per program (see ``beacon``); you do not normally make
    one yourself.
    """

    def __init__(self, port=None):
        self.port = port or settings.discovery_port
        self.instance = uuid.uuid4().hex[:16]
        self.machine = socket.gethostname()
        self.started = time.monotonic()
        self.local = {}  # name -> (port, host or None, since)
        self.remote = {}  # name -> {instance: _Remote}
        self._addresses = {}  # name -> its address now, kept by _note_change
        self.changes = deque(maxlen=_CHANGE_LOG_LENGTH)
        self.record_changes = False
        self.bad_packets = 0
        self._warned = set()
        self._lock = threading.Condition()
        self._sending = threading.RLock()  # keeps a bye after any advert built before it
        self._stopping = threading.Event()
        self._socket = self._open_socket()
        self._relay, self._relay_socket = _open_relay_socket()
        self._thread = threading.Thread(
            target=self._run, name="pgnet-discovery", daemon=True
        )
        self._thread.start()
        self.send_query(None)

    # -- the socket ---------------------------------------------------------

    def _open_socket(self):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        share_port(sock)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        try:
            sock.bind(("", self.port))
            self.listening = True
        except OSError as error:
            # Still useful: we can send adverts and queries, just not hear.
            self.listening = False
            warn(DiscoveryWarning,
                "pgnet cannot open the discovery port %d (%s), so this program "
                "cannot find others by name (they can still find it). Another "
                "program may be using the port: run 'pgnet doctor' to check.",
                self.port, error.strerror or error,
            )
        sock.settimeout(0.1)
        return sock

    def _send(self, packet):
        data = _MAGIC + wire.encode(packet)
        for target in addresses.broadcast_addresses():
            try:
                self._socket.sendto(data, (target, self.port))
            except OSError as error:
                log.debug("discovery: cannot send to %s: %s", target, error)
        self._send_to_relay(data)

    def _send_to_relay(self, data):
        if self._relay is not None:
            try:
                self._relay_socket.sendto(data, self._relay)
            except OSError as error:
                log.debug("discovery: cannot reach the relay %s: %s", self._relay, error)

    def _advert(self, name):
        port, host, since = self.local[name]
        return {
            "t": "advert", "n": name, "p": port, "h": host, "s": since,
            "i": self.instance, "m": self.machine, "ttl": settings.advert_ttl_s,
        }

    def send_query(self, name):
        self._send({"t": "query", "n": name, "i": self.instance})

    def send_adverts(self, names=None):
        with self._sending:
            with self._lock:
                # A name another program advertised first is theirs: keep quiet
                # until it goes, so that a program that starts now, and takes
                # the first answer it hears, finds the same one as everyone else.
                packets = [
                    self._advert(n) for n in (names or list(self.local))
                    if n in self.local and self._winner(n) in (None, self.instance)
                ]
            for packet in packets:
                self._send(packet)

    # -- the background thread ---------------------------------------------

    def _run(self):
        next_advert = time.monotonic() + settings.advert_interval_s
        sockets = [s for s in (self._socket if self.listening else None, self._relay_socket) if s]
        while not self._stopping.is_set():
            if sockets:
                ready, _, _ = select.select(sockets, [], [], 0.1)
                for sock in ready:
                    self._receive(sock)
            else:
                self._stopping.wait(0.1)
            now = time.monotonic()
            if now >= next_advert:
                next_advert = now + settings.advert_interval_s
                self.send_adverts()
                # The relay forgets programs it has not heard from lately.
                self._send_to_relay(_MAGIC + wire.encode({"t": "hello", "i": self.instance}))
            self._expire(now)

    def _receive(self, sock):
        try:
            data, (source, _) = sock.recvfrom(_MAX_PACKET)
        except (socket.timeout, BlockingIOError):
            return
        except OSError as error:
            log.debug("discovery: receive failed: %s", error)
            self._stopping.wait(0.1)
            return
        try:
            packet = _parse(data)
            if sock is self._relay_socket:
                # Relayed: it comes from the program the relay heard it from.
                source = packet["o"]
                addresses._check_ip(source, source)
            self._handle(packet, source)
        except (MessageError, KeyError, TypeError, ValueError) as error:
            self.bad_packets += 1
            log.debug("discovery: ignored a bad packet from %s: %s", source, error)

    def _handle(self, packet, source):
        kind = packet["t"]
        if kind == "query":
            name = packet["n"]
            with self._lock:
                wanted = [n for n in self.local if name is None or n == name]
            if wanted:
                self.send_adverts(wanted)
        elif kind == "advert":
            self._heard_advert(packet, source)
        elif kind == "bye":
            self._forget(packet["n"], packet["i"])

    def _heard_advert(self, packet, source):
        name, instance = packet["n"], packet["i"]
        with self._lock:
            before = self._address_of(name)
            known = self.remote.setdefault(name, {})
            remote = known.get(instance)
            if remote is None:
                remote = known[instance] = _Remote(
                    packet["p"], packet["h"], packet["s"], packet["m"], packet["ttl"]
                )
            elif (remote.port, remote.host) != (packet["p"], packet["h"]):
                # Advertised again somewhere else: the old address is stale.
                remote.port, remote.host = packet["p"], packet["h"]
                remote.since, remote.sources = packet["s"], {}
            remote.sources[source] = time.monotonic()
            self._note_change(name, before)
            self._lock.notify_all()
        if name in self.local and instance != self.instance:
            self._warn_duplicate(name, instance, remote)

    def _warn_duplicate(self, name, instance, other):
        if (name, instance) in self._warned:
            return
        self._warned.add((name, instance))
        with self._lock:
            winner = self._winner(name)
        warn(NameClashWarning,
            "Two programs are advertising the name %r: this one and one on %s "
            "at %s. Others will find %s. Give one of them a different name.",
            name, other.machine, other.address(),
            "this one" if winner == self.instance else "the other one",
        )

    def _forget(self, name, instance):
        with self._lock:
            before = self._address_of(name)
            known = self.remote.get(name, {})
            if known.pop(instance, None) is not None:
                if not known:
                    del self.remote[name]
                self._note_change(name, before)
                self._lock.notify_all()

    def _expire(self, now):
        with self._lock:
            for name in list(self.remote):
                before = self._address_of(name)
                known = self.remote[name]
                for instance in list(known):
                    remote = known[instance]
                    for source, seen in list(remote.sources.items()):
                        if now - seen > remote.ttl:
                            del remote.sources[source]
                    if not remote.sources:
                        del known[instance]
                if not known:
                    del self.remote[name]
                self._note_change(name, before)

    # -- the table (callers hold self._lock) -------------------------------

    def _winner(self, name):
        """The instance that owns a name: the first to advertise it, so all
        programs agree even when two advertise the same name."""
        known = self.remote.get(name)
        if not known:
            return None
        return min(known, key=lambda i: (known[i].since, i))

    def _address_of(self, name):
        winner = self._winner(name)
        return self.remote[name][winner].address() if winner else None

    def _note_change(self, name, before):
        after = self._address_of(name)
        if after is None:
            self._addresses.pop(name, None)
        else:
            self._addresses[name] = after
        if after != before and self.record_changes:
            if before is not None:
                self.changes.append(Change("lost", name, before))
            if after is not None:
                self.changes.append(Change("found", name, after))

    # -- what the public functions use -----------------------------------

    def advertise(self, name, port, host):
        with self._lock:
            self.local[name] = (port, host, time.time())
        self.send_adverts([name])

    def unadvertise(self, name):
        with self._sending:
            with self._lock:
                if self.local.pop(name, None) is None:
                    return False
            self._send({"t": "bye", "n": name, "i": self.instance})
        return True

    def lookup(self, name):
        # Every change to the table goes through _note_change, which keeps
        # this dict: a send to a name looks it up each time, so it must be quick.
        return self._addresses.get(name)

    def wait_for(self, name, wait_for_s):
        """The address of ``name``, waiting up to ``wait_for_s`` seconds."""
        deadline = time.monotonic() + wait_for_s
        next_query = 0.0
        with self._lock:
            # Look and wait under one lock, so an answer arriving between
            # the two cannot be missed.
            while True:
                address = self._address_of(name)
                now = time.monotonic()
                if address or now >= deadline:
                    return address
                if now >= next_query:
                    self.send_query(name)
                    next_query = now + settings.advert_interval_s
                # Short slices keep Ctrl-C prompt on every platform.
                self._lock.wait(min(0.1, deadline - now, next_query - now))

    def services(self):
        with self._lock:
            return [
                Service(name, self.remote[name][winner].address(),
                        self.remote[name][winner].machine, winner)
                for name, winner in ((n, self._winner(n)) for n in sorted(self.remote))
            ]

    def settle(self):
        """Give the answers to our start-up query time to arrive."""
        remaining = self.started + 0.2 - time.monotonic()
        if remaining > 0:
            self._stopping.wait(remaining)

    def close(self):
        """Say bye for every advertised name, then stop."""
        if self._stopping.is_set():
            return
        for name in list(self.local):
            self.unadvertise(name)
        self._stopping.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(1.0)
        self._socket.close()
        if self._relay_socket is not None:
            self._relay_socket.close()


def relay_address():
    """``(ip, port)`` of the relay in ``settings.relay``, or None.

    The relay listens on the port after the discovery port unless the
    setting gives one (``"10.0.0.5:46375"``)."""
    if not settings.relay:
        return None
    host, _, port = settings.relay.rpartition(":")
    if not host or not port.isdigit():
        host, port = settings.relay, settings.discovery_port + 1
    try:
        return socket.gethostbyname(host), int(port)
    except OSError:
        warn(DiscoveryWarning,
            "Cannot find the relay computer %r (PGNET_RELAY). Check its name "
            "or use its IP address; until then only broadcasts are used.", host
        )
        return None


def _open_relay_socket():
    """A socket of this program's own (not the shared discovery port, where
    a reply would reach only one of this computer's programs) for talking
    to the relay, or (None, None) without one."""
    relay = relay_address()
    if relay is None:
        return None, None
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("", 0))
    return relay, sock


def share_port(sock):
    """Let ``sock`` share its UDP port with the other pgnet programs on this
    computer, so that every one of them hears each broadcast."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if hasattr(socket, "SO_REUSEPORT"):
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        except OSError:
            pass


def _parse(data):
    """A discovery packet as a dict, or an exception if it is not one."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a pgnet packet")
    packet = wire.decode(data[len(_MAGIC):])
    if not isinstance(packet, dict) or not isinstance(packet.get("i"), str):
        raise ValueError("not a discovery packet")
    kind = packet.get("t")
    name = packet.get("n")
    if kind == "query":
        if name is not None and not isinstance(name, str):
            raise ValueError("bad query")
    elif kind in ("advert", "bye"):
        check_name(name)
        if kind == "advert":
            if type(packet.get("p")) is not int or not 0 < packet["p"] < 65536:
                raise ValueError("bad port")
            if packet.get("h") is not None:
                if type(packet["h"]) is not str:
                    raise ValueError("bad host")
                addresses._check_ip(packet["h"], packet["h"])
            for field, kinds in (("s", (int, float)), ("ttl", (int, float)), ("m", (str,))):
                # (x != x only for NaN, which would never expire or compare)
                if type(packet.get(field)) not in kinds or packet[field] != packet[field]:
                    raise ValueError("bad field %s" % field)
            packet["ttl"] = min(max(packet["ttl"], 0.5), 60.0)
    else:
        raise ValueError("unknown packet type")
    return packet


# -- one beacon per program --------------------------------------------------

_beacon = None
_beacon_lock = threading.Lock()


def beacon():
    """This program's ``Beacon``, started on first use."""
    global _beacon
    with _beacon_lock:
        if _beacon is None or _beacon._stopping.is_set():
            _beacon = Beacon()
            atexit.register(_beacon.close)
            _install_sigterm_handler()
        return _beacon


def _install_sigterm_handler():
    """Say bye when killed politely (SIGTERM), as well as at a normal exit."""
    if threading.current_thread() is not threading.main_thread():
        return
    if not hasattr(signal, "SIGTERM") or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return

    def on_sigterm(signum, frame):
        if _beacon is not None:
            _beacon.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, on_sigterm)


def advertise(name, address=None):
    """Tell the network that this program is ``name``; return its address.

    ``address`` is where to listen (see ``pgnet.addresses``): leave it out
    and pgnet picks this computer's address and a free port. Returns at once,
    with the address as text. Advertising a name you already advertise,
    without giving a new address, returns the same address.

    Example:

        address = pgnet.advertise("pong")
        print("Listening at", address)
    """
    check_name(name)
    peer = beacon()
    with peer._lock:
        mine = peer.local.get(name)
    if mine and address is None:
        port, host, _ = mine
        return "%s:%d" % (host or addresses.best_ip(), port)
    where = addresses.for_listening(address)
    host = None if where.host == "*" else where.host
    peer.advertise(name, where.port, host)
    return where.shown


def listen_address(name):
    """Where this program listens for ``name`` (advertising it if needed),
    as a ``pgnet.addresses.ListenAddress``."""
    address = advertise(name)
    with beacon()._lock:
        port, host, _ = beacon().local[name]
    return addresses.ListenAddress(host or "*", port, address)


def advertised_at(address):
    """The name this program advertises at ``address`` (text as
    ``advertise`` returned it), or None."""
    if _beacon is None or not isinstance(address, str):
        return None
    host, _, port = address.strip().rpartition(":")
    with _beacon._lock:
        for name, (local_port, local_host, _) in _beacon.local.items():
            if port == str(local_port) and local_host in (None, host):
                return name
    return None


def unadvertise(name):
    """Stop advertising ``name``; the others forget it within milliseconds.

    Example:

        pgnet.unadvertise("pong")
    """
    check_name(name)
    if _beacon is None or not _beacon.unadvertise(name):
        warn(UsageWarning, "unadvertise(%r): this program was not advertising that name.", name)


def discover(name, wait_for_s=5.0):
    """The address of the program advertising ``name``, or ``None``.

    Waits up to ``wait_for_s`` seconds for it to appear (0 only looks at
    what is already known). A program already running is found in a few
    milliseconds. If nothing answers in time, pgnet warns and returns None.

    Example:

        robot = pgnet.discover("robot")
        if robot:
            pgnet.send_command(robot, "FORWARD", 0.5)
    """
    address = known_address(name)
    if address is not None:
        return address
    check_name(name)
    peer = beacon()
    address = peer.wait_for(name, wait_for_s)
    if address is None and wait_for_s > 0:
        others = [s.name for s in peer.services()]
        warn(NotFoundWarning,
            "No program called %r found on the network after %g s. Is it "
            "running, with the name spelt the same?%s",
            name, wait_for_s,
            " Services seen: %s." % ", ".join(map(repr, others)) if others else "",
        )
    return address


def local_names():
    """The names this program advertises, in the order first advertised
    (an empty list if none); never starts discovery.

    Example:

        pgnet.advertise("pong")
        local_names()       # ['pong']
    """
    peer = _beacon
    return list(peer.local) if peer else []


def known_address(name):
    """The address of ``name`` if this program already knows it, else None;
    at once, with no checks (only valid names are ever known)."""
    peer = _beacon
    if type(name) is not str or peer is None or peer._stopping.is_set():
        return None
    return peer._addresses.get(name)


def discover_all():
    """Every service on the network: a list of ``(name, address)`` pairs.

    Example:

        for name, address in pgnet.discover_all():
            print(name, "is at", address)
    """
    peer = beacon()
    peer.settle()
    return [(s.name, s.address) for s in peer.services()]
