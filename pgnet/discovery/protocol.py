"""The discovery packet format, in one place: what pgnet programs send each
other to find one another by name.

The beacon (every pgnet program), the relay and ``pgnet doctor`` all build
and read packets with this module, so there is one definition of a valid
packet. docs/wire-format.md describes the same format for people writing a
peer in another language.

A packet is the 6 bytes ``PGNET1`` followed by a MessagePack map, and fits
in ``MAX_PACKET`` bytes. Its ``"t"`` says what kind it is, ``"i"`` is the
sending program's instance id (a random text, new at each start), ``"v"``
the version of the packet's contents (``VERSION``; none means 1) and
``"r"`` the room (none or ``""``: the room of everyone who sets none):

| kind | built by | says |
| --- | --- | --- |
| `"query"` | `query(name, instance)` | "who is `name`?" (`None`: "who is there?") |
| `"advert"` | `advert(...)` | "I am `name`, listening on this port" |
| `"bye"` | `bye(name, instance)` | "forget me as `name`" |
| `"hello"` | `hello(instance)` | to a relay only: "I am still here" |
| `"relayed"` | `relayed(data, origin)` | from a relay only: "`origin` sent this packet" |

With a room password, a packet ends with its seal, the key ``"a"``: see
``encode_packet`` and ``pgnet.auth``.

Example:

    data = encode_packet(query("pong", "928b0e4e1d82428a"))
    parse_packet(data)   # {'t': 'query', 'n': 'pong', 'i': '928b0e4e1d82428a', 'v': 2, 'r': ''}
"""

import socket

from .. import addresses, auth, envelope, wire
from ..errors import ServiceNameError
from ..settings import settings

#: The first bytes of every discovery packet (the ``1`` is the version).
#:
#: Example: ``data.startswith(MAGIC)`` is True for a pgnet packet.
MAGIC = b"PGNET1"

#: The largest discovery packet, in bytes: receivers read no more.
#:
#: Example: ``data, source = sock.recvfrom(MAX_PACKET)``.
MAX_PACKET = 4096

#: The version of the packets' contents this pgnet sends (key ``"v"``).
#:
#: Example: ``parse_packet(data)["v"]`` is 1 for a packet from an older pgnet.
VERSION = 2

#: The longest time to live a packet may claim, in seconds: a stranger
#: cannot make a name outlive its adverts for long.
#:
#: Example: an advert claiming ``ttl`` 3600 is kept 5 s at most.
MAX_TTL_S = 5.0

#: The longest room name, in characters.
#:
#: Example: ``check_room("5B")`` is fine; a room of 65 characters is not.
MAX_ROOM_LENGTH = 64

#: What a relay adds around a packet, at most, in bytes: a packet bigger
#: than ``MAX_PACKET - RELAY_OVERHEAD`` is not passed on.
#:
#: Example: ``len(data) <= MAX_PACKET - RELAY_OVERHEAD`` to cross a relay.
RELAY_OVERHEAD = 160

#: The most addresses an advert lists as its computer's own (key ``"l"``);
#: a computer with more lists none (then its adverts are not checked for
#: where they came from).
#:
#: Example: ``len(packet.get("l", ())) <= MAX_OWN_IPS``.
MAX_OWN_IPS = 32

# The seal is the map's last key, "a", holding 56 bytes (bin 8): sender id,
# counter, time, then the HMAC tag over everything before the tag.
_SEAL_KEY = b"\xa1a\xc4" + bytes([auth.SEAL_LENGTH])


class Rejected(ValueError):
    """A packet refused: ``reason`` is ``"other room"`` (not this
    program's room), ``"no key"`` (not sealed with this room's key, or
    sealed when this program has no password) or ``"replayed"`` (seen
    before, or too old).

    Example:

        except Rejected as error:
            counts[error.reason] += 1
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason

#: The longest service name, in characters: room for any name a person
#: types. Its advert, even in 4-byte characters, fits in ``MAX_PACKET``.
#:
#: Example: ``check_name("x" * MAX_NAME_LENGTH)`` is fine; one more is not.
MAX_NAME_LENGTH = 255


def check_name(name):
    """Raise ``ServiceNameError`` unless ``name`` can be advertised.

    Example:

        check_name("Ada's pong")   # fine
        check_name("")             # ServiceNameError
    """
    if not isinstance(name, str):
        raise ServiceNameError(
            "A service name must be text, like 'pong', not %s."
            % type(name).__name__
        )
    if not name.strip():
        raise ServiceNameError(
            "A service name cannot be empty. Choose a name that says what "
            "your program is, like 'pong' or 'robot'."
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceNameError(
            "The service name %r... is %d characters long; the limit is %d. "
            "Choose a shorter name." % (name[:20], len(name), MAX_NAME_LENGTH)
        )
    if not name.isprintable():  # (a terminal listing names would obey them)
        raise ServiceNameError(
            "The service name %r contains a control character (such as a "
            "newline, a tab or a terminal code) or another character that is "
            "not shown. Use letters, digits, spaces and punctuation." % name
        )
    if addresses.is_address(name):
        raise ServiceNameError(
            "%r looks like an address, not a name. Names are words such as "
            "'pong'; addresses look like '192.168.1.5:5000'." % name
        )


def check_room(room):
    """``room``, if it can be a room's name; ``ValueError`` saying what to
    do if not.

    Example:

        check_room("5B")        # '5B'
        check_room("a\\nb")     # ValueError
    """
    if not isinstance(room, str) or len(room) > MAX_ROOM_LENGTH or not room.isprintable():
        raise ValueError(
            "The room %r cannot be used: a room is a short text of at most %d "
            "letters, digits, spaces or punctuation, like '5B'." % (room, MAX_ROOM_LENGTH)
        )
    return room


# -- building packets ---------------------------------------------------------

def advert(name, port, host, since, instance, machine, ttl, own_ips=None):
    """An advert: "I am ``name``, listening on ``port``".

    ``host`` is the IP address the program listens on, or None for all of
    its addresses (then receivers use the address the packet came from);
    ``since`` is when it started advertising the name (``time.time()``);
    ``machine`` the computer's name; ``ttl`` how many seconds receivers
    remember the advert without a new one. ``own_ips``, for a sealed
    advert, lists the computer's addresses (see ``from_its_sender``).

    Example:

        advert("pong", 40123, None, time.time(), "928b0e4e1d82428a", "pc-7", 2.0)
    """
    packet = {
        "t": "advert", "n": name, "p": port, "h": host, "s": since,
        "i": instance, "m": machine, "ttl": ttl, "v": VERSION, "r": settings.room,
        "w": envelope.VERSION,  # the newest request envelope our listeners understand
    }
    if own_ips and len(own_ips) <= MAX_OWN_IPS:
        packet["l"] = list(own_ips)
    return packet


def from_its_sender(packet, source):
    """False for a sealed advert heard from ``source``, an IP address its
    computer does not list as its own: a genuine advert, recorded and sent
    again by another computer. The seal proves who wrote an advert, not who
    sent it; the list, under the seal, says where it may come from. True
    for anything else.

    Example:

        from_its_sender(parse_packet(data), "10.0.0.66")   # False: a replay
    """
    return "a" not in packet or "l" not in packet or source in packet["l"]


def query(name, instance, every=False):
    """A query: "who is ``name``?", or with ``name`` None, "who is there?".

    A copy of a name that the other programs on its computer do not use
    keeps quiet (so that a newcomer finds the one they use); with ``every``
    (for ``pgnet list``) it answers too.

    Example:

        query(None, "928b0e4e1d82428a")   # everyone answers with adverts
    """
    packet = {"t": "query", "n": name, "i": instance, "v": VERSION, "r": settings.room}
    if every:
        packet["e"] = True
    return packet


def bye(name, instance):
    """A bye: "forget me as ``name``".

    Example:

        bye("pong", "928b0e4e1d82428a")
    """
    return {"t": "bye", "n": name, "i": instance, "v": VERSION, "r": settings.room}


def hello(instance):
    """A hello, for the relay only: "I am still here, keep passing packets
    on to me". Programs send one with every round of adverts.

    Example:

        hello("928b0e4e1d82428a")
    """
    return {"t": "hello", "i": instance, "v": VERSION, "r": settings.room}


def encode_packet(packet, sealer=None):
    """The bytes to send for ``packet``, a dict made by ``advert``, ``query``,
    ``bye``, ``hello`` or ``relayed``; sealed by ``sealer`` (a
    ``pgnet.auth.Sealer``) when given.

    A sealed packet's last key is ``"a"``: 24 bytes saying who sealed it
    (8), a counter (8) and the time (a float 64), then an HMAC-SHA256 tag
    over every byte of the packet before the tag.

    Example:

        sock.sendto(encode_packet(query(None, instance)), (target, port))
    """
    if sealer is None:
        return MAGIC + wire.encode(packet)
    head = auth.SEAL_HEAD.pack(*sealer.next())
    data = MAGIC + wire.encode(dict(packet, a=head + bytes(32)))
    return data[:-32] + auth.tag(auth.room_key(), b"discovery", data[:-32])


def _check_seal(data, need_seal):
    """Check the seal of ``data``; raise ``Rejected`` if it is not genuine
    and new, or if there is one and ``need_seal`` is None (no password)."""
    sealed = data[-auth.SEAL_LENGTH - len(_SEAL_KEY):-auth.SEAL_LENGTH] == _SEAL_KEY
    if not need_seal:
        if sealed and need_seal is None:
            raise Rejected("no key")
        return
    if not sealed or not auth.has_tag(data[-32:], auth.room_key(), b"discovery", data[:-32]):
        raise Rejected("no key")
    sender, counter, sent_at = auth.SEAL_HEAD.unpack(data[-auth.SEAL_LENGTH:-32])
    if not auth.guard.fresh(sender, counter, sent_at):
        raise Rejected("replayed")


# -- reading packets ------------------------------------------------------------

def receive(sock):
    """The next datagram on the UDP socket ``sock``, as ``(data, (ip,
    port))``; None if nothing came (its time limit passed, or a
    non-blocking socket had nothing).

    Also None for Windows' ``WSAECONNRESET``: there, a UDP socket whose
    earlier packet reached no program (a relay that stopped, a client that
    left) fails its *next* receive with "connection reset", though nothing
    is wrong with it. Any other error is raised.

    Example:

        got = receive(sock)
        if got is not None:
            data, (ip, port) = got
    """
    try:
        return sock.recvfrom(MAX_PACKET + 1)  # (+1: to tell a packet too big)
    except (socket.timeout, BlockingIOError, ConnectionResetError):
        return None


#: The kinds of packet a program handles (``parse_packet``'s default).
#:
#: Example: ``parse_packet(data, kinds=PROGRAM_KINDS + ("hello",))`` for a relay.
PROGRAM_KINDS = ("query", "advert", "bye", "relayed")


def parse_packet(data, verify=True, kinds=PROGRAM_KINDS):
    """The discovery packet in ``data`` (bytes) as a dict, after checking
    every field a receiver uses; ``"v"`` and ``"r"`` are always there (1 and
    ``""`` for a packet from an older pgnet).

    With ``verify`` (the default) packets of other rooms are refused, and
    the seal is checked against this program's password: with one, only
    packets sealed with the room's key and not seen before pass; without
    one, sealed packets (from a room with a password) are refused. ``verify=False`` checks no seal (the teacher's
    ``pgnet list --all-rooms``, a relay without the password); then
    ``"a" in packet`` says whether it was sealed.

    Raises ``ValueError`` (``Rejected``, ``ServiceNameError`` and
    ``AddressError`` are kinds of it) or ``MessageError`` if ``data`` is not
    a valid packet of one of ``kinds``, so that a receiver can drop anything
    odd with one ``except``.

    Example:

        try:
            packet = parse_packet(data)
        except (MessageError, ValueError):
            return   # not ours, or broken: ignore it
    """
    if len(data) > MAX_PACKET:
        raise ValueError("longer than a packet")
    if not data.startswith(MAGIC):
        raise ValueError("not a pgnet packet")
    packet = wire.decode(data[len(MAGIC):])
    if not isinstance(packet, dict) or not isinstance(packet.get("i"), str):
        raise ValueError("not a discovery packet")
    version = packet.setdefault("v", 1)
    if type(version) is not int:
        raise ValueError("bad version")
    check_room(packet.setdefault("r", ""))
    if verify:
        if packet["r"] != settings.room and packet.get("t") != "relayed":
            raise Rejected("other room")
        _check_seal(data, auth.active() or None)
    kind = packet.get("t")
    name = packet.get("n")
    if kind not in kinds:
        raise ValueError("unknown packet type")
    if kind == "query":
        if name is not None and not isinstance(name, str) or packet.get("e", False) not in (True, False):
            raise ValueError("bad query")
    elif kind in ("advert", "bye"):
        check_name(name)
        if kind == "advert":
            _check_advert(packet)
    elif kind == "relayed":
        relayed_origin(packet)
        if type(packet.get("d")) is not bytes:
            raise ValueError("a relayed packet without its packet")
        port = packet.get("q")
        if port is not None and (type(port) is not int or not 0 < port < 65536):
            raise ValueError("bad origin port")
    return packet


def _check_advert(packet):
    if type(packet.get("p")) is not int or not 0 < packet["p"] < 65536:
        raise ValueError("bad port")
    if packet.get("h") is not None:
        if type(packet["h"]) is not str:
            raise ValueError("bad host")
        addresses.check_ip(packet["h"], packet["h"])
    for field, kinds in (("s", (int, float)), ("ttl", (int, float)), ("m", (str,))):
        # (x != x only for NaN, which would never expire or compare)
        if type(packet.get(field)) not in kinds or packet[field] != packet[field]:
            raise ValueError("bad field %s" % field)
    # The computer's name is shown in lists and warnings: no control
    # characters (a terminal would obey them), and no longer than a name.
    if not packet["m"].isprintable() or len(packet["m"]) > MAX_NAME_LENGTH:
        raise ValueError("bad computer name")
    packet["ttl"] = min(max(packet["ttl"], 0.5), MAX_TTL_S)
    own_ips = packet.get("l", [])
    if type(own_ips) is not list or len(own_ips) > MAX_OWN_IPS:
        raise ValueError("bad list of addresses")
    for ip in own_ips:
        if type(ip) is not str:
            raise ValueError("bad list of addresses")
        addresses.check_ip(ip, ip)


# -- through a relay ------------------------------------------------------------

def relayed(data, origin, instance, origin_port=None):
    """The packet a relay sends on: the packet ``data`` (bytes, as received,
    its seal intact), heard from ``origin``, the IP address of the program
    that sent it (from its port ``origin_port``); ``instance`` is the
    relay's own id. ``data`` must leave room for the rest: at most
    ``MAX_PACKET - RELAY_OVERHEAD`` bytes.

    Example:

        relayed(data, "10.0.0.7", "5f3c9a0e11d2b7aa", 51234)   # {'t': 'relayed', 'o': '10.0.0.7', ...}
    """
    return {"t": "relayed", "o": origin, "q": origin_port, "d": data, "i": instance,
            "v": VERSION, "r": ""}


def relayed_origin(packet):
    """The IP address a relayed packet really comes from (its ``"o"``), for
    use instead of the relay's own address. Raises ``ValueError`` if the
    packet has none, or not a valid one.

    Example:

        source = relayed_origin(parse_packet(data))   # '10.0.0.7'
    """
    origin = packet.get("o")
    if type(origin) is not str or len(origin) > 15:
        raise ValueError("a relayed packet without its origin")
    addresses.check_ip(origin, origin)
    return origin
