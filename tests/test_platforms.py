"""What differs between Linux, macOS and Windows in pgnet's sockets, each
case simulated here so that it is tested on every system:

* Windows: a UDP socket whose earlier packet reached no program fails its
  next receive with WSAECONNRESET ("connection reset"), although nothing
  is wrong with it. The relay and every program's discovery must carry on.
* Sharing the discovery port: SO_REUSEADDR everywhere; SO_REUSEPORT where
  it exists (macOS needs it; Windows has none; some kernels refuse it).
* macOS passes no broadcast on 127.x: the doctor says so instead of
  blaming a firewall.
"""

import socket
import time

import pytest

from pgnet import addresses, discovery
from pgnet.discovery import protocol
from pgnet.discovery.relay import Relay


class FakeUDPSocket:
    """A UDP socket whose receives give, in turn, what ``script`` holds:
    an exception to raise or a ``(data, (ip, port))`` to return. Records
    what is sent and which options are set."""

    def __init__(self, script=(), refuse_options=()):
        self.script = list(script)
        self.sent = []
        self.options = []
        self.refuse_options = set(refuse_options)

    def recvfrom(self, size):
        if not self.script:
            raise socket.timeout()
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            raise step
        return step

    def sendto(self, data, address):
        self.sent.append((data, address))

    def setsockopt(self, level, option, value):
        if option in self.refuse_options:
            raise OSError(92, "Protocol not available")
        self.options.append(option)

    def close(self):
        pass


def windows_connection_reset():
    error = ConnectionResetError(10054, "An existing connection was forcibly closed by the remote host")
    error.winerror = 10054
    return error


QUERY = protocol.encode_packet(protocol.query(None, "someone"))


@pytest.mark.parametrize("nothing", [socket.timeout(), BlockingIOError(), windows_connection_reset()])
def test_receive_is_none_for_nothing_and_for_a_windows_connection_reset(nothing):
    assert protocol.receive(FakeUDPSocket([nothing])) is None
    assert protocol.receive(FakeUDPSocket([(QUERY, ("10.0.0.7", 46374))])) == (QUERY, ("10.0.0.7", 46374))
    with pytest.raises(OSError):  # anything else is a real error, and says so
        protocol.receive(FakeUDPSocket([OSError(9, "Bad file descriptor")]))


def test_the_relay_carries_on_after_a_windows_connection_reset():
    relay = Relay(port=addresses.free_port())
    relay.socket.close()
    alice, bob = ("10.0.0.7", 50001), ("10.0.1.9", 50002)
    relay.socket = FakeUDPSocket([
        (QUERY, alice),
        windows_connection_reset(),  # (a packet to a client that had gone)
        (QUERY, bob),
    ])
    deadline = time.monotonic() + 5
    relay.run(until=lambda: not relay.socket.script or time.monotonic() > deadline)
    assert set(relay.clients) == {alice, bob}
    assert [to for _, to in relay.socket.sent] == [alice]  # bob's query, passed on to alice


def test_a_program_s_discovery_carries_on_after_a_windows_connection_reset(monkeypatch):
    peer = discovery.get_beacon()
    fake = FakeUDPSocket([windows_connection_reset()])
    started = time.monotonic()
    peer._receive_from(fake)  # what the beacon's thread does with each ready socket
    assert time.monotonic() - started < 0.05  # no pause: nothing is wrong


def test_the_discovery_port_is_shared_with_so_reuseport_where_there_is_one(monkeypatch):
    monkeypatch.setattr(socket, "SO_REUSEPORT", 15, raising=False)  # Linux, macOS
    sock = FakeUDPSocket()
    discovery.share_port(sock)
    assert sock.options == [socket.SO_REUSEADDR, 15]


def test_the_discovery_port_is_shared_with_so_reuseaddr_alone_on_windows(monkeypatch):
    monkeypatch.delattr(socket, "SO_REUSEPORT", raising=False)
    sock = FakeUDPSocket()
    discovery.share_port(sock)
    assert sock.options == [socket.SO_REUSEADDR]
    assert getattr(socket, "SO_EXCLUSIVEADDRUSE", None) not in sock.options


def test_a_refused_so_reuseport_still_shares_the_port_with_so_reuseaddr(monkeypatch):
    monkeypatch.setattr(socket, "SO_REUSEPORT", 15, raising=False)
    sock = FakeUDPSocket(refuse_options={15})
    discovery.share_port(sock)  # no error
    assert sock.options == [socket.SO_REUSEADDR]


def test_two_sockets_really_share_the_discovery_port_here():
    port = addresses.free_port()
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    try:
        for sock in socks:
            discovery.share_port(sock)
            sock.bind(("", port))  # the second would fail with "address in use"
    finally:
        for sock in socks:
            sock.close()


def test_the_doctor_on_a_mac_explains_the_missing_loopback_broadcast():
    from pgnet.cli.doctor.broadcasts import Heard, check_broadcasts
    from pgnet.cli.doctor.report import Report
    for platform, kind, words in (("darwin", "warn", "macOS passes no broadcasts"),
                                  ("linux", "problem", "even programs on this computer")):
        report = Report(write=lambda line: None)
        check_broadcasts(report, ["127.255.255.255"], Heard(), 1.0, 46374, (), platform)
        (finding,) = report.findings
        assert (finding.kind, words in finding.text) == (kind, True), finding
