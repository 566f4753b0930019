"""The exceptions pgnet raises, and the logger it warns on.

pgnet follows one rule for mistakes:

* A *soft* failure, something that can happen in a healthy program (no reply
  arrived in time, a service is not on the network yet), is logged as a
  warning and the call returns ``None``. Your program carries on.
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
"""

import logging

#: The logger pgnet's warnings go to. With no logging set up, Python prints
#: warnings to the terminal, which is what a beginner needs to see.
log = logging.getLogger("pgnet")


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
