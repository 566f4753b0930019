"""The ``pgnet`` command-line tool, each command run as a real process
against real pgnet programs (``pgnet doctor``: test_doctor.py).

On this computer everything stays on loopback (conftest: PGNET_NETWORK=127.*).
Every wait is a deadline (a process ending, a line appearing), never a sleep.
"""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from cli_support import ADVERTISER, PY, cli, pgnet, program, started
from support import ROOT, unique

from pgnet.cli import main
from pgnet.cli.output import parse_value

HOST = socket.gethostname()

# A normal pgnet program that answers messages (not the CLI).
ECHO_LISTENER = """
import sys, pgnet
name = sys.argv[1]
print("ready", pgnet.listen(name), flush=True)
while True:
    message = pgnet.wait_for_message(name, wait_for_s=60)
    if message is not None:
        pgnet.send_reply(name, {"got": message})
"""

# Takes commands, never answers messages.
COMMAND_TAKER = """
import sys, pgnet
name = sys.argv[1]
print("ready", pgnet.listen(name), flush=True)
while True:
    command, params = pgnet.wait_for_command(name, wait_for_s=60)
    if command is not None:
        print("command", command, repr(params), flush=True)
"""

# Publishes a score every 20 ms, and noise under another topic.
PUBLISHER = """
import sys, time, pgnet
name = sys.argv[1]
pgnet.publish_news(name, "score", -1)
print("ready", flush=True)
n = 0
while True:
    pgnet.publish_news(name, "other", "noise")
    pgnet.publish_news(name, "score", n)
    n += 1
    time.sleep(0.02)
"""

SENDER = """
import os, sys, pgnet
name = sys.argv[1]
print("pid", os.getpid(), flush=True)
print("reply", repr(pgnet.send_message(name, "hello", wait_for_reply_s=10)), flush=True)
pgnet.send_command(name, "LEFT", 0.5)
"""


def assert_one_line_failure(result, command, status=1):
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr, result.stderr
    reasons = [line for line in result.stderr.splitlines() if line.startswith("pgnet")]
    assert len(reasons) == 1, result.stderr
    assert reasons[0].startswith("pgnet %s: " % command)
    assert result.stderr.strip().splitlines()[-1] == reasons[0]
    return reasons[0]


# -- values typed on the command line ------------------------------------------------

def test_message_is_a_python_literal_when_it_is_one_never_code():
    assert parse_value("[1, 2.5, 'x']") == [1, 2.5, "x"]
    assert parse_value("{'a': (1, 2)}") == {"a": (1, 2)}
    assert parse_value("42") == 42
    assert parse_value("'42'") == "42"
    assert parse_value("hello world") == "hello world"
    assert parse_value("__import__('os').getcwd()") == "__import__('os').getcwd()"
    assert parse_value("[" * 5000) == "[" * 5000


# -- list ----------------------------------------------------------------------------

def test_list_shows_a_service_with_address_and_machine():
    name = unique("listed")
    service, address = started(ADVERTISER, name)
    with service:
        result = pgnet("list")
    assert result.returncode == 0, result
    assert re.search(r"^NAME\s+ADDRESS\s+MACHINE$", result.stdout, re.M), result.stdout
    assert re.search(r"^%s\s+%s\s+%s \(this computer\)$" % (
        re.escape(name), re.escape(address), re.escape(HOST)), result.stdout, re.M), result.stdout


def test_list_shows_every_copy_of_a_name_at_once():
    """Two copies of one name on this computer: the second keeps quiet when
    a program looks for the name (so that it finds the one in use), but
    pgnet list asks for every copy, and shows both within its half second,
    each time (not only when an advert happens to fall in it)."""
    name = unique("twice")
    first, first_address = started(ADVERTISER, name)
    with first:
        second, second_address = started(ADVERTISER, name)
        with second:
            for _ in range(3):
                result = pgnet("list")
                assert result.returncode == 0, result
                for address in (first_address, second_address):
                    assert re.search(r"^%s\s+%s\s" % (re.escape(name), re.escape(address)),
                                     result.stdout, re.M), result.stdout
                assert "runs 2 times on one computer" in result.stderr, result.stderr


def test_list_watch_shows_services_appearing_and_going_until_ctrl_c():
    name = unique("watched")
    with cli("list", "--watch") as watcher:
        service, address = started(ADVERTISER, name)
        with service:
            watcher.expect(r"appeared\s+%s\s+at %s on %s" % (
                re.escape(name), re.escape(address), re.escape(HOST)))
            service.kill(signal.SIGTERM)  # says bye
            watcher.expect(r"gone\s+%s\s+\(was at %s" % (re.escape(name), re.escape(address)))
        watcher.kill(signal.SIGINT)
        assert watcher.process.returncode == 130
        assert "Traceback" not in watcher.stderr_text()


# -- send, command ---------------------------------------------------------------------

def test_send_prints_the_reply_with_the_message_read_as_a_literal():
    name = unique("echo")
    service, address = started(ECHO_LISTENER, name)
    with service:
        for args, shown in [
            (["[1, 2.5, 'x']"], "{'got': [1, 2.5, 'x']}"),
            (["hello world"], "{'got': 'hello world'}"),
            (["42", "--text"], "{'got': '42'}"),
        ]:
            result = pgnet("send", name, *args)
            assert result.returncode == 0, result
            assert result.stdout == shown + "\n"
        result = pgnet("send", "%s@%s" % (name, HOST), "hi")  # the copy on a given computer
        assert result.stdout == "{'got': 'hi'}\n", result
        result = pgnet("send", "%s@another-computer" % name, "hi", "--wait", "0.5")
        assert result.returncode != 0 and "no program called" in result.stderr, result
        result = pgnet("send", address, "7")  # an address works too
        assert (result.returncode, result.stdout) == (0, "{'got': 7}\n"), result


def test_command_arrives_with_its_params_parsed():
    name = unique("robot")
    service, address = started(COMMAND_TAKER, name)
    with service:
        result = pgnet("command", name, "FORWARD", "0.5", "3", "fast")
        assert result.returncode == 0, result
        assert result.stdout == "Sent FORWARD [0.5, 3, 'fast'] to %r (%s).\n" % (name, address)
        service.expect(r"^command FORWARD \[0\.5, 3, 'fast'\]$")
        result = pgnet("command", address, "TURN -90")
        assert result.returncode == 0, result
        service.expect(r"^command TURN \[-90\]$")


# -- listen, news ----------------------------------------------------------------------

def test_listen_prints_what_arrives_with_the_sender_and_echoes_messages():
    name = unique("listener")
    with cli("listen", name, "--count", "2") as listener:
        listener.expect(r"^Listening as '%s' at 127\.0\.0\.1:\d+" % re.escape(name))
        with program(SENDER, name) as sender:
            pid = sender.expect(r"^pid (\d+)").group(1)
            sender.expect(r"^reply 'hello'$")
            sender_label = re.escape("%s:%s" % (HOST, pid))
            listener.expect(r"message from %s: 'hello'$" % sender_label)
            listener.expect(r"command from %s: LEFT \[0\.5\]$" % sender_label)
            assert listener.wait() == 0


def test_listen_stops_cleanly_on_ctrl_c():
    name = unique("stopper")
    with cli("listen", name) as listener:
        listener.expect(r"^Listening as")
        listener.kill(signal.SIGINT)
        assert listener.process.returncode == 130
        assert "Traceback" not in listener.stderr_text()


def test_news_prints_published_items_of_the_topic():
    name = unique("scores")
    service, _ = started(PUBLISHER, name)
    with service:
        result = pgnet("news", name, "score", "--count", "3")
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result
    assert all(re.match(r"^\d\d:\d\d:\d\d  score: \d+$", line) for line in lines), lines


# -- ping ------------------------------------------------------------------------------

def test_ping_a_normal_program_prints_min_median_max():
    name = unique("pingable")
    with started(ECHO_LISTENER, name)[0]:
        result = pgnet("ping", name, "--count", "3", "--interval", "0")
    assert result.returncode == 0, result
    assert len(re.findall(r"^  \d: reply in [\d.]+ ms$", result.stdout, re.M)) == 3, result.stdout
    match = re.search(r"^3 sent, 3 replies, round trip min/median/max = "
                      r"([\d.]+)/([\d.]+)/([\d.]+) ms$", result.stdout, re.M)
    assert match, result.stdout
    low, middle, high = map(float, match.groups())
    assert 0 < low <= middle <= high


def test_ping_pgnet_listen():
    name = unique("pinged")
    with cli("listen", name) as listener:
        listener.expect(r"^Listening as")
        result = pgnet("ping", name, "--count", "2", "--interval", "0")
        assert result.returncode == 0, result
        assert "2 sent, 2 replies" in result.stdout


def test_ping_a_program_that_does_not_reply_says_so():
    name = unique("mute")
    with started(COMMAND_TAKER, name)[0]:
        result = pgnet("ping", name, "--wait", "0.5")
    reason = assert_one_line_failure(result, "ping")
    assert "does not reply to messages" in reason


# -- failures ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    ["send", "{name}", "hi"], ["command", "{name}", "GO"], ["ping", "{name}"], ["news", "{name}"],
])
def test_unknown_name_fails_with_one_line(command):
    name = unique("nobody")
    result = pgnet(*[part.format(name=name) for part in command], "--wait", "0.3")
    reason = assert_one_line_failure(result, command[0])
    assert "no program called %r found" % name in reason
    assert result.stdout == ""


def test_nothing_listening_at_an_address_fails_with_one_line():
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = pgnet("send", "127.0.0.1:%d" % port, "hi")
    reason = assert_one_line_failure(result, "send")
    assert "nothing is listening at 127.0.0.1:%d" % port in reason


def test_bad_address_is_a_usage_error():
    result = pgnet("send", "300.1.2.3:80", "hi")
    reason = assert_one_line_failure(result, "send", status=2)
    assert "not a valid IP address" in reason


def test_an_ip_with_a_port_that_is_not_a_number_is_a_usage_error_at_once():
    started = time.monotonic()
    result = pgnet("send", "10.0.0.5:abc", "hi")  # never sent: refused before any lookup
    reason = assert_one_line_failure(result, "send", status=2)
    assert "the port after ':' must be a number" in reason
    assert time.monotonic() - started < 3.0  # not a 5 s search for a name "10.0.0.5:abc"


@pytest.mark.parametrize("port", ["99999999", "80", "abc"])
def test_a_discovery_port_out_of_range_is_a_usage_error(port):
    result = pgnet("--port", port, "list")
    assert result.returncode == 2, result.stderr
    assert "must be a number from 1024 to 65534" in result.stderr
    assert "Traceback" not in result.stderr


# -- help --------------------------------------------------------------------------------

def test_help_for_every_command():
    commands = ["", "list", "send", "command", "listen", "news", "ping", "doctor"]
    env = dict(os.environ, PYTHONPATH=ROOT)
    runs = [subprocess.Popen([PY, "-m", "pgnet"] + ([c] if c else []) + ["--help"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, cwd=ROOT) for c in commands]
    for command, run in zip(commands, runs):
        out, err = run.communicate(timeout=30)
        assert run.returncode == 0, (command, err)
        assert out.startswith("usage: pgnet %s" % command), out
        assert "example" in out, (command, out)


def test_console_script():
    script = os.path.join(os.path.dirname(PY), "pgnet")
    if not os.path.exists(script):
        pytest.skip("the pgnet console script is not installed (pip install -e .)")
    result = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=30)
    assert (result.returncode, result.stdout.strip()) == (0, "pgnet 0.1.0")


def test_relay_help_in_process(capsys):
    assert main(["relay", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: pgnet relay")
    assert "example" in out
