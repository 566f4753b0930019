"""pgnet.registry: which socket serves which job. One socket per job, never
reused for another; a port or a name used for one job cannot be taken for
another; forgetting a socket closes it.
"""

import pytest

import pgnet
from pgnet import addresses, registry, transport
from support import start, unique


# -- through the public calls --------------------------------------------------------

def test_one_program_listens_publishes_and_sends_at_once(echo):
    code = """
    import sys
    import pgnet
    listen_on, publish_on, send_to = sys.argv[1:4]
    pgnet.listen(listen_on)
    pgnet.publish_news(publish_on, "starting", None)
    print("READY", pgnet.discover(listen_on), flush=True)
    while True:
        message = pgnet.wait_for_message(listen_on, wait_for_s=60)
        if message == "go":
            answer = pgnet.send_message(send_to, "from the busy one", wait_for_reply_s=5)
            pgnet.publish_news(publish_on, "result", answer)
            pgnet.send_reply(listen_on, "done")
    """
    echo_name, _ = echo
    listen_on, publish_on = unique("busy"), unique("busy-news")
    busy, _ = start(code, listen_on, publish_on, echo_name)
    with busy:
        assert pgnet.subscribe(publish_on, "result", wait_for_s=5) is True
        assert pgnet.send_message(listen_on, "go", wait_for_reply_s=10) == "done"
        assert pgnet.wait_for_news(publish_on, "result", wait_for_s=5) == (
            "result", ["echo", "from the busy one"])
        assert len({pgnet.discover(listen_on), pgnet.discover(publish_on)}) == 2


def test_one_port_cannot_listen_and_publish():
    port = addresses.free_port()
    pgnet.listen(port)
    with pytest.raises(pgnet.SocketRoleError) as error:
        pgnet.publish_news(port, "topic", "news")
    assert "listening for messages" in str(error.value)
    assert pgnet.wait_for_message(port, wait_for_s=0) is None  # the listener still works

    other = addresses.free_port()
    pgnet.publish_news(other, "topic", "news")
    with pytest.raises(pgnet.SocketRoleError) as error:
        pgnet.wait_for_message(other, wait_for_s=0)
    assert "publishing news" in str(error.value)


def test_one_name_cannot_listen_and_publish():
    name = unique("both")
    pgnet.listen(name)
    with pytest.raises(pgnet.SocketRoleError):
        pgnet.publish_news(name, "topic", "news")


# -- the registry itself ------------------------------------------------------------------

@pytest.fixture
def endpoints():
    """A registry of its own (not the program's): closed after the test."""
    made = registry.Endpoints()
    yield made
    made.close_all()


def test_a_socket_is_not_reused_for_another_job(endpoints):
    address = "127.0.0.1:%d" % addresses.free_port()
    sender = endpoints.connected_sender(address, 0)
    subscriber = endpoints.connected_subscriber(address, 0)
    assert isinstance(sender, transport.Sender)
    assert isinstance(subscriber, transport.Subscriber)
    assert sender is not subscriber
    assert endpoints.connected_sender(address, 0) is sender  # the same job: the same socket
    assert endpoints.connected_subscriber(address, 0) is subscriber
    assert endpoints.existing_sender(address) is sender
    assert sorted(e.role for e in endpoints.all()) == sorted([sender.role, subscriber.role])


def test_one_listener_by_port_and_by_address(endpoints):
    port = addresses.free_port()
    listener = endpoints.bound_listener(port)
    assert endpoints.bound_listener(port) is listener
    assert endpoints.bound_listener("127.0.0.1:%d" % port) is listener
    assert endpoints.all() == [listener]  # listed once, though asked for twice
    with pytest.raises(pgnet.SocketRoleError):
        endpoints.bound_publisher(port)


def test_forget_closes_and_the_next_call_opens_afresh(endpoints):
    address = "127.0.0.1:%d" % addresses.free_port()
    assert endpoints.existing_sender(address) is None  # never opens one
    sender = endpoints.connected_sender(address, 0)
    endpoints.forget(sender)
    assert sender.socket.closed
    assert endpoints.existing_sender(address) is None
    again = endpoints.connected_sender(address, 0)
    assert again is not sender and not again.socket.closed


def test_forgetting_a_publisher_stops_serving_it_while_waiting(endpoints):
    publisher = endpoints.bound_publisher(addresses.free_port())
    listener = endpoints.bound_listener(addresses.free_port())
    assert list(listener.publishers) == [publisher]
    endpoints.forget(publisher)
    assert publisher.socket.closed
    assert list(listener.publishers) == []


def test_a_port_closed_by_close_all_can_be_bound_again_at_once(endpoints):
    port = addresses.free_port()
    first = endpoints.bound_listener(port)
    endpoints.close_all()
    assert first.socket.closed and endpoints.all() == []
    assert endpoints.bound_listener(port) is not first  # the bind waits for ZeroMQ to let go


def test_the_module_functions_are_the_default_registry():
    port = addresses.free_port()
    assert registry.bound_listener(port) is registry.default.bound_listener(port)
    assert pgnet.listen(port) == registry.bound_listener(port).address
