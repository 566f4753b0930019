"""pgnet: networking for Pygame Zero, pygame and plain Python, made simple.

Programs find each other by name, with no IP addresses to type, and send
each other messages, commands and news:

    import pgnet
    pgnet.advertise("robot")                       # in one program
    pgnet.send_command("robot", "FORWARD", 0.5)    # in another

``import pgnet`` gives the whole public API, quickly: each part loads the
first time it is used. The networking core does not need pygame: a headless
Raspberry Pi robot can use it as it is.
"""

import importlib.util

from .errors import (
    AddressError,
    DiscoveryWarning,
    DroppedMessageWarning,
    ImpostorWarning,
    MessageError,
    NameClashWarning,
    NetworkLimitError,
    NoReplyWarning,
    NotFoundWarning,
    NotSentWarning,
    PgnetError,
    PgnetWarning,
    RemoteErrorWarning,
    ServiceNameError,
    SlowFrameWarning,
    SocketRoleError,
    UsageWarning,
    WrongPasswordWarning,
)
from .settings import settings
from .pgzero_hooks import install_when_pgzero_runs as _install_when_pgzero_runs

# The calls that find and talk to programs are loaded on first use (see
# __getattr__), so "import pgnet" stays quick: a program that only finds
# names never loads ZeroMQ. In a Pygame Zero game they are all loaded
# before the first frame (pgzero_hooks.install), so no frame pays for it.
# Tools that read the source instead of running it (the docs, editors) see
# where each comes from here:
TYPE_CHECKING = False
if TYPE_CHECKING:
    from .addresses import is_address, my_address
    from .discovery import (
        MAX_NAME_LENGTH,
        advertise,
        discover,
        discover_all,
        discover_group,
        unadvertise,
    )
    from .messaging import (
        FOREVER,
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
del TYPE_CHECKING

# ...and Python, from this table: each name, and the module it comes from.
_CORE_NAMES = {
    name: module
    for module, names in {
        "addresses": ("is_address", "my_address"),
        "discovery": ("MAX_NAME_LENGTH", "advertise", "discover", "discover_all",
                      "discover_group", "unadvertise"),
        "messaging": ("FOREVER", "listen", "close_all", "publish_news", "send_command",
                      "send_message", "send_reply", "split_command", "subscribe",
                      "wait_for_command", "wait_for_message", "wait_for_news"),
    }.items()
    for name in names
}

__version__ = "0.1.0"

# The game layer needs pygame, so it is loaded on first use of one of these.
_GAME_NAMES = {
    "MESSAGE", "REPLY", "COMMAND", "NEWS", "SERVICE_FOUND", "SERVICE_LOST",
    "pump", "watch", "reply_to", "wait_frame",
}

# Two-player games (docs/two-player.md): loaded on first use, they need pygame.
_TWO_PLAYER_NAMES = {
    "two_player", "TwoPlayerGame", "Player",
    "PLAYER_JOINED", "PLAYER_LEFT", "GAME_EVENT", "MOVE_MADE", "NEW_ROUND",
}

# Old names that still work, with a DeprecationWarning: old name -> (what
# it gives, what to write instead).
_RENAMED = {
    "EVENTS_PER_FRAME": (lambda: settings.events_per_frame, "pgnet.settings.events_per_frame"),
}

#: The public API: what ``from pgnet import *`` gives and ``help(pgnet)`` shows.
__all__ = [
    # finding programs by name
    "advertise", "discover", "discover_all", "discover_group", "unadvertise",
    "is_address", "my_address", "MAX_NAME_LENGTH",
    # messages, commands and news
    "send_message", "wait_for_message", "send_reply", "listen",
    "send_command", "wait_for_command", "split_command",
    "publish_news", "subscribe", "wait_for_news", "close_all",
    # waiting with no time limit
    "FOREVER",
    # settings, errors and warnings
    "settings",
    "PgnetError", "AddressError", "ServiceNameError", "MessageError", "SocketRoleError",
    "NetworkLimitError",
    "PgnetWarning", "NoReplyWarning", "NotFoundWarning", "NameClashWarning",
    "DroppedMessageWarning", "NotSentWarning", "DiscoveryWarning", "UsageWarning",
    "RemoteErrorWarning", "SlowFrameWarning",
    "ImpostorWarning", "WrongPasswordWarning",
]
# The game names need pygame; listed only where it is installed, so that
# "from pgnet import *" still works on a headless robot without it.
if importlib.util.find_spec("pygame") is not None:
    __all__ += sorted(_GAME_NAMES | _TWO_PLAYER_NAMES)


def __getattr__(name):
    if name in _CORE_NAMES:
        value = getattr(importlib.import_module("." + _CORE_NAMES[name], __name__), name)
        globals()[name] = value  # from now on a plain attribute, as quick as any
        return value
    if name in _GAME_NAMES:
        from . import pygame_events

        return getattr(pygame_events, name)
    if name in _TWO_PLAYER_NAMES:
        from . import twoplayer

        return getattr(twoplayer, name)
    if name in _RENAMED:
        value, instead = _RENAMED[name]
        import warnings

        warnings.warn(
            "pgnet.%s is an old name: use %s instead." % (name, instead),
            DeprecationWarning, stacklevel=2,
        )
        return value()
    if not name.startswith("_"):
        # One of pgnet's modules, loaded on first use: pgnet.osc.listen(9000)
        # (docs/osc.md), or pgnet.discovery, as when "import pgnet" loaded it.
        try:
            return importlib.import_module("." + name, __name__)
        except ModuleNotFoundError as error:
            if error.name != __name__ + "." + name:
                raise  # the module is there, but something it needs is not
    raise AttributeError("module 'pgnet' has no attribute %r" % name)


def __dir__():
    return sorted(set(globals()) | set(_CORE_NAMES) | _GAME_NAMES | _TWO_PLAYER_NAMES | {"osc"})


_install_when_pgzero_runs()
