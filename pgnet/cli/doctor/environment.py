"""The top of the doctor's report: this computer, the versions, and the
settings pgnet runs with (discovery port, PGNET_NETWORK, PGNET_RELAY,
PGNET_ROOM, and whether PGNET_PASSWORD is set; never the password).

Example:

    show_settings(report, 46374, None)
    # pgnet doctor: can this computer use pgnet?
    #   computer 'laptop', pgnet 0.1.0, Python 3.11.7
    #   discovery port: UDP 46374 (the default)
    #   network setting: none (pgnet uses every network)
"""

import os
import socket
import sys

from ... import __version__
from ...settings import settings


def show_settings(report, port, pattern):
    """The report's first lines: which computer, which versions, and the
    discovery ``port`` and network ``pattern`` (PGNET_NETWORK) in use.

    Example:

        show_settings(report, 46374, "192.168.1.*")
    """
    report.line("pgnet doctor: can this computer use pgnet?")
    report.line("  computer %r, pgnet %s, Python %s" % (
        socket.gethostname(), __version__, sys.version.split()[0]))
    report.line("  discovery port: UDP %d%s" % (
        port, " (from PGNET_DISCOVERY_PORT)" if os.environ.get("PGNET_DISCOVERY_PORT") else " (the default)"))
    report.line("  network setting: %s" % (
        "PGNET_NETWORK=%r" % pattern if pattern else "none (pgnet uses every network)"))
    report.line("  room: %s" % (repr(settings.room) if settings.room else "none"))
    report.line("  room password: %s" % (
        "set (traffic is authenticated, not encrypted)" if settings.password else "none"))


def check_relay(report, setting, relay):
    """The relay setting (PGNET_RELAY) and what to check about it.

    ``setting`` is what the user set; ``relay`` is the ``(ip, port)`` it
    names, or None if that computer cannot be found.

    Example:

        check_relay(report, "10.0.0.5", ("10.0.0.5", 46375))
        # warns: discovery also goes through the relay at 10.0.0.5:46375.
    """
    report.line("  relay: PGNET_RELAY=%r%s" % (setting, " (UDP %s:%d)" % relay if relay else ""))
    if relay is None:
        report.problem(
            "the relay computer %r (PGNET_RELAY) cannot be found." % setting,
            "Check its name, or use its IP address.",
        )
    else:
        report.warn(
            "discovery also goes through the relay at %s:%d." % relay,
            "If programs on other networks are not found, check that 'pgnet "
            "relay' is running there and that UDP port %d is open in its "
            "firewall." % relay[1],
        )
