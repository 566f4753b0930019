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

import re
import threading

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


def _carries(value, depth=1):
    """True if pgnet can carry ``value``: ``_check`` without working out
    where the trouble is, which only matters when there is some."""
    kind = type(value)
    if kind is dict:
        if depth > settings.max_depth:
            return False
        for key, item in value.items():
            if type(key) not in _KEY_SET or (type(item) not in _PLAIN and not _carries(item, depth + 1)):
                return False
        return True
    if kind is list or kind is tuple:
        if depth > settings.max_depth:
            return False
        for item in value:
            if type(item) not in _PLAIN and not _carries(item, depth + 1):
                return False
        return True
    return kind in _PLAIN


def _check(value, where="", depth=1):
    """Raise MessageError naming the first value pgnet cannot carry."""
    kind = type(value)
    if kind in _PLAIN:
        return
    if kind in (list, tuple, dict) and depth > settings.max_depth:
        raise MessageError(
            "pgnet cannot send values nested more than %d deep%s "
            "(pgnet.settings.max_depth). Flatten it first."
            % (settings.max_depth, where and " (at %s)" % where)
        )
    if kind is list or kind is tuple:
        for index, item in enumerate(value):
            _check(item, "%s[%d]" % (where, index), depth + 1)
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) not in _KEY_TYPES:
                raise MessageError(
                    "pgnet cannot send a dict with a %s key (%r)%s: dict keys "
                    "must be str or int." % (type(key).__name__, key, where and " in " + where)
                )
            _check(item, "%s[%r]" % (where, key), depth + 1)
        return
    raise _explain(value, where)


def _pack_special(value):
    """msgpack's fallback for the two types it cannot store natively."""
    if type(value) is tuple:
        return msgpack.ExtType(TUPLE_EXT, _packb(list(value)))
    if type(value) is int:
        length = (value.bit_length() + 8) // 8
        if length > MAX_BIG_INT_BYTES:
            raise MessageError(
                "pgnet cannot send a number of %d bits: the limit is %d bytes "
                "(numbers of about 2466 digits). Send it as text instead."
                % (value.bit_length(), MAX_BIG_INT_BYTES)
            )
        return msgpack.ExtType(BIG_INT_EXT, value.to_bytes(length, "big", signed=True))
    raise _explain(value, "")


def _packb(value):
    return msgpack.packb(
        value, use_bin_type=True, strict_types=True, default=_pack_special
    )


# One Packer per thread, made once: making one costs more than packing a
# small message. (A Packer is not safe to share between threads.)
_packers = threading.local()


def _packer():
    try:
        return _packers.packer
    except AttributeError:
        packer = _packers.packer = msgpack.Packer(
            use_bin_type=True, strict_types=True, default=_pack_special
        )
        return packer


class _Tuple:
    """A tuple's bytes, met while decoding the value around it: decoded
    afterwards by ``_Decoding.settle``, so that tuples inside tuples never
    make the decoder call itself (deep nesting would overflow the C stack)."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data


class _Decoding:
    """One message being decoded, and what it has cost so far.

    msgpack calls ``count`` for each list and dict it builds and
    ``extension`` for each extension value; both raise ``ValueError`` as
    soon as the message is over a limit, so a message can never make more
    than ``settings.max_items`` values (a few tens of bytes each)."""

    __slots__ = ("items", "containers", "tuples", "limit")

    def __init__(self):
        self.items = self.containers = self.tuples = 0
        self.limit = settings.max_items

    def count(self, container):
        self.items += len(container) + 1
        self.containers += 1
        if self.items > self.limit:
            raise ValueError(
                "more than %d values (pgnet.settings.max_items)" % self.limit
            )
        return container

    def extension(self, code, data):
        if code == TUPLE_EXT:
            self.tuples += 1
            return _Tuple(data)
        if code == BIG_INT_EXT:
            if len(data) > MAX_BIG_INT_BYTES:
                raise ValueError("an integer of more than %d bytes" % MAX_BIG_INT_BYTES)
            return int.from_bytes(data, "big", signed=True)
        raise ValueError("unknown extension type %d" % code)

    def unpack(self, data):
        # (msgpack's limit on a string is the length of the data, so a
        # header cannot claim more than is there; a list or dict is made at
        # the length its header claims, before ``count`` sees it.)
        return msgpack.unpackb(
            data, raw=False, strict_map_key=False, list_hook=self.count,
            object_hook=self.count, ext_hook=self.extension,
            max_array_len=self.limit, max_map_len=self.limit,
        )

    def settle(self, value):
        """``value`` with its tuples decoded, checked for depth and for
        values pgnet does not carry; without recursion."""
        max_depth = settings.max_depth
        holder = [value]
        # ("walk", container, depth) looks at a container's values;
        # ("fix", parent, key, items) puts a decoded tuple in its place,
        # after its own items are settled (popped later: a stack).
        todo = [("walk", holder, 0)]
        while todo:
            task = todo.pop()
            if task[0] == "fix":
                _, parent, key, items = task
                parent[key] = tuple(items)
                continue
            _, container, depth = task
            if type(container) is dict:
                for key in container:
                    if type(key) in _UNSETTLED:
                        raise ValueError("a dict key that is not text or a number")
                pairs = container.items()
            else:
                pairs = enumerate(container)
            for key, item in pairs:
                kind = type(item)
                if kind in _PLAIN:
                    continue
                if depth >= max_depth:
                    raise ValueError(
                        "nested more than %d deep (pgnet.settings.max_depth)" % max_depth
                    )
                if kind is _Tuple:
                    items = self.unpack(item.data)
                    if type(items) is not list:
                        raise ValueError("a tuple must hold an array")
                    todo.append(("fix", container, key, items))
                    todo.append(("walk", items, depth + 1))
                elif kind is list or kind is dict:
                    todo.append(("walk", item, depth + 1))
                else:
                    raise ValueError("a %s, which pgnet does not carry" % kind.__name__)
        return holder[0]


#: The largest integer pgnet carries, in bytes (8192 bits: numbers of
#: up to 2466 digits, which Python can still print).
#:
#: Example: ``encode(2**8000)`` works; ``encode(2**9000)`` is refused.
MAX_BIG_INT_BYTES = 1024

_UNSETTLED = frozenset((_Tuple, msgpack.Timestamp))
# The bytes that start an extension value (fixext 1 to 16, ext 8 to 32),
# wherever they are: where none is, there is none.
_ANY_EXTENSION = re.compile(rb"[\xc7-\xc9\xd4-\xd8]").search


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
    packer = _packer()
    try:
        data = packer.pack(value)
    except BaseException:
        packer.reset()  # (so that no half-packed value is left in it)
        raise
    if len(data) > settings.max_message_bytes:
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
    size = len(data)
    if size <= settings.max_depth and 2 * size <= settings.max_items and not _ANY_EXTENSION(data):
        # Too short to hold more values, or values nested deeper, than the
        # limits allow (each takes a byte at least), and without a single
        # byte that starts an extension value: msgpack alone is enough.
        try:
            return msgpack.unpackb(data, raw=False, strict_map_key=False)
        except Exception as error:  # a peer's bytes may break the decoder any way
            raise _not_a_message(data, error) from None
    decoding = _Decoding()
    try:
        value = decoding.unpack(data)
        # Settling costs a look at every value: only when something may
        # need it (a tuple; nesting as deep as the limit; what may be a
        # msgpack Timestamp, which msgpack makes without asking: its type
        # byte is ff, so where there is no ff byte there is none. That one
        # look is quick; two-byte ones can be slow over large bodies.)
        if (decoding.tuples or decoding.containers >= settings.max_depth
                or b"\xff" in data and (
                    b"\xd6\xff" in data or b"\xd7\xff" in data
                    or b"\xc7" in data or b"\xc8" in data or b"\xc9" in data)):
            value = decoding.settle(value)
        return value
    except Exception as error:  # a peer's bytes may break the decoder any way
        raise _not_a_message(data, error) from None


def _not_a_message(data, error):
    return MessageError(
        "Received %s that is not a pgnet message (%s)." % (describe_size(len(data)), error)
    )
