"""networkzero's discovery (``nw0.discovery``): ``advertise``, ``discover``,
``discover_all`` and ``discover_group``, on pgnet's discovery.

Every program is a full peer, so no program's exit loses the others'
adverts, and a program that stops is forgotten within about 2 seconds.

Example:

    import pgnet.networkzero as nw0
    address = nw0.advertise("robot")     # in one program
    robot = nw0.discover("robot")        # in another
"""

from .. import discovery, errors
from . import config
from .core import for_pgnet, networkzero_errors


def advertise(name, address=None, fail_if_exists=False, ttl_s=config.ADVERT_TTL_S):
    """Advertise ``name`` at ``address`` (as ``nw0.address`` takes it: left
    out, this computer and a free port); return the address as text.

    With ``fail_if_exists=True``, a name already advertised (by any program
    on the network, this one included) is not advertised again: a warning
    says so and it returns ``None``. ``ttl_s`` is accepted for networkzero's
    programs and ignored: pgnet forgets a program that stops within about
    2 seconds.

    Example:

        address = nw0.advertise("chat-hub")
        message = nw0.wait_for_message_from(address)
    """
    if fail_if_exists and name in discovery.local_names():
        errors.warn(errors.NameClashWarning,
                    "This program already advertises the name %r: not advertising it again.", name)
        return None
    with networkzero_errors(address):
        return discovery.advertise(name, for_pgnet(address), unique=fail_if_exists)


def discover(name, wait_for_s=60):
    """The address of the program advertising ``name``, or ``None`` if it
    does not appear within ``wait_for_s`` seconds (``nw0.config.FOREVER``
    for no limit). A program already running is found in milliseconds.

    Example:

        hub = nw0.discover("chat-hub")
        if hub is None:
            print("No chat hub yet")
    """
    with networkzero_errors():
        return discovery.find(name, wait_for_s)


def discover_all():
    """Every advertised name, this program's own included: a list of
    ``[name, address]`` lists (networkzero's shape).

    Example:

        services = dict(nw0.discover_all())
    """
    return [[name, where] for name, where in discovery.discover_all()]


def discover_group(group, separator="/", exclude=None):
    """The names in ``group`` (those that start with ``group`` and
    ``separator``, such as ``"chat/alice"``), as a list of ``(name,
    address)`` pairs, leaving out the names in ``exclude`` (a list of names,
    or one name).

    Example:

        me = "chat/" + my_name
        nw0.advertise(me)
        others = dict(nw0.discover_group("chat", exclude=[me]))
    """
    return discovery.discover_group(group, separator, exclude or ())
