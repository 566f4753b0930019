"""``pgnet relay``: pass discovery on between networks that block
broadcasts (the relay itself is ``pgnet.discovery.relay.Relay``).

Example:

    $ pgnet relay
    Relaying pgnet discovery on UDP port 46375 (press Ctrl-C to stop).
    14:05:09  10.0.1.7 joined (1 using the relay)
"""

from ..discovery.relay import Relay
from ..settings import settings
from .output import OK, Failure, clock, note, say


def cmd_relay(args):
    """``pgnet relay``: be the discovery relay until Ctrl-C, showing each
    computer that starts or stops using it.

    ``args`` comes from the command line (see ``pgnet relay --help``).

    Example:

        main(["relay"])   # runs until Ctrl-C, then returns 130
    """

    def show(kind, client):
        say("%s  %s %s (%d using the relay)" % (clock(), client[0], kind, len(relay.clients)))

    try:
        relay = Relay(on_change=show)
    except OSError as error:
        raise Failure(
            "cannot open UDP port %d (%s): is another relay running here?"
            % (settings.discovery_port + 1, error.strerror or error)
        ) from None
    say("Relaying pgnet discovery on UDP port %d (press Ctrl-C to stop)." % relay.port)
    note("On the other computers: PGNET_RELAY=<this computer's address> before starting.")
    try:
        relay.run()
    finally:
        relay.close()
    return OK
