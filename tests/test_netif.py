"""This computer's network interfaces (pgnet.netif): its addresses, where
discovery broadcasts go, and free ports.

Nothing is sent anywhere. The test settings (conftest.py) pin pgnet to
``127.*``, which the first test checks: every other test relies on it.
"""

import socket

import pgnet
from pgnet import netif


def test_tests_keep_discovery_on_loopback():
    assert pgnet.settings.network == "127.*"
    targets = netif.broadcast_addresses()
    assert targets == [netif.LOOPBACK_BROADCAST]
    assert netif.best_ip() == "127.0.0.1"
    assert all(n.ip.startswith("127.") for n in netif.usable_networks())


def test_loopback_is_always_among_the_networks():
    assert any(n.ip == netif.LOOPBACK for n in netif.networks())
    assert all(isinstance(n, netif.Network) for n in netif.networks())


def test_a_wildcard_chooses_the_networks():
    assert [n.ip for n in netif.usable_networks("127.*") if not n.ip.startswith("127.")] == []
    assert netif.best_ip("127.*") == "127.0.0.1"


def test_virtual_interfaces_are_told_apart():
    for name in ["docker0", "br-1a2b", "veth12", "virbr0", "tun0", "wg0", "vEthernet (WSL)", "tailscale0"]:
        assert netif.is_virtual(name), name
    for name in ["lo", "eth0", "wlan0", "en0", "Wi-Fi", "Ethernet"]:
        assert not netif.is_virtual(name), name


def test_route_ip_is_one_of_this_computers_addresses_or_none():
    ip = netif.route_ip()
    assert ip is None or ip in {n.ip for n in netif.networks()}


def test_free_port_is_free():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", netif.free_port("127.0.0.1")))
