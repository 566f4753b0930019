"""The room password: proving that traffic comes from a program of the room.

With a password (``PGNET_PASSWORD`` or ``pgnet.settings.password``), every
program of a room derives the same secret *room key* from the room's name
and the password, once, with a deliberately slow function (scrypt), so that
guessing passwords from captured packets is slow too. Each discovery packet,
message, command, reply and news item then carries a *seal*: who sealed it
(a random id), a counter, the time, and an HMAC-SHA256 tag over all that
and the data. A receiver checks the tag with its own room key and drops
anything that does not match (a stranger, another room, another password)
or that it has seen before (a replay): dropped and counted, never acted on.

Traffic is authenticated, not encrypted: anyone on the network can still
read it, but nobody without the password can send anything a program acts on.

Without a password, nothing is sealed and ``active()`` is False.

The sockets (``pgnet.transport``) use two calls, each a no-op without a
password: ``seal(endpoint, purpose, body)`` before sending a body, and
``unseal(purpose, body, source)`` on what arrives.

Example:

    from pgnet import auth
    sealer = auth.Sealer()
    sealed = sealer.seal(b"command", body)      # body + the seal
    auth.open_sealed(b"command", sealed)        # body, or None if not genuine
"""

import os
import struct
import threading
import time
import weakref
from collections import OrderedDict

from .errors import WrongPasswordWarning, warn
from .settings import settings

# hashlib and hmac are imported by the calls that need them, which only a
# room with a password makes: hashlib loads OpenSSL, a few milliseconds.

#: How far (seconds) a seal's time may be from this computer's clock. The
#: computers of a room must agree on the time within this.
#:
#: Example: a command sealed 3 minutes ago is refused as a possible replay.
MAX_CLOCK_DIFFERENCE_S = 120.0

#: How many senders the replay guard remembers (only genuine traffic, which
#: outsiders cannot make, adds to it).
#:
#: Example: ``len(auth.guard) <= MAX_SENDERS``.
MAX_SENDERS = 4096

#: Bytes of a seal: sender id (8), counter (8), time (8), tag (32).
#:
#: Example: ``len(sealer.seal(b"x", b"")) == SEAL_LENGTH``.
SEAL_LENGTH = 56

# How far back (in counter steps) a seal may arrive late and still count.
_WINDOW = 64
_ALL = (1 << _WINDOW) - 1

#: The first 24 bytes of a seal: who sealed it, the counter, the time.
#:
#: Example: ``sender, counter, sent_at = SEAL_HEAD.unpack(seal[:24])``.
SEAL_HEAD = struct.Struct("!8sQd")

_keys = {}  # (room, password) -> key; derived once per program
_keys_lock = threading.Lock()  # held while a key is derived: one derivation at a time
_deriving = set()  # (room, password) whose key is derived in the background (key_ready)
_deriving_lock = threading.Lock()


def _after_fork_in_child():
    # A child made by os.fork() has none of its parent's threads: a
    # derivation under way there never finishes here, so start afresh.
    global _keys_lock, _deriving_lock
    _keys_lock, _deriving_lock = threading.Lock(), threading.Lock()
    _deriving.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def active():
    """True when a room password is set, so traffic is sealed and checked.

    Example:

        if auth.active():
            print("this room has a password")
    """
    return bool(settings.password)


def room_key(room=None, password=None):
    """The 32-byte key of ``room`` with ``password`` (the settings' if not
    given), derived once per program (about 50 ms) and then remembered.

    Example:

        room_key("5B", "tiger lily")   # b'...' (32 bytes)
    """
    room = settings.room if room is None else room
    password = settings.password if password is None else password
    key = _keys.get((room, password))
    if key is None:
        with _keys_lock:
            key = _keys.get((room, password))  # (derived meanwhile by another thread?)
            if key is None:
                import hashlib

                key = _keys[(room, password)] = hashlib.scrypt(
                    # (surrogatepass: a password read from bytes that are not UTF-8 still
                    # makes a key, the same one every time.)
                    password.encode("utf-8", "surrogatepass"), salt=b"pgnet room key\x00" + room.encode("utf-8"),
                    n=2 ** 14, r=8, p=1, maxmem=64 * 1024 * 1024, dklen=32,
                )
    return key


def key_ready():
    """True if sealing and checking need no wait now: there is no password,
    or the room's key is derived. If not, the key is being derived in a
    background thread (started now if need be), and this is True about
    50 ms later: a game's frame, which must never wait, sends and reads
    nothing sealed until then.

    ``import pgnet`` in a Pygame Zero game calls it, so that the key is
    ready before the game's first frame needs it.

    Example:

        if auth.key_ready():
            body = auth.seal(sender, b"command", body)   # no wait
    """
    password, room = settings.password, settings.room
    if not password or (room, password) in _keys:
        return True
    with _deriving_lock:
        if (room, password) in _deriving:
            return False
        _deriving.add((room, password))
    threading.Thread(target=room_key, args=(room, password),
                     name="pgnet room key", daemon=True).start()
    return False


def tag(key, *parts):
    """HMAC-SHA256 of ``parts`` (bytes) under ``key``, each part's length
    included so that parts cannot be shifted into each other.

    Example:

        tag(room_key(), b"command", body)   # 32 bytes
    """
    import hashlib
    import hmac

    mac = hmac.new(key, digestmod=hashlib.sha256)
    for part in parts:
        mac.update(struct.pack("!I", len(part)))
        mac.update(part)
    return mac.digest()


def has_tag(mac, key, *parts):
    """True if ``mac`` is the ``tag`` of ``parts`` under ``key`` (compared
    in constant time, so that the time taken gives nothing away).

    Example:

        has_tag(sealed[-32:], room_key(), b"command", sealed[:-32])   # True or False
    """
    import hmac

    return hmac.compare_digest(mac, tag(key, *parts))


class Counts:
    """How much traffic was refused, and why (``pgnet doctor`` shows them).

    Example:

        auth.counts.no_key     # sealed with another key, or not sealed at all
        auth.counts.replayed   # seen before, or too old
    """

    def __init__(self):
        self.no_key = 0
        self.replayed = 0


#: This program's refusal counts.
#:
#: Example: ``print(auth.counts.no_key, "packets without the password")``.
counts = Counts()


class ReplayGuard:
    """Remembers, for each sender, the highest counter seen and which of the
    ``_WINDOW`` counters below it came, so each seal counts once; bounded to
    ``MAX_SENDERS`` senders (the least recently heard is forgotten first).

    Example:

        guard = ReplayGuard()
        guard.fresh(b"sender01", 1, time.time())   # True
        guard.fresh(b"sender01", 1, time.time())   # False: seen before
    """

    def __init__(self, limit=MAX_SENDERS):
        self.limit = limit
        self._senders = OrderedDict()  # id -> (highest counter, bitmask below it)
        self._lock = threading.Lock()

    def __len__(self):
        return len(self._senders)

    def fresh(self, sender, counter, sent_at, now=None):
        """True (and remembered) if this seal was never seen and its time is
        close to this computer's clock; False if it is a replay.

        Example: ``guard.fresh(sender_id, 7, sent_at)``"""
        now = time.time() if now is None else now
        if not abs(now - sent_at) <= MAX_CLOCK_DIFFERENCE_S:  # (NaN fails too)
            return False
        with self._lock:
            highest, seen = self._senders.pop(sender, (0, 0))
            if counter > highest:
                shift = counter - highest
                # bit d-1 of `seen` set: counter `highest - d` came
                seen = ((seen << shift) | (1 << (shift - 1))) & _ALL if shift <= _WINDOW else 0
                highest, ok = counter, True
            else:
                distance = highest - counter
                bit = 1 << (distance - 1) if 0 < distance <= _WINDOW else 0
                ok = bool(bit) and not seen & bit
                seen |= bit
            self._senders[sender] = (highest, seen)
            if len(self._senders) > self.limit:
                self._senders.popitem(last=False)
        return ok


#: The program's replay guard, for every kind of traffic but news: a news
#: item reaches each subscriber of its publisher, so each subscriber has a
#: guard of its own (see ``unseal``).
#:
#: Example: ``auth.guard.fresh(sender, counter, sent_at)``.
guard = ReplayGuard()


class Sealer:
    """Seals what one socket (or the discovery beacon) sends: its own random
    id and a counter that goes up by one with each seal.

    Example:

        sealer = Sealer()
        sealed = sealer.seal(b"message", body)
    """

    def __init__(self):
        self.id = os.urandom(8)
        self._counter = 0
        self._lock = threading.Lock()

    def next(self):
        """``(id, counter, time)`` for the next seal.

        Example: ``sender, counter, sent_at = sealer.next()``"""
        with self._lock:
            self._counter += 1
            return self.id, self._counter, time.time()

    def seal(self, purpose, body):
        """``body`` followed by its seal; ``purpose`` (such as ``b"command"``
        or a news topic) is covered by the tag, so that a sealed message
        cannot be passed off as a command.

        Example: ``sealer.seal(b"command", body)``"""
        head = SEAL_HEAD.pack(*self.next())
        return body + head + tag(room_key(), purpose, body, head)


def open_sealed(purpose, sealed, seen=None):
    """The body inside ``sealed`` if its seal is genuine and new to
    ``seen`` (a ``ReplayGuard``; the program's ``guard`` if not given),
    else None (and counted in ``counts``).

    Example:

        body = open_sealed(b"command", frames[-1])
        if body is None:
            return   # not from this room, or a replay: ignore it
    """
    if len(sealed) < SEAL_LENGTH:
        counts.no_key += 1
        return None
    body, head, mac = sealed[:-SEAL_LENGTH], sealed[-SEAL_LENGTH:-32], sealed[-32:]
    if not has_tag(mac, room_key(), purpose, body, head):
        counts.no_key += 1
        return None
    sender, counter, sent_at = SEAL_HEAD.unpack(head)
    if not (guard if seen is None else seen).fresh(sender, counter, sent_at):
        counts.replayed += 1
        return None
    return body


_sealers = weakref.WeakKeyDictionary()  # endpoint -> its Sealer
_warned_sources = set()
_MAX_WARNED = 32


def seal(endpoint, purpose, body):
    """``body`` as ``endpoint`` (a socket of this program) sends it: sealed
    with the room's key when there is a password, else unchanged.

    Example:

        frames = [number, b"", kind, auth.seal(self, kind, body)]
    """
    if not settings.password:
        return body
    sealer = _sealers.get(endpoint)
    if sealer is None:
        sealer = _sealers[endpoint] = Sealer()
    return sealer.seal(purpose, body)


def unseal(purpose, body, source, seen=None):
    """The body inside ``body``, which arrived on ``source`` (a name or an
    address, for the warning): unchanged without a password; with one, the
    body if its seal is genuine and new (to ``seen``, a ``ReplayGuard``, or
    to the program's ``guard``), else None (dropped, counted, and warned
    once per source).

    Example:

        body = auth.unseal(b"command", body, "robot")
        if body is None:
            return
    """
    if not settings.password:
        return body
    opened = open_sealed(purpose, body, seen)
    if opened is None and source not in _warned_sources and len(_warned_sources) < _MAX_WARNED:
        _warned_sources.add(source)
        warn(WrongPasswordWarning,
            "Ignored something that arrived on %s without this room's password "
            "(or a copy of something already received). Check PGNET_ROOM and "
            "PGNET_PASSWORD on the program that sent it.", source)
    return opened
