"""Addresses: every form pgnet accepts, the mistakes it explains, and ports.

These tests bind real sockets on loopback but send nothing anywhere. The
test settings (conftest.py) pin pgnet to ``127.*``, which test_netif.py
checks: every test here relies on it.
"""

import socket

import pytest

import pgnet
from pgnet import addresses, netif


@pytest.fixture
def busy_port():
    """A port that another socket holds (bound and listening) during the test."""
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    yield holder.getsockname()[1]
    holder.close()


# -- forms that are accepted ---------------------------------------------------

@pytest.mark.parametrize("written, connects_to", [
    ("127.0.0.1:5000", "127.0.0.1:5000"),
    ("  127.0.0.1:5000 ", "127.0.0.1:5000"),
    ("127.0.0.2:65535", "127.0.0.2:65535"),
    ("10.1.2.3:1", "10.1.2.3:1"),
    (5000, "127.0.0.1:5000"),
    ("5000", "127.0.0.1:5000"),
    ("localhost:5000", "127.0.0.1:5000"),
])
def test_addresses_to_send_to(written, connects_to):
    assert addresses.for_connecting(written) == connects_to


@pytest.mark.parametrize("written, host, port", [
    ("127.0.0.1:5000", "127.0.0.1", 5000),
    ("127.0.0.1", "127.0.0.1", None),
    ("127.*", "127.0.0.1", None),
    ("127.*:5000", "127.0.0.1", 5000),
    ("127.0.*", "127.0.0.1", None),
    ("*:5000", "127.0.0.1", 5000),        # "everywhere", narrowed to the chosen network
    (5000, "127.0.0.1", 5000),
    ("5000", "127.0.0.1", 5000),
    (None, "127.0.0.1", None),
    ("localhost:5000", "127.0.0.1", 5000),
])
def test_addresses_to_listen_on(written, host, port):
    where = addresses.for_listening(written)
    assert where.host == host
    if port is not None:
        assert where.port == port
    else:
        assert 1024 <= where.port <= 65535
    assert where.shown == "%s:%d" % (host, where.port)


@pytest.mark.parametrize("text, is_address", [
    ("127.0.0.1:5000", True),
    ("5000", True),
    (5000, True),
    ("127.0.0.1", True),
    ("192.168.*", True),
    ("robot.local:5000", True),
    ("localhost:5000", True),
    ("pong", False),
    ("Ada's pong", False),
    ("robot.local", False),        # a host name needs its port
    ("pong 2", False),
    ("🏓 ping pong", False),
])
def test_names_and_addresses_are_told_apart(text, is_address):
    assert pgnet.is_address(text) is is_address


# -- mistakes, explained ---------------------------------------------------------

@pytest.mark.parametrize("written", [
    "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:99999", 0, 65536, 100000, -1, "0",
])
def test_bad_port_numbers_are_explained(written):
    for parse in (addresses.for_connecting, addresses.for_listening):
        with pytest.raises(pgnet.AddressError) as error:
            parse(written)
        assert "1 to 65535" in str(error.value)


@pytest.mark.parametrize("written", ["256.1.1.1:5000", "1.2.3.999:5000", "300.0.0.1"])
def test_bad_ips_are_explained(written):
    parses = [addresses.for_listening]
    if ":" in written:
        parses.append(addresses.for_connecting)
    for parse in parses:
        with pytest.raises(pgnet.AddressError) as error:
            parse(written)
        assert "0 to 255" in str(error.value)


def test_sending_needs_a_port():
    with pytest.raises(pgnet.AddressError) as error:
        addresses.for_connecting("127.0.0.1")
    assert "no port" in str(error.value)


def test_sending_to_a_wildcard_is_explained():
    with pytest.raises(pgnet.AddressError) as error:
        addresses.for_connecting("127.*:5000")
    assert "wildcard" in str(error.value)


def test_a_wildcard_matching_no_network_is_explained():
    with pytest.raises(pgnet.AddressError) as error:
        addresses.for_listening("10.254.254.*")
    assert "10.254.254.*" in str(error.value)
    assert "127.0.0.1" in str(error.value)  # it lists the addresses there are


@pytest.mark.parametrize("written", [5000.0, True, None, [5000], b"127.0.0.1:5000"])
def test_addresses_of_the_wrong_type_are_explained(written):
    with pytest.raises(pgnet.AddressError) as error:
        addresses.for_connecting(written)
    assert "must be text" in str(error.value)


def test_address_errors_are_pgnet_errors_and_value_errors():
    with pytest.raises(pgnet.PgnetError):
        addresses.for_connecting("127.0.0.1:0")
    with pytest.raises(ValueError):
        addresses.for_connecting("127.0.0.1:0")


# -- ports ------------------------------------------------------------------------

def test_port_already_in_use_is_an_address_error(busy_port):
    for use in (
        lambda: pgnet.listen("127.0.0.1:%d" % busy_port),
        lambda: pgnet.wait_for_message(busy_port, wait_for_s=0),
        lambda: pgnet.publish_news(busy_port, "topic", "news"),
    ):
        with pytest.raises(pgnet.AddressError) as error:
            use()
        assert "already in use" in str(error.value)
        assert str(busy_port) in str(error.value)


def test_free_port_chosen_when_none_given_is_bindable():
    where = addresses.for_listening("127.0.0.1")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((where.host, where.port))
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", addresses.free_port()))


def test_listening_without_an_address_really_listens():
    address = pgnet.listen(None)
    host, port = address.rsplit(":", 1)
    assert host == "127.0.0.1"
    with socket.create_connection((host, int(port)), timeout=5):
        pass


def test_my_address_is_this_computer_with_a_port():
    ip, _, port = pgnet.my_address().rpartition(":")
    assert pgnet.is_address(pgnet.my_address())
    assert ip in {n.ip for n in netif.networks()}
    assert 1 <= int(port) <= 65535
    assert pgnet.my_address(5000) == ip + ":5000"
    assert pgnet.my_address("127.*").startswith("127.0.0.1:")
    with pytest.raises(pgnet.AddressError):
        pgnet.my_address("203.0.113.*")          # none of this computer's networks
    with pytest.raises(pgnet.AddressError):
        pgnet.my_address(70000)
