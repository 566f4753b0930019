"""This program's discovery peer: the ``Beacon``, its sockets, a background
thread and the table of who is where.

Every pgnet program that uses discovery has one beacon (``pgnet.discovery``
starts it on first use). It advertises this program's names once a second,
answers queries (by unicast, to the asker alone, after a short random
delay so that answers never come in one burst), and keeps a table of the
names it hears (``table``), forgetting programs not heard from for their
time to live. Its thread sleeps until a packet comes or its next job is
due: an idle program with no names wakes for nothing. The packets are
``protocol``'s, the sockets ``sockets``'; what it sends goes through its
``outbox``.

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

from .. import auth
from ..errors import MessageError, log
from ..retry import Retry
from ..settings import settings
from . import protocol, sockets
from .alarms import Alarms
from .answers import ANSWER_EVERY_S, ANSWER_SPREAD_S, Answers, Rate
from .outbox import Outbox
from .table import ServiceTable

#: A program just started waits up to this long (from its first query) for
#: the answers before choosing among other computers' copies of a name: long
#: enough for theirs (spread over ``ANSWER_SPREAD_S``) and, above all, for a
#: copy on its own computer, which answers at once but may be slow to be
#: scheduled on a busy machine. In a classroom where everyone runs the same
#: game and robot, this is what makes a robot's very first message go to the
#: game beside it. A copy on its own computer is chosen after ``LOCAL_SETTLE_S``
#: (only the copy the others here use answers a query, at once).
#:
#: Example: a robot finds the game beside it in 10 ms, one on another computer after 0.15 s.
SETTLE_S = max(0.15, ANSWER_SPREAD_S + 0.03)
#: See ``SETTLE_S``: time for a second copy on this computer to answer too,
#: if two both think they are the one in use (they warn of it).
LOCAL_SETTLE_S = 0.01

_BATCH = 64  # packets read from a socket before looking at the jobs


class Beacon:
    """One program's discovery peer: two UDP sockets and a background thread.

    There is one per program (see ``pgnet.discovery.get_beacon``); you do not
    normally make one yourself. ``all_rooms`` (the teacher's ``pgnet list
    --all-rooms``) hears every room, checking no password. Other modules use
    its plain methods and attributes; everything starting with ``_`` is its
    own business.

    Example:

        peer = discovery.get_beacon()
        peer.lookup("pong")        # the address if known now, else None
        peer.instance_counts()     # {'pong': 2}: two programs use that name
    """

    def __init__(self, port=None, all_rooms=False):
        self.port = port or settings.discovery_port
        self.all_rooms = all_rooms
        self.instance = uuid.uuid4().hex[:16]
        self.machine = socket.gethostname()
        self.local = {}  # name -> (port, host or None, since)
        self.bad_packets = 0
        self.other_rooms = 0  # packets of other rooms, ignored
        auth.key_ready()  # (with a password: the room key, derived in the background)
        self._first_query = threading.Event()
        self._lock = threading.Condition()
        self._sending = threading.RLock()  # keeps a bye after any advert built before it
        self._stopping = threading.Event()
        self._abandoned = False
        self._shared, self.listening, multicast = sockets.open_shared_socket(self.port)
        self._private = sockets.open_private_socket()
        self._wake_out, self._wake_in = socket.socketpair()
        self._wake_in.setblocking(False)
        self._targets = sockets.Targets(self.port, multicast)
        self._targets.all()  # (reads this computer's networks and address)
        self._outbox = Outbox(self._shared, self._private, self._targets)
        self._table = ServiceTable(self._targets.shown_ip)
        self.changes = self._table.changes  # read by pgnet.watch(), oldest first
        self._answers = Answers()
        self._relayed_rounds = Rate(ANSWER_EVERY_S)  # name -> its extra adverts
        self._limit = sockets.SourceLimit()
        self._alarms = Alarms()
        self._next_round = time.monotonic() + settings.advert_interval_s
        #: When it sent its first query (``time.monotonic()``): what it waits
        #: from for the answers (see ``wait_for``, ``settle``).
        self.started = time.monotonic()
        self._thread = threading.Thread(
            target=self._run, name="pgnet-discovery", daemon=True
        )
        self._thread.start()

    @property
    def record_changes(self):
        """True to keep a ``Change`` in ``changes`` for each name found or
        lost (``pgnet.watch`` turns it on). Example: ``peer.record_changes = True``"""
        return self._table.record_changes

    @record_changes.setter
    def record_changes(self, on):
        self._table.record_changes = on

    # -- sending ------------------------------------------------------------------

    def _send(self, packet, sock=None):
        """Send ``packet`` (see ``Outbox.send``); one waiting for the room
        key is sent by the thread."""
        if not self._outbox.send(packet, sock):
            self._wake_out.send(b"!")

    def _advert(self, name):
        port, host, since = self.local[name]
        return protocol.advert(
            name, port, host, since, self.instance, self.machine, settings.advert_ttl_s,
            self._targets.own_ips() if auth.active() else None,
        )

    def send_query(self, name, every=False):
        """Ask the network who is ``name`` (None: who is there); the answers
        come back to this program alone, a few milliseconds later. With
        ``every``, every copy of a name answers, even those kept quiet
        (see ``protocol.query``).

        Example: ``peer.send_query("pong")``"""
        self._send(protocol.query(name, self.instance, every), self._private)

    def send_adverts(self, names=None):
        """Advertise ``names`` (all this program's names if None) now.

        Example: ``peer.send_adverts(["pong"])``"""
        with self._sending:
            with self._lock:
                self._table.set_local_ip(self._targets.shown_ip)  # (a network may have come or gone)
                packets = [self._advert(n) for n in (names or list(self.local)) if n in self.local]
                for packet in packets:  # our own, known at once, whatever the network does
                    self._table.heard_advert(dict(packet, ttl=packet["ttl"] + 1), None, local=True)
            for packet in packets:
                self._send(packet)

    # -- the background thread ----------------------------------------------------

    def _start_up(self):
        """The thread's first jobs, too slow for a game's frame: the room
        key (about 50 ms), the relays' addresses (a computer's name can take
        seconds to look up), then the first query."""
        if auth.active():
            auth.room_key()
        self._outbox.relays = sockets.relay_addresses()
        self.started = time.monotonic()
        self.send_query(None)
        self._first_query.set()

    def _run(self):
        try:
            self._start_up()
        except Exception as error:  # (the thread must go on to answer and listen)
            log.debug("discovery: %r", error)
            self._first_query.set()
        watched = [s for s in (self._shared if self.listening else None, self._private, self._wake_in) if s]
        while not self._stopping.is_set():
            try:
                ready, _, _ = select.select(watched, [], [], self._sleep_for(time.monotonic()))
                for sock in ready:
                    if sock is self._wake_in:
                        sock.recv(4096)
                    else:
                        self._receive_from(sock)
                self._do_jobs(time.monotonic())
            except Exception as error:  # the thread must outlive anything a packet does
                if self._stopping.is_set():
                    return
                log.debug("discovery: %r", error)
                self._stopping.wait(0.05)

    def _sleep_for(self, now):
        """Seconds until the next job (None: nothing to do but listen)."""
        if self._outbox.waiting:
            return 0.0
        due = min(
            self._next_round if (self.local or self._outbox.relays) else float("inf"),
            self._answers.next_due() or float("inf"),
            self._table.next_expiry,
        )
        return None if due == float("inf") else max(0.0, due - now)

    def _do_jobs(self, now):
        if self._outbox.waiting:
            self._outbox.send_waiting()
        if (self.local or self._outbox.relays) and now >= self._next_round:
            self._next_round = now + settings.advert_interval_s
            self.send_adverts()
            hello = self._outbox.encode(protocol.hello(self.instance))
            for relay in self._outbox.relays:  # relays forget programs that go quiet
                self._outbox.send_to(self._private, hello, relay)
            if self._outbox.relays:
                self._ask_overdue(now)
        for data, asker in self._answers.due(now):
            self._outbox.send_to(self._shared, data, asker)
        if now >= self._table.next_expiry:
            with self._lock:
                self._table.expire(now)

    def _ask_overdue(self, now):
        """Ask the programs heard through a relay whose adverts are late
        directly: if the relay stopped, they stay known while they answer."""
        with self._lock:
            overdue = [(r.name, r.probe) for r in
                       self._table.overdue_relayed(now, 1.5 * settings.advert_interval_s)]
        for name, probe in overdue:
            self._outbox.send_to(self._private, self._outbox.encode(protocol.query(name, self.instance)), probe)

    def _receive_from(self, sock):
        for _ in range(_BATCH):
            try:
                data, (ip, port) = sock.recvfrom(protocol.MAX_PACKET + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as error:
                log.debug("discovery: receive failed: %s", error)
                return
            if not self._limit.allows(ip, time.monotonic()):
                continue
            try:
                packet = protocol.parse_packet(data, verify=not self.all_rooms)
                self._handle(packet, ip, port)
            except protocol.Rejected as rejected:
                self._rejected(rejected.reason, ip)
            except (MessageError, ValueError):
                self.bad_packets += 1

    def _rejected(self, reason, ip):
        if reason == "other room":
            self.other_rooms += 1
            return
        if reason == "replayed":
            auth.counts.replayed += 1
            return
        auth.counts.no_key += 1
        self._alarms.wrong_password(ip, auth.active())

    def _handle(self, packet, ip, port, relayed=False):
        if packet["t"] == "relayed":
            if relayed or (ip, port) not in self._outbox.relays:
                raise ValueError("relayed, but not by a relay of ours")
            inner = protocol.parse_packet(packet["d"], verify=not self.all_rooms)
            self._handle(inner, protocol.relayed_origin(packet), packet.get("q"), relayed=True)
            return
        kind = packet["t"]
        local = not relayed and self._targets.is_local(ip)
        if kind == "advert":
            if not (local or protocol.from_its_sender(packet, ip)):
                auth.counts.replayed += 1  # a genuine advert, sent again from elsewhere
                return
            self._heard_advert(packet, ip, local, (ip, port) if relayed and port else None)
        elif kind == "bye":
            with self._lock:
                if self._table.forget(packet["n"], packet["i"], ip, local):
                    self._lock.notify_all()
        elif kind == "query" and packet["i"] != self.instance:
            self._answer(packet["n"], (ip, port), relayed, packet.get("e", False))

    def _answer(self, wanted, asker, relayed, every=False):
        base = wanted.rpartition("@")[0] if wanted else None
        with self._lock:
            # A copy on this computer that the others here do not use keeps
            # quiet, so that a newcomer taking the first answer finds theirs
            # (unless asked for every copy: pgnet list).
            names = [
                n for n in self.local
                if (wanted is None or n in (wanted, base)) and (every or self._is_used_copy(n))
            ]
        if not names:
            return
        now = time.monotonic()
        if relayed:  # the relay passes our adverts on to the asker, and to all its others
            names = [n for n in names if self._relayed_rounds.allows(n, now)]
            if names:
                self.send_adverts(names)
            return
        if not self._targets.reaches(asker[0]):
            return  # pinned to other networks (PGNET_NETWORK): not ours to answer
        # Another computer's answers are spread out so a room never answers
        # in a burst; this computer's own go at once, to be heard first.
        spread = not self._targets.is_local(asker[0])
        if not self._answers.may_answer(asker, now, local=not spread):
            return
        with self._lock:
            packets = [self._advert(n) for n in names if n in self.local]
        for packet in packets:
            self._answers.add(self._outbox.encode(packet), asker, now, spread)

    def _is_used_copy(self, name):
        chosen = self._table.resolve(name)
        return chosen is None or chosen.instance == self.instance or not chosen.local

    def _heard_advert(self, packet, ip, local, probe=None):
        name, instance = packet["n"], packet["i"]
        with self._lock:
            new = self._table.lookup_record(name, instance, ip, local) is None
            record = self._table.heard_advert(packet, ip, local, probe=probe)
            self._lock.notify_all()
            if not new:
                return
            twin = self._table.twin(record)
            mine_used = name in self.local and self._table.owner(name) == self.instance
        self._alarms.new_record(record, twin, self.instance, name in self.local, mine_used)

    def _warn_if_ambiguous(self, name):
        if name in self._table.ambiguous and not self._alarms.given("ambiguous", name):
            with self._lock:
                records = self._table.records_of(name)
            if len(records) > 1:
                self._alarms.ambiguous(name, records)

    # -- what other modules use ---------------------------------------------------

    def advertise(self, name, port, host):
        """Advertise ``name`` at ``port`` on ``host`` (None: every address),
        now and then once a second; the name is in ``services()`` at once.

        Example: ``peer.advertise("pong", 40123, None)``"""
        with self._lock:
            self.local[name] = (port, host, time.time())
        self.send_adverts([name])
        self._wake_out.send(b"!")  # the thread may be asleep with nothing to do
        # Another program here may have been heard before this one took the
        # name (its answer to our start-up query comes at once): warn now.
        with self._lock:
            others = [r for r in self._table.records_of(name)
                      if r.local and r.instance != self.instance]
            mine_used = self._table.owner(name) == self.instance
        for other in others:
            self._alarms.new_record(other, None, self.instance, True, mine_used)

    def unadvertise(self, name):
        """Stop advertising ``name`` and say bye; False if it was not
        advertised.

        Example: ``peer.unadvertise("pong")   # True``"""
        with self._sending:
            with self._lock:
                if self.local.pop(name, None) is None:
                    return False
                self._table.forget(name, self.instance, None, local=True)
                self._lock.notify_all()
            self._send(protocol.bye(name, self.instance))
        return True

    def local_names(self):
        """The names this program advertises, as a list.

        Example: ``peer.local_names()   # ['pong']``"""
        with self._lock:
            return list(self.local)

    def local_address(self, name):
        """``(port, host)`` where this program advertises ``name`` (host None:
        every address), or None if it does not advertise it.

        Example: ``peer.local_address("pong")   # (40123, None)``"""
        with self._lock:
            mine = self.local.get(name)
        return None if mine is None else mine[:2]

    def name_at(self, host, port):
        """The name this program advertises at ``host`` and ``port`` (the
        port as text, as in an address), or None.

        Example: ``peer.name_at("192.168.1.23", "40123")   # 'pong'``"""
        with self._lock:
            for name, (local_port, local_host, _) in self.local.items():
                if port == str(local_port) and local_host in (None, host):
                    return name
        return None

    def lookup(self, name):
        """The address of ``name`` (or ``"name@machine"``) if known now,
        else None; never waits.

        Example: ``peer.lookup("pong")   # '192.168.1.40:53121'``"""
        # A send to a name looks it up each time, so it must be quick: the
        # table keeps the answer ready, and reading it needs no lock.
        if "@" in name:  # ("name@machine" is not kept ready: see ServiceTable.resolve)
            with self._lock:
                if (self._table.only_named_so(name)
                        and time.monotonic() < self.started + self._settle_time(name)):
                    return None  # (the name on that machine may still answer: see wait_for)
                return self._table.address_of(name)
        address = self._table.lookup(name)
        if address is None:
            return None
        if name in self._table.ambiguous:
            self._warn_if_ambiguous(name)
        return address

    def wait_for(self, name, wait_for_s):
        """The address of ``name`` (or ``"name@machine"``), waiting up to
        ``wait_for_s`` seconds (asking the network again every
        ``settings.advert_interval_s``), or None.

        Example: ``peer.wait_for("pong", 5)   # '192.168.1.40:53121'``"""
        retry = Retry(settings.advert_interval_s, wait_for_s)
        # The first query ("who is there?") is answered within SETTLE_S:
        # ask for the name itself only if those answers do not bring it.
        # (Another computer answers one computer only so often, and a
        # classroom's programs restart often.)
        retry.next_try = max(retry.next_try, self.started + SETTLE_S)
        with self._lock:
            # Look and wait under one lock, so an answer arriving between
            # the two cannot be missed.
            while True:
                address = self._table.address_of(name)
                now = time.monotonic()
                settled_at = self.started + self._settle_time(name)
                if (address and now >= settled_at) or retry.expired(now):
                    break
                if address:  # the other answers to our first query are on their way
                    until = settled_at if retry.deadline is None else min(settled_at, retry.deadline)
                    self._lock.wait(until - now)
                    continue
                if retry.due(now):
                    self.send_query(name)
                # Short slices keep Ctrl-C prompt on every platform.
                self._lock.wait(retry.pause(now, 0.1))
        if address:
            self._warn_if_ambiguous(name)
        return address

    def _settle_time(self, name):
        # How long after the first query the answers for name are all in.
        if self._table.chosen_is_local(name):
            return LOCAL_SETTLE_S
        if self._table.only_named_so(name):
            # "robot@pc-7" found only as a program's whole name: the robot
            # on pc-7 comes first, if its next advert says it is there.
            return settings.advert_interval_s + SETTLE_S
        return SETTLE_S

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
        ``pgnet.discovery.Service``: for each name, the program this one uses.

        Example: ``[s.name for s in peer.services()]   # ['pong', 'robot']``"""
        with self._lock:
            return self._table.services()

    def service(self, name):
        """The ``Service`` this program uses for ``name`` (or
        ``"name@machine"``), or None.

        Example: ``peer.service("robot").machine   # 'raspberrypi'``"""
        with self._lock:
            record = self._table.resolve(name)
            return record.service() if record else None

    def all_services(self):
        """Every program advertising every name (several may share one), as
        a list of ``Service``, sorted by name, the one used first.

        Example: ``[(s.name, s.machine) for s in peer.all_services()]``"""
        with self._lock:
            return self._table.all_services()

    def instance_counts(self):
        """``{name: how many programs advertise it}``, for the names that
        more than one program advertises.

        Example: ``peer.instance_counts()   # {'pong': 2}, or {} when every name is unique``"""
        with self._lock:
            return self._table.instance_counts()

    def refused(self):
        """How many packets were dropped for numbers: programs forgotten to
        make room for new ones when the table (or one name's or one
        computer's share of it) was full, and packets beyond
        ``sockets.MAX_PER_SOURCE_PER_S`` from one computer.

        Example: ``peer.refused()``   # 0"""
        return self._table.refused + self._limit.dropped

    def settle(self):
        """Give the answers to our start-up query time to arrive (up to
        ``SETTLE_S`` after it, the same wait as a first look-up's).

        Example:

            peer.settle()
            peer.services()   # now includes everyone already running
        """
        self._first_query.wait(SETTLE_S + 5.0)  # (the thread sends it as it starts)
        remaining = self.started + SETTLE_S - time.monotonic()
        if remaining > 0:
            self._stopping.wait(remaining)

    @property
    def thread_id(self):
        """The operating system's id of the beacon's thread (for tools that
        look at what it does, such as its wakeups in /proc).

        Example: ``peer.thread_id``   # 48211"""
        return self._thread.native_id

    def is_closed(self):
        """True once ``close`` has been called.

        Example: ``peer.is_closed()   # False while the program uses discovery``"""
        return self._stopping.is_set()

    def abandon(self):
        """Forget this beacon without a bye: for a child process just made
        by ``os.fork()``, where the beacon (and its names) are the parent's.

        Example: ``peer.abandon()``"""
        self._abandoned = True
        self._stopping.set()

    def close(self):
        """Say bye for every advertised name, then stop.

        Example: ``peer.close()``"""
        if self._abandoned or self._stopping.is_set():
            return
        for name in list(self.local):
            self.unadvertise(name)
        if self._outbox.waiting:  # (the byes of a program that stops as it starts)
            self._outbox.send_waiting()
        self._stopping.set()
        try:
            self._wake_out.send(b"!")
        except OSError:
            pass
        if threading.current_thread() is not self._thread:
            self._thread.join(1.0)
        for sock in (self._shared, self._private, self._wake_out, self._wake_in):
            sock.close()
