"""The table of services: which program advertises which name, and where.

The beacon fills it from the adverts and byes it hears, and empties it of
programs not heard from for their time to live. Many programs may advertise
one name (a class of 30 all running the same example): each is a *record*,
and the table says which one this program uses for the name:

1. one on this computer, if there is one;
2. else the one this program has known longest (all those it heard in its
   first moments count as equally old), then the smallest IP address.

Nothing a packet claims decides it: only where and when this program heard
it. A record is bound to where it was first heard from: an advert or a bye
for it from anywhere else makes a record of its own, or nothing.

Sizes are bounded whatever arrives: ``MAX_PER_SOURCE`` records from one
computer, ``MAX_PER_NAME`` of one name from other computers, ``MAX_RECORDS``
from other computers in all (this computer's own are counted apart). A new
record never waits for room, so a flood cannot lock newcomers out: a
computer at its share gives up its own least recently heard record; else
the computer with the most records (of that name, or in all) gives up its
least recently heard one (for a name, never the one used). This computer's
programs never make way for another computer's.

``"name@machine"`` picks among the records of ``name`` the one(s) on
``machine`` (its name as pgnet shows it, or its IP address).

The table has no lock of its own: the beacon holds its lock around every
call (``lookup`` excepted, which only reads one dict).

Example:

    table = ServiceTable()
    table.heard_advert(packet, "192.168.1.40", local=False)
    table.lookup("pong")   # '192.168.1.40:53121'
"""

import heapq
import ipaddress
import itertools
import time
from collections import OrderedDict, deque, namedtuple
from operator import attrgetter

#: How many changes ``ServiceTable.changes`` keeps before dropping the oldest.
CHANGE_LOG_LENGTH = 10000

#: The most records of other computers' programs the table holds (this
#: computer's own are counted apart, so they always find a place).
#:
#: Example: ``len(table) <= MAX_RECORDS + MAX_PER_SOURCE``.
MAX_RECORDS = 4096

#: The most records one computer (one IP address) may have in the table; a
#: new one beyond it takes the place of that computer's least recently heard.
#:
#: Example: 50,000 fake programs from one computer make 256 records.
MAX_PER_SOURCE = 256

#: The most records of one name from other computers. A classroom of 30
#: computers each running three copies of one example makes 90.
#:
#: Example: 50,000 fake "robot"s make 128 records of "robot".
MAX_PER_NAME = 128

#: Records first heard this soon after the table was made count as equally
#: old: they are what was already there when this program started.
#:
#: Example: two copies of "robot" answering the start-up query.
START_WINDOW_S = 0.5

#: A change seen on the network: ``kind`` is ``"found"`` or ``"lost"``.
#:
#: Example: ``Change("found", "pong", "192.168.1.40:53121")``.
Change = namedtuple("Change", "kind name address")

#: A service on the network, as ``discover_all`` and ``pgnet list`` show it:
#: its name, address, computer's name, the advertising program's instance
#: id, and its room.
#:
#: Example: ``Service("pong", "192.168.1.40:53121", "pc-7", "928b0e4e1d82428a", "5B")``.
Service = namedtuple("Service", "name address machine instance room", defaults=("",))

#: Where this computer's own programs' records come from, whatever the
#: address their packets came from (127.0.0.1 or one of its own).
LOCAL = "this computer"


class Record:
    """One program advertising one name, as heard from one place.

    ``source`` is the IP address it was first heard from (``LOCAL`` for
    this computer's programs), ``local_ip`` the address this computer shows
    for its own programs.

    Example:

        record.address()   # '192.168.1.40:53121'
    """

    __slots__ = ("name", "instance", "source", "port", "host", "machine", "ttl",
                 "since", "room", "first_heard", "deadline", "local_ip", "probe",
                 "ip_key", "rank")

    def __init__(self, packet, source, local_ip, now):
        self.name, self.instance, self.source = packet["n"], packet["i"], source
        self.first_heard = now
        #: The source as a number, to rank by (0 for this computer).
        self.ip_key = _ip_key(source)
        #: How the table ranks it among the records of its name (smallest first).
        self.rank = None
        self.local_ip = local_ip
        #: ``(ip, port)`` to ask it directly, for a program heard through a
        #: relay (so it stays known if the relay stops), else None.
        self.probe = None
        self.refresh(packet, now)

    def refresh(self, packet, now):
        """Take in a new advert (same program, same place) heard at ``now``.

        Example: ``record.refresh(packet, time.monotonic())``"""
        self.port, self.host, self.machine = packet["p"], packet["h"], packet["m"]
        self.since, self.ttl, self.room = packet.get("s", 0), packet["ttl"], packet["r"]
        self.deadline = now + self.ttl

    @property
    def local(self):
        """True for a program on this computer.

        Example: ``record.local``   # True"""
        return self.source == LOCAL

    def address(self):
        """Where to reach it, as ``"ip:port"``.

        Example: ``record.address()``   # '192.168.1.40:53121'"""
        return "%s:%d" % (self.host or (self.local_ip if self.local else self.source), self.port)

    def service(self):
        """This record as a ``Service``.

        Example: ``record.service().machine``   # 'pc-7'"""
        return Service(self.name, self.address(), self.machine, self.instance, self.room)

    def on(self, machine):
        """True if this record is on ``machine`` (a computer's name, any
        case, or its IP address).

        Example: ``record.on("pc-7")``"""
        machine = machine.lower()
        return self.machine.lower() == machine or self.address().rpartition(":")[0] == machine


def _ip_key(source):
    try:
        return int(ipaddress.IPv4Address(source))
    except ValueError:
        return 0


def _count(counts, key, step):
    """Add ``step`` to ``counts[key]``, dropping it at 0."""
    left = counts.get(key, 0) + step
    if left:
        counts[key] = left
    else:
        del counts[key]


_rank = attrgetter("rank")


class ServiceTable:
    """Every name heard on the network, with the programs advertising it.

    ``changes`` lists the ``Change``s, oldest first, while
    ``record_changes`` is True (``pgnet.watch`` turns it on); ``refused``
    counts records forgotten to make room for new ones (the table, a name
    or a computer's share was full).

    Example:

        table = ServiceTable()
        table.record_changes = True
        table.heard_advert(packet, "192.168.1.40", local=False)
        table.changes.popleft()   # Change('found', 'pong', '192.168.1.40:53121')
    """

    def __init__(self, local_ip="127.0.0.1"):
        self.changes = deque(maxlen=CHANGE_LOG_LENGTH)
        self.record_changes = False
        self.refused = 0
        #: The address shown for this computer's programs (the beacon keeps it current).
        self.local_ip = local_ip
        self.settled_at = time.monotonic() + START_WINDOW_S
        self._records = {}  # (name, instance, source) -> Record
        # Least recently heard first, for making room:
        self._names = {}  # name -> OrderedDict {key: Record}
        self._by_source = {}  # source -> OrderedDict {key: Record}
        self._name_sources = {}  # name -> {source: how many records of it}
        self._twins = {}  # (name, instance) -> {source: Record}
        self._remote = 0  # records of other computers' programs
        self._chosen = {}  # name -> the Record used for it
        self._addresses = {}  # name -> its address now (for lookup)
        #: The names used from another computer while other computers have
        #: them too, and none is this one: ``"name@machine"`` would choose.
        self.ambiguous = set()
        #: When ``expire`` has something to do next (``time.monotonic()``):
        #: the beacon's thread sleeps until then, so it is exact, never the
        #: old deadline of a record heard again since.
        self.next_expiry = float("inf")
        # (deadline, n, key) for each deadline given to a record; those of
        # records heard again or gone stay until they come to the top.
        self._deadlines = []
        self._pushed = itertools.count()

    def __len__(self):
        return len(self._records)

    # -- changes ------------------------------------------------------------------

    def heard_advert(self, packet, source, local, now=None, probe=None):
        """Note ``packet``, an advert heard from IP address ``source``
        (``local``: this computer's; ``probe``: through a relay, from the
        program's ``(ip, port)``); return its ``Record``.

        Example:

            table.heard_advert(protocol.parse_packet(data), "192.168.1.40", local=False)
        """
        now = time.monotonic() if now is None else now
        source = LOCAL if local else source
        key = (packet["n"], packet["i"], source)
        record = self._records.get(key)
        if record is not None:
            moved = (record.port, record.host) != (packet["p"], packet["h"])
            record.refresh(packet, now)
            record.probe = probe or record.probe
            self._names[record.name].move_to_end(key)
            self._by_source[source].move_to_end(key)
            rank = self._order(record)
            if moved or rank != record.rank:
                record.rank = rank
                self._choose(record.name, record)
            self._schedule(key, record)
            return record
        self._make_room(packet["n"], source)
        record = self._records[key] = Record(packet, source, self.local_ip, now)
        record.probe = probe
        record.rank = self._order(record)
        self._names.setdefault(record.name, OrderedDict())[key] = record
        self._by_source.setdefault(source, OrderedDict())[key] = record
        _count(self._name_sources.setdefault(record.name, {}), source, 1)
        self._twins.setdefault((record.name, record.instance), {})[source] = record
        self._remote += not record.local
        self._schedule(key, record)
        self._choose(record.name, record)
        return record

    def _make_room(self, name, source):
        """If a bound is reached, forget a record to make room for a new
        one of ``name`` from ``source`` (see the notes at the top)."""
        own = self._by_source.get(source)
        named = self._names.get(name)
        if own and len(own) >= MAX_PER_SOURCE:
            victim = next(iter(own.values()))
        elif source == LOCAL:
            return
        elif named and len(named) - self._name_sources[name].get(LOCAL, 0) >= MAX_PER_NAME:
            counts = self._name_sources[name]
            heaviest = max((s for s in counts if s != LOCAL), key=lambda s: (counts[s], s == source))
            others = [r for r in named.values() if not r.local and r is not self._chosen[name]]
            victim = next((r for r in others if r.source == heaviest), others[0])
        elif self._remote >= MAX_RECORDS:
            heaviest = max((s for s in self._by_source if s != LOCAL),
                           key=lambda s: (len(self._by_source[s]), s == source))
            victim = next(iter(self._by_source[heaviest].values()))
        else:
            return
        self.refused += 1
        self._remove(victim)
        self._choose(victim.name)

    def forget(self, name, instance, source, local):
        """Forget program ``instance`` as ``name``, heard from ``source``
        (it said bye there); return True if the table changed.

        Example:

            table.forget("pong", "928b0e4e1d82428a", "192.168.1.40", local=False)
        """
        record = self._records.get((name, instance, LOCAL if local else source))
        if record is None:
            return False
        self._remove(record)
        self._choose(name)
        self._find_next_expiry()
        return True

    def _remove(self, record):
        name, source = record.name, record.source
        key = (name, record.instance, source)
        del self._records[key]
        for index, group in ((self._names, name), (self._by_source, source)):
            del index[group][key]
            if not index[group]:
                del index[group]
        _count(self._name_sources[name], source, -1)
        if not self._name_sources[name]:
            del self._name_sources[name]
        twins = self._twins[(name, record.instance)]
        del twins[source]
        if not twins:
            del self._twins[(name, record.instance)]
        self._remote -= not record.local

    def expire(self, now):
        """Forget the programs not heard from for their time to live, as of
        ``now`` (``time.monotonic()``). The beacon calls it at
        ``next_expiry``, not for every packet.

        Example:

            if time.monotonic() >= table.next_expiry:
                table.expire(time.monotonic())
        """
        touched = set()
        while self.next_expiry <= now:
            record = self._records[heapq.heappop(self._deadlines)[2]]
            self._remove(record)
            touched.add(record.name)
            self._find_next_expiry()
        for name in touched:
            self._choose(name)

    def _schedule(self, key, record):
        """Note the deadline ``record`` (at ``key``) was just given."""
        if len(self._deadlines) > 2 * len(self._records) + 64:  # mostly out of date: afresh
            self._deadlines = [(r.deadline, next(self._pushed), k) for k, r in self._records.items()]
            heapq.heapify(self._deadlines)
        else:
            heapq.heappush(self._deadlines, (record.deadline, next(self._pushed), key))
        self._find_next_expiry()

    def _find_next_expiry(self):
        deadlines = self._deadlines
        while deadlines:
            deadline, _, key = deadlines[0]
            record = self._records.get(key)
            if record is not None and record.deadline == deadline:
                self.next_expiry = deadline
                return
            heapq.heappop(deadlines)  # heard again since, or gone
        self.next_expiry = float("inf")

    def _order(self, record):
        """How this program ranks a record among those of its name: the
        smallest first (see the notes at the top)."""
        heard = 0.0 if record.first_heard <= self.settled_at else record.first_heard
        return (not record.local, heard, record.since if record.local else 0,
                record.ip_key, record.port, record.instance)

    def _choose(self, name, changed=None):
        """Update the record used for ``name``: ``changed`` (a record just
        heard, or whose rank changed) takes its place if it ranks first;
        all are ranked again only when the one used goes or ranks lower."""
        before = self._addresses.get(name)
        records = self._names.get(name)
        self.ambiguous.discard(name)
        if records:
            chosen = self._chosen.get(name)
            if chosen is None or chosen is changed or self._records.get(
                    (name, chosen.instance, chosen.source)) is not chosen:
                chosen = min(records.values(), key=_rank)
            elif changed is not None and changed.rank < chosen.rank:
                chosen = changed
            self._chosen[name] = chosen
            after = self._addresses[name] = chosen.address()
            if not chosen.local and len(self._name_sources[name]) > 1:
                self.ambiguous.add(name)
        else:
            self._chosen.pop(name, None)
            self._addresses.pop(name, None)
            after = None
        if after != before and self.record_changes:
            if before is not None:
                self.changes.append(Change("lost", name, before))
            if after is not None:
                self.changes.append(Change("found", name, after))

    def set_local_ip(self, ip):
        """The address this computer shows changed (a network came or went):
        use it for this computer's programs from now on.

        Example: ``table.set_local_ip("192.168.1.23")``"""
        if ip == self.local_ip:
            return
        self.local_ip = ip
        for record in self._records.values():
            record.local_ip = ip
        for name in [r.name for r in self._records.values() if r.local]:
            self._choose(name)

    # -- questions ----------------------------------------------------------------

    def owner(self, name):
        """The instance id of the program this program uses for ``name``
        (see ``resolve``), or None.

        Example:

            table.owner("pong")   # '928b0e4e1d82428a'
        """
        record = self.resolve(name)
        return record.instance if record else None

    def lookup_record(self, name, instance, source, local):
        """The ``Record`` of ``instance`` as ``name`` heard from ``source``
        (``local``: this computer), or None.

        Example: ``table.lookup_record("pong", "928b0e4e1d82428a", "10.0.0.7", False)``"""
        return self._records.get((name, instance, LOCAL if local else source))

    def resolve(self, name):
        """The ``Record`` this program uses for ``name`` (or for
        ``"name@machine"``: the one of that name on that computer), or None.

        Example:

            table.resolve("robot@pc-7").address()   # '10.0.0.7:40123'
        """
        # The computer named first: a program advertising the whole text
        # "robot@pc-7" as its name must not take the place of the robot on
        # pc-7. (A name with "@" of its own is still found.)
        record = self._on_machine(name)
        return record if record is not None else self._chosen.get(name)

    def _on_machine(self, name):
        # For "name@machine", the record of name on that machine, or None.
        if "@" not in name:
            return None
        base, _, machine = name.rpartition("@")
        on_machine = [r for r in self._names.get(base, {}).values() if r.on(machine)]
        return min(on_machine, key=_rank) if on_machine else None

    def only_named_so(self, name):
        """True if ``"name@machine"`` is known only as the whole name of a
        program, not as ``name`` on ``machine`` (which would come first).

        Example: ``table.only_named_so("robot@pc-7")``"""
        return "@" in name and name in self._chosen and self._on_machine(name) is None

    def address_of(self, name):
        """The address of ``name`` (see ``resolve``), or None.

        Example:

            table.address_of("pong")   # '192.168.1.40:53121'
        """
        record = self.resolve(name)
        return record.address() if record else None

    def chosen_is_local(self, name):
        """True if ``name`` needs no better copy: the one chosen is on this
        computer, or ``name`` says which computer (``"name@machine"``).

        Example: ``table.chosen_is_local("pong")   # False: another computer's``"""
        record = self.resolve(name)
        return record is not None and (record.local or record is self._on_machine(name))

    def lookup(self, name):
        """The address of ``name``, or None: the same as ``address_of``, but
        kept ready, so quick enough for every send to a name (and safe
        without the beacon's lock). ``"name@machine"`` is not kept ready:
        use ``address_of``.

        Example:

            table.lookup("pong")   # '192.168.1.40:53121'
        """
        return self._addresses.get(name)

    def services(self):
        """Every name, sorted, as a list of ``Service``: the one this
        program uses for each name.

        Example:

            [s.name for s in table.services()]   # ['pong', 'robot']
        """
        return [self._chosen[name].service() for name in sorted(self._chosen)]

    def all_services(self):
        """Every program advertising every name (a name may have several),
        sorted by name, the one used for it first.

        Example:

            for s in table.all_services(): print(s.name, s.machine)
        """
        return [
            r.service()
            for name in sorted(self._names)
            for r in sorted(self._names[name].values(), key=_rank)
        ]

    def overdue_relayed(self, now, late_s):
        """The records heard through a relay whose adverts are ``late_s``
        seconds late (the relay may have stopped): to ask them directly.

        Example: ``for r in table.overdue_relayed(now, 1.5): ask(r.probe, r.name)``"""
        return [r for r in self._records.values()
                if r.probe and r.deadline - r.ttl + late_s < now]

    def records_of(self, name):
        """The ``Record``s of ``name``, the one used for it first.

        Example: ``[r.machine for r in table.records_of("robot")]``"""
        return sorted(self._names.get(name, {}).values(), key=_rank)

    def twin(self, record):
        """The record, heard from elsewhere, of the program with the same
        name and instance id as ``record`` (the one ranked first if there
        are several), or None: someone may be pretending to be it.

        Example: ``table.twin(record)   # None, unless someone copies its id``"""
        twins = [r for r in self._twins.get((record.name, record.instance), {}).values()
                 if r is not record]
        return min(twins, key=_rank) if twins else None

    def instance_counts(self):
        """``{name: how many programs advertise it}``, for the names that
        more than one program advertises.

        Example:

            table.instance_counts()   # {'pong': 2}
        """
        return {n: len(v) for n, v in self._names.items() if len(v) > 1}
