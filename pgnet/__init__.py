"""pgnet: networking for Pygame Zero, pygame and plain Python, made simple.

Programs find each other by name, with no IP addresses to type, and send
each other messages, commands and news:

    import pgnet
    pgnet.advertise("robot")                       # in one program
    pgnet.send_command("robot", "FORWARD", 0.5)    # in another

``import pgnet`` gives the whole public API. The networking core does not
need pygame: a headless Raspberry Pi robot can use it as it is.
"""

from .addresses import is_address
from .discovery import (
    MAX_NAME_LENGTH,
    advertise,
    discover,
    discover_all,
    unadvertise,
)
from .errors import (
    AddressError,
    DiscoveryWarning,
    DroppedMessageWarning,
    MessageError,
    NameClashWarning,
    NoReplyWarning,
    NotFoundWarning,
    NotSentWarning,
    PgnetError,
    PgnetWarning,
    ServiceNameError,
    SocketRoleError,
    UsageWarning,
)
from .messaging import (
    listen,
    close_all,
    publish_news,
    send_command,
    send_message,
    send_reply,
    split_command,
    subscribe,
    wait_for_command,
    wait_for_message,
    wait_for_news,
)
from .settings import settings
from ._autoload import install_when_pgzero_runs as _install_when_pgzero_runs

__version__ = "0.1.0"

# The game layer needs pygame, so it is loaded on first use of one of these.
_GAME_NAMES = {
    "MESSAGE", "REPLY", "COMMAND", "NEWS", "SERVICE_FOUND", "SERVICE_LOST",
    "EVENTS_PER_FRAME", "pump", "watch", "reply_to",
}

# Two-player games (docs/two-player.md): loaded on first use, they need pygame.
_TWO_PLAYER_NAMES = {
    "two_player", "TwoPlayerGame", "Player",
    "PLAYER_JOINED", "PLAYER_LEFT", "GAME_EVENT", "MOVE_MADE", "NEW_ROUND",
}


def __getattr__(name):
    if name in _GAME_NAMES:
        from . import game

        return getattr(game, name)
    if name in _TWO_PLAYER_NAMES:
        from . import twoplayer

        return getattr(twoplayer, name)
    raise AttributeError("module 'pgnet' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | _GAME_NAMES | _TWO_PLAYER_NAMES)


_install_when_pgzero_runs()
