"""Open Sound Control (OSC): talk to Sonic Pi, Pure Data, phone apps such
as TouchOSC, and anything else that speaks OSC.

OSC is how music programs and control apps talk: a *message* is an
address such as ``"/pad/1"`` and a few values; it travels in one UDP
packet. In a Pygame Zero game, listen on a port and every message comes
to a hook:

    import pgzrun
    import pgnet

    pgnet.osc.listen(9000)

    def on_osc_message(address, args, sender):
        print(address, args)          # /pad/1 [0.5, 0.25]

    pgzrun.go()

Send with ``pgnet.osc.send("127.0.0.1:4560", "/bounce", 60)`` (Sonic Pi
listens on port 4560). A plain program waits with ``wait_for_osc``;
``on("/pad/*")`` picks messages by address; ``send_bundle`` sends several
messages together, now or at a given time. ``docs/osc.md`` has the whole
story: the apps, which OSC types become which Python types, and when
time-tagged bundles are delivered.

Everything here works without extra packages; announcing the port to
phone apps (``listen(..., announce=True)``) needs ``pip install
"pgnet[osc]"``.
"""

import sys

from ..errors import MessageError
from . import packets as _packets
from .names import NAME_SUFFIX, service_name  # noqa: F401 (documented names)
from .packets import MAX_PACKET_BYTES  # noqa: F401 (a documented limit)

__all__ = [
    "listen", "on", "wait_for_osc", "send", "send_bundle", "counts", "close",
    "MAX_PACKET_BYTES", "NAME_SUFFIX", "service_name",
]  # and MESSAGE, the pygame event type (it needs pygame)


def _hub():
    # This program's Hub, loaded on first use: it brings the game mode, and
    # with it ZeroMQ, which the pgnet command (whose parser comes from here)
    # need not wait for.
    from .hub import default

    return default


def listen(address=None, name=None, announce=False):
    """Listen for OSC on ``address`` and return where, as ``"ip:port"``.

    ``address`` is a port (``9000``), or ``"ip:port"``, or None for any
    free port. Tell the other program (Sonic Pi, a phone app) that port.

    * ``name``: also advertise the port to pgnet programs, so that they
      can ``pgnet.osc.send(name, ...)`` without knowing it;
    * ``announce=True``: also announce it to phone apps over DNS-SD
      (TouchOSC then lists this computer); needs ``pip install
      "pgnet[osc]"``, and warns, never fails, if it cannot.

    In a Pygame Zero game each message goes to ``on_osc_message(address,
    args, sender)``, in the frame it arrives; call ``listen`` at the top of
    the game, before ``pgzrun.go()``. You may listen on several ports.

    Example:

        pgnet.osc.listen(9000, name="drums")
    """
    return _hub().listen(address, name, announce).address


def on(pattern):
    """Call the function below for every OSC message whose address
    matches ``pattern`` (OSC's patterns: ``?``, ``*``, ``[1-4]``,
    ``[!abc]``, ``{left,right}``; see ``docs/osc.md``).

    The function may take any of ``address``, ``args`` and ``sender``, by
    name, like a hook. In a game it runs in the frame the message arrives,
    before ``on_osc_message``; in a plain program, while ``wait_for_osc``
    waits.

    Example:

        @pgnet.osc.on("/pad/*")
        def pad(address, args):
            print(address, "is at", args)
    """
    def register(function):
        return _hub().on(pattern, function)

    return register


def wait_for_osc(pattern=None, wait_for_s=5.0):
    """Wait for an OSC message and return ``(address, args, sender)``, or
    ``(None, None, None)`` if none came within ``wait_for_s`` seconds (0:
    just look).

    With a ``pattern`` (see ``on``), waits for a message whose address
    matches it and skips the others. Call ``listen`` first.

    Example:

        pgnet.osc.listen(9000)
        address, args, sender = pgnet.osc.wait_for_osc(wait_for_s=60)
        if address == "/pad/1":
            x, y = args
    """
    if isinstance(wait_for_s, bool) or not isinstance(wait_for_s, (int, float)) or not wait_for_s >= 0:
        raise ValueError("wait_for_s is a number of seconds (0 or more), not %r." % (wait_for_s,))
    return _hub().wait(pattern, wait_for_s)


def send(target, address, *args, wait_for_s=5.0):
    """Send the OSC message ``address`` with ``args`` to ``target``:
    ``"host:port"``, a port on this computer, or the ``name`` another pgnet
    program listens for OSC under.

    Returns True once sent. A name not found in ``wait_for_s`` seconds, or
    a send that fails, warns and returns False. In a game the frame never
    waits: a name not found yet is sent to as soon as it is found.

    Example:

        pgnet.osc.send("127.0.0.1:4560", "/bounce", 60, 0.5)
    """
    return _hub().send(target, _packets.encode_message(address, args), wait_for_s)


def send_bundle(target, messages, at=None, wait_for_s=5.0):
    """Send several OSC messages in one bundle, so they are delivered
    together: ``messages`` is a list of ``(address, arg, arg, ...)``
    tuples. With ``at`` (a ``time.time()`` value) the receiver delivers
    them at that time, not before.

    Example:

        pgnet.osc.send_bundle("drums", [("/kick", 1), ("/hat", 0.5)],
                              at=time.time() + 0.5)
    """
    pairs = []
    for message in messages:
        if not isinstance(message, (tuple, list)) or not message:
            raise MessageError(
                "Each message of a bundle is a tuple (address, arg, ...), such "
                "as ('/note', 60), not %r." % (message,))
        pairs.append((message[0], list(message[1:])))
    return _hub().send(target, _packets.encode_bundle(pairs, at), wait_for_s)


def counts():
    """How many OSC messages this program has received, and how many
    packets it dropped and why: a dict such as ``{"received": 120,
    "malformed": 2}`` (kinds: ``"malformed"``, ``"too big"``, ``"flood"``,
    ``"too many waiting"``).

    Example:

        print(pgnet.osc.counts().get("malformed", 0), "bad packets")
    """
    return dict(_hub().counts)


def close():
    """Stop listening for OSC (and advertising and announcing); drop the
    handlers and what still waits.

    Example:

        pgnet.osc.close()
    """
    _hub().close()


def __getattr__(name):
    # MESSAGE, the pygame event type of OSC messages (for a plain pygame
    # loop: ``if event.type == pgnet.osc.MESSAGE``), needs pygame: made on
    # first use.
    if name == "MESSAGE":
        return _hub().event_type()
    raise AttributeError("module 'pgnet.osc' has no attribute %r" % name)


# In a game that already loaded pygame, the hook must exist before its loop
# starts; elsewhere listen() registers it, and nothing loads pygame.
if "pygame" in sys.modules:
    _hub().event_type()
