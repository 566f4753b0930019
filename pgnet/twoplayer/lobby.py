"""The lobby: who is waiting for a partner, as the network lists them.

A player waiting for a partner advertises a *lobby entry*, a discovery
name made of the game, ``@`` and the room (if any), ``#``, the player's id
and their name: ``"pong@5B#3fa09c1e Ada"``. Every game reads the others'
entries to know who is waiting; a player who is paired takes theirs down.
That is why a game's and a room's names cannot contain ``#``.

Example:

    lobby = Lobby("pong", "5B", me, port=54321)
    lobby.advertise()
    for player in lobby.players():
        print(player.name, "is waiting")
"""

from .. import discovery
from ..errors import PgnetError
from .players import ID_LENGTH, Player, is_id, printable


#: The longest lobby entry, in characters. Discovery takes names of up to
#: ``pgnet.MAX_NAME_LENGTH`` (255), but pgnet's earlier releases take 64 at
#: most, and a lobby entry must be seen by every player in the room.
LONGEST_ENTRY = 64

def lobby_prefix(game_name, room):
    """How every lobby entry of this game and room begins.

    Example:

        lobby_prefix("pong", "5B")    # 'pong@5B#'
        lobby_prefix("pong", "")      # 'pong#'
    """
    return game_name + ("@" + room if room else "") + "#"


def entry_name(game_name, room, player):
    """The lobby entry ``player`` advertises while waiting: the prefix, the
    id and as much of the name as fits in a discovery name.

    Example:

        entry_name("pong", "5B", Player("3fa09c1e", "Ada"))   # 'pong@5B#3fa09c1e Ada'
    """
    name = lobby_prefix(game_name, room) + player.id
    display = printable(player.name)
    room_left = LONGEST_ENTRY - len(name) - 1
    if display and room_left > 0:
        name += " " + display[:room_left].strip()
    return name


def shown_name(game_name, room, name):
    """``name`` as the lobby entries of this game and room show it: cut
    short when the whole entry would not fit. A player wanted by name is
    looked for under this name.

    Example:

        shown_name("pong", "", "Ada")                              # 'Ada'
        shown_name("tictactoe", "Year9-Computing-B", "Alexandrina Featherstonehaugh")
        # 'Alexandrina Featherstonehau'
    """
    entry = entry_name(game_name, room, Player("0" * ID_LENGTH, name))
    return entry[len(lobby_prefix(game_name, room)) + ID_LENGTH:].strip()


def parse_entry(name, prefix):
    """``(id, player name)`` from a lobby entry, or None if ``name`` is
    not an entry of the lobby that ``prefix`` begins.

    Example:

        parse_entry("pong#3fa09c1e Ada", "pong#")   # ('3fa09c1e', 'Ada')
        parse_entry("robot", "pong#")               # None
    """
    if not name.startswith(prefix):
        return None
    rest = name[len(prefix):]
    player_id, tail = rest[:ID_LENGTH], rest[ID_LENGTH:]
    if not is_id(player_id) or (tail and not tail.startswith(" ")):
        return None
    return player_id, tail.strip() or player_id


def check_game_name(game_name):
    """The game's name, stripped; a ``PgnetError`` saying what to do if it
    cannot be one.

    Example:

        check_game_name(" pong ")    # 'pong'
        check_game_name("a#b")       # PgnetError
    """
    if not isinstance(game_name, str) or not game_name.strip():
        raise PgnetError(
            "two_player() needs the game's name, such as two_player('pong'), "
            "not %r." % (game_name,)
        )
    game_name = game_name.strip()
    bad = [c for c in "@#:*" if c in game_name]
    if bad or not game_name.isprintable():
        raise PgnetError(
            "The game name %r cannot contain %s. Use letters, digits and "
            "spaces, like 'pong' or 'tic tac toe'."
            % (game_name, " or ".join(repr(c) for c in bad) or "control characters")
        )
    return game_name


def check_room(room, game_name):
    """``room``, if it can be a room of ``game_name``; a ``PgnetError``
    saying what to do if not.

    Example:

        check_room("5B", "pong")     # '5B'
    """
    bad = [c for c in "#:*" if c in room]
    if bad or not room.isprintable():
        raise PgnetError(
            "The room name %r cannot contain %s. Use letters, digits and "
            "spaces, like '5B'." % (room, " or ".join(repr(c) for c in bad) or "control characters")
        )
    longest = LONGEST_ENTRY - ID_LENGTH - 2
    if len(game_name) + len(room) > longest:
        raise PgnetError(
            "The game name and room together are too long (%d characters; "
            "the limit is %d). Choose shorter ones." % (len(game_name) + len(room), longest)
        )
    return room


class Lobby:
    """The lobby of one game and room, seen by one player (``me``, who
    listens for join requests on ``port``): their own entry, advertised
    while they wait, and the other players waiting.

    Example:

        lobby = Lobby("pong", "", me, port=54321)
        lobby.advertise()          # others can see me waiting
        lobby.waiting_players()    # {'3fa09c1e': (<Player None 'Ada'...>, '10.0.0.5:50123')}
        lobby.close()
    """

    def __init__(self, game_name, room, me, port):
        self.game_name = game_name
        self.room = room
        self.me = me
        self.port = port
        self.prefix = lobby_prefix(game_name, room)
        #: My entry, as the others see it.
        self.name = entry_name(game_name, room, me)
        self.advertised = False
        self.closed = False
        self.playing = None  # the name advertised while playing, so 'pgnet list' shows the game

    def advertise(self):
        """Show me as waiting (unless already shown, or closed).

        Example:

            lobby.advertise()
        """
        if not self.advertised and not self.closed:
            discovery.advertise(self.name, self.port)
            self.advertised = True

    def unadvertise(self):
        """Stop showing me as waiting.

        Example:

            lobby.unadvertise()     # just paired
        """
        if self.advertised:
            self.advertised = False
            discovery.unadvertise(self.name)

    def close(self):
        """Leave the lobby for good: my entry goes, and is never shown again.

        Example:

            lobby.close()
        """
        self.closed = True
        self.unadvertise()
        self.show_playing(None)

    def show_playing(self, partner):
        """While playing with ``partner`` (a ``Player``; None: no longer),
        advertise a name that says so, for ``pgnet list``: the prefix,
        ``playing``, my id and both names. No game takes it for a lobby
        entry.

        Example:

            lobby.show_playing(partner)   # 'pong#playing 3fa09c1e Ada and Bob'
        """
        if self.playing is not None:
            discovery.unadvertise(self.playing)
            self.playing = None
        if partner is not None and not self.closed:
            name = "%splaying %s %s and %s" % (
                self.prefix, self.me.id, printable(self.me.name), printable(partner.name))
            self.playing = name[:discovery.MAX_NAME_LENGTH].strip()
            discovery.advertise(self.playing, self.port)

    def waiting_players(self):
        """id -> (Player, address) for everyone waiting in this game and
        room, except me.

        Example:

            for player, address in lobby.waiting_players().values():
                print(player.name, "waits at", address)
        """
        found = {}
        for service in discovery.get_beacon().services():
            entry = parse_entry(service.name, self.prefix)
            if entry is not None and entry[0] != self.me.id:
                player = Player(entry[0], entry[1], machine=service.machine)
                found[entry[0]] = (player, service.address)
        return found

    def players(self):
        """The players waiting, sorted by name (what ``game.lobby`` shows).

        Example:

            names = [player.name for player in lobby.players()]
        """
        return sorted(
            (p for p, _ in self.waiting_players().values()),
            key=lambda p: (p.name.lower(), p.id),
        )

    def where(self, name):
        """``(address, machine)`` of the player whose lobby entry is
        ``name``, as this program's discovery knows it (``(None, None)`` if
        it does not).

        Example:

            lobby.where("pong#3fa09c1e Ada")    # ('10.0.0.5:50123', 'ada-laptop')
        """
        service = discovery.get_beacon().service(name)
        return (service.address, service.machine) if service else (None, None)
