"""pgnet.networkzero: networkzero programs run unchanged with
``import pgnet.networkzero as nw0``.

Two parts. Programs written in the spirit of networkzero's examples (a
reverse-echo server, a chat hub with news, a robot and its controller) run
as real processes on two simulated machines (network namespaces). Then each
public function is checked against networkzero 1.0b1's documented names,
signatures, defaults, return shapes and exceptions, from this process
against small helper programs on loopback.

Every wait is a condition with a deadline (Program.expect, the functions'
own time limits).
"""

import inspect
import os
import signal

import pytest

import pgnet
import pgnet.networkzero as nw0
from support import Program, unique, wait_until

try:
    import netns
except ImportError:  # pragma: no cover
    netns = None

NETNS = netns is not None and netns.have_netns()[0]
IN_NAMESPACE = {"PGNET_NETWORK": ""}


def nw0_program(code, *args, machine=None):
    """Run ``code`` (a networkzero program) with ``args``; on ``machine``
    (a namespace) if given."""
    if machine is None:
        return Program(["-c", code] + [str(a) for a in args])
    return Program(["-c", code] + [str(a) for a in args], env=IN_NAMESPACE, prefix=machine.command([]))


# -- the programs ---------------------------------------------------------------------

# A reverse-echo server: whatever word comes, it sends it back reversed.
REVERSO_SERVER = """
import sys
import pgnet.networkzero as nw0

address = nw0.advertise(sys.argv[1])
print("READY", address, flush=True)
while True:
    word = nw0.wait_for_message_from(address)
    nw0.send_reply_to(address, word[::-1])
"""

# Its client: finds the server by name and sends it each word given.
REVERSO_CLIENT = """
import sys
import pgnet.networkzero as nw0

reverso = nw0.discover(sys.argv[1])
for word in sys.argv[2:]:
    print("REVERSED", nw0.send_message_to(reverso, word), flush=True)
"""

# A chat hub: people JOIN, SPEAK and LEAVE by message; it passes each on as news.
CHAT_HUB = """
import sys
import pgnet.networkzero as nw0

hub = nw0.discover(sys.argv[1], 1)
if hub is not None:
    raise SystemExit("A hub is already running at %s" % hub)
hub = nw0.advertise(sys.argv[1])
updates = nw0.advertise(sys.argv[2])
print("READY", hub, updates, flush=True)
while True:
    action, params = nw0.wait_for_message_from(hub, autoreply=True)
    nw0.send_news_to(updates, action, params)
"""

# Shows what happens in the chat, from the hub's news, until someone says "bye".
CHAT_STATUS = """
import sys
import pgnet.networkzero as nw0

updates = nw0.discover(sys.argv[1])
print("WATCHING", flush=True)
while True:
    action, message = nw0.wait_for_news_from(updates)
    if action == "JOIN":
        print("%s has joined" % message, flush=True)
    elif action == "LEAVE":
        print("%s has left" % message, flush=True)
    elif action == "SPEAK":
        [person, words] = message
        print("%s says: %s" % (person, words), flush=True)
        if words == "bye":
            break
"""

# A person in the chat: joins, says each thing given, leaves.
CHAT_PERSON = """
import sys
import pgnet.networkzero as nw0

hub = nw0.discover(sys.argv[1])
name = sys.argv[2]
nw0.send_message_to(hub, ["JOIN", name])
for words in sys.argv[3:]:
    nw0.send_message_to(hub, ["SPEAK", (name, words)])
nw0.send_message_to(hub, ["LEAVE", name])
print("DONE", flush=True)
"""

# A robot: takes commands with parameters and publishes where it is.
ROBOT = """
import sys
import pgnet.networkzero as nw0

name = sys.argv[1]
commands = nw0.advertise(name + "/commands")
position = nw0.advertise(name + "/position")
x, y, heading = 0, 0, "north"
print("READY", commands, position, flush=True)
while True:
    command = nw0.wait_for_message_from(commands, autoreply=True)
    action, params = nw0.action_and_params(command)
    if action == "FORWARD":
        steps = int(params[0])
        x, y = {"north": (x, y + steps), "east": (x + steps, y)}[heading]
    elif action == "TURN":
        heading = params[0]
    elif action == "SAY":
        print("SAYS", params[0], flush=True)
    nw0.send_news_to(position, "position", (x, y, heading))
    if action == "STOP":
        break
print("STOPPED", x, y, flush=True)
"""

# Its controller, on another machine: finds the robot's parts as a group.
CONTROLLER = """
import sys
import pgnet.networkzero as nw0

name = sys.argv[1]
nw0.discover(name + "/position")
parts = dict(nw0.discover_group(name))
print("PARTS", sorted(parts), flush=True)
nw0.wait_for_news_from(parts[name + "/position"], "position", wait_for_s=0)  # listening first
for command in ["FORWARD 3", "TURN east", "FORWARD 2", "SAY 'hello there'", "STOP"]:
    nw0.send_message_to(parts[name + "/commands"], command)
    topic, where = nw0.wait_for_news_from(parts[name + "/position"], "position", wait_for_s=5)
    print("AT", where, flush=True)
"""


# -- across two machines ------------------------------------------------------------

@pytest.fixture
def net():
    if not NETNS:
        pytest.skip("needs network namespaces (root)")
    netns.cleanup_stale()
    with netns.Network() as network:
        yield network


def test_reverse_echo_across_machines(net):
    alice, bob = net.add_machine("alice"), net.add_machine("bob")
    name = unique("reverso")
    with nw0_program(REVERSO_SERVER, name, machine=alice) as server:
        address = server.expect(r"READY (\S+)").group(1)
        assert address.startswith(alice.address + ":")
        with nw0_program(REVERSO_CLIENT, name, "hello", "été", machine=bob) as client:
            assert client.expect("REVERSED (.*)").group(1) == "olleh"
            assert client.expect("REVERSED (.*)").group(1) == "été"[::-1]
            assert client.wait() == 0, client.stderr_text()
            assert client.stderr_text() == ""


def test_chat_hub_with_news_across_machines_loses_no_first_item(net):
    alice, bob = net.add_machine("alice"), net.add_machine("bob")
    hub_name, updates = unique("chat-hub"), unique("chat-updates")
    with nw0_program(CHAT_HUB, hub_name, updates, machine=alice) as hub:
        hub.expect("READY")
        # The status window waits before the hub has published anything:
        # "Alice has joined" is the hub's very first news.
        with nw0_program(CHAT_STATUS, updates, machine=bob) as status:
            status.expect("WATCHING")
            with nw0_program(CHAT_PERSON, hub_name, "Alice", "hi", "how are you?", machine=bob) as alice_chat:
                alice_chat.expect("DONE")
            with nw0_program(CHAT_PERSON, hub_name, "Bob", "bye", machine=alice) as bob_chat:
                bob_chat.expect("DONE")
            assert status.wait() == 0, status.stderr_text()
            assert status.lines[1:] == [
                "Alice has joined", "Alice says: hi", "Alice says: how are you?", "Alice has left",
                "Bob has joined", "Bob says: bye",
            ]
        # A second hub refuses to start: one is running.
        with nw0_program(CHAT_HUB, hub_name, updates, machine=bob) as second:
            assert second.wait() == 1
            assert "already running" in second.stderr_text()
        assert hub.stderr_text() == ""


def test_robot_and_controller_on_two_machines(net):
    robot_machine, laptop = net.add_machine("robot"), net.add_machine("laptop")
    name = unique("robot")
    with nw0_program(ROBOT, name, machine=robot_machine) as robot:
        robot.expect("READY")
        with nw0_program(CONTROLLER, name, machine=laptop) as controller:
            assert controller.expect("PARTS (.*)").group(1) == repr([name + "/commands", name + "/position"])
            # Tuples arrive as lists, as networkzero's JSON gave them.
            for expected in ([0, 3, "north"], [0, 3, "east"], [2, 3, "east"], [2, 3, "east"], [2, 3, "east"]):
                assert controller.expect("AT (.*)").group(1) == repr(expected)
            assert controller.wait() == 0, controller.stderr_text()
        robot.expect("SAYS hello there")
        robot.expect("STOPPED 2 3")
        assert robot.wait() == 0 and robot.stderr_text() == ""


# -- the public names, as networkzero 1.0b1 has them --------------------------------

#: networkzero 1.0b1's public functions and their signatures.
SIGNATURES = {
    "advertise": "(name, address=None, fail_if_exists=False, ttl_s=%r)" % nw0.config.ADVERT_TTL_S,
    "discover": "(name, wait_for_s=60)",
    "discover_all": "()",
    "discover_group": "(group, separator='/', exclude=None)",
    "send_message_to": "(address, message=None, wait_for_reply_s=inf)",
    "wait_for_message_from": "(address, wait_for_s=inf, autoreply=False)",
    "send_reply_to": "(address, reply=None)",
    "send_news_to": "(address, topic, data=None)",
    "wait_for_news_from": "(address, prefix='', wait_for_s=inf)",
    "address": "(address=None)",
    "action_and_params": "(commandline)",
    "bytes_to_string": "(data)",
    "string_to_bytes": "(data)",
}
EXCEPTIONS = {"NetworkZeroError", "SocketAlreadyExistsError", "SocketTimedOutError",
              "InvalidAddressError", "SocketInterruptedError", "DifferentThreadError"}


def test_exactly_networkzeros_names_with_its_signatures():
    names = {name for name in dir(nw0) if not name.startswith("_") and not inspect.ismodule(getattr(nw0, name))}
    assert names == set(SIGNATURES) | EXCEPTIONS == set(nw0.__all__)
    for name, signature in SIGNATURES.items():
        function = getattr(nw0, name)
        assert str(inspect.signature(function)) == signature, name
        assert "Example" in function.__doc__, name
    # networkzero's modules are there too, for programs that use them.
    assert nw0.core.address is nw0.address and nw0.discovery.advertise is nw0.advertise
    assert nw0.messenger.EMPTY is None and nw0.config.FOREVER == pgnet.FOREVER
    assert nw0.config.EVERYTHING == "" and nw0.config.SHORT_WAIT == 1


def test_exceptions_are_networkzeros_and_pgnets():
    for name in EXCEPTIONS:
        assert issubclass(getattr(nw0, name), nw0.NetworkZeroError)
    assert issubclass(nw0.NetworkZeroError, pgnet.PgnetError)
    assert issubclass(nw0.InvalidAddressError, nw0.core.AddressError)
    assert issubclass(nw0.core.NoAddressFoundError, nw0.core.AddressError)
    assert issubclass(nw0.core.AddressError, pgnet.AddressError)
    assert issubclass(nw0.SocketInterruptedError, KeyboardInterrupt)
    error = nw0.SocketTimedOutError(2.5)
    assert error.n_seconds == 2.5 and "2.5 seconds" in str(error)
    assert nw0.InvalidAddressError("pi", 11001).errno == 11001


# -- core: address, action_and_params, bytes ----------------------------------------

def port(address):
    return int(address.rpartition(":")[2])


@pytest.mark.parametrize("given", [None, 0, "0", "", "127.0.0.1", "127.0.0.1:0", "127.*", "localhost"])
def test_address_fills_in_a_free_port(given):
    made = nw0.address(given)
    assert pgnet.is_address(made) and 0 < port(made) < 65536
    if given not in (None, 0, "0", ""):
        assert made.startswith("127.0.0.1:")


def test_address_with_a_port_or_both():
    ip = nw0.address().rpartition(":")[0]
    assert nw0.address(1234) == nw0.address("1234") == ip + ":1234"
    assert nw0.address("127.0.0.1:1234") == "127.0.0.1:1234"
    assert nw0.address("192.0.2.1:1234") == "192.0.2.1:1234"  # another computer's: allowed


@pytest.mark.parametrize("bad, error", [
    ("!!!", nw0.InvalidAddressError),
    (123456, nw0.core.AddressError),
    ("!!!:INVALID", nw0.core.AddressError),
    ("255.*", nw0.core.NoAddressFoundError),
])
def test_bad_addresses_raise_networkzeros_errors(bad, error):
    with pytest.raises(error):
        nw0.address(bad)


@pytest.mark.parametrize("line, expected", [
    ("ACTION", ("ACTION", [])),
    ("ACTION PARAM1", ("ACTION", ["PARAM1"])),
    ("ACTION PARAM1 PARAM2 PARAM3", ("ACTION", ["PARAM1", "PARAM2", "PARAM3"])),
    ("ACTION 'PARAM 1'", ("ACTION", ["PARAM 1"])),
    ('MOVE 10 -2.5 "very fast"', ("MOVE", ["10", "-2.5", "very fast"])),  # numbers stay text
])
def test_action_and_params_splits_as_a_shell_does(line, expected):
    assert nw0.action_and_params(line) == expected


def test_action_and_params_needs_an_action():
    with pytest.raises(nw0.NetworkZeroError, match="no action"):
        nw0.action_and_params("   ")


def test_bytes_to_string_and_back():
    data = bytes(range(256))
    text = nw0.bytes_to_string(data)
    assert isinstance(text, str) and text.isascii()
    assert nw0.string_to_bytes(text) == data
    assert nw0.bytes_to_string(nw0.string_to_bytes("aGk=")) == "aGk="


# -- discovery ------------------------------------------------------------------------

def test_advertise_and_discover(recwarn):
    name = unique("myservice")
    address = nw0.advertise(name)
    assert pgnet.is_address(address)
    assert nw0.discover(name) == address
    assert [name, address] in nw0.discover_all()  # lists, as networkzero's
    assert nw0.discover(unique("nobody"), wait_for_s=0.3) is None
    assert nw0.discover(unique("nobody"), 0) is None
    assert "No program called" not in "\n".join(str(w.message) for w in recwarn)
    assert nw0.advertise(unique("ttl"), ttl_s=5).startswith(address.rpartition(":")[0])
    assert nw0.advertise(unique("fixed"), "192.168.1.1:1234") == "192.168.1.1:1234"
    assert nw0.advertise(unique("port"), 0) != nw0.advertise(unique("port"), 0)


def test_advertise_can_fail_if_the_name_exists():
    name = unique("chat-hub")
    with nw0_program(REVERSO_SERVER, name) as other:
        address = other.expect(r"READY (\S+)").group(1)
        assert nw0.discover(name, 5) == address  # (its advert has arrived)
        with pytest.warns(pgnet.NameClashWarning):
            assert nw0.advertise(name, fail_if_exists=True) is None
        assert nw0.discover(name) == address
    mine = unique("mine")
    nw0.advertise(mine)
    with pytest.warns(pgnet.NameClashWarning):
        assert nw0.advertise(mine, fail_if_exists=True) is None


def test_discover_group_with_its_separator_and_exclusions():
    group = unique("cluster")
    nodes = {n: nw0.advertise("%s/%s" % (group, n)) for n in ("master", "A", "B")}
    nw0.advertise("%s:colon" % group)
    found = nw0.discover_group(group)
    assert set(found) == {("%s/%s" % (group, n), a) for n, a in nodes.items()}  # tuples
    # One name, as networkzero's own example passes it, or a list.
    master = "%s/master" % group
    assert {n for n, _ in nw0.discover_group(group, exclude=master)} == {group + "/A", group + "/B"}
    assert [n for n, _ in nw0.discover_group(group, exclude=[master, group + "/A"])] == [group + "/B"]
    assert [n for n, _ in nw0.discover_group(group, separator=":")] == [group + ":colon"]


# -- messages -------------------------------------------------------------------------

# Answers each message with [the message, its type]; the first message it is
# sent it does not answer.
ANSWERER = """
import pgnet.networkzero as nw0
address = nw0.address()
nw0.wait_for_message_from(address, wait_for_s=0)   # listening from here on
print("READY", address, flush=True)
nw0.wait_for_message_from(address)
while True:
    message = nw0.wait_for_message_from(address, wait_for_s=30)
    nw0.send_reply_to(address, [message, type(message).__name__])
"""


@pytest.fixture(scope="module")
def answerer():
    with nw0_program(ANSWERER) as program:
        address = program.expect(r"READY (\S+)").group(1)
        with pytest.raises(nw0.SocketTimedOutError) as timed_out:
            nw0.send_message_to(address, "not answered", wait_for_reply_s=0.3)
        assert timed_out.value.n_seconds == 0.3
        yield address


def test_after_a_timeout_the_next_message_works(answerer):
    assert nw0.send_message_to(answerer, "hello") == ["hello", "str"]


@pytest.mark.parametrize("sent, received", [
    (None, [None, "NoneType"]),
    ((1, (2, 3)), [[1, [2, 3]], "list"]),             # tuples become lists
    ({2: "a", True: ("b",)}, [{"2": "a", "true": ["b"]}, "dict"]),  # keys become text
    (b"\x00\xff", [b"\x00\xff", "bytes"]),             # bytes go as they are
])
def test_messages_have_networkzeros_shapes(answerer, sent, received):
    assert nw0.send_message_to(answerer, sent) == received


def test_one_address_only():
    with pytest.raises(nw0.InvalidAddressError):
        nw0.send_message_to([nw0.address(), nw0.address()], "hi")


def test_wait_for_message_from_times_out_with_none():
    assert nw0.wait_for_message_from(nw0.address(), wait_for_s=0.1) is None


def test_autoreply_answers_every_message_even_an_empty_one():
    # networkzero skipped the reply to an empty message (None), so its
    # sender waited for ever; its docs promise an empty reply.
    code = """
    import sys
    import pgnet.networkzero as nw0
    for message in [None, "hello"]:
        print("REPLY", nw0.send_message_to(sys.argv[1], message, wait_for_reply_s=5), flush=True)
    """
    address = nw0.address()
    nw0.wait_for_message_from(address, wait_for_s=0)  # listening
    with nw0_program(code.replace("\n    ", "\n"), address) as sender:
        assert nw0.wait_for_message_from(address, wait_for_s=10, autoreply=True) is None
        assert nw0.wait_for_message_from(address, wait_for_s=10, autoreply=True) == "hello"
        assert sender.expect("REPLY (.*)").group(1) == "None"
        assert sender.expect("REPLY (.*)").group(1) == "None"


def blocked_in_a_poll(pid):
    """True while process ``pid``'s main thread waits in poll() (Linux)."""
    with open("/proc/%d/wchan" % pid) as wchan:
        return "poll" in wchan.read()


def test_forgetting_to_reply_does_not_jam_the_listener():
    code = """
    import sys
    import pgnet.networkzero as nw0
    try:
        nw0.send_message_to(sys.argv[1], "first", wait_for_reply_s=0.5)
    except nw0.SocketTimedOutError:
        print("NO REPLY", flush=True)
    print("REPLY", nw0.send_message_to(sys.argv[1], "second", wait_for_reply_s=5), flush=True)
    """
    address = nw0.address()
    nw0.wait_for_message_from(address, wait_for_s=0)
    with nw0_program(code.replace("\n    ", "\n"), address) as sender:
        assert nw0.wait_for_message_from(address, wait_for_s=10) == "first"   # never answered
        sender.expect("NO REPLY")
        assert nw0.wait_for_message_from(address, wait_for_s=10) == "second"  # networkzero: ZMQError
        nw0.send_reply_to(address, "answered")
        assert sender.expect("REPLY (.*)").group(1) == "answered"
    with pytest.raises(pgnet.PgnetError, match="no message to reply to"):
        nw0.send_reply_to(address, "again")


def test_one_address_cannot_do_two_jobs():
    address = nw0.advertise(unique("hub"))
    assert nw0.wait_for_message_from(address, wait_for_s=0) is None
    with pytest.raises(pgnet.SocketRoleError):
        nw0.send_news_to(address, "news", 1)


def test_a_name_works_where_an_address_goes(answerer):
    name = unique("named")
    with nw0_program(REVERSO_SERVER, name) as server:
        server.expect("READY")
        assert nw0.send_message_to(name, "abc", wait_for_reply_s=5) == "cba"


def test_ctrl_c_while_waiting_is_socket_interrupted_error():
    if not os.path.exists("/proc/self/wchan"):
        pytest.skip("needs /proc/<pid>/wchan to see the program waiting")
    code = """
    import pgnet.networkzero as nw0
    address = nw0.address()
    print("WAITING", flush=True)
    try:
        nw0.wait_for_message_from(address)
    except nw0.SocketInterruptedError as error:
        print("INTERRUPTED", isinstance(error, KeyboardInterrupt), flush=True)
    """
    with nw0_program(code.replace("\n    ", "\n")) as program:
        program.expect("WAITING")
        wait_until(lambda: blocked_in_a_poll(program.process.pid), timeout=10, message="the program to wait")
        program.process.send_signal(signal.SIGINT)
        assert program.expect("INTERRUPTED (.*)").group(1) == "True"
        assert program.wait() == 0


# -- news -----------------------------------------------------------------------------

# Publishes, on each command message [topic, data, ...], those items.
NEWS_DESK = """
import pgnet.networkzero as nw0
desk, news = nw0.address(), nw0.address()
nw0.wait_for_message_from(desk, wait_for_s=0)   # listening from here on
print("READY", desk, news, flush=True)
while True:
    items = nw0.wait_for_message_from(desk, autoreply=True)
    for topic, data in items:
        nw0.send_news_to(news, topic, data)
"""


def test_news_with_prefixes_from_several_publishers():
    with nw0_program(NEWS_DESK) as first, nw0_program(NEWS_DESK) as second:
        desk1, news1 = first.expect(r"READY (\S+) (\S+)").groups()
        desk2, news2 = second.expect(r"READY (\S+) (\S+)").groups()
        nw0.send_message_to(desk1, [["start", None]])
        nw0.send_message_to(desk2, [["start", None]])
        assert nw0.wait_for_news_from(news1, "temperature", wait_for_s=0.2) == (None, None)
        assert nw0.wait_for_news_from([news1, news2], ["humidity", "pressure"], wait_for_s=0) == (None, None)
        assert nw0.wait_for_news_from(news2, "temp", wait_for_s=0) == (None, None)
        nw0.send_message_to(desk1, [["temperature", (21.5, "C")], ["humidity", 40]])
        assert nw0.wait_for_news_from(news1, "temperature", wait_for_s=5) == ("temperature", [21.5, "C"])
        # Only the prefix asked for (networkzero 1.0b1 also returned items of
        # topics asked for in earlier calls); the others wait for their turn.
        nw0.send_message_to(desk2, [["pressure", 1013], ["temperature", 9]])
        got = {nw0.wait_for_news_from([news1, news2], ["humidity", "pressure"], wait_for_s=5) for _ in "12"}
        assert got == {("humidity", 40), ("pressure", 1013)}
        assert nw0.wait_for_news_from(news2, "temp", wait_for_s=5) == ("temperature", 9)
        assert nw0.wait_for_news_from(news1, wait_for_s=0.2) == (None, None)  # EVERYTHING: nothing new


def test_send_news_returns_at_once_with_no_one_listening():
    address = nw0.address()
    for number in range(3):
        assert nw0.send_news_to(address, "nobody", number) is None
    assert nw0.send_news_to(address, "empty") is None
