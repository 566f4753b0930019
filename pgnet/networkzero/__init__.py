"""networkzero programs, unchanged, on pgnet: change one line,

    import networkzero as nw0

to

    import pgnet.networkzero as nw0

and the rest of the program stays as it is. It gets pgnet's discovery (fast,
with no program whose exit loses everyone's adverts, and working on a
computer with no network), connections that still work after a timeout,
news from the first item, and no half-second freeze at the first news.

docs/networkzero.md lists every difference a program could notice, and how
to move on to pgnet's own API (``import pgnet``) and its game hooks.

Example, a reverse-echo server:

    import pgnet.networkzero as nw0
    address = nw0.advertise("reverso")
    while True:
        word = nw0.wait_for_message_from(address)
        nw0.send_reply_to(address, word[::-1])

and its client, on the same computer or another:

    import pgnet.networkzero as nw0
    reverso = nw0.discover("reverso")
    print(nw0.send_message_to(reverso, "hello"))    # olleh
"""

from . import config, core, discovery, messenger  # noqa: F401 (nw0.config etc., as in networkzero)
from .core import (
    DifferentThreadError,
    InvalidAddressError,
    NetworkZeroError,
    SocketAlreadyExistsError,
    SocketInterruptedError,
    SocketTimedOutError,
    action_and_params,
    address,
    bytes_to_string,
    string_to_bytes,
)
from .discovery import advertise, discover, discover_all, discover_group
from .messenger import send_message_to, send_news_to, send_reply_to, wait_for_message_from, wait_for_news_from

#: networkzero 1.0b1's public names: what ``from pgnet.networkzero import *`` gives.
__all__ = [
    "advertise", "discover", "discover_all", "discover_group",
    "send_message_to", "wait_for_message_from", "send_reply_to",
    "send_news_to", "wait_for_news_from",
    "action_and_params", "address", "bytes_to_string", "string_to_bytes",
    "NetworkZeroError", "SocketAlreadyExistsError", "SocketTimedOutError",
    "InvalidAddressError", "SocketInterruptedError", "DifferentThreadError",
]
