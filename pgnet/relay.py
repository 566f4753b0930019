"""A discovery relay, for networks where broadcasts don't get through.

pgnet finds programs by broadcasting on the local network. Some networks
stop broadcasts: a school that puts each room, or laptops and Raspberry Pis,
on separate networks (VLANs), or a Wi-Fi that keeps its devices apart. The
way out: run a relay on one computer every machine can reach, and point
every pgnet program at it:

    pgnet relay                                # on the relay computer

    PGNET_RELAY=10.0.0.5 python3 game.py       # on every other computer

(or ``pgnet.settings.relay = "10.0.0.5"`` before using the network). Each
program then also sends its discovery packets to the relay, which passes
every packet on to all the other programs that use it, marked with the
address of the program it came from. Names work again; the messages
themselves still go straight from program to program, so the networks must
let ordinary connections through (most school networks do: it is only
broadcasts they stop).

The relay listens on UDP port ``settings.discovery_port + 1`` (46375),
which must be open in its firewall.
"""

# The code is in pgnet.discovery.relay, beside the rest of discovery; this
# is its public name (the docs and 'pgnet relay' describe it as pgnet.relay).
from .discovery.relay import CLIENT_TIMEOUT_S, Relay

__all__ = ["Relay", "CLIENT_TIMEOUT_S"]
