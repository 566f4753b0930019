"""Players: who is who in a two-player game.

Every player has an *id*, 8 random hex digits made when its game starts, so
that two players of the same name (two "Ada"s in one class) are still told
apart, and a restarted program is a new player.

Example:

    me = Player(new_id(), default_name())
    print(me)                       # "Ada": no number until paired
"""

import getpass
import os
import socket

ID_LENGTH = 8
"""How many hex digits a player id has."""


def new_id():
    """A new random player id.

    Example:

        new_id()        # '3fa09c1e'
    """
    return os.urandom(ID_LENGTH // 2).hex()


def my_id():
    """This program's player id: a new random one, or the id in the
    environment variable ``PGNET_PLAYER_ID`` if it holds one. Who asks whom
    to play depends on the ids, so a test can set them to put its players
    in a known order; two programs must never be given the same one.

    Example:

        me = Player(my_id(), default_name())
    """
    chosen = os.environ.get("PGNET_PLAYER_ID", "").strip()
    return chosen if is_id(chosen) else new_id()


def is_id(value):
    """True if ``value`` looks like a player id (a peer may send anything).

    Example:

        is_id("3fa09c1e")   # True
        is_id("Ada")        # False
    """
    return (
        isinstance(value, str) and len(value) == ID_LENGTH
        and all(c in "0123456789abcdef" for c in value)
    )


def default_name():
    """The player's name when the game gives none: the environment variable
    ``PGNET_PLAYER``, else the name the person logged in with, else the
    computer's name.

    Example:

        me = Player(new_id(), default_name())
    """
    name = os.environ.get("PGNET_PLAYER", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no login name (some services, containers, Windows oddities)
            name = ""
    return name or socket.gethostname() or "player"


def distinct_name(name, taken):
    """``name``, or ``name`` with a number after it (" 2", " 3"...) if it is
    among ``taken``, so that two players are never shown alike.

    Example:

        distinct_name("ada", ["ada", "bob"])   # 'ada 2'
    """
    taken = set(taken)
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = "%s %d" % (name, number)
    return candidate


def printable(text):
    """``text`` fit for a lobby entry: no control characters, and nothing
    that would make it look like an address.

    Example:

        printable("Ada:1\\n")   # 'Ada-1'
    """
    text = "".join(c if c.isprintable() else " " for c in str(text))
    return text.replace(":", "-").replace("*", "-").strip()


class Player:
    """One player of a two-player game: you (``game.me``), your partner
    (``game.partner`` and the ``player`` your hooks receive), or someone
    waiting in the lobby (``game.lobby``).

    ``number`` is 1 for the host and 2 for the guest (``None`` for someone
    in the lobby), ``name`` the player's name, ``is_host`` True for player 1.
    ``machine`` is the computer the player is on (as pgnet shows it),
    when known. ``resumed`` is True in ``on_player_joined`` when the partner who left
    came back (the same program, its game still going), False for a new
    player or a restarted program.

    Example:

        def on_player_joined(player):
            print("Player", player.number, "is", player.name)
    """

    def __init__(self, id, name, number=None, address=None, machine=None):
        self.id = id
        self.name = name
        self.number = number
        self.address = address
        self.machine = machine
        self.resumed = False

    @property
    def is_host(self):
        """True for player 1, who decides shared things (where the ball
        starts, who begins).

        Example:

            if player.is_host:
                print(player.name, "serves first")
        """
        return self.number == 1

    def __str__(self):
        if self.number is None:
            return self.name
        return "player %d (%s)" % (self.number, self.name)

    def __repr__(self):
        return "<Player %s %r id=%s>" % (self.number, self.name, self.id)


def same_player(player, wanted):
    """Does ``wanted`` (a name, an id, or a Player) mean ``player``?
    Names are compared without regard to case.

    Example:

        same_player(Player("3fa09c1e", "Ada"), "ada")   # True
    """
    if isinstance(wanted, Player):
        return wanted.id == player.id
    wanted = str(wanted).strip()
    return wanted == player.id or wanted.lower() == player.name.lower() or (
        printable(wanted).lower() == player.name.lower()
    )
