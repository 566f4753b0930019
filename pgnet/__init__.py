"""pgnet: networking for Pygame Zero, pygame and plain Python, made simple.

Programs find each other by name, with no IP addresses to type, and send
each other messages, commands and news::

    import pgnet
    pgnet.advertise("robot")                       # in one program
    pgnet.send_command("robot", "FORWARD", 0.5)    # in another

``import pgnet`` gives the whole public API. The networking core does not
need pygame: a headless Raspberry Pi robot can use it as it is.
"""

from .addresses import is_address
from .discovery import (
    MAX_NAME_LENGTH,
    advertise,
    discover,
    discover_all,
    unadvertise,
)
from .errors import (
    AddressError,
    MessageError,
    PgnetError,
    ServiceNameError,
    SocketRoleError,
)
from .messaging import (
    listen,
    close_all,
    publish_news,
    send_command,
    send_message,
    send_reply,
    split_command,
    subscribe,
    wait_for_command,
    wait_for_message,
    wait_for_news,
)
from .settings import settings

__version__ = "0.1.0"
