"""The discovery packet format, in one place: what pgnet programs send each
other to find one another by name.

The beacon (every pgnet program), the relay and ``pgnet doctor`` all build
and read packets with this module, so there is one definition of a valid
packet. docs/wire-format.md describes the same format for people writing a
peer in another language.

A packet is the 6 bytes ``PGNET1`` followed by a MessagePack map, and fits
in ``MAX_PACKET`` bytes. Its ``"t"`` says what kind it is and ``"i"`` is the
sending program's instance id (a random text, new at each start):

| kind | built by | says |
| --- | --- | --- |
| `"query"` | `query(name, instance)` | "who is `name`?" (`None`: "who is there?") |
| `"advert"` | `advert(...)` | "I am `name`, listening on this port" |
| `"bye"` | `bye(name, instance)` | "forget me as `name`" |
| `"hello"` | `hello(instance)` | to a relay only: "I am still here" |

A relay passes packets on with one more field, ``"o"``: the IP address of
the program it heard the packet from (see ``relayed`` and ``relayed_origin``).

Example:

    data = encode_packet(query("pong", "928b0e4e1d82428a"))
    parse_packet(data)   # {'t': 'query', 'n': 'pong', 'i': '928b0e4e1d82428a'}
"""

import socket

from .. import addresses, wire
from ..errors import ServiceNameError

#: The first bytes of every discovery packet (the ``1`` is the version).
#:
#: Example: ``data.startswith(MAGIC)`` is True for a pgnet packet.
MAGIC = b"PGNET1"

#: The largest discovery packet, in bytes: receivers read no more.
#:
#: Example: ``data, source = sock.recvfrom(MAX_PACKET)``.
MAX_PACKET = 4096

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
    if any(ord(char) < 32 for char in name):
        raise ServiceNameError(
            "The service name %r contains a control character (such as a "
            "newline or tab). Use letters, digits, spaces and punctuation." % name
        )
    if addresses.is_address(name):
        raise ServiceNameError(
            "%r looks like an address, not a name. Names are words such as "
            "'pong'; addresses look like '192.168.1.5:5000'." % name
        )


# -- building packets ---------------------------------------------------------

def advert(name, port, host, since, instance, machine, ttl):
    """An advert: "I am ``name``, listening on ``port``".

    ``host`` is the IP address the program listens on, or None for all of
    its addresses (then receivers use the address the packet came from);
    ``since`` is when it started advertising the name (``time.time()``);
    ``machine`` the computer's name; ``ttl`` how many seconds receivers
    remember the advert without a new one.

    Example:

        advert("pong", 40123, None, time.time(), "928b0e4e1d82428a", "pc-7", 2.0)
    """
    return {
        "t": "advert", "n": name, "p": port, "h": host, "s": since,
        "i": instance, "m": machine, "ttl": ttl,
    }


def query(name, instance):
    """A query: "who is ``name``?", or with ``name`` None, "who is there?".

    Example:

        query(None, "928b0e4e1d82428a")   # everyone answers with adverts
    """
    return {"t": "query", "n": name, "i": instance}


def bye(name, instance):
    """A bye: "forget me as ``name``".

    Example:

        bye("pong", "928b0e4e1d82428a")
    """
    return {"t": "bye", "n": name, "i": instance}


def hello(instance):
    """A hello, for the relay only: "I am still here, keep passing packets
    on to me". Programs send one with every round of adverts.

    Example:

        hello("928b0e4e1d82428a")
    """
    return {"t": "hello", "i": instance}


def encode_packet(packet):
    """The bytes to send for ``packet``, a dict made by ``advert``, ``query``,
    ``bye`` or ``hello``.

    Example:

        sock.sendto(encode_packet(query(None, instance)), ("127.255.255.255", port))
    """
    return MAGIC + wire.encode(packet)


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
        return sock.recvfrom(MAX_PACKET)
    except (socket.timeout, BlockingIOError, ConnectionResetError):
        return None


def parse_packet(data):
    """The discovery packet in ``data`` (bytes) as a dict, after checking
    every field a receiver uses.

    Raises ``ValueError`` (``ServiceNameError`` and ``AddressError`` are
    kinds of it) or ``MessageError`` if ``data`` is not a valid packet, so
    that a receiver can drop anything odd with one ``except``. A ``"hello"``
    is not a packet receivers handle: it raises ``ValueError`` too.

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
    kind = packet.get("t")
    name = packet.get("n")
    if kind == "query":
        if name is not None and not isinstance(name, str):
            raise ValueError("bad query")
    elif kind in ("advert", "bye"):
        check_name(name)
        if kind == "advert":
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
            packet["ttl"] = min(max(packet["ttl"], 0.5), 60.0)
    else:
        raise ValueError("unknown packet type")
    return packet


# -- through a relay ------------------------------------------------------------

def relayed(packet, origin):
    """``packet`` as a relay passes it on: the same dict, marked with
    ``origin``, the IP address of the program the relay heard it from.

    Example:

        relayed(query(None, instance), "10.0.0.7")   # {..., 'o': '10.0.0.7'}
    """
    packet["o"] = origin
    return packet


def relayed_origin(packet):
    """The IP address a relayed packet really comes from (its ``"o"``), for
    use instead of the relay's own address. Raises ``ValueError`` if the
    packet has none, or not a valid one.

    Example:

        source = relayed_origin(parse_packet(data))   # '10.0.0.7'
    """
    origin = packet.get("o")
    if type(origin) is not str:
        raise ValueError("a relayed packet without its origin")
    addresses.check_ip(origin, origin)
    return origin
