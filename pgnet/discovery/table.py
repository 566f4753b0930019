"""The table of services: which program advertises which name, and where.

The beacon fills it from the adverts and byes it hears and empties it of
programs not heard from for their time to live. When two programs advertise
one name, the table says which owns it (the first to advertise it), so that
every program on the network agrees on one address for each name.

The table has no lock of its own: the beacon holds its lock around every
call (``lookup`` excepted, which only reads one dict).

Example:

    table = ServiceTable()
    table.heard_advert(packet, "192.168.1.40")
    table.lookup("pong")   # '192.168.1.40:53121'
"""

import time
from collections import deque, namedtuple

#: How many changes ``ServiceTable.changes`` keeps before dropping the oldest.
CHANGE_LOG_LENGTH = 10000

#: A change seen on the network: ``kind`` is ``"found"`` or ``"lost"``.
#:
#: Example: ``Change("found", "pong", "192.168.1.40:53121")``.
Change = namedtuple("Change", "kind name address")

#: A service on the network, as ``discover_all`` and ``pgnet list`` show it:
#: its name, address, computer's name and the advertising program's instance id.
#:
#: Example: ``Service("pong", "192.168.1.40:53121", "pc-7", "928b0e4e1d82428a")``.
Service = namedtuple("Service", "name address machine instance")


class Advertiser:
    """What this program knows of one program advertising one name: its
    port, host (None: all its addresses), when it started advertising
    (``since``), its computer's name, its time to live, and the source
    addresses its adverts came from, with when each was last heard.

    Example:

        advertiser.address()   # '192.168.1.40:53121'
    """

    __slots__ = ("port", "host", "since", "machine", "sources", "ttl")

    def __init__(self, port, host, since, machine, ttl):
        self.port, self.host, self.since = port, host, since
        self.machine, self.ttl = machine, ttl
        self.sources = {}  # source ip -> when an advert last came from it

    def address(self):
        """Where to reach it, as ``"ip:port"``.

        Example:

            advertiser.address()   # '192.168.1.40:53121'
        """
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


class ServiceTable:
    """Every name heard on the network, with the programs advertising it.

    ``changes`` lists the ``Change``s, oldest first, while
    ``record_changes`` is True (``pgnet.watch`` turns it on).

    Example:

        table = ServiceTable()
        table.record_changes = True
        table.heard_advert(packet, "192.168.1.40")
        table.changes.popleft()   # Change('found', 'pong', '192.168.1.40:53121')
    """

    def __init__(self):
        self.changes = deque(maxlen=CHANGE_LOG_LENGTH)
        self.record_changes = False
        self._known = {}  # name -> {instance: Advertiser}
        self._addresses = {}  # name -> its address now, kept by _note_change

    # -- changes ------------------------------------------------------------------

    def heard_advert(self, packet, source):
        """Note ``packet``, an advert from IP address ``source``; return the
        ``Advertiser`` it is from.

        Example:

            table.heard_advert(protocol.parse_packet(data), "192.168.1.40")
        """
        name, instance = packet["n"], packet["i"]
        before = self.address_of(name)
        known = self._known.setdefault(name, {})
        advertiser = known.get(instance)
        if advertiser is None:
            advertiser = known[instance] = Advertiser(
                packet["p"], packet["h"], packet["s"], packet["m"], packet["ttl"]
            )
        elif (advertiser.port, advertiser.host) != (packet["p"], packet["h"]):
            # Advertised again somewhere else: the old address is stale.
            advertiser.port, advertiser.host = packet["p"], packet["h"]
            advertiser.since, advertiser.sources = packet["s"], {}
        advertiser.sources[source] = time.monotonic()
        self._note_change(name, before)
        return advertiser

    def forget(self, name, instance):
        """Forget program ``instance`` as ``name`` (it said bye); return True
        if the table changed.

        Example:

            table.forget("pong", "928b0e4e1d82428a")   # True
        """
        before = self.address_of(name)
        known = self._known.get(name, {})
        if known.pop(instance, None) is None:
            return False
        if not known:
            del self._known[name]
        self._note_change(name, before)
        return True

    def expire(self, now):
        """Forget what was not heard from for its time to live, as of
        ``now`` (``time.monotonic()``).

        Example:

            table.expire(time.monotonic())
        """
        for name in list(self._known):
            before = self.address_of(name)
            known = self._known[name]
            for instance in list(known):
                advertiser = known[instance]
                for source, seen in list(advertiser.sources.items()):
                    if now - seen > advertiser.ttl:
                        del advertiser.sources[source]
                if not advertiser.sources:
                    del known[instance]
            if not known:
                del self._known[name]
            self._note_change(name, before)

    def _note_change(self, name, before):
        after = self.address_of(name)
        if after is None:
            self._addresses.pop(name, None)
        else:
            self._addresses[name] = after
        if after != before and self.record_changes:
            if before is not None:
                self.changes.append(Change("lost", name, before))
            if after is not None:
                self.changes.append(Change("found", name, after))

    # -- questions ----------------------------------------------------------------

    def owner(self, name):
        """The instance id of the program that owns ``name``, or None: the
        first to advertise it, so all programs agree even when two advertise
        the same name.

        Example:

            table.owner("pong")   # '928b0e4e1d82428a'
        """
        known = self._known.get(name)
        if not known:
            return None
        return min(known, key=lambda i: (known[i].since, i))

    def address_of(self, name):
        """The address of ``name``'s owner, worked out from the table, or None.

        Example:

            table.address_of("pong")   # '192.168.1.40:53121'
        """
        owner = self.owner(name)
        return self._known[name][owner].address() if owner else None

    def lookup(self, name):
        """The address of ``name``, or None: the same as ``address_of``, but
        kept ready, so quick enough for every send to a name (and safe
        without the beacon's lock).

        Example:

            table.lookup("pong")   # '192.168.1.40:53121'
        """
        return self._addresses.get(name)

    def services(self):
        """Every name, sorted, as a list of ``Service`` (its owner's).

        Example:

            [s.name for s in table.services()]   # ['pong', 'robot']
        """
        return [
            Service(name, self._known[name][owner].address(),
                    self._known[name][owner].machine, owner)
            for name, owner in ((n, self.owner(n)) for n in sorted(self._known))
        ]

    def instance_counts(self):
        """``{name: how many programs advertise it}``, for the names that
        more than one program advertises.

        Example:

            table.instance_counts()   # {'pong': 2}
        """
        return {n: len(v) for n, v in self._known.items() if len(v) > 1}
