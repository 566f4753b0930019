"""How a request (a message or a command) and its reply are framed on the
wire: the frames around the body, read and written. ``pgnet.transport``
sends and receives them; ``docs/wire-format.md`` describes them for
programs in other languages.

There are two envelopes, and a listener understands both:

* **the lean envelope** (version 2): a request is one frame, ``LEAN``
  (the version byte), a kind byte, the 8-byte request number and the body;
  a reply likewise, with the kind byte ``R`` (a reply) or ``E`` (no
  answer: the body is a text saying why).
* **the four-frame envelope** (version 1), what older pgnet programs and
  plain ZeroMQ peers speak: ``[number, "", kind, body]``, answered by
  ``[number, "", body]`` or ``[number, "", ERROR, text]``; a REQ socket
  sends ``["", body]`` (raw bytes) and gets ``[body]``.

A sender starts with the four-frame envelope and adds the frame
``LEAN_OFFER`` after the number of each message. A listener that understands the lean
envelope answers in it, and from then on the sender uses it too; an older
listener sends the offer back with the rest of the envelope, unread, so
the sender keeps to the four frames.

The request number is 8 bytes that the listener sends back unchanged (for
a command, nobody answers it: the listener may read it as it likes).

Example:

    frames = request(MESSAGE, number, body, raw=False, lean=True)
    # [b"\\x02M" + number + body]
    kind, raw, number, body, route = read_request([identity] + frames)
    reply_frames(route, b"...")       # [identity, b"\\x02R" + number + b"..."]
"""

__all__ = [
    "VERSION", "MESSAGE", "COMMAND", "ERROR", "LEAN", "LEAN_OFFER", "HEADER_BYTES", "REPLY",
    "request", "read_request", "is_lean", "reply_frames", "read_reply",
]

#: The kinds of the four-frame envelope: what a message or a command
#: carries before its body. Example: ``[number, b"", MESSAGE, body]``.
MESSAGE = b"message"
COMMAND = b"command"
#: What a four-frame reply carries before its body when the other program
#: could not answer: the body is a text saying why.
#: Example: ``[number, b"", ERROR, wire.encode("its hook raised ValueError")]``.
ERROR = b"error"

#: The newest envelope this pgnet's listeners understand: 2, the lean one
#: (1 is the four-frame one). Adverts carry it (``"w"``), so that a program
#: in another language may send the lean envelope from its first request.
#: Example: ``if advert.get("w", 1) >= VERSION: ...``.
VERSION = 2
#: The lean envelope's first byte: its version. Example: ``LEAN + b"M" + number + body``.
LEAN = bytes([VERSION])
#: The frame a sender puts after the number of a four-frame request to say
#: it understands the lean envelope.
#: Example: ``[number, LEAN_OFFER, b"", MESSAGE, body]``.
LEAN_OFFER = b"\x00pgnet-lean-2"

#: How many bytes come before the body in the lean envelope: the version,
#: the kind and the 8-byte number. Example: ``body = frame[HEADER_BYTES:]``.
HEADER_BYTES = 10
#: What a lean reply starts with, before the request's number.
#: Example: ``if frame[:HEADER_BYTES] == REPLY + number: ...``.
REPLY = LEAN + b"R"

_RAW = LEAN + b"B"  # a message of raw bytes
_HEADS = {MESSAGE: LEAN + b"M", COMMAND: LEAN + b"C"}
_KINDS = {LEAN + b"M": (MESSAGE, False), LEAN + b"C": (COMMAND, False), _RAW: (MESSAGE, True)}
_ERROR_REPLY = LEAN + b"E"


def request(kind, number, body, raw, lean):
    """The frames of a request of ``kind`` (``MESSAGE`` or ``COMMAND``),
    ``number`` (8 bytes) and ``body``: ``raw`` for a message of raw bytes;
    ``lean`` once the listener has answered in the lean envelope (before
    that, the four frames, with the offer in a message).

    Example: ``request(COMMAND, number, body, False, True)   # one frame``"""
    if lean:
        return [(_RAW if raw else _HEADS[kind]) + number + body]
    if raw:
        return [number, LEAN_OFFER, b"", body]
    if kind == COMMAND:  # (no answer comes: an offer would only cost a frame)
        return [number, b"", kind, body]
    return [number, LEAN_OFFER, b"", kind, body]


def read_request(frames):
    """What a ROUTER socket received, ``[identity, ...]``, read as a
    request: ``(kind, raw, number, body, route)``, or a text saying why it
    is malformed. ``number`` is the request's 8 bytes (None from a REQ
    socket, which has none); ``route`` is what ``reply_frames`` needs to
    answer it.

    Example:

        kind, raw, number, body, route = read_request([identity, b"\\x02C" + number + body])
    """
    if len(frames) == 2:
        frame = frames[1]
        kind = _KINDS.get(frame[:2])
        if kind is not None and len(frame) >= HEADER_BYTES:
            number = frame[2:HEADER_BYTES]
            return kind[0], kind[1], number, frame[HEADER_BYTES:], (frames[0], number)
    try:
        delimiter = frames.index(b"", 1)
    except ValueError:
        return "no envelope"
    envelope, rest = frames[: delimiter + 1], frames[delimiter + 1 :]
    number = frames[1] if delimiter > 1 else None
    if len(rest) == 1:  # a plain ZeroMQ REQ peer, or raw=True: raw bytes
        kind, body, raw = MESSAGE, rest[0], True
    elif len(rest) == 2 and rest[0] in (MESSAGE, COMMAND):
        (kind, body), raw = rest, False
    else:
        return "%d parts" % len(rest)
    if delimiter == 3 and frames[2] == LEAN_OFFER:  # a sender that understands both
        return kind, raw, number, body, (frames[0], number)
    return kind, raw, number, body, envelope


def is_lean(route):
    """True if a request whose ``route`` (from ``read_request``) this is
    came from a pgnet sender that understands the lean envelope (so it
    understands an error reply even to raw bytes).

    Example: ``is_lean((identity, number))   # True``"""
    return type(route) is tuple


def reply_frames(route, body, error=False):
    """The frames that answer the request ``route`` came with (see
    ``read_request``) with ``body``: the reply, or with ``error`` a text
    saying why there is none.

    Example: ``reply_frames(route, wire.encode("yes"))``"""
    if type(route) is tuple:
        return [route[0], (_ERROR_REPLY if error else REPLY) + route[1] + body]
    return route + [ERROR, body] if error else route + [body]


def read_reply(frames):
    """What a DEALER socket received, read as a reply: ``(number, body,
    error, lean)`` (``error``: the body is a text saying why there is no
    answer; ``lean``: it came in the lean envelope), or None if malformed.

    Example: ``number, body, error, lean = read_reply([b"\\x02R" + number + body])``"""
    if len(frames) == 1:
        frame = frames[0]
        head = frame[:2]
        if (head == REPLY or head == _ERROR_REPLY) and len(frame) >= HEADER_BYTES:
            return frame[2:HEADER_BYTES], frame[HEADER_BYTES:], head == _ERROR_REPLY, True
        return None
    # The four-frame envelope, sent back with the offer by an older listener.
    rest = frames[2:] if frames[1] == LEAN_OFFER else frames[1:]
    if not rest or rest[0] != b"":
        return None
    if len(rest) == 2:
        return frames[0], rest[1], False, False
    if len(rest) == 3 and rest[1] == ERROR:
        return frames[0], rest[2], True, False
    return None
