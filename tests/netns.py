"""Simulated "classroom machines" for tests, built from Linux network namespaces.

Topology created by :class:`Network`::

    machine ns "…-m1-alice"        switch ns "…-sw"          machine ns "…-m2-bob"
    lo, eth0 10.123.0.2/24  <-veth->  p1 ┐                ┌ p2 <-veth-> eth0 10.123.0.3/24, lo
                                         └── br0 (bridge) ┘

Safety rules this module follows (and callers should keep following):

* Every ``ip`` command that changes links, addresses or routes runs with
  ``ip -n <namespace>`` for a namespace created here.  The host (root) network
  namespace is never given an address, a route or an interface.
* The bridge lives in its own "switch" namespace, not in the host namespace,
  so test traffic can never reach the host's real interfaces.
* Only addresses inside 10.123.0.0/16 are used; no default route is added
  anywhere, so a machine can only reach loopback and the other machines.

Requires root and iproute2.  Use :func:`have_netns` to skip tests otherwise::

    ok, why = netns.have_netns()
    if not ok:
        pytest.skip(why)
    with netns.Network() as net:
        a = net.add_machine("alice")
        b = net.add_machine("bob")
        p = b.popen([sys.executable, "server.py"], stdout=subprocess.PIPE)
        netns.wait_for_output(p, "listening", timeout=5)
        ...

Behaviour worth knowing (verified on kernel 6.x, iproute2 6.1):

* No sysctl changes are needed.  A UDP socket bound to 0.0.0.0:PORT with
  SO_BROADCAST sending to 10.123.0.255 reaches sockets bound to 0.0.0.0:PORT
  on every other machine of that subnet.  Addresses are added with
  ``brd +`` so 10.123.x.255 is a real broadcast route (without it the
  datagram would be ARPed for as a unicast address and lost).
* Inside one namespace, a datagram to 127.255.255.255 is delivered to every
  socket bound to that port with SO_REUSEADDR+SO_REUSEPORT (including the
  sender's own socket if it is bound to the port).
* The bridge has STP off and forward_delay 0; carrier changes still propagate
  asynchronously, so add_machine()/link_up() poll (a few ms) until the
  switch port is "forwarding" before returning.
* Creating a machine takes ~30 ms; a Network with a few machines well under
  0.5 s; close() ~30 ms.
"""

from __future__ import annotations

import atexit
import ipaddress
import itertools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from typing import Mapping, Optional, Sequence

__all__ = [
    "TEST_NET",
    "have_netns",
    "cleanup_stale",
    "wait_for_output",
    "Network",
    "Machine",
]

#: The only range machines get addresses from.
TEST_NET = ipaddress.ip_network("10.123.0.0/16")

#: How long add_machine()/link_up() wait for a link to become usable.
LINK_TIMEOUT = 5.0

_IP = shutil.which("ip") or "/usr/sbin/ip"
_counter = itertools.count(1)
_lock = threading.Lock()
_live_networks: "set[Network]" = set()
_have_netns_cache: Optional[tuple[bool, str]] = None

# Runs inside a machine namespace: send one ARP announcement (RFC 5227) for
# argv[2] out of interface argv[1].
_GARP_SCRIPT = r"""
import socket, struct, sys
ifname, ip = sys.argv[1], socket.inet_aton(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0x0806))
mac = s.getsockname()[4]
s.send(b"\xff" * 6 + mac + struct.pack("!HHHBBH", 0x0806, 1, 0x0800, 6, 4, 1)
       + mac + ip + b"\x00" * 6 + ip)
"""


# --------------------------------------------------------------------------
# low-level helpers
# --------------------------------------------------------------------------

def _run_ip(args: Sequence[str], check: bool = True,
            timeout: float = 10.0) -> subprocess.CompletedProcess:
    """Run ``ip ARGS``; raise RuntimeError with ip's stderr on failure."""
    proc = subprocess.run([_IP, *args], capture_output=True, text=True,
                          timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError("ip %s failed (rc=%d): %s" % (
            " ".join(args), proc.returncode, proc.stderr.strip()))
    return proc


def _ip_in(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run ``ip -n NS ARGS``.  Never runs in the host namespace."""
    if not ns:
        raise ValueError("refusing to run ip without a namespace")
    return _run_ip(["-n", ns, *args], check=check)


def _link_json(ns: str, ifname: str) -> dict:
    out = _ip_in(ns, "-j", "-d", "link", "show", "dev", ifname).stdout
    return json.loads(out)[0]


def _list_netns() -> list[str]:
    """Names from ``ip netns list`` (strips the "(id: N)" suffix)."""
    out = _run_ip(["netns", "list"], check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def _netns_pids(ns: str) -> list[int]:
    out = _run_ip(["netns", "pids", ns], check=False).stdout
    return [int(tok) for tok in out.split() if tok.isdigit()]


def _kill_pids(pids: Sequence[int], grace: float = 0.5) -> None:
    """SIGTERM then SIGKILL the given pids (processes inside our namespaces)."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    remaining = list(pids)
    while remaining and time.monotonic() < deadline:
        remaining = [p for p in remaining if _pid_alive(p)]
        if remaining:
            time.sleep(0.01)
    for pid in remaining:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child still "exists"; treat it as dead.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _delete_netns(ns: str) -> None:
    """Kill every process still inside NS, then delete it (removes its veths)."""
    pids = [p for p in _netns_pids(ns) if p != os.getpid()]
    if pids:
        _kill_pids(pids)
    proc = _run_ip(["netns", "delete", ns], check=False)
    if proc.returncode != 0 and ns in _list_netns():
        raise RuntimeError("ip netns delete %s failed: %s" % (ns, proc.stderr.strip()))


def _wait(cond, timeout: float, what: str, interval: float = 0.005):
    """Poll COND() until it returns a truthy value or TIMEOUT expires."""
    deadline = time.monotonic() + timeout
    while True:
        result = cond()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError("timed out after %.1fs waiting for %s" % (timeout, what))
        time.sleep(interval)
        interval = min(interval * 2, 0.05)


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------

def have_netns() -> tuple[bool, str]:
    """Can this process build test networks?  Returns ``(ok, reason)``.

    True only when running as root, ``ip`` exists and creating a throwaway
    namespace (with a bridge and a veth inside it) works and it can be
    deleted again.  The result is cached.  Use as::

        ok, reason = have_netns()
        if not ok:
            pytest.skip(reason)
    """
    global _have_netns_cache
    if _have_netns_cache is not None:
        return _have_netns_cache
    result: tuple[bool, str]
    if os.geteuid() != 0:
        result = (False, "network namespace tests need root")
    elif not os.path.exists(_IP):
        result = (False, "iproute2 'ip' command not found")
    else:
        ns = "pgt%dx%d-probe" % (os.getpid(), next(_counter))
        try:
            _run_ip(["netns", "add", ns])
            try:
                _ip_in(ns, "link", "add", "br0", "type", "bridge")
                _ip_in(ns, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
                _ip_in(ns, "link", "set", "v0", "master", "br0")
            finally:
                _delete_netns(ns)
            result = (True, "network namespaces available")
        except Exception as exc:  # noqa: BLE001 - reason is reported
            result = (False, "cannot create network namespaces: %s" % exc)
    _have_netns_cache = result
    return result


def cleanup_stale(prefix: str = "pgt") -> list[str]:
    """Delete namespaces left behind by earlier (crashed) runs.

    Only namespaces that follow this module's naming scheme
    ``<prefix><pid>x<counter>-…`` are considered, and only when process
    ``<pid>`` no longer exists, so concurrently running test sessions are not
    disturbed.  Processes still running inside such a namespace are killed.
    Returns the names that were deleted.
    """
    pattern = re.compile(r"^%s(\d+)x\d+-" % re.escape(prefix))
    deleted = []
    for ns in _list_netns():
        m = pattern.match(ns)
        if not m:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            _delete_netns(ns)
            deleted.append(ns)
        except Exception as exc:  # noqa: BLE001
            warnings.warn("could not delete stale namespace %s: %s" % (ns, exc))
    return deleted


def wait_for_output(proc: subprocess.Popen, needle=None, timeout: float = 5.0):
    """Read PROC's stdout until NEEDLE appears; return everything read so far.

    With ``needle=None`` read until end of file (the process closed stdout,
    normally because it exited).  PROC must have been started with
    ``stdout=subprocess.PIPE``.  This reads the raw file descriptor, so don't
    mix it with ``proc.stdout.read()`` / ``communicate()``; output is
    accumulated on the Popen object, so repeated calls continue where the last
    one stopped and always return all output seen so far.  NEEDLE is str
    (output decoded as UTF-8) or bytes.  Raises TimeoutError, or RuntimeError
    if stdout is closed before NEEDLE appeared.
    """
    as_text = needle is None or isinstance(needle, str)
    raw_needle = needle.encode() if isinstance(needle, str) else needle
    buf: bytearray = getattr(proc, "_netns_output", None)
    if buf is None:
        buf = proc._netns_output = bytearray()  # type: ignore[attr-defined]
    eof = getattr(proc, "_netns_eof", False)
    fd = proc.stdout.fileno() if not eof else -1
    deadline = time.monotonic() + timeout

    def result():
        return buf.decode(errors="replace") if as_text else bytes(buf)

    while raw_needle is None or raw_needle not in buf:
        if eof:
            if raw_needle is None:
                break
            raise RuntimeError("%s closed stdout (rc=%s) without printing %r; output: %r"
                               % (proc.args, proc.poll(), needle, result()))
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no %s from %s within %.1fs; output so far: %r"
                               % ("EOF" if needle is None else repr(needle),
                                  proc.args, timeout, result()))
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            if chunk:
                buf += chunk
            else:
                eof = proc._netns_eof = True  # type: ignore[attr-defined]
    return result()


# --------------------------------------------------------------------------
# Machine
# --------------------------------------------------------------------------

class Machine:
    """One simulated computer: a network namespace with ``lo`` and 0..n veths.

    Attributes:
        name:       the namespace name (pass to ``ip netns exec``).
        label:      the short name given to :meth:`Network.add_machine`.
        address:    first IPv4 address as a string without prefix, or None
                    for an offline machine.
        addresses:  all IPv4 addresses, in the order the interfaces were added.
        interfaces: list of ``(ifname, address)`` inside the namespace
                    (``eth0``, ``eth1`` …).
    """

    def __init__(self, network: "Network", name: str, label: str):
        self.network = network
        self.name = name
        self.label = label
        self.interfaces: list[tuple[str, str]] = []
        self._ports: dict[str, str] = {}        # machine ifname -> switch port
        self._procs: list[subprocess.Popen] = []

    def __repr__(self):
        return "<Machine %s %s>" % (self.label, self.addresses or "offline")

    @property
    def address(self) -> Optional[str]:
        return self.interfaces[0][1] if self.interfaces else None

    @property
    def addresses(self) -> list[str]:
        return [addr for _, addr in self.interfaces]

    # -- interfaces -----------------------------------------------------

    def add_interface(self, subnet: int = 0, address: Optional[str] = None,
                      up: bool = True) -> str:
        """Plug another veth into the switch; return its address.

        The address is ``10.123.<subnet>.<n>/24`` with n allocated from 2
        upwards per subnet, unless ADDRESS (inside 10.123.0.0/16, "/24" implied)
        is given.  With ``up=False`` the interface is addressed but left down.

        Both interfaces share one L2 segment (the same bridge), so a broadcast
        to 10.123.0.255 arrives on eth0 *and* eth1 and a socket bound to
        0.0.0.0 receives it twice; ARP for either address may be answered
        from either interface (Linux default arp_ignore=0).
        """
        return self.network._attach(self, subnet, address, up)

    def _first_ifname(self) -> str:
        if not self.interfaces:
            raise RuntimeError("%s has no network interface" % self.label)
        return self.interfaces[0][0]

    def link_up(self, ifname: Optional[str] = None, announce: bool = True) -> None:
        """Bring the machine's first veth (or IFNAME) up: plug the cable in.

        Returns once the link is up on both ends and the switch port is
        forwarding, so traffic works immediately afterwards.  With ``announce``
        (default) the machine then broadcasts a gratuitous ARP for its address,
        as DHCP clients do when Wi-Fi connects.  Without it, a peer that tried
        to reach this address while the link was down keeps its neighbour
        entry INCOMPLETE and only re-probes after up to 1 s (ARP retrans_time).
        """
        ifname = ifname or self._first_ifname()
        _ip_in(self.name, "link", "set", ifname, "up")
        self.network._wait_link_ready(self, ifname)
        if announce:
            self.announce(ifname)

    def announce(self, ifname: Optional[str] = None) -> None:
        """Broadcast a gratuitous ARP for the address of IFNAME (default eth0)."""
        ifname = ifname or self._first_ifname()
        addr = dict(self.interfaces)[ifname]
        try:
            proc = self.run([sys.executable, "-c", _GARP_SCRIPT, ifname, addr], timeout=10)
        except subprocess.TimeoutExpired as exc:
            warnings.warn("gratuitous ARP on %s timed out: %s" % (self.label, exc))
            return
        if proc.returncode != 0:
            warnings.warn("gratuitous ARP on %s failed: %s" % (self.label, proc.stderr))

    def link_down(self, ifname: Optional[str] = None) -> None:
        """Bring the machine's first veth (or IFNAME) down: pull the cable.

        The address stays configured, but its routes disappear while down.
        """
        ifname = ifname or self._first_ifname()
        _ip_in(self.name, "link", "set", ifname, "down")

    # -- processes ------------------------------------------------------

    def command(self, args: Sequence[str]) -> list[str]:
        """The argv that runs ARGS inside this machine."""
        if isinstance(args, (str, bytes)):
            raise TypeError("args must be a sequence, not a string")
        return [_IP, "netns", "exec", self.name, *map(os.fspath, args)]

    def popen(self, args: Sequence[str], env: Optional[Mapping[str, str]] = None,
              **kw) -> subprocess.Popen:
        """Start ARGS inside this machine (``ip netns exec NAME ARGS``).

        ENV defaults to a copy of ``os.environ``.  Other keywords go to
        ``subprocess.Popen``; ``start_new_session`` defaults to True so the
        whole process group can be killed.  The process is tracked and killed
        by :meth:`kill_processes` / :meth:`Network.close` if still running.
        """
        kw.setdefault("start_new_session", True)
        proc = subprocess.Popen(self.command(args),
                                env=dict(os.environ if env is None else env), **kw)
        self._procs.append(proc)
        return proc

    def run(self, args: Sequence[str], timeout: float, env: Optional[Mapping[str, str]] = None,
            **kw) -> subprocess.CompletedProcess:
        """Run ARGS inside this machine and wait (``subprocess.run``).

        Defaults: ``capture_output=True, text=True``; ``check`` is False.
        On timeout the process is killed and TimeoutExpired is raised.
        """
        if "stdout" not in kw and "stderr" not in kw:
            kw.setdefault("capture_output", True)
        kw.setdefault("text", True)
        return subprocess.run(self.command(args), timeout=timeout,
                              env=dict(os.environ if env is None else env), **kw)

    def kill_processes(self) -> None:
        """Kill (SIGTERM, then SIGKILL) every tracked process still running."""
        procs, self._procs = self._procs, []
        for proc in procs:
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + 0.5
        for proc in procs:
            try:
                proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    warnings.warn("process %s did not die" % proc.pid)
        for proc in procs:
            for stream in (proc.stdin, proc.stdout, proc.stderr):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        if os.getpgid(proc.pid) == proc.pid:   # started with start_new_session
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------
# Network
# --------------------------------------------------------------------------

class Network:
    """A switch (bridge in its own namespace) plus machines plugged into it.

    Use as a context manager, or call :meth:`close` yourself.  Namespace names
    are ``<prefix><pid>x<counter>-sw`` for the switch and
    ``<prefix><pid>x<counter>-m<k>-<label>`` for machines, so several
    Networks (even in several processes) never collide, and :func:`cleanup_stale`
    can recognise leftovers.  Every Network is also closed at interpreter exit.
    """

    def __init__(self, prefix: str = "pgt"):
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", prefix):
            raise ValueError("prefix must be alphanumeric, got %r" % prefix)
        self.prefix = prefix
        self.base = "%s%dx%d" % (prefix, os.getpid(), next(_counter))
        self.switch = self.base + "-sw"
        self.bridge = "br0"
        self.machines: list[Machine] = []
        self._namespaces: list[str] = []      # everything to delete, in order
        self._used: set[str] = set()
        self._port_counter = itertools.count(1)
        self._machine_counter = itertools.count(1)
        self._closed = False
        with _lock:
            _live_networks.add(self)
        try:
            self._add_netns(self.switch)
            _ip_in(self.switch, "link", "set", "lo", "up")
            _ip_in(self.switch, "link", "add", self.bridge, "type", "bridge",
                   "stp_state", "0", "forward_delay", "0")
            _ip_in(self.switch, "link", "set", self.bridge, "up")
        except BaseException:
            self.close()
            raise

    def __repr__(self):
        return "<Network %s %s>" % (self.base, self.machines)

    def __enter__(self) -> "Network":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- building -------------------------------------------------------

    def _add_netns(self, ns: str) -> None:
        # Remember it first, so close() cleans up even if "add" half-worked.
        self._namespaces.append(ns)
        _run_ip(["netns", "add", ns])

    def _new_machine(self, label: str) -> Machine:
        if self._closed:
            raise RuntimeError("network is closed")
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", label):
            raise ValueError("machine name must match [A-Za-z0-9_-]{1,40}: %r" % label)
        ns = "%s-m%d-%s" % (self.base, next(self._machine_counter), label)
        self._add_netns(ns)
        _ip_in(ns, "link", "set", "lo", "up")
        machine = Machine(self, ns, label)
        self.machines.append(machine)
        return machine

    def add_machine(self, name: str, address: Optional[str] = None, up: bool = True,
                    *, subnet: int = 0) -> Machine:
        """Create a machine with ``lo`` up and one veth (eth0) into the switch.

        ADDRESS defaults to the next free ``10.123.<subnet>.<n>`` (n from 2);
        an explicit ADDRESS must lie in 10.123.0.0/16 and gets a /24.  With
        ``up=False`` eth0 is created and addressed but left DOWN; call
        :meth:`Machine.link_up` later.  Returns once the link is usable.
        """
        self._pick_address(subnet, address)         # fail before creating anything
        machine = self._new_machine(name)
        self._attach(machine, subnet, address, up)
        return machine

    def add_offline_machine(self, name: str) -> Machine:
        """Create a machine with only ``lo`` (up) and no connection at all."""
        return self._new_machine(name)

    def _pick_address(self, subnet: int, address: Optional[str]) -> str:
        """Validate ADDRESS, or choose the lowest free 10.123.SUBNET.n (n >= 2)."""
        if address is not None:
            addr = ipaddress.ip_interface(address.split("/")[0]).ip
            if addr not in TEST_NET:
                raise ValueError("%s is outside %s" % (addr, TEST_NET))
            if int(addr) & 0xFF in (0, 255):
                raise ValueError("%s is a network/broadcast address" % addr)
            if str(addr) in self._used:
                raise ValueError("address %s already used in this network" % addr)
            return str(addr)
        if not 0 <= subnet <= 255:
            raise ValueError("subnet must be 0..255, got %r" % subnet)
        for n in range(2, 255):
            candidate = "10.123.%d.%d" % (subnet, n)
            if candidate not in self._used:
                return candidate
        raise RuntimeError("subnet 10.123.%d.0/24 is full" % subnet)

    def _attach(self, machine: Machine, subnet: int, address: Optional[str],
                up: bool) -> str:
        if self._closed:
            raise RuntimeError("network is closed")
        addr = self._pick_address(subnet, address)
        ifname = "eth%d" % len(machine.interfaces)
        port = "p%d" % next(self._port_counter)            # <= 15 chars
        _ip_in(self.switch, "link", "add", port, "type", "veth",
               "peer", "name", ifname, "netns", machine.name)
        _ip_in(self.switch, "link", "set", port, "master", self.bridge)
        _ip_in(self.switch, "link", "set", port, "up")
        # "brd +" sets 10.123.x.255 as broadcast address (and its local route)
        _ip_in(machine.name, "addr", "add", "%s/24" % addr, "brd", "+", "dev", ifname)
        self._used.add(addr)
        machine.interfaces.append((ifname, addr))
        machine._ports[ifname] = port
        if up:
            machine.link_up(ifname, announce=False)
        return addr

    def _wait_link_ready(self, machine: Machine, ifname: str,
                         timeout: float = LINK_TIMEOUT) -> None:
        """Wait until both veth ends are UP and the bridge port forwards.

        Carrier changes are propagated asynchronously (linkwatch), so right
        after ``ip link set up`` frames could still be dropped.
        """
        port = machine._ports[ifname]

        def ready():
            inner = _link_json(machine.name, ifname)
            if inner.get("operstate") != "UP":
                return False
            outer = _link_json(self.switch, port)
            state = outer.get("linkinfo", {}).get("info_slave_data", {}).get("state")
            return outer.get("operstate") == "UP" and state == "forwarding"

        _wait(ready, timeout, "%s %s to come up" % (machine.label, ifname))

    # -- teardown -------------------------------------------------------

    def close(self) -> None:
        """Kill tracked processes and delete every namespace (idempotent).

        Deleting a namespace also removes its veths.  Any process still inside
        one of our namespaces (even untracked) is killed first, otherwise the
        namespace would outlive its name.
        """
        if self._closed:
            return
        self._closed = True
        errors = []
        for machine in self.machines:
            try:
                machine.kill_processes()
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
        existing = set(_list_netns())
        for ns in reversed(self._namespaces):
            if ns not in existing:
                continue
            try:
                _delete_netns(ns)
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
        with _lock:
            _live_networks.discard(self)
        if errors:
            warnings.warn("Network.close(): %s" % "; ".join(map(str, errors)))


@atexit.register
def _close_all_networks() -> None:
    with _lock:
        networks = list(_live_networks)
    for net in networks:
        try:
            net.close()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
