"""Finding programs by name: advertise, discover, discover_all,
discover_group, unadvertise.

How it works, in brief: every pgnet program that uses discovery opens the
same UDP port (``pgnet.settings.discovery_port``) and shares it with the other
pgnet programs on its computer. A program that advertises a name sends a
small *advert* packet once a second: by broadcast on each network it is on,
and by multicast on this computer's loopback for the programs beside it.
Every program hears every advert, so each keeps its own up-to-date table of
who is where. A program that starts later sends a *query*, and everyone
answers it alone, within a few milliseconds.

A program that stops says *bye*; one that crashes simply stops sending
adverts, and the others forget it ``settings.advert_ttl_s`` seconds later.
Each program is a full peer: no program's exit can lose another's adverts.

Many programs may advertise one name (a class all running one example):
each program uses the one on its own computer if there is one, and
``"name@machine"`` picks the one on a given computer. Programs only hear
their own room (``settings.room``), and with a room password
(``settings.password``) only programs that know it.

Example, in one program:

    import pgnet
    address = pgnet.advertise("robot")   # returns at once

and in another, on the same computer or anywhere on the network:

    import pgnet
    robot = pgnet.discover("robot")      # '192.168.1.40:53121'
    robot = pgnet.discover("robot@pi-7") # the one on the computer pi-7

The parts: ``protocol`` (the packets), ``table`` (who is where),
``sockets`` (where packets go), ``beacon`` (the thread; one per program,
from ``get_beacon()``) and ``relay`` (for networks that block broadcasts).
Besides the public functions, other pgnet modules use ``get_beacon()``,
``current_beacon()``, ``local_names()``, ``find``, ``known_address``,
``listen_address``, ``advertised_at``, ``check_name``, ``split_machine``,
``share_port``, ``relay_address``, ``Service`` and ``Change``.
"""

import atexit
import os
import signal
import sys
import threading

from .. import addresses, netif
from ..errors import NameClashWarning, NotFoundWarning, UsageWarning, stops_at_public_call, warn
from .beacon import Beacon  # noqa: F401 (used by other modules)
from .sockets import packet_targets, relay_address, relay_addresses, share_port  # noqa: F401 (used by other modules)
from .protocol import MAX_NAME_LENGTH, check_name  # noqa: F401 (used by other modules)
from .table import Change, Service  # noqa: F401 (used by other modules)

# -- one beacon per program --------------------------------------------------

_beacon = None
_beacon_lock = threading.Lock()


def get_beacon():
    """This program's ``Beacon``, started on first use (and again after it
    was closed).

    Example:

        peer = discovery.get_beacon()
        peer.services()
    """
    global _beacon
    with _beacon_lock:
        if _beacon is None or _beacon.is_closed():
            _beacon = Beacon()
            atexit.register(_beacon.close)
            _install_sigterm_handler()
        return _beacon


def current_beacon():
    """This program's ``Beacon`` if discovery has started, else None;
    never starts it.

    Example:

        peer = discovery.current_beacon()
        if peer is not None:
            peer.close()
    """
    return _beacon


def local_names():
    """The names this program advertises (a list; empty if discovery has
    not started), without starting discovery.

    Example:

        discovery.local_names()   # ['pong']
    """
    peer = _beacon
    return peer.local_names() if peer is not None else []


def _install_sigterm_handler():
    """Say bye when stopped politely (SIGTERM), as well as at a normal exit.

    Only where no one else has a handler: not the program's own, and not
    SDL's, which a running pygame has (it turns SIGTERM into a QUIT event,
    so the game ends normally and ``atexit`` says the byes). Handlers run
    between two lines of Python in the main thread, and this one takes no
    lock of pgnet's (it may interrupt code holding one)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if not hasattr(signal, "SIGTERM") or signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        return
    if _pygame_running() and not os.environ.get("SDL_NO_SIGNAL_HANDLERS"):
        return  # SDL's handler is there (Python cannot see it): leave it

    def on_sigterm(signum, frame):
        if _pygame_running() and not on_sigterm.asked:
            # A pygame or Pygame Zero game: ask it to quit as the window's
            # close button does (SDL, started after us, kept this handler
            # in place of its own, which would have done the same).
            on_sigterm.asked = True
            pygame = sys.modules["pygame"]
            pygame.event.post(pygame.event.Event(pygame.QUIT))
            return
        raise SystemExit(128 + signum)

    on_sigterm.asked = False
    signal.signal(signal.SIGTERM, on_sigterm)


def _pygame_running():
    """True if this program has a pygame display (and so SDL's event queue)."""
    pygame = sys.modules.get("pygame")
    try:
        return pygame is not None and bool(pygame.display.get_init())
    except Exception:  # a half-imported or odd pygame: not ours to judge
        return False


def _after_fork_in_child():
    """A child made by ``os.fork()`` (or multiprocessing) starts clean: the
    parent's beacon is the parent's (no bye for its names from here); the
    child starts its own if it uses discovery."""
    global _beacon, _beacon_lock
    if _beacon is not None:
        _beacon.abandon()
    _beacon, _beacon_lock = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- the public functions ----------------------------------------------------

def advertise(name, address=None, unique=False):
    """Tell the network that this program is ``name``; return its address.

    ``address`` is where to listen (see ``pgnet.addresses``): leave it out
    and pgnet picks this computer's address and a free port. Returns at once,
    with the address as text. Advertising a name you already advertise,
    without giving a new address, returns the same address.

    With ``unique=True``, a name another program already advertises is
    refused: pgnet warns (``NameClashWarning``) and returns ``None``. (In
    the first fifth of a second of a program's discovery, that waits for
    the others' answers.)

    Example:

        address = pgnet.advertise("pong")
        print("Listening at", address)

        if pgnet.advertise("quiz master", unique=True) is None:
            print("Someone else is the quiz master already")
    """
    check_name(name)
    peer = get_beacon()
    mine = peer.local_address(name)
    if mine and address is None:
        return _shown(*mine)
    if unique and not mine:
        _settle(peer)
        holder = peer.lookup(name)
        if holder is not None:
            warn(NameClashWarning,
                "Another program already advertises the name %r (at %s), so "
                "this one does not. Choose another name.", name, holder,
            )
            return None
    where = addresses.for_listening(address)
    host = None if where.host == "*" else where.host
    peer.advertise(name, where.port, host)
    return where.shown


def _shown(port, host):
    """The address this program shows for a name it advertises."""
    return "%s:%d" % (host or netif.best_ip(), port)


def listen_address(name):
    """Where this program listens for ``name`` (advertising it if needed),
    as a ``pgnet.addresses.ListenAddress``.

    Example:

        listen_address("pong")   # ListenAddress('*', 40123, '192.168.1.23:40123')
    """
    address = advertise(name)
    port, host = get_beacon().local_address(name)
    return addresses.ListenAddress(host or "*", port, address)


def advertised_at(address):
    """The name this program advertises at ``address`` (text as
    ``advertise`` returned it), or None.

    Example:

        advertised_at("192.168.1.23:40123")   # 'pong'
    """
    if _beacon is None or not isinstance(address, str):
        return None
    host, _, port = address.strip().rpartition(":")
    return _beacon.name_at(host, port)


def unadvertise(name):
    """Stop advertising ``name``; the others forget it within milliseconds.

    Example:

        pgnet.unadvertise("pong")
    """
    check_name(name)
    if _beacon is None or not _beacon.unadvertise(name):
        warn(UsageWarning, "unadvertise(%r): this program was not advertising that name.", name)


def _scheduler():
    # pgnet.scheduler if loaded, else None: a program that has not loaded it
    # has no frames, and need not load it (and ZeroMQ with it) to find a name.
    return sys.modules.get(__package__.rpartition(".")[0] + ".scheduler")


def _settle(peer):
    # Let the answers to the first question come (see Beacon.settle), but
    # never inside a game's frame: there, what is known so far is the answer.
    scheduler = _scheduler()
    if scheduler is None or scheduler.may_wait():
        peer.settle()


@stops_at_public_call
def discover(name, wait_for_s=5.0):
    """The address of the program advertising ``name``, or ``None``.

    Waits up to ``wait_for_s`` seconds for it to appear (0 only looks at
    what is already known). A program already running is found in a few
    milliseconds. If nothing answers in time, pgnet warns and returns None.

    Example:

        robot = pgnet.discover("robot")
        if robot:
            pgnet.send_command(robot, "FORWARD", 0.5)
    """
    # Inside a game's frame it only looks (the scheduler says).
    scheduler = _scheduler()
    if scheduler is not None:
        wait_for_s = scheduler.frame_wait(wait_for_s)
    address = find(name, wait_for_s)
    if address is None and wait_for_s > 0:
        others = [s.name for s in get_beacon().services()]
        warn(NotFoundWarning,
            "No program called %r found on the network after %g s. Is it "
            "running, with the name spelt the same?%s",
            name, wait_for_s,
            " Services seen: %s." % ", ".join(map(repr, others)) if others else "",
        )
    return address


def find(name, wait_for_s):
    """The address of the program advertising ``name``, waiting up to
    ``wait_for_s`` seconds, or None: ``discover`` without the warning, for
    callers that say themselves what not finding it means.

    Example:

        find("chat hub", 3)   # None: no hub yet, so be the hub
    """
    address = known_address(name)
    if address is not None:
        return address
    check_name(split_machine(name)[0])
    return get_beacon().wait_for(name, wait_for_s)


def known_address(name):
    """The address of ``name`` if this program already knows it, else None;
    at once, with no checks (only valid names are ever known).

    Example:

        known_address("pong")   # '192.168.1.40:53121', or None
    """
    peer = _beacon
    if type(name) is not str or peer is None or peer.is_closed():
        return None
    return peer.lookup(name)


@stops_at_public_call
def discover_all():
    """Every service on the network, this program's own included: a list
    of ``(name, address)`` pairs, sorted. The first call waits up to 0.15 s
    for the answers; inside a Pygame Zero frame, what is known so far.

    Example:

        for name, address in pgnet.discover_all():
            print(name, "is at", address)
    """
    peer = get_beacon()
    _settle(peer)
    found = {s.name: s.address for s in peer.services()}
    for name in peer.local_names():
        # Listed at once, before its own advert has come back round.
        where = peer.local_address(name)
        if name not in found and where is not None:
            found[name] = _shown(*where)
    return sorted(found.items())


def discover_group(group, separator="/", exclude=()):
    """Every service in ``group``: the names that start with ``group`` and
    ``separator``, such as ``"chat/alice"`` and ``"chat/bob"`` in the group
    ``"chat"``. Returns a list of ``(name, address)`` pairs, leaving out the
    names in ``exclude`` (a name, or a list of names: your own, say).

    A group is only a way of naming: any program can advertise
    ``"chat/zoe"``, and it is in the group.

    Example:

        me = "chat/" + my_name
        pgnet.advertise(me)
        for name, address in pgnet.discover_group("chat", exclude=me):
            print(name, "is in the chat")
    """
    if not isinstance(group, str) or not isinstance(separator, str):
        raise TypeError("discover_group takes the group and the separator as text, like 'chat' and '/'.")
    excluded = {exclude} if isinstance(exclude, str) else set(exclude or ())
    prefix = group + separator
    return [(name, address) for name, address in discover_all()
            if name.startswith(prefix) and name not in excluded]


def split_machine(name):
    """``(name, machine)`` for ``"name@machine"``; ``(name, None)`` for a
    name without ``@``. (A name that itself contains ``@`` is still found by
    its whole name.)

    Example:

        split_machine("robot@pi-7")   # ('robot', 'pi-7')
        split_machine("robot")        # ('robot', None)
    """
    if not isinstance(name, str):
        return name, None
    base, at, machine = name.rpartition("@")
    return (base, machine) if at and base and machine else (name, None)
