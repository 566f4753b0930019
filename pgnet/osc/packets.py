"""OSC packets: Python values to the bytes of an OSC message or bundle, and
back again.

An OSC *message* is an address such as ``"/pad/1"`` and a list of
arguments; a *bundle* is several messages (or bundles) with one *time tag*,
the moment they are meant for. This module follows OSC 1.0 (with the
common extra types of OSC 1.1) and nothing else: no sockets, no clocks.

    data = encode_message("/note", [60, 0.5, "piano"])
    decode(data)      # [Group(when=None, messages=[("/note", [60, 0.5, 'piano'])])]

``decode`` is strict and total: any bytes at all either decode or raise
``Malformed`` (or its kind ``TooBig``), never anything else, because what
arrives on a UDP port may come from anyone.

Threads: plain functions with no state: any thread.
"""

import math
import struct
from collections import namedtuple

from ..errors import MessageError

#: The largest OSC packet pgnet sends or accepts, in bytes.
#:
#: Example: ``len(encode_message("/x", [b"." * 100])) <= MAX_PACKET_BYTES``.
MAX_PACKET_BYTES = 16384

#: The most messages one packet (a bundle) may hold.
#:
#: Example: a bundle of 129 messages is ``TooBig``.
MAX_MESSAGES = 128

#: How deep bundles may sit inside bundles.
#:
#: Example: a bundle inside a bundle is depth 2: fine.
MAX_DEPTH = 8

#: The seconds between 1900 (where OSC's clock starts) and 1970 (where
#: ``time.time()`` starts).
#:
#: Example: ``ntp_seconds = time.time() + NTP_OFFSET``.
NTP_OFFSET = 2208988800

_IMMEDIATELY = b"\x00\x00\x00\x00\x00\x00\x00\x01"
_BUNDLE = b"#bundle\x00"
_INT32 = struct.Struct(">i")
_UINT32 = struct.Struct(">I")
_INT64 = struct.Struct(">q")
_UINT64 = struct.Struct(">Q")
_FLOAT = struct.Struct(">f")
_DOUBLE = struct.Struct(">d")

#: Messages that belong together: ``when`` is the ``time.time()`` they are
#: meant for (None: at once), ``messages`` a list of ``(address, args)``.
#:
#: Example: ``Group(None, [("/note", [60])])``.
Group = namedtuple("Group", "when messages")


class Malformed(ValueError):
    """Bytes that are not an OSC packet pgnet can read.

    Example:

        try:
            decode(b"hello")
        except Malformed as why:
            print("dropped:", why)
    """


class TooBig(Malformed):
    """An OSC packet over ``MAX_PACKET_BYTES``, or holding more than
    ``MAX_MESSAGES`` messages.

    Example: ``decode(b"/x\\0\\0" * 5000)`` raises it."""


# -- time tags ---------------------------------------------------------------

def time_tag(when):
    """The 8 bytes of an OSC time tag for ``when`` (a ``time.time()``
    value), or for "at once" if ``when`` is None.

    Example: ``time_tag(time.time() + 0.5)``"""
    if when is None:
        return _IMMEDIATELY
    if not isinstance(when, (int, float)) or isinstance(when, bool) or not math.isfinite(when):
        raise MessageError("A bundle's time is a time.time() value, such as "
                           "time.time() + 0.5, not %r." % (when,))
    ticks = int(round((when + NTP_OFFSET) * 2 ** 32))
    if not 2 <= ticks < 2 ** 64:
        raise MessageError("%r is not a time OSC can carry (1900 to 2036)." % (when,))
    return _UINT64.pack(ticks)


def _read_time(data, index):
    ticks = _UINT64.unpack_from(data, index)[0]
    return None if ticks == 1 else ticks / 2 ** 32 - NTP_OFFSET


# -- encoding ----------------------------------------------------------------

def _padded(raw):
    """``raw`` followed by 1 to 4 zero bytes: an OSC string."""
    return raw + b"\x00" * (4 - len(raw) % 4)


def _string(text, what):
    raw = text.encode("utf-8")
    if b"\x00" in raw:
        raise MessageError("%s %r contains a zero character, which OSC cannot carry." % (what, text))
    return _padded(raw)


def _encode_arg(value, tags, parts):
    if value is True or value is False:
        tags.append("T" if value else "F")
    elif value is None:
        tags.append("N")
    elif isinstance(value, int):
        if -2 ** 31 <= value < 2 ** 31:
            tags.append("i")
            parts.append(_INT32.pack(value))
        elif -2 ** 63 <= value < 2 ** 63:
            tags.append("h")
            parts.append(_INT64.pack(value))
        else:
            raise MessageError("%d is too big for OSC (64-bit numbers at most)." % value)
    elif isinstance(value, float):
        try:
            parts.append(_FLOAT.pack(value))
            tags.append("f")
        except OverflowError:  # too big for 32 bits: a double keeps it
            parts.append(_DOUBLE.pack(value))
            tags.append("d")
    elif isinstance(value, str):
        tags.append("s")
        parts.append(_string(value, "The text"))
    elif isinstance(value, (bytes, bytearray)):
        tags.append("b")
        parts.append(_UINT32.pack(len(value)) + bytes(value) + b"\x00" * (-len(value) % 4))
    elif isinstance(value, (list, tuple)):
        tags.append("[")
        for item in value:
            _encode_arg(item, tags, parts)
        tags.append("]")
    else:
        raise MessageError(
            "OSC carries numbers, text, bytes, True, False, None and lists of "
            "those, not %s (%r)." % (type(value).__name__, value))


def check_address(address):
    """Raise ``MessageError`` unless ``address`` can be an OSC address:
    text starting with ``/``.

    Example: ``check_address("/pad/1")``"""
    if not isinstance(address, str) or not address.startswith("/") or any(c.isspace() for c in address):
        raise MessageError(
            "An OSC address is text starting with '/' and without spaces, "
            "such as '/pad/1', not %r." % (address,))


def encode_message(address, args):
    """The bytes of the OSC message ``address`` with the list ``args``.

    Example: ``encode_message("/note", [60, 0.5])``"""
    check_address(address)
    tags, parts = [","], []
    for value in args:
        _encode_arg(value, tags, parts)
    return _size_checked(_string(address, "The address") + _string("".join(tags), "") + b"".join(parts))


def encode_bundle(messages, when=None):
    """The bytes of an OSC bundle of ``messages`` (each an
    ``(address, args)`` pair) for the time ``when`` (None: at once).

    Example: ``encode_bundle([("/a", [1]), ("/b", [])], time.time() + 1)``"""
    parts = [_BUNDLE, time_tag(when)]
    for address, args in messages:
        element = encode_message(address, args)
        parts.append(_UINT32.pack(len(element)) + element)
    return _size_checked(b"".join(parts))


def _size_checked(data):
    if len(data) > MAX_PACKET_BYTES:
        raise MessageError(
            "This OSC packet would be %d bytes; pgnet sends %d at most. Send "
            "less at once." % (len(data), MAX_PACKET_BYTES))
    return data


# -- decoding ----------------------------------------------------------------

def decode(data):
    """The ``Group`` list in an OSC packet (a message is one group; a
    bundle is a group for its own messages and one for each bundle inside
    it, which is never meant for earlier than the bundle around it).

    Raises ``Malformed`` for anything else, ``TooBig`` for too much.

    Example:

        for when, messages in decode(data):
            ...
    """
    if len(data) > MAX_PACKET_BYTES:
        raise TooBig("%d bytes, more than %d" % (len(data), MAX_PACKET_BYTES))
    data = bytes(data)
    groups = []
    try:
        if data.startswith(b"/"):
            groups.append(Group(None, [_decode_message(data)]))
        elif data.startswith(_BUNDLE):
            _decode_bundle(data, None, 1, groups)
        else:
            raise Malformed("neither a message nor a bundle")
    except (struct.error, IndexError, ValueError) as error:
        if isinstance(error, Malformed):
            raise
        raise Malformed("cut short or garbled (%s)" % error) from None
    if sum(len(group.messages) for group in groups) > MAX_MESSAGES:
        raise TooBig("more than %d messages" % MAX_MESSAGES)
    return groups


def _decode_bundle(data, outer_when, depth, groups):
    if depth > MAX_DEPTH:
        raise TooBig("bundles nested more than %d deep" % MAX_DEPTH)
    if len(data) < 16 or len(data) % 4:
        raise Malformed("a bundle of %d bytes" % len(data))
    when = _read_time(data, 8)
    if outer_when is not None and (when is None or when < outer_when):
        when = outer_when
    group = Group(when, [])
    groups.append(group)
    index = 16
    while index < len(data):
        size = _INT32.unpack_from(data, index)[0]
        index += 4
        if size <= 0 or size % 4 or index + size > len(data):
            raise Malformed("a bundle element of %d bytes" % size)
        element = data[index:index + size]
        index += size
        if element.startswith(b"/"):
            group.messages.append(_decode_message(element))
        elif element.startswith(_BUNDLE):
            _decode_bundle(element, when, depth + 1, groups)
        else:
            raise Malformed("a bundle element that is neither a message nor a bundle")
        if len(group.messages) > MAX_MESSAGES:
            raise TooBig("more than %d messages" % MAX_MESSAGES)
    if not group.messages:
        groups.remove(group)


def _read_string(data, index):
    end = data.index(b"\x00", index)
    following = (end - index) // 4 * 4 + 4 + index
    if following > len(data):
        raise Malformed("a string without its padding")
    return data[index:end].decode("utf-8", "replace"), following


def _decode_message(data):
    if len(data) % 4:
        raise Malformed("a message of %d bytes (not a multiple of 4)" % len(data))
    address, index = _read_string(data, 0)
    if index == len(data):  # OSC 1.0 allows a message with no type tags at all
        return address, []
    tags, index = _read_string(data, index)
    if not tags.startswith(","):
        raise Malformed("type tags that do not start with ','")
    args = []
    stack = [args]
    for tag in tags[1:]:
        reader = _READERS.get(tag)
        if reader is not None:
            value, index = reader(data, index)
            stack[-1].append(value)
        elif tag in _CONSTANTS:
            stack[-1].append(_CONSTANTS[tag])
        elif tag == "[":
            stack.append([])
            stack[-2].append(stack[-1])
        elif tag == "]" and len(stack) > 1:
            stack.pop()
        else:
            raise Malformed("the type tag %r" % tag)
    if len(stack) != 1:
        raise Malformed("an array that is never closed")
    if index != len(data):
        raise Malformed("%d bytes left over after the arguments" % (len(data) - index))
    return address, args


def _fixed(codec, size):
    def read(data, index):
        if index + size > len(data):
            raise Malformed("cut short")
        return codec.unpack_from(data, index)[0], index + size
    return read


def _read_blob(data, index):
    size = _INT32.unpack_from(data, index)[0]
    start = index + 4
    end = start + size
    if size < 0 or end + (-size % 4) > len(data):
        raise Malformed("a blob of %d bytes in %d" % (size, len(data) - start))
    return data[start:end], end + (-size % 4)


def _read_char(data, index):
    code = _UINT32.unpack_from(data, index)[0]
    if code > 0x10FFFF:
        raise Malformed("the character number %d" % code)
    return chr(code), index + 4


def _read_four_bytes(data, index):
    if index + 4 > len(data):
        raise Malformed("cut short")
    return tuple(data[index:index + 4]), index + 4


def _read_time_arg(data, index):
    if index + 8 > len(data):
        raise Malformed("cut short")
    return _read_time(data, index), index + 8


# What each type tag becomes in Python (docs/osc.md has the table).
_READERS = {
    "i": _fixed(_INT32, 4), "h": _fixed(_INT64, 8),
    "f": _fixed(_FLOAT, 4), "d": _fixed(_DOUBLE, 8),
    "s": _read_string, "S": _read_string, "c": _read_char,
    "b": _read_blob, "t": _read_time_arg,
    "r": _read_four_bytes, "m": _read_four_bytes,
}
_CONSTANTS = {"T": True, "F": False, "N": None, "I": math.inf}
