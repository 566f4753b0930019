"""pgnet's settings: a few numbers and names a teacher may want to change.

Each setting can be changed in Python before you use the network:

    import pgnet
    pgnet.settings.max_message_bytes = 50_000_000

or, without touching the code, with an environment variable set before the
program starts (handy for a whole classroom):

    PGNET_NETWORK="192.168.1.*" python3 game.py

| setting | environment variable | meaning |
| --- | --- | --- |
| `discovery_port` | `PGNET_DISCOVERY_PORT` | the UDP port every pgnet program shares to find the others (default 46374) |
| `network` | `PGNET_NETWORK` | which of this computer's networks to use, as a wildcard such as `"192.168.*"`; `None` means all of them |
| `max_message_bytes` | `PGNET_MAX_MESSAGE` | the largest message sent or accepted (default 16 MiB) |
| `relay` | `PGNET_RELAY` | a computer running `pgnet relay`, for networks that block broadcasts (such as `"10.0.0.5"`), or several, separated by commas (`"10.0.0.5,10.0.0.6"`); `None` means no relay |
| `room` | `PGNET_ROOM` | the room this program is in, such as `"5B"` or `"desk 7"`: programs only see the names, lobbies and news of their own room; `""` (the default) is the room of everyone who sets none |
| `password` | `PGNET_PASSWORD` | the room's password: with one, only programs that know it are heard (traffic is authenticated, not encrypted); `None` means no password. Never printed |
| `max_depth` | `PGNET_MAX_DEPTH` | how deeply lists, dicts and tuples may nest in a message (default 100) |
| `max_items` | `PGNET_MAX_ITEMS` | how many values one message may hold (default 1,000,000): a message never unpacks into more |
| `inbox_items` | `PGNET_INBOX_ITEMS` | arrivals of one kind waiting to be read on a socket (default 10,000) |
| `inbox_bytes` | `PGNET_INBOX_BYTES` | bytes of one kind waiting to be read on a socket (default 32 MiB) |
| `max_senders` | `PGNET_MAX_SENDERS` | sockets kept open for sending, per thread (default 64); the one unused for longest is closed |
| `max_subscriptions` | `PGNET_MAX_SUBSCRIPTIONS` | topics of news a publisher holds for all its subscribers (default 2,000); a computer that subscribes to more is disconnected from it for 10 s |
| `max_command_age_s` | `PGNET_MAX_COMMAND_AGE` | a command that waited longer than this many seconds (default 1.0) to be read is dropped, with a warning: a robot must not act on an old FORWARD. `0` or `None` keeps every command |

docs/safety.md ("Safety and limits") says what each limit protects against.

The timing settings (``advert_interval_s``, ``advert_ttl_s``) rarely need
changing: a program that stops without saying goodbye disappears from the
others after ``advert_ttl_s`` seconds.

Two settings shape how a game takes in a flood of network events, a frame
at a time: ``events_per_frame`` (at most this many events handed to the game
in one frame, default 500) and ``time_per_frame_s`` (pgnet stops collecting
for the frame once it has spent this long, default 0.004 s: a flood costs
some 25 us an event on a PC, several times that on a Raspberry Pi). What
does not fit waits, in order, for the next frames.
"""

import os


def _env_int(variable, default):
    return _env_number(variable, default, int, "a whole number")


def _env_number(variable, default, kind=float, what="a number, such as 0.5"):
    value = os.environ.get(variable, "").strip()
    if not value:
        return default
    try:
        return kind(value)
    except ValueError:
        raise ValueError(
            "The environment variable %s is %r; it must be %s." % (variable, value, what)
        ) from None


class Settings:
    """The settings object, used as ``pgnet.settings``.

    Example:

        pgnet.settings.network = "10.0.*"   # only use the school network
    """

    def __init__(self):
        self.discovery_port = _env_int("PGNET_DISCOVERY_PORT", 46374)
        if not 1024 <= self.discovery_port <= 65534:
            raise ValueError(
                "PGNET_DISCOVERY_PORT is %d; it must be from 1024 to 65534 "
                "(the relay uses the port after it)." % self.discovery_port
            )
        self.network = os.environ.get("PGNET_NETWORK", "").strip() or None
        self.max_message_bytes = _env_int("PGNET_MAX_MESSAGE", 16 * 1024 * 1024)
        self.relay = os.environ.get("PGNET_RELAY", "").strip() or None
        self.max_depth = _env_int("PGNET_MAX_DEPTH", 100)
        self.max_items = _env_int("PGNET_MAX_ITEMS", 1_000_000)
        self.inbox_items = _env_int("PGNET_INBOX_ITEMS", 10_000)
        self.inbox_bytes = _env_int("PGNET_INBOX_BYTES", 32 * 1024 * 1024)
        self.max_senders = _env_int("PGNET_MAX_SENDERS", 64)
        self.max_subscriptions = _env_int("PGNET_MAX_SUBSCRIPTIONS", 2000)
        self.max_command_age_s = _env_number("PGNET_MAX_COMMAND_AGE", 1.0)
        self.room = os.environ.get("PGNET_ROOM", "").strip()
        self.password = os.environ.get("PGNET_PASSWORD", "") or None
        self.advert_interval_s = 1.0
        self.advert_ttl_s = 2.5
        self.events_per_frame = 500
        self.time_per_frame_s = 0.004

    def __repr__(self):
        shown = dict(vars(self), password="(set)" if self.password else None)
        return "<pgnet settings %s>" % ", ".join(
            "%s=%r" % item for item in sorted(shown.items())
        )


settings = Settings()
