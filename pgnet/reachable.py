"""Whether a program accepts connections at an address, and if not, why,
in words a student can act on.

The ``pgnet`` command and the library use the same check and the same
words, so ``pgnet send 127.0.0.1:1 hi`` and ``pgnet.send_message("127.0.0.1:1",
"hi")`` both say at once that nothing is listening there.

It opens a plain TCP connection and closes it again: a stopped program, a
firewall and a wrong network each answer differently, at once, where
ZeroMQ would only wait in silence.

Example:

    problem("127.0.0.1:1", "127.0.0.1:1", timeout_s=1.0)
    # 'nothing is listening at 127.0.0.1:1: the program has stopped, or the address is wrong.'
"""

import socket


def try_connection(address, timeout_s):
    """Open a TCP connection to ``address`` and close it again: None if
    something accepted it, else the ``OSError`` (``socket.timeout`` when
    nothing answered at all).

    Example:

        try_connection("127.0.0.1:5000", 1.0)   # ConnectionRefusedError(...)
    """
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout_s):
            return None
    except OSError as error:
        return error


def problem(address, described, timeout_s, silence_is_a_problem=True):
    """Why nothing accepts connections at ``address`` ("ip:port"), as a
    sentence naming the program as ``described``; None if something does.

    Waits at most ``timeout_s``. A computer that does not answer at all
    (off, or a firewall that drops) is a problem only if
    ``silence_is_a_problem``: the library keeps trying then, as ZeroMQ
    reconnects by itself.

    Example:

        problem("10.0.0.7:40123", "'robot' (10.0.0.7:40123)", 3.0)
        # "'robot' (10.0.0.7:40123) does not answer: that computer may be off ..."
    """
    error = try_connection(address, timeout_s)
    if error is None:
        return None
    if isinstance(error, ConnectionRefusedError):
        return ("nothing is listening at %s: the program has stopped, or the "
                "address is wrong." % described)
    if isinstance(error, socket.timeout):
        if not silence_is_a_problem:
            return None
        return ("%s does not answer: that computer may be off or asleep, or a "
                "firewall on it blocks pgnet. Run 'pgnet doctor' on it." % described)
    return ("cannot reach %s (%s). Is this computer on the same network? "
            "Run 'pgnet doctor'." % (described, error.strerror or error))
