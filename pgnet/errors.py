"""The exceptions pgnet raises, and the warnings it gives.

pgnet follows one rule for mistakes:

* A *soft* failure, something that can happen in a healthy program (no reply
  arrived in time, a service is not on the network yet), is a *warning*: pgnet
  prints one line saying what happened and the call returns ``None``. Your
  program carries on.
* A *hard* failure, a mistake in the program itself (an address that cannot be
  an address, data that cannot be sent), raises one of the exceptions below.
  Each message says what to do about it.

Every network mistake pgnet raises is a ``PgnetError``, so one
``except pgnet.PgnetError:`` catches them all (a plain Python mistake, such
as a negative time limit, raises Python's usual ``ValueError`` or
``TypeError``):

    try:
        pgnet.send_message("robot", {1, 2, 3})
    except pgnet.PgnetError as error:
        print("Could not send:", error)

Every warning is a ``PgnetWarning`` (one class for each kind of soft
failure, listed below), given with Python's ``warnings`` module, so a
program or a test can turn them into errors or catch them:

    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", pgnet.NoReplyWarning)
        pgnet.send_message("quiz", "hello?")    # raises if no reply comes

or, for a whole run, ``python -W error::pgnet.NoReplyWarning game.py`` (Python
itself cannot load pgnet that early and says "Invalid -W option ignored";
pgnet applies the option as it loads).
pgnet shows its own warnings as one plain line each (through the logger
named "pgnet", so a program that sets up ``logging`` gets them there),
without Python's usual file-and-line boilerplate.
"""

import functools
import re
import sys
import threading
import time
import warnings


class _Logger:
    """The "pgnet" logger, looked up on first use: importing ``logging``
    is a sixth of ``import pgnet``, and most programs never log."""

    def __getattr__(self, name):
        import logging

        return getattr(logging.getLogger("pgnet"), name)

    def __setattr__(self, name, value):
        import logging

        setattr(logging.getLogger("pgnet"), name, value)


#: The logger pgnet's warnings are shown through. With no logging set up,
#: Python prints them to the terminal, which is what a beginner needs to see.
log = _Logger()


class PgnetError(Exception):
    """Base class of every error pgnet raises.

    Example:

        try:
            pgnet.advertise("")
        except pgnet.PgnetError as error:
            print(error)
    """


class AddressError(PgnetError, ValueError):
    """An address or port that pgnet cannot use.

    Raised for things like ``"10.0.0.1:99999"`` (no such port), an address
    that is already in use, or a wildcard that matches none of this
    computer's networks.
    """


class ServiceNameError(PgnetError, ValueError):
    """A service name that cannot be advertised, such as ``""``.

    Names may contain spaces and any letters (``"Mrs Smith's robot"``,
    ``"pong 🏓"``) but must not be empty or longer than
    ``pgnet.MAX_NAME_LENGTH`` characters.
    """


class MessageError(PgnetError, TypeError):
    """Data that cannot be sent: a type pgnet cannot carry, or too big.

    pgnet carries ``str``, ``bytes``, ``int``, ``float``, ``bool``, ``None``,
    ``list``, ``tuple`` and ``dict`` (with ``str`` or ``int`` keys), nested
    as deep as you like. Anything else (a set, a class instance, a pygame
    Surface) must be turned into one of those first.
    """


class SocketRoleError(PgnetError):
    """One address asked to do two different jobs in the same program.

    For example publishing news on the address you also listen for messages
    on. Give each job its own name (or port).
    """


class NetworkLimitError(PgnetError, OSError):
    """This program has reached a limit of its computer: it cannot open one
    more network connection (too many open files). The message says what
    to do, usually to close connections it no longer needs.

    Example:

        try:
            pgnet.send_command(address, "GO")
        except pgnet.NetworkLimitError as error:
            print(error)
    """


# -- warnings ------------------------------------------------------------------

class PgnetWarning(UserWarning):
    """Base class of every warning pgnet gives: a soft failure, after which
    the program carries on.

    Example, to see them all as errors while testing:

        import warnings
        warnings.simplefilter("error", pgnet.PgnetWarning)
    """


class NoReplyWarning(PgnetWarning):
    """A program did not answer in time: no reply to a message, or a
    publisher that has not confirmed a subscription yet.

    Example:

        with warnings.catch_warnings():
            warnings.simplefilter("error", pgnet.NoReplyWarning)
            try:
                pgnet.send_message("quiz", "hello?", wait_for_reply_s=1)
            except pgnet.NoReplyWarning:
                print("The quiz did not answer")
    """


class NotFoundWarning(PgnetWarning):
    """No program of the name asked for was found on the network in time.

    Check that the other program is running and that the name is spelt the
    same in both (``pgnet list`` shows every name it can see).
    """


class NameClashWarning(PgnetWarning):
    """Two programs are advertising the same name. Give one of them another
    name, so that everyone finds the one they mean."""


class ImpostorWarning(PgnetWarning):
    """A program seems to pretend to be another: adverts carrying another
    program's id, or this program's, come from a different computer. pgnet
    keeps to the program it heard first; a room password stops it for good.

    Example:

        PGNET_PASSWORD="tiger lily" python3 robot.py
    """


class WrongPasswordWarning(PgnetWarning):
    """Traffic without this room's password arrived, and was ignored: from a
    program with another password or room, or without one while this
    program has one (or the other way round). ``pgnet doctor`` counts it.

    Example:

        PGNET_ROOM=5B PGNET_PASSWORD="tiger lily" python3 game.py
    """


class DroppedMessageWarning(PgnetWarning):
    """Something that arrived was thrown away: too big, not a pgnet message,
    or more than this program could keep while it was not reading."""


class NotSentWarning(PgnetWarning):
    """Something could not be sent: the other program is not taking any
    more, or has gone; or a send a game made before the name was found
    could not be made once it was (it says why, and what to do)."""


class DiscoveryWarning(PgnetWarning):
    """Finding programs by name cannot fully work on this computer: the
    discovery port is taken, or the relay cannot be found. ``pgnet doctor``
    says why."""


class UsageWarning(PgnetWarning):
    """A call that did nothing, because of how it was used (such as
    ``unadvertise`` for a name this program never advertised)."""


class RemoteErrorWarning(NoReplyWarning):
    """The other program could not answer: something went wrong there (its
    ``on_network_message`` hook raised an error or returned something pgnet
    cannot send, or it could not read the message). The warning says what
    happened on the other side; the call returns ``None`` at once. It is
    a kind of ``NoReplyWarning``.

    Example:

        with warnings.catch_warnings():
            warnings.simplefilter("error", pgnet.RemoteErrorWarning)
            pgnet.send_message("quiz", "hello?")   # raises if the quiz failed
    """


class SlowFrameWarning(PgnetWarning):
    """A call that waits (``wait_for_message``, ``discover``, ``send_message``
    with ``wait_for_reply_s``...) was made inside a Pygame Zero frame, where
    waiting would freeze the game. pgnet does not wait, and says where the
    call is, once: a ``wait_for_...`` call only checks; ``send_message`` and
    ``subscribe`` still send, and the reply or the news comes to your hooks
    (``on_network_reply``, ``on_network_news``). Use the hooks instead.

    Example:

        def update():
            message = pgnet.wait_for_message("quiz", wait_for_s=0)   # fine
    """


def warn(category, text, *args):
    """Give a pgnet warning: ``text % args``, of the class ``category``.

    Example:

        warn(NoReplyWarning, "No reply from %s in time.", "quiz")
    """
    if _quiet_now():
        return
    warnings.warn(text % args if args else text, category, stacklevel=2)


_program_ending = False  # (set by program_ends)


def _quiet_now():
    # True in a thread other than the main one once the program is ending:
    # what it could not do then (a command not sent, a reply to an asker
    # gone) is only the exit, and would bury the program's last lines.
    return _program_ending and threading.current_thread() is not threading.main_thread()


#: How many warnings of one kind about one source are given at once, before
#: ``warn_limited`` gives at most one a second (a summary).
WARNING_BURST = 20
_limited = {}  # key -> [warnings left in the burst, next time, suppressed]


def warn_limited(key, category, text, *args):
    """``warn``, but at most ``WARNING_BURST`` times at once for ``key``,
    then at most once a second, saying how many were left out: so a flood
    of bad packets gives a few lines, not megabytes.

    Example:

        warn_limited(("bad", source), DroppedMessageWarning, "Dropped junk from %s.", source)
    """
    if _quiet_now():
        return
    now = time.monotonic()
    state = _limited.get(key)
    if state is None:
        if len(_limited) > 1000:
            _limited.clear()
        state = _limited[key] = [WARNING_BURST, 0.0, 0]
    if state[0] > 0:
        state[0] -= 1
    elif now >= state[1]:
        if state[2]:
            text += " (%d more like it not shown)" % state[2]
        state[1], state[2] = now + 1.0, 0
    else:
        state[2] += 1
        return
    if state[0] == 0 and not state[1]:
        state[1] = now + 1.0
    warnings.warn(text % args if args else text, category, stacklevel=2)


def stops_at_public_call(function):
    """Decorate a public pgnet call that may wait, so that Ctrl+C during
    the wait shows a short traceback ending at that call (the line of your
    program, then the pgnet call), not twenty lines inside ZeroMQ.

    The ``KeyboardInterrupt`` itself is raised as usual: catch it to stop
    cleanly.

    A thread still waiting in such a call when the program ends (or calls
    ``pgnet.finish()``) ends there, quietly, as if it had called
    ``sys.exit()``: ZeroMQ is gone, and nothing more can come. Example:

        @stops_at_public_call
        def wait_for_command(address, wait_for_s=None):
            ...

        try:
            while True:
                pgnet.wait_for_command("robot", wait_for_s=60)
        except KeyboardInterrupt:
            print("Bye")
    """
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except KeyboardInterrupt as interrupt:
            # The traceback here: this frame, then the public call's, then
            # pgnet's and ZeroMQ's insides. Keep it up to the public call.
            public = interrupt.__traceback__.tb_next
            if public is not None:
                public.tb_next = None
            raise interrupt.with_traceback(public)
        except Exception as error:
            end_quietly_if_the_program_ends(error)
            raise
    return call


def program_ends():
    """Note that the program is ending (pgnet's exit handler says so, just
    before it closes everything): from then on, a pgnet call failing in
    another thread ends that thread quietly (see ``stops_at_public_call``).

    Example: ``atexit.register(program_ends)``"""
    global _program_ending
    _program_ending = True


def end_quietly_if_the_program_ends(error=None):
    """Raise ``SystemExit`` (the thread ends, quietly) if ``error``, raised
    by a pgnet call, only says that the program is ending: ZeroMQ is gone,
    or it came in another thread while pgnet closed everything at exit.
    Without ``error``: if another thread is about to open a socket then.

    Example:

        except Exception as error:
            end_quietly_if_the_program_ends(error)
            raise
    """
    zmq = sys.modules.get("zmq")  # (looked up: "import pgnet" leaves it unloaded)
    if (zmq is not None and isinstance(error, zmq.ContextTerminated)) or _quiet_now():
        raise SystemExit() from None


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Show pgnet's warnings as one plain line; others as Python does."""
    if isinstance(category, type) and issubclass(category, PgnetWarning):
        log.warning("%s", message)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def _apply_warning_options():
    """Apply the ``-W`` options (and ``PYTHONWARNINGS``) that name a pgnet
    warning, such as ``-W error::pgnet.NoReplyWarning``.

    Python reads those options as it starts, before it can import pgnet, so
    it skips them (saying "Invalid -W option ignored"); pgnet applies them
    now, in the same way and order."""
    actions = ("default", "error", "ignore", "always", "module", "once")
    for option in sys.warnoptions:
        fields = [field.strip() for field in option.split(":")] + [""] * 5
        action, message, category, module, lineno = fields[:5]
        if not category.startswith("pgnet."):
            continue
        cls = globals().get(category[len("pgnet."):])
        action = next((a for a in actions if a.startswith(action or "default")), None)
        if not (isinstance(cls, type) and issubclass(cls, PgnetWarning)) or action is None:
            continue
        warnings.filterwarnings(
            action, re.escape(message), cls, re.escape(module) + r"\Z" if module else "",
            int(lineno) if lineno.isdigit() else 0,
        )


_python_show_warning = warnings.showwarning
warnings.showwarning = _show_warning
# Each time, as log lines were (Python's default shows a warning once per
# place). Appended, so a user's own -W or filterwarnings still come first.
warnings.filterwarnings("always", category=PgnetWarning, append=True)
_apply_warning_options()
