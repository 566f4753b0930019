"""How Python values become bytes on the network, and back again.

pgnet uses MessagePack (https://msgpack.org), a compact binary format with
libraries for nearly every language, so a program written in C, JavaScript or
Rust can talk to a pgnet program. Two MessagePack *extension types* keep the
Python types that MessagePack alone would lose:

* extension 1: a ``tuple`` (its data is the MessagePack array of its items);
* extension 2: an ``int`` too big for 64 bits (its data is the number as
  signed big-endian bytes).

Nothing else is accepted, so nothing a peer sends can run code in your
program (pgnet never uses ``pickle``). ``docs/wire-format.md`` describes the
whole protocol.

Example:

    >>> decode(encode({"pos": (10, 20), "big": 2**100}))
    {'pos': (10, 20), 'big': 1267650600228229401496703205376}
"""

import msgpack

from .errors import MessageError
from .settings import settings

TUPLE_EXT = 1
BIG_INT_EXT = 2

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1
_SCALARS = (str, bytes, float, bool, type(None))
_KEY_TYPES = (str, int, bool)
_PLAIN = frozenset(_SCALARS + (int,))  # for _carries: sets are quicker to search
_KEY_SET = frozenset(_KEY_TYPES)

_SUPPORTED = (
    "str, bytes, int, float, bool, None, list, tuple and dict "
    "(with str or int keys)"
)


def _explain(value, where):
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return MessageError(
        "pgnet cannot send %s %s%s: send %s instead. (pgnet carries only %s.)"
        % (type(value).__name__, shown, where and " (at %s in your message)" % where,
           _instead(value), _SUPPORTED)
    )


def _instead(value):
    """What to send in place of ``value``, in words, for the common cases."""
    kind = type(value).__name__
    if kind == "Actor":  # Pygame Zero's
        return "its position, actor.pos, or a dict such as {'x': actor.x, 'y': actor.y}"
    if isinstance(value, (set, frozenset)):
        return "a list, list(...)"
    if kind in ("Rect", "ZRect", "FRect"):
        return "a tuple, tuple(rect)"
    if kind == "Surface":
        return "the name of the image, and load it in the other program"
    if callable(getattr(value, "tolist", None)):  # numpy arrays and numbers
        return "a list or a number, value.tolist()"
    if hasattr(value, "__dict__"):
        return "a dict of what the other program needs, such as {'x': 1, 'name': 'Ada'}"
    return "text, a number, a list or a dict"


def _carries(value):
    """True if pgnet can carry ``value``: ``_check`` without working out
    where the trouble is, which only matters when there is some."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) not in _KEY_SET or (type(item) not in _PLAIN and not _carries(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in _PLAIN and not _carries(item):
                return False
        return True
    return kind in _PLAIN


def _check(value, where=""):
    """Raise MessageError naming the first value pgnet cannot carry."""
    kind = type(value)
    if kind in _SCALARS:
        return
    if kind is int:
        return
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            _check(item, "%s[%d]" % (where, index))
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) not in _KEY_TYPES:
                raise MessageError(
                    "pgnet cannot send a dict with a %s key (%r)%s: dict keys "
                    "must be str or int." % (type(key).__name__, key, where and " in " + where)
                )
            _check(item, "%s[%r]" % (where, key))
        return
    raise _explain(value, where)


def _pack_special(value):
    """msgpack's fallback for the two types it cannot store natively."""
    if type(value) is tuple:
        return msgpack.ExtType(TUPLE_EXT, _packb(list(value)))
    if type(value) is int:
        length = (value.bit_length() + 8) // 8
        return msgpack.ExtType(BIG_INT_EXT, value.to_bytes(length, "big", signed=True))
    raise _explain(value, "")


def _packb(value):
    return msgpack.packb(
        value, use_bin_type=True, strict_types=True, default=_pack_special
    )


def _unpack_special(code, data):
    if code == TUPLE_EXT:
        items = _unpackb(data)
        if type(items) is not list:
            raise ValueError("a tuple must hold an array")
        return tuple(items)
    if code == BIG_INT_EXT:
        return int.from_bytes(data, "big", signed=True)
    raise ValueError("unknown extension type %d" % code)


def _unpackb(data):
    return msgpack.unpackb(
        data, raw=False, strict_map_key=False, ext_hook=_unpack_special
    )


def encode(value):
    """Turn a Python value into bytes, or raise ``MessageError``.

    The error names the value that cannot be sent and says why, including
    when the encoded message is larger than
    ``pgnet.settings.max_message_bytes``.

    Example:

        data = encode(["LEFT", 0.5])
    """
    if not _carries(value):  # also at the top: msgpack alone would pack a bytearray
        _check(value)
    data = _packb(value)
    check_size(len(data))
    return data


def check_size(size):
    """Raise ``MessageError`` if ``size`` bytes is over the limit."""
    limit = settings.max_message_bytes
    if size > limit:
        raise MessageError(
            "This message is %s, more than pgnet's limit of %s. Send it in "
            "smaller pieces, or raise pgnet.settings.max_message_bytes in both "
            "programs." % (describe_size(size), describe_size(limit))
        )


def describe_size(size):
    """``1500000`` -> ``'1.5 MB'``: sizes as a person reads them."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return "%.1f %s" % (size / scale, unit)
    return "%d bytes" % size


def decode(data):
    """Turn bytes from the network back into a Python value.

    Raises ``MessageError`` for anything that is not a well-formed
    pgnet message; receivers catch it, warn and carry on.

    Example:

        decode(encode((1, "two")))   # -> (1, 'two')
    """
    try:
        return _unpackb(data)
    except Exception as error:  # a peer's bytes may break the decoder any way
        raise MessageError(
            "Received %s that is not a pgnet message (%s)."
            % (describe_size(len(data)), error)
        ) from None
