"""networkzero's exceptions and helpers (``nw0.core``): ``address``,
``action_and_params``, ``bytes_to_string``, ``string_to_bytes``, and the
exceptions, each a ``pgnet.PgnetError`` too.

Example:

    import pgnet.networkzero as nw0
    nw0.address(5000)                          # '192.168.1.23:5000'
    nw0.action_and_params("SAY 'hello there'") # ('SAY', ['hello there'])
"""

import base64
import json
import shlex
import time

from .. import addresses, errors
from . import config


# -- exceptions ---------------------------------------------------------------------

class NetworkZeroError(errors.PgnetError):
    """Base class of the errors networkzero's functions raise.

    Example:

        try:
            nw0.send_message_to(robot, "GO", wait_for_reply_s=2)
        except nw0.NetworkZeroError as error:
            print(error)
    """


class SocketAlreadyExistsError(NetworkZeroError):
    """In networkzero, a second listening socket on one address; kept for
    programs that catch it (pgnet raises ``pgnet.SocketRoleError`` when one
    address is asked to do two jobs).

    Example: ``except nw0.SocketAlreadyExistsError: ...``
    """


class SocketTimedOutError(NetworkZeroError):
    """No reply came in time (``send_message_to``). Unlike networkzero's,
    the connection still works: the next message can go at once.

    Example:

        try:
            reply = nw0.send_message_to(robot, "PING", wait_for_reply_s=1)
        except nw0.SocketTimedOutError:
            print("The robot did not answer")
    """

    def __init__(self, n_seconds):
        super().__init__(n_seconds)
        #: How long it waited, in seconds.
        self.n_seconds = n_seconds

    def __str__(self):
        return (
            "Gave up waiting for a reply after %s seconds. Is the other program "
            "running, and does it reply to each message? (You can send again.)"
            % self.n_seconds
        )


class SocketInterruptedError(NetworkZeroError, KeyboardInterrupt):
    """Ctrl+C while waiting. It is a ``KeyboardInterrupt`` too, so it stops
    the program unless you catch it.

    Example:

        try:
            message = nw0.wait_for_message_from(address)
        except nw0.SocketInterruptedError:
            print("Stopped")
    """

    def __init__(self, after_n_seconds):
        super().__init__(after_n_seconds)
        #: How long it had waited, in seconds.
        self.after_n_seconds = after_n_seconds

    def __str__(self):
        return "Interrupted after %s seconds." % self.after_n_seconds


class AddressError(NetworkZeroError, errors.AddressError):
    """An address, or a port, that cannot be used (``nw0.core.AddressError``);
    a ``pgnet.AddressError`` too.

    Example: ``nw0.address(123456)`` raises it: ports go up to 65535.
    """


class NoAddressFoundError(AddressError):
    """None of this computer's addresses matches the wildcard asked for.

    Example: ``nw0.address("203.0.113.*")`` on a computer not on that network.
    """


class InvalidAddressError(AddressError):
    """Something that is not an address: a host name that cannot be found,
    a list of several addresses where only one can go.

    Example: ``nw0.address("!!!")`` raises it.
    """

    def __init__(self, address, errno=None, reason=None):
        super().__init__(address)
        #: What was given.
        self.address = address
        #: The system's error number, if it gave one.
        self.errno = errno
        self.reason = reason

    def __str__(self):
        return "%r is not a valid address%s" % (self.address, ": " + self.reason if self.reason else ".")


class DifferentThreadError(NetworkZeroError):
    """Kept for programs that catch it (networkzero 1.0b1 never raised it
    either). Use pgnet from one thread, as networkzero's sockets were.

    Example: ``except nw0.DifferentThreadError: ...``
    """


# -- addresses ----------------------------------------------------------------------

def _parts(address):
    """``(host, port)`` as text ("" when left out), networkzero's way: a
    port alone, an IP (or wildcard, or host name) alone, or both. Port 0
    means any free port, so it is left out."""
    text = str(address or "").strip()
    if ":" in text:
        host, _, port = text.partition(":")
    elif text.isdigit():
        host, port = "", text
    else:
        host, port = text, ""
    if port:
        if not port.isdigit() or int(port) not in config.VALID_PORTS:
            raise AddressError(
                "Port %s must be a number from 0 to 65535 (0 for any free port)." % port
            )
        port = "" if int(port) == 0 else str(int(port))
    return host, port


class networkzero_errors:
    """A ``with`` block in which pgnet's address errors become
    networkzero's (``NoAddressFoundError`` for a wildcard, else
    ``InvalidAddressError``) and Ctrl+C becomes ``SocketInterruptedError``,
    as networkzero raised them.

    Example:

        with networkzero_errors(address):
            pgnet.send_command(address, "GO")
    """

    def __init__(self, address=None):
        self.address = address
        self.started = time.monotonic()

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None or isinstance(error, (AddressError, SocketInterruptedError)):
            return False
        if issubclass(kind, errors.AddressError):
            if isinstance(self.address, str) and "*" in self.address:
                raise NoAddressFoundError(str(error)) from None
            raise InvalidAddressError(self.address, reason=str(error)) from None
        if issubclass(kind, KeyboardInterrupt):
            raise SocketInterruptedError(round(time.monotonic() - self.started, 3)) from None
        return False


def for_pgnet(address):
    """``address`` in networkzero's forms as pgnet takes it: None, ``""``,
    0 and ``"ip:0"`` become "any free port" (None); other addresses, and
    pgnet names, stay as they are.

    Example: ``for_pgnet(0)`` is None; ``for_pgnet("10.0.0.5:0")`` is "10.0.0.5"."""
    if address is None or address == "":
        return None
    if type(address) is str and address.rpartition(":")[2].isdigit() and not address.endswith(":0"):
        return address  # "ip:port" (or "host:port"): as it is
    if isinstance(address, (int, str)) and not isinstance(address, bool) and addresses.is_address(address):
        host, port = _parts(address)
        return ":".join(part for part in (host, port) if part) or None
    return address


def address(address=None):
    """An address for this computer, as ``"ip:port"`` text, filling in what
    ``address`` leaves out: with nothing, this computer's address and a free
    port; with a port, that port; with an IP address (or a wildcard such as
    ``"192.168.*"`` to choose a network, or a host name), that, with a free
    port. Port 0 means any free port.

    Raises ``InvalidAddressError`` for a host name that cannot be found,
    ``NoAddressFoundError`` for a wildcard that matches none of this
    computer's addresses, ``AddressError`` for a bad port.

    Example:

        nw0.address()            # '192.168.1.23:43127'
        nw0.address(5000)        # '192.168.1.23:5000'
        nw0.address("127.*")     # '127.0.0.1:39017'
    """
    host, port = _parts(address)
    wanted = ":".join(part for part in (host, port) if part) or None
    with networkzero_errors(host or str(address)):
        return addresses.my_address(wanted)


# -- commands and bytes ------------------------------------------------------------

def action_and_params(commandline):
    """Split a command line into its action and its parameters, as a shell
    does: quotes keep words together, and numbers stay text.

    Example:

        nw0.action_and_params("MOVE 10 'very fast'")   # ('MOVE', ['10', 'very fast'])
    """
    words = shlex.split(commandline)
    if not words:
        raise NetworkZeroError(
            "action_and_params(%r): there is no action. A command line starts "
            "with one, as in 'FORWARD 10'." % (commandline,)
        )
    return words[0], words[1:]


def bytes_to_string(data):
    """Bytes as base64 text, which networkzero needed to send bytes. (pgnet
    sends bytes as they are, so you only need this for old programs.)

    Example: ``nw0.bytes_to_string(b"hi")``   # 'aGk='
    """
    return base64.b64encode(data).decode("ascii")


def string_to_bytes(data):
    """The bytes that ``bytes_to_string`` turned into text.

    Example: ``nw0.string_to_bytes("aGk=")``   # b'hi'
    """
    return base64.b64decode(data.encode("ascii"))


# -- what networkzero programs expect ----------------------------------------------

def json_shapes(value):
    """``value`` with the shapes networkzero's JSON gave it: tuples (at any
    depth) become lists, and dict keys become text (``1`` becomes ``"1"``,
    ``True`` becomes ``"true"``). Bytes stay bytes.

    Example: ``json_shapes({1: ("a", "b")})``   # {'1': ['a', 'b']}
    """
    kind = type(value)
    if kind is list or kind is tuple:
        return [json_shapes(item) for item in value]
    if kind is dict:
        return {key if type(key) is str else json.dumps(key): json_shapes(item) for key, item in value.items()}
    return value
