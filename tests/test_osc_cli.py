"""``pgnet osc listen`` and ``pgnet osc send`` (run as ``python -m pgnet osc``),
with liblo's oscsend and oscdump on the other end; one line and the right
exit status when something is wrong."""

import argparse
import socket
import subprocess
import sys

import pytest

import liblo
from pgnet.osc import cli
from support import Program, ROOT, unique


def osc_command(*args, timeout=30):
    return subprocess.run([sys.executable, "-m", "pgnet", "osc"] + list(args), capture_output=True,
                          text=True, timeout=timeout, cwd=ROOT)


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_add_parser_fits_the_pgnet_command_line():
    parser = argparse.ArgumentParser(prog="pgnet")
    parser.add_argument("--verbose", "-v", action="count", default=0)
    cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["osc", "send", "--text", "drums", "/hit", "1"])
    assert (args.command, args.osc_command, args.target, args.values, args.text) == (
        "osc", "send", "drums", ["1"], True)
    assert args.run is cli.run and args.chatty is True


def test_help_shows_examples():
    result = osc_command("--help")
    assert result.returncode == 0
    assert "pgnet osc listen 9000" in result.stdout and "pgnet osc send 127.0.0.1:4560" in result.stdout


@liblo.needed
def test_listen_prints_what_oscsend_sends_and_send_reaches_the_listener():
    name = unique("drums")
    with Program(["-m", "pgnet", "osc", "listen", "127.0.0.1", "--name", name, "--count", "2"]) as listener:
        port = listener.expect(r"^Listening for OSC at 127\.0\.0\.1:(\d+) as '%s'" % name).group(1)
        subprocess.run(["oscsend", "127.0.0.1", port, "/pad/1", "ifs", "3", "0.5", "hi"], check=True)
        listener.expect(r"^\d\d:\d\d:\d\d  /pad/1 3 0\.5 'hi'  from 127\.0\.0\.1:\d+$")
        sent = osc_command("send", name, "/hit", "1", "0.25", "loud")
        assert sent.returncode == 0, sent.stderr
        assert sent.stdout == "Sent /hit 1 0.25 'loud' to %s.\n" % name
        listener.expect(r"  /hit 1 0\.25 'loud'  from ")
        assert listener.wait() == 0, listener.stderr_text()


@liblo.needed
def test_send_reaches_oscdump():
    port = str(free_udp_port())
    with Program(["-c", "import os, sys; os.execvp('oscdump', ['oscdump', '-L', sys.argv[1]])", port]) as dump:
        for _ in range(100):  # until oscdump listens
            assert osc_command("send", "--text", port, "/say", "42").returncode == 0
            if dump.lines:
                break
        dump.expect(r' /say s "42"$')
        assert osc_command("send", "127.0.0.1:" + port, "/n", "-3", "2.5").returncode == 0
        dump.expect(r" /n if -3 2\.500000$")


@pytest.mark.parametrize("args, status, says", [
    (["send", unique("nobody"), "/x", "--wait", "0.2"], 1, "No program called"),
    (["send", "10.0.0.300:9000", "/x"], 2, "not a valid IP address"),
    (["send", "9000", "x"], 2, "starting with '/'"),
    (["listen", "99999"], 2, "ports go from 1 to 65535"),
    (["frobnicate"], 2, "invalid choice"),
])
def test_mistakes_are_one_line_and_an_exit_status(args, status, says):
    result = osc_command(*args)
    assert result.returncode == status, result.stderr
    assert says in result.stderr and len(result.stderr.strip().splitlines()) <= 2, result.stderr
    assert "Traceback" not in result.stderr


def test_listen_on_a_taken_port_says_so():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        result = osc_command("listen", "127.0.0.1:%d" % taken.getsockname()[1])
    assert result.returncode == 2 and "is taken by another program" in result.stderr
