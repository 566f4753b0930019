"""Commands: a command word and its parameters, such as ``"LEFT", [0.5]``.

A command can be typed as one line of text, ``"LEFT 0.5"``, or given as a
word and separate parameters; either way it travels as ``[word, params]``
(see ``docs/wire-format.md``).

Example:

    split_command("TURN -90 fast")      # ('TURN', [-90, 'fast'])
    encode_command("TURN", [-90])       # the bytes it travels as

Threads: plain functions with no state: any thread.
"""

import re

from . import wire
from .errors import MessageError


def split_command(command, params=()):
    """``"LEFT 0.5"`` -> ``("LEFT", [0.5])``: a command word and its parameters.

    Words that look like numbers become numbers. A command given with
    separate parameters is left as it is.

    Example:

        split_command("TURN -0.5")      # ('TURN', [-0.5])
        split_command("SAY", ["hi"])    # ('SAY', ['hi'])
    """
    if not isinstance(command, str) or not command.strip():
        raise MessageError(
            "A command is a word such as 'FORWARD' (with parameters after "
            "it if needed), not %r." % (command,)
        )
    if params:
        return command, list(params)
    word, *rest = command.split()
    return word, [parse_param(part) for part in rest]


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


def parse_param(text):
    """``"0.5"`` -> ``0.5``, ``"3"`` -> ``3``, ``"fast"`` -> ``"fast"``: how
    command parameters typed as text become values. Only plain decimal
    numbers count ("nan", "inf" and "1_000" stay text).

    Example:

        parse_param("-2")     # -2
    """
    if _NUMBER.match(text):
        return float(text) if any(c in text for c in ".eE") else int(text)
    return text


def encode_command(word, params):
    """The bytes a command travels as: ``[word, params]`` encoded (see
    docs/wire-format.md).

    Example:

        encode_command("LEFT", [0.5])
    """
    return wire.encode([word, list(params)])
