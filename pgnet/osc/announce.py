"""Tell phone apps where the game's OSC port is, over DNS-SD (Bonjour,
Avahi): the way TouchOSC and similar apps list the computers they can
talk to. It is announced as an ``_osc._udp`` service.

It needs the ``zeroconf`` package (``pip install "pgnet[osc]"``). Without
it, or on a computer where it cannot work, pgnet warns once
(``DiscoveryWarning``) and the game carries on: the phone can still be
given the address by hand.

    announcement = Announcement("Ada's robot", 9000)
    ...
    announcement.stop()

Announcing takes a second or two (DNS-SD checks that nobody else has the
name first), so it happens on a thread of its own; nothing waits for it.
"""

import atexit
import socket
import threading

from .. import netif
from ..errors import DiscoveryWarning, warn

#: The DNS-SD service type of OSC over UDP.
#:
#: Example: ``avahi-browse _osc._udp`` lists what is announced.
SERVICE_TYPE = "_osc._udp.local."


class Announcement:
    """``name`` announced over DNS-SD as an OSC service on UDP ``port``,
    from now until ``stop()`` (or the end of the program).

    ``done`` is set once it is announced or has failed; ``announced``
    says which.

    Example:

        announcement = Announcement("Pong", 9000)
        announcement.done.wait(5)
    """

    def __init__(self, name, port):
        self.name, self.port = name, port
        self.announced = False
        self.done = threading.Event()
        self._lock = threading.Lock()
        self._stopped = False
        self._zeroconf = self._info = None
        threading.Thread(target=self._run, name="pgnet OSC announcement", daemon=True).start()
        atexit.register(self.stop)

    def _run(self):
        try:
            self._announce()
        except ImportError:
            warn(DiscoveryWarning,
                 "Cannot announce the OSC port to phone apps: the zeroconf package "
                 "is not installed (pip install \"pgnet[osc]\"). Type this computer's "
                 "address and port %d into the app instead.", self.port)
        except Exception as error:  # zeroconf fails in many ways on odd networks
            if self._stopped:  # stopped while announcing: nothing went wrong
                return
            warn(DiscoveryWarning,
                 "Cannot announce the OSC port to phone apps (%s: %s). Type this "
                 "computer's address and port %d into the app instead.",
                 type(error).__name__, error, self.port)
            self.stop()
        finally:
            self.done.set()

    def _announce(self):
        from zeroconf import IPVersion, ServiceInfo, Zeroconf

        ips = [n.ip for n in netif.usable_networks()]
        shown = [ip for ip in ips if not ip.startswith("127.")] or ips
        host = socket.gethostname().split(".")[0] or "pgnet"
        info = ServiceInfo(
            SERVICE_TYPE, "%s.%s" % (self.name, SERVICE_TYPE),
            addresses=[socket.inet_aton(ip) for ip in shown], port=self.port,
            server="%s.local." % host, properties={"by": "pgnet"},
        )
        # Explicit interfaces: zeroconf's default choice fails on a
        # computer whose only network is loopback.
        zeroconf = Zeroconf(interfaces=ips, ip_version=IPVersion.V4Only)
        with self._lock:
            self._zeroconf, self._info = zeroconf, info
            if self._stopped:
                zeroconf.close()
                return
        zeroconf.register_service(info, allow_name_change=True)
        self.announced = True

    def stop(self):
        """Stop announcing (phone apps see the name go).

        Example: ``announcement.stop()``"""
        with self._lock:
            self._stopped = True
            zeroconf, info = self._zeroconf, self._info
            self._zeroconf = None
        if zeroconf is not None:
            try:
                if self.announced:
                    zeroconf.unregister_service(info)
            finally:
                zeroconf.close()
