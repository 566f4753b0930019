"""This program's discovery peer: the ``Beacon``, a UDP socket, a background
thread and the table of who is where.

Every pgnet program that uses discovery has one beacon (``pgnet.discovery``
starts it on first use). It shares the discovery port with the other pgnet
programs on this computer, broadcasts adverts for the names this program
advertises, answers queries, and keeps a table of the names it hears,
forgetting those not heard from for their time to live. The packets
themselves are ``pgnet.discovery.protocol``'s.

Example:

    from pgnet import discovery
    peer = discovery.get_beacon()
    peer.wait_for("pong", 5)   # '192.168.1.40:53121', or None
    peer.services()            # [Service(name='pong', address=..., ...)]
"""

import select
import socket
import threading
import time
import uuid

from .. import netif
from ..retry import Retry
from ..errors import DiscoveryWarning, MessageError, NameClashWarning, log, warn
from ..settings import settings
from . import protocol
from .table import ServiceTable


class Beacon:
    """One program's discovery peer: a UDP socket and a background thread.

    There is one per program (see ``pgnet.discovery.get_beacon``); you do not
    normally make one yourself. Other modules use its plain methods and
    attributes; everything starting with ``_`` is its own business.

    Example:

        peer = discovery.get_beacon()
        peer.lookup("pong")        # the address if known now, else None
        peer.instance_counts()     # {'pong': 2}: two programs use that name
    """

    def __init__(self, port=None):
        self.port = port or settings.discovery_port
        self.instance = uuid.uuid4().hex[:16]
        self.machine = socket.gethostname()
        self.started = time.monotonic()
        self.local = {}  # name -> (port, host or None, since)
        self._table = ServiceTable()  # the others' names
        self.changes = self._table.changes  # read by pgnet.watch(), oldest first
        self.bad_packets = 0
        self._warned = set()
        self._lock = threading.Condition()
        self._sending = threading.RLock()  # keeps a bye after any advert built before it
        self._stopping = threading.Event()
        self._abandoned = False
        self._socket = self._open_socket()
        self._relay, self._relay_socket = _open_relay_socket()
        self._thread = threading.Thread(
            target=self._run, name="pgnet-discovery", daemon=True
        )
        self._thread.start()
        self.send_query(None)

    @property
    def record_changes(self):
        """True to keep a ``Change`` in ``changes`` for each name found or
        lost (``pgnet.watch`` turns it on).

        Example:

            peer.record_changes = True
        """
        return self._table.record_changes

    @record_changes.setter
    def record_changes(self, on):
        self._table.record_changes = on

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
        data = protocol.encode_packet(packet)
        for target in netif.broadcast_addresses():
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
        return protocol.advert(
            name, port, host, since, self.instance, self.machine, settings.advert_ttl_s
        )

    def send_query(self, name):
        """Ask the network who is ``name`` (None: who is there); the answers
        arrive in the table a few milliseconds later.

        Example:

            peer.send_query("pong")
        """
        self._send(protocol.query(name, self.instance))

    def send_adverts(self, names=None):
        """Advertise ``names`` (all this program's names if None) now, each
        one only if no other program advertised it first.

        Example:

            peer.send_adverts(["pong"])
        """
        with self._sending:
            with self._lock:
                # A name another program advertised first is theirs: keep quiet
                # until it goes, so that a program that starts now, and takes
                # the first answer it hears, finds the same one as everyone else.
                packets = [
                    self._advert(n) for n in (names or list(self.local))
                    if n in self.local and self._table.owner(n) in (None, self.instance)
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
                self._send_to_relay(protocol.encode_packet(protocol.hello(self.instance)))
            self._expire(now)

    def _receive(self, sock):
        try:
            got = protocol.receive(sock)  # (None on Windows' WSAECONNRESET too)
        except OSError as error:
            log.debug("discovery: receive failed: %s", error)
            self._stopping.wait(0.1)
            return
        if got is None:
            return
        data, (source, _) = got
        try:
            packet = protocol.parse_packet(data)
            if sock is self._relay_socket:
                # Relayed: it comes from the program the relay heard it from.
                source = protocol.relayed_origin(packet)
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
            advertiser = self._table.heard_advert(packet, source)
            self._lock.notify_all()
        if name in self.local and instance != self.instance:
            self._warn_duplicate(name, instance, advertiser)

    def _warn_duplicate(self, name, instance, other):
        if (name, instance) in self._warned:
            return
        self._warned.add((name, instance))
        with self._lock:
            winner = self._table.owner(name)
        warn(NameClashWarning,
            "Two programs are advertising the name %r: this one and one on %s "
            "at %s. Others will find %s. Give one of them a different name.",
            name, other.machine, other.address(),
            "this one" if winner == self.instance else "the other one",
        )

    def _forget(self, name, instance):
        with self._lock:
            if self._table.forget(name, instance):
                self._lock.notify_all()

    def _expire(self, now):
        with self._lock:
            self._table.expire(now)

    # -- what other modules use -------------------------------------------

    def advertise(self, name, port, host):
        """Advertise ``name`` at ``port`` on ``host`` (None: every address),
        now and then twice a second.

        Example:

            peer.advertise("pong", 40123, None)
        """
        with self._lock:
            self.local[name] = (port, host, time.time())
        self.send_adverts([name])

    def unadvertise(self, name):
        """Stop advertising ``name`` and say bye; False if it was not
        advertised.

        Example:

            peer.unadvertise("pong")   # True
        """
        with self._sending:
            with self._lock:
                if self.local.pop(name, None) is None:
                    return False
            self._send(protocol.bye(name, self.instance))
        return True

    def local_names(self):
        """The names this program advertises, as a list.

        Example:

            peer.local_names()   # ['pong']
        """
        with self._lock:
            return list(self.local)

    def local_address(self, name):
        """``(port, host)`` where this program advertises ``name`` (host None:
        every address), or None if it does not advertise it.

        Example:

            peer.local_address("pong")   # (40123, None)
        """
        with self._lock:
            mine = self.local.get(name)
        return None if mine is None else mine[:2]

    def name_at(self, host, port):
        """The name this program advertises at ``host`` and ``port`` (the
        port as text, as in an address), or None.

        Example:

            peer.name_at("192.168.1.23", "40123")   # 'pong'
        """
        with self._lock:
            for name, (local_port, local_host, _) in self.local.items():
                if port == str(local_port) and local_host in (None, host):
                    return name
        return None

    def lookup(self, name):
        """The address of ``name`` if known now, else None; never waits.

        Example:

            peer.lookup("pong")   # '192.168.1.40:53121'
        """
        # A send to a name looks it up each time, so it must be quick: the
        # table keeps the answer ready, and reading it needs no lock.
        return self._table.lookup(name)

    def wait_for(self, name, wait_for_s):
        """The address of ``name``, waiting up to ``wait_for_s`` seconds
        (asking the network again every ``settings.advert_interval_s``), or
        None.

        Example:

            peer.wait_for("pong", 5)   # '192.168.1.40:53121'
        """
        retry = Retry(settings.advert_interval_s, wait_for_s)
        with self._lock:
            # Look and wait under one lock, so an answer arriving between
            # the two cannot be missed.
            while True:
                address = self._table.address_of(name)
                now = time.monotonic()
                if address or retry.expired(now):
                    return address
                if retry.due(now):
                    self.send_query(name)
                # Short slices keep Ctrl-C prompt on every platform.
                self._lock.wait(retry.pause(now, 0.1))

    def wait_for_change(self, timeout_s):
        """Wait until an advert or a bye arrives, or ``timeout_s`` seconds
        pass (expiries do not wake it: the timeout catches those).

        Example:

            while True:
                print(peer.services())
                peer.wait_for_change(0.25)
        """
        with self._lock:
            self._lock.wait(timeout_s)

    def services(self):
        """Every name on the network, sorted, as a list of
        ``pgnet.discovery.Service``: the first program to advertise each name.

        Example:

            [s.name for s in peer.services()]   # ['pong', 'robot']
        """
        with self._lock:
            return self._table.services()

    def instance_counts(self):
        """``{name: how many programs advertise it}``, for the names that
        more than one program advertises.

        Example:

            peer.instance_counts()   # {'pong': 2}, or {} when every name is unique
        """
        with self._lock:
            return self._table.instance_counts()

    def settle(self):
        """Give the answers to our start-up query time to arrive.

        Example:

            peer.settle()
            peer.services()   # now includes everyone already running
        """
        remaining = self.started + 0.2 - time.monotonic()
        if remaining > 0:
            self._stopping.wait(remaining)

    def is_closed(self):
        """True once ``close`` has been called.

        Example:

            peer.is_closed()   # False while the program uses discovery
        """
        return self._stopping.is_set()

    def abandon(self):
        """Forget this beacon without a bye: for a child process just made
        by ``os.fork()``, where the beacon (and its names) are the parent's.

        Example: ``peer.abandon()``"""
        self._abandoned = True
        self._stopping.set()

    def close(self):
        """Say bye for every advertised name, then stop.

        Example:

            peer.close()
        """
        if self._abandoned or self._stopping.is_set():
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
    setting gives one (``"10.0.0.5:46375"``).

    Example:

        settings.relay = "10.0.0.5"
        relay_address()   # ('10.0.0.5', 46375)
    """
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
    computer, so that every one of them hears each broadcast. Call it
    before ``bind``.

    Each system says it differently: on Linux ``SO_REUSEADDR`` is enough;
    macOS (like the BSDs) needs ``SO_REUSEPORT`` too for two programs to
    bind the port; Windows has no ``SO_REUSEPORT``, and its
    ``SO_REUSEADDR`` does it all (pgnet never sets ``SO_EXCLUSIVEADDRUSE``,
    which would keep the others out). Where ``SO_REUSEPORT`` exists but is
    refused (some older kernels, WSL 1), ``SO_REUSEADDR`` alone still lets
    the programs share the port on Linux.

    Example:

        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        share_port(sock)
        sock.bind(("", settings.discovery_port))
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    reuse_port = getattr(socket, "SO_REUSEPORT", None)
    if reuse_port is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, reuse_port, 1)
        except OSError as error:
            log.debug("discovery: SO_REUSEPORT refused (%s); sharing with SO_REUSEADDR only", error)
