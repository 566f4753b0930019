"""The warnings discovery gives about names: two programs with one name on
this computer, a name held on several other computers, and adverts that
pretend to be another program. Each is given once per name, and at most
``MAX_WARNINGS`` of each kind, whatever arrives.

Example:

    alarms = Alarms()
    alarms.impostor("robot", "10.0.0.5:40123", "10.0.0.9", "pc-9")
"""

from ..errors import ImpostorWarning, NameClashWarning, WrongPasswordWarning, warn

#: The most warnings of each kind one program gives (each once per name).
#:
#: Example: 50,000 fake programs make at most ``MAX_WARNINGS`` warnings.
MAX_WARNINGS = 32


class Alarms:
    """Which warnings were given already.

    Example:

        alarms.given("ambiguous", "robot")   # True once warned about 'robot'
    """

    def __init__(self):
        self._given = {}  # kind -> set of keys

    def given(self, kind, key):
        """True if the warning ``kind`` was given for ``key`` (or the kind
        has had its ``MAX_WARNINGS``).

        Example: ``alarms.given("clash", "pong")``"""
        keys = self._given.get(kind, ())
        return key in keys or len(keys) >= MAX_WARNINGS

    def _once(self, kind, key, category, text, *args):
        if self.given(kind, key):
            return
        self._given.setdefault(kind, set()).add(key)
        warn(category, text, *args)

    def new_record(self, record, twin, my_instance, mine, mine_used):
        """Warn, if need be, about ``record``, a program just heard: one
        using this program's instance id (``my_instance``), or that of
        ``twin`` (the same name and id heard from elsewhere first: an
        impostor), or a second program of a name this one advertises
        (``mine``) on this computer (``mine_used``: this one is the one
        others use).

        Example: ``alarms.new_record(record, table.twin(record), peer.instance, True, True)``"""
        ip = record.source
        if record.instance == my_instance and not record.local:
            self.impostor(record.name, None, ip, record.machine)
        elif twin is not None:
            self.impostor(record.name, twin.address(), ip, record.machine)
        elif record.local and mine and record.instance != my_instance:
            self.clash(record.name, record.address(), mine_used)

    def impostor(self, name, genuine, ip, machine):
        """Adverts for ``name`` carrying the id of the program at
        ``genuine`` (None: this program) come from ``ip`` (``machine``).

        Example: ``alarms.impostor("robot", None, "10.0.0.9", "pc-9")``"""
        if genuine is None:
            self._once("impostor", name, ImpostorWarning,
                "The computer at %s (%r) sends adverts for %r as if it were this "
                "program: it may be trying to take its place. Programs that "
                "already know this one keep to it; a room password "
                "(PGNET_PASSWORD) stops this.", ip, machine, name)
        else:
            self._once("impostor", name, ImpostorWarning,
                "Adverts for %r with the id of the program at %s also come "
                "from %s (%r): someone may be trying to take its place. pgnet "
                "keeps to the one it heard first; a room password "
                "(PGNET_PASSWORD) stops this.", name, genuine, ip, machine)

    def clash(self, name, other, mine_used):
        """Another program on this computer, at ``other``, advertises
        ``name`` too; ``mine_used``: this one is the one others use.

        Example: ``alarms.clash("pong", "127.0.0.1:40124", True)``"""
        self._once("clash", name, NameClashWarning,
            "Two programs are advertising the name %r on this computer: this "
            "one and one at %s. Others will find %s. Give one of them a "
            "different name.", name, other, "this one" if mine_used else "the other one")

    def ambiguous(self, name, records):
        """``name`` is used from another computer, but ``records`` (the one
        used first) are on several, and none is this one.

        Example: ``alarms.ambiguous("robot", table.records_of("robot"))``"""
        machines = ", ".join("%r (%s)" % (r.machine, r.address().rpartition(":")[0]) for r in records)
        self._once("ambiguous", name, NameClashWarning,
            "%d programs on other computers are called %r, and none on this one: "
            "pgnet uses the one on %r. To choose, add '@' and the computer's name "
            "to the name, such as %r. They are on: %s.",
            len(records), name, records[0].machine, "%s@%s" % (name, records[-1].machine), machines)

    def wrong_password(self, ip, have_password):
        """Discovery packets from ``ip`` were refused for their seal.

        Example: ``alarms.wrong_password("10.0.0.9", True)``"""
        self._once("password", ip, WrongPasswordWarning,
            "Discovery packets from %s were ignored: %s. Check PGNET_ROOM and "
            "PGNET_PASSWORD there ('pgnet doctor' counts them).", ip,
            "they do not have this room's password" if have_password
            else "they come from a room with a password, and this program has none")
