"""How the ``pgnet`` command talks to the person at the terminal.

Its output goes to stdout one line at a time (``say``); remarks about what
it is doing go to stderr (``note``, ``Progress``), so that
``pgnet list > programs.txt`` keeps only the list. A command that cannot do
its job raises ``Failure``, which ``main`` prints as one line. pgnet's own
warnings are hidden unless ``--verbose`` asks for them, because the command
says what went wrong in its own words.

Example:

    say("robot  192.168.1.5:40123")              # output
    with Progress("Looking for 'robot'..."):     # shown while it waits
        ...
    raise Failure("no program called 'robot'")   # one line, exit status 1
"""

import contextlib
import logging
import sys
import time
import warnings

from ..errors import PgnetWarning, log

#: The ``pgnet`` command's exit statuses: it worked; it failed (and said
#: why); the command line itself was wrong; it was stopped with Ctrl-C.
#:
#: Example: ``raise Failure("not a valid name", USAGE)`` ends with status 2.
OK, FAILED, USAGE, INTERRUPTED = 0, 1, 2, 130


class Failure(Exception):
    """An expected failure: its text is printed as one line, no traceback,
    and the command ends with ``status``.

    Example:

        raise Failure("nothing is listening at 127.0.0.1:5000.")
    """

    def __init__(self, reason, status=FAILED):
        super().__init__(reason)
        self.status = status


def say(text=""):
    """Print a line of the command's output (stdout).

    Example:

        say("Sent FORWARD [0.5] to 'robot'.")
    """
    print(text, flush=True)


def note(text):
    """Print a line about what the command is doing (stderr), not its output.

    Example:

        note("Watching the network (press Ctrl-C to stop)...")
    """
    print(text, file=sys.stderr, flush=True)


def clock():
    """The time of day, for lines that say when something happened.

    Example:

        clock()   # '14:05:09'
    """
    return time.strftime("%H:%M:%S")


def symbols():
    """Check mark, cross and warning sign, or plain text if the terminal
    cannot show them (an old Windows console).

    Example:

        check, cross, bang = symbols()   # ('✓', '✗', '!')
    """
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "\u2713\u2717".encode(encoding)
        return "\u2713", "\u2717", "!"
    except (UnicodeEncodeError, LookupError):
        return "OK", "X ", "! "


class Progress:
    """``Looking for 'robot'...`` on stderr while something takes a while.

    On a terminal the line is rubbed out afterwards, so only the result
    stays; in a log or a pipe it stays as a line of its own.

    Example:

        with Progress("Looking for 'robot' (up to 5 s)..."):
            address = peer.wait_for("robot", 5)
    """

    def __init__(self, text):
        self.text = text
        self.tty = sys.stderr.isatty()

    def __enter__(self):
        sys.stderr.write(self.text if self.tty else self.text + "\n")
        sys.stderr.flush()
        return self

    def __exit__(self, *exc):
        if self.tty:
            sys.stderr.write("\r" + " " * len(self.text) + "\r")
            sys.stderr.flush()


@contextlib.contextmanager
def soft_failures():
    """Catch the warnings pgnet gives when a call fails softly (returns
    None): a list of ``warnings.WarningMessage``, filled during the block.

    Example:

        with soft_failures() as failures:
            reply = messaging.send_message(address, "hi", wait_for_reply_s=1)
        if reply is None and failures:
            ...   # no reply came: say so in the command's own words
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PgnetWarning)
        yield caught
    for failure in caught:  # still shown with --verbose
        log.warning("%s", failure.message)


# The handler setup_logging puts on pgnet's logger, so that quiet() can
# silence it for a moment.
_stderr_handler = None


@contextlib.contextmanager
def quiet():
    """Hide pgnet's warnings for a moment (the command says it better itself),
    unless ``--verbose --verbose`` asked for everything.

    Example:

        with quiet():
            peer = discovery.get_beacon()
    """
    handler = _stderr_handler
    level = handler.level if handler else None
    if handler and not handler.level <= logging.DEBUG:
        handler.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        if handler:
            handler.setLevel(level)


def setup_logging(verbose, chatty):
    """Show pgnet's own warnings on stderr as ``pgnet: ...``.

    ``verbose`` is how many times ``--verbose`` was given. One-shot commands
    (send, ping...) are not ``chatty``: they report failures themselves, so
    pgnet's warnings are shown only with ``--verbose``.

    Example:

        setup_logging(verbose=0, chatty=True)   # as for 'pgnet list'
    """
    global _stderr_handler
    handler = _stderr_handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("pgnet: %(message)s"))
    if verbose:
        handler.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    else:
        handler.setLevel(logging.WARNING if chatty else logging.CRITICAL)
    log.addHandler(handler)
    log.setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    log.propagate = False


# -- values typed on the command line, and values shown --------------------------

def parse_value(text):
    """What a MESSAGE typed on the command line means.

    A Python literal if it is one (``42``, ``3.5``, ``[1, 2]``,
    ``{'x': 1}``, ``'quoted text'``, ``True``, ``None``), otherwise the
    text itself. Never ``eval``: nothing typed can run code.

    Example:

        parse_value("[1, 2]")   # [1, 2]
        parse_value("hello")    # 'hello'
    """
    import ast  # here: only the commands that send need it

    try:
        return ast.literal_eval(text.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return text


def show(value):
    """A value as the person who sent it would write it in Python.

    Example:

        show("hi")       # "'hi'"
        show([1, 2.5])   # '[1, 2.5]'
    """
    return repr(value)


def show_command(word, params):
    """A command and its parameters, as ``pgnet`` shows them.

    Example:

        show_command("FORWARD", (0.5,))   # 'FORWARD [0.5]'
    """
    return "%s %s" % (word, show(list(params)))
