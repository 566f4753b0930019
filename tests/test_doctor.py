"""``pgnet doctor`` (pgnet/cli/doctor/): the whole command run as a process,
on this computer and on "machines" made of network namespaces, and its
checks called directly with made-up networks and answers.

On this computer everything stays on loopback (conftest: PGNET_NETWORK=127.*).
The tests for an offline machine, a machine on two networks and a blocked
discovery port run inside network namespaces (root only), with
PGNET_NETWORK unset so pgnet sees the namespace's own interfaces.
Every wait is a deadline (a process ending, a line appearing), never a sleep.
"""

import errno
import os
import re
import socket
import subprocess

import pytest

import netns
from cli_support import ADVERTISER, PORT, PY, pgnet, started
from support import ROOT, Program, unique

from pgnet.cli.doctor.answers import check_answers, on_my_networks, report_connections, split_by_computer
from pgnet.cli.doctor.broadcasts import Answer, Heard, check_broadcasts
from pgnet.cli.doctor.environment import check_relay
from pgnet.cli.doctor.networks import (Networks, check_connected, check_network_setting,
                                       check_several_networks, check_vpn, interface_notes,
                                       pattern_for, suggested_setting, why_shown)
from pgnet.cli.doctor.port import bind_test, check_discovery_port, program_name, report_discovery_port
from pgnet.cli.doctor.report import Finding, Report
from pgnet.errors import AddressError
from pgnet.netif import Network


def flat(text):
    """Text with every run of white space made one space (lines get wrapped)."""
    return " ".join(text.split())


# -- the whole command ---------------------------------------------------------------------

def test_doctor_on_this_computer_loopback_only():
    name = unique("doctored")
    with started(ADVERTISER, name)[0]:
        result = pgnet("doctor", "--wait", "1")  # time for the answers
    assert result.returncode == 0, result
    out = flat(result.stdout)
    assert "network setting: PGNET_NETWORK='127.*'" in out
    assert re.search(r"lo 127\.0\.0\.1/8 this computer only; <- the address pgnet shows", out)
    assert "pgnet shows this computer as 127.0.0.1, because the network setting " \
           "PGNET_NETWORK='127.*' keeps pgnet on this computer" in out
    assert "Discovery packets go to: 239.255.46.74" in out
    assert "room: none" in out and "room password: none" in out
    assert "shared with other pgnet programs" in out  # the advertiser holds it too
    assert re.search(r"239\.255\.46\.74: came back in [\d.]+ ms", out)
    assert re.search(r"on this computer: [^:]*\b%s\b" % re.escape(name), out)
    summary = result.stdout.split("Summary:")[1]
    assert re.search(r"^  \u2713 discovery port %d: shared" % PORT, summary, re.M)
    assert re.search(r"^  \u2713 broadcasts come back: 239\.255\.46\.74\.$", summary, re.M)
    assert re.search(r"^  ! network: only this computer", summary, re.M)
    assert summary.rstrip().endswith("No problems found.")


def test_doctor_reports_the_relay_setting():
    result = pgnet("--relay", "127.0.0.1", "doctor", "--wait", "0.3")
    out = flat(result.stdout)
    relay = "127.0.0.1:%d" % (PORT + 1)
    assert "relay: PGNET_RELAY='127.0.0.1' (UDP %s)" % relay in out
    assert "! discovery also goes through the relay at %s." % relay in out
    assert "check that 'pgnet relay' is running there" in out


OK, REASON = netns.have_netns()
needs_netns = pytest.mark.skipif(not OK, reason=REASON)


@pytest.fixture
def net():
    with netns.Network() as network:
        yield network


def namespace_env():
    """The environment for pgnet inside a namespace: its own interfaces."""
    env = dict(os.environ)
    env.pop("PGNET_NETWORK", None)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return env


def doctor_in(machine, wait="0.3"):
    return machine.run([PY, "-m", "pgnet", "doctor", "--wait", wait], timeout=30,
                       env=namespace_env(), cwd=ROOT)


@needs_netns
def test_doctor_offline_machine(net):
    result = doctor_in(net.add_offline_machine("hermit"))
    assert result.returncode == 1, result
    out = flat(result.stdout)
    assert "network setting: none" in out
    assert "pgnet shows this computer as 127.0.0.1, because this computer has no network" in out
    assert "\u2717 network: this computer is offline (it has no network, only 127.0.0.1), " \
           "so pgnet works only on this computer." in out
    assert "Connect it to the classroom Wi-Fi or network cable" in out
    assert "1 problem found." in out
    assert "Traceback" not in result.stderr


def test_doctor_counts_what_other_rooms_and_passwords_send(monkeypatch):
    sealed_room = {"PGNET_ROOM": "5B", "PGNET_PASSWORD": "tiger lily"}
    with Program(["-c", ADVERTISER, unique("sealed")], env=sealed_room) as sealed, \
            Program(["-c", ADVERTISER, unique("plain")], env={"PGNET_ROOM": "5A"}) as plain:
        sealed.expect(r"^ready ")
        plain.expect(r"^ready ")
        monkeypatch.setenv("PGNET_ROOM", "5B")
        stranger = flat(pgnet("doctor", "--wait", "1.2").stdout)  # same room, no password
        monkeypatch.setenv("PGNET_PASSWORD", "tiger lily")
        member = flat(pgnet("doctor", "--wait", "1.2").stdout)
    assert "room: '5B'" in stranger and "room password: none" in stranger
    assert re.search(r"Packets ignored: [1-9]\d* of other rooms, [1-9]\d* without this room's password", stranger)
    assert "they come from programs with a password, and this computer has none" in stranger
    assert "room password: set" in member and "tiger" not in member
    assert re.search(r"Packets ignored: \d+ of other rooms, 0 without", member)


@needs_netns
def test_doctor_two_networks_says_which_is_used_and_why(net):
    dual = net.add_machine("dual")
    dual.add_interface(1)
    other = net.add_machine("other")
    listener = other.popen([PY, "-m", "pgnet", "listen", "robot"], env=namespace_env(),
                           cwd=ROOT, stdout=subprocess.PIPE)
    netns.wait_for_output(listener, "Listening", timeout=15)
    result = doctor_in(dual, wait="1")  # time for the other computer's answer
    assert result.returncode == 0, result
    out = flat(result.stdout)
    assert "eth0 10.123.0.2/24 <- the address pgnet shows" in out
    assert "eth1 10.123.1.2/24 used too" in out
    assert "pgnet shows this computer as 10.123.0.2, because there is no default route, " \
           "and it is the first address on a private network" in out
    assert "Discovery packets go to: 239.255.46.74, 10.123.0.255, 10.123.1.255" in out
    assert "this computer is on 2 networks (eth0 10.123.0.2, eth1 10.123.1.2)" in out
    assert "PGNET_NETWORK='10.123.0.*'" in out
    assert re.search(r"10\.123\.0\.255: came back in [\d.]+ ms", out)
    assert re.search(r"10\.123\.1\.255: came back in [\d.]+ ms", out)
    assert re.search(r"on other computers: robot \(\S+ at 10\.123\.0\.3:\d+\)", out)
    assert "\u2713 1 pgnet program on 1 other computer answered." in out
    assert "\u2713 connections to robot work." in out
    assert "No problems found." in out


@needs_netns
def test_doctor_blocked_discovery_port(net):
    machine = net.add_machine("carol")
    blocker = machine.popen(
        [PY, "-c", "import socket, time\n"
         "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
         "s.bind(('', %d))\nprint('bound', flush=True)\ntime.sleep(60)" % PORT],
        stdout=subprocess.PIPE)
    netns.wait_for_output(blocker, "bound", timeout=15)
    result = doctor_in(machine)
    assert result.returncode == 1, result
    out = flat(result.stdout)
    assert "\u2717 discovery port %d is taken by a program that is not pgnet " \
           "(process %d, python" % (PORT, blocker.pid) in out
    assert "so pgnet programs here cannot find others by name." in out
    assert "Close that program" in out and "PGNET_DISCOVERY_PORT" in out
    assert "Broadcasts: not checked" in out
    assert "1 problem found." in out


# -- the checks, called directly with made-up networks and answers ---------------------------

LO = Network("lo", "127.0.0.1", 8)
ETH0 = Network("eth0", "10.123.0.2", 24)
ETH1 = Network("eth1", "10.123.1.2", 24)
TUN0 = Network("tun0", "10.8.0.5", 24)
DOCKER = Network("docker0", "172.17.0.1", 16)
LINK_LOCAL = Network("eth2", "169.254.3.4", 16)
PUBLIC = Network("eth3", "81.2.69.160", 24)  # never contacted: only its kind matters

PONG = Answer("pong", "laptop", "127.0.0.1:5000", "127.0.0.1")
ROBOT = Answer("robot", "raspberrypi", "10.123.0.7:40123", "10.123.0.7")
FAR = Answer("far", "elsewhere", "192.168.9.9:40000", "192.168.9.9")


def networks(*outside, route_ip=None, pattern=None):
    """Loopback plus ``outside``, all usable; pgnet shows the first."""
    usable = [LO] + list(outside)
    shown = outside[0].ip if outside else LO.ip
    return Networks(usable, usable, route_ip, shown, pattern)


def report_to(lines=None):
    """A Report whose lines go to ``lines`` (or nowhere) instead of the screen."""
    return Report(write=(lines.append if lines is not None else lambda line: None))


def test_why_shown_explains_each_choice():
    assert why_shown("127.0.0.1", [], None, None) == \
        "this computer has no network, only itself (127.0.0.1)"
    assert "PGNET_NETWORK='127.*' keeps pgnet on this computer" in why_shown("127.0.0.1", [], None, "127.*")
    assert why_shown(ETH0.ip, [ETH0], None, None) == "it is this computer's only network address"
    assert why_shown(ETH0.ip, [ETH0], None, "10.*") == \
        "it is this computer's only network address among the addresses PGNET_NETWORK='10.*' allows"
    assert "(its default route)" in why_shown(ETH1.ip, [ETH0, ETH1], ETH1.ip, None)
    assert why_shown(ETH0.ip, [ETH0, ETH1], None, None).startswith(
        "there is no default route, and it is the first address on a private network")
    assert why_shown(PUBLIC.ip, [PUBLIC, DOCKER], None, None) == "it is the first usable address"
    assert why_shown(DOCKER.ip, [DOCKER, PUBLIC], None, None) == "it is the first usable address"


def test_pattern_for_a_network_keeps_its_whole_octets():
    assert pattern_for(ETH0) == "10.123.0.*"
    assert pattern_for(Network("eth0", "172.16.5.9", 16)) == "172.16.*"
    assert pattern_for(Network("eth0", "10.1.2.3", 8)) == "10.*"
    assert pattern_for(Network("eth0", "192.168.1.9", 30)) == "192.168.1.*"
    assert pattern_for(Network("eth0", "100.64.1.9", 4)) == "100.*"


def test_suggested_network_setting_is_the_first_network_or_the_others():
    assert suggested_setting([ETH0, ETH1]) == "PGNET_NETWORK='10.123.0.*' (or '10.123.1.*')"
    assert suggested_setting([ETH0, ETH1, Network("wlan0", "192.168.1.23", 24)]) == \
        "PGNET_NETWORK='10.123.0.*' (or '10.123.1.*' or '192.168.1.*')"


def test_interface_notes_say_what_each_address_is_for():
    every = [LO, ETH0, ETH1, TUN0, LINK_LOCAL]
    nets = Networks(every, [LO, ETH0, TUN0], TUN0.ip, ETH0.ip, "10.123.0.*")
    assert interface_notes(LO, nets) == ["this computer only"]
    assert interface_notes(ETH0, nets) == ["<- the address pgnet shows"]
    assert interface_notes(ETH1, nets) == ["not used: PGNET_NETWORK='10.123.0.*'"]
    assert interface_notes(TUN0, nets) == [
        "virtual (VPN, VM or container): other computers may not reach it", "default route"]
    assert interface_notes(LINK_LOCAL, nets) == [
        "self-assigned: the network gave it no address; not used"]
    assert interface_notes(ETH1, networks(ETH0, ETH1, route_ip=ETH1.ip)) == ["used too", "default route"]


def test_a_network_setting_that_matches_nothing_is_a_problem():
    error = AddressError("None of this computer's addresses (127.0.0.1) is on the network '10.*'.")
    report = report_to()
    check_network_setting(report, Networks([LO], [LO], None, None, "10.*", error))
    [finding] = report.findings
    assert finding.kind == "problem"
    assert "the network setting PGNET_NETWORK='10.*' matches none" in finding.text
    assert finding.advice.endswith("Or unset PGNET_NETWORK to use every network.")
    report = report_to()
    check_network_setting(report, networks(ETH0))
    assert report.findings == []


def test_an_offline_computer_is_a_problem_with_a_hint_about_a_self_assigned_address():
    report = report_to()
    check_connected(report, Networks([LO, LINK_LOCAL], [LO], None, LO.ip, None))
    [finding] = report.findings
    assert finding.kind == "problem"
    assert "this computer is offline" in finding.text
    assert "eth2 has a self-assigned address (169.254.3.4)" in finding.advice


def test_a_computer_kept_to_itself_by_the_setting_is_a_warning():
    report = report_to()
    check_connected(report, Networks([LO, ETH0], [LO], None, LO.ip, "127.*"))
    [finding] = report.findings
    assert (finding.kind, finding.text) == ("warn", "network: only this computer (PGNET_NETWORK='127.*').")


def test_a_connected_computer_lists_the_networks_used():
    report = report_to()
    check_connected(report, networks(ETH0, TUN0))
    assert report.findings == [
        Finding("ok", "network: eth0 10.123.0.2, tun0 10.8.0.5; pgnet shows 10.123.0.2.", None)]


def test_several_networks_suggest_a_network_setting():
    report = report_to()
    check_several_networks(report, networks(ETH0, ETH1))
    [finding] = report.findings
    assert finding.kind == "warn"
    assert finding.text == ("this computer is on 2 networks (eth0 10.123.0.2, eth1 10.123.1.2); "
                            "pgnet uses all of them and shows 10.123.0.2.")
    assert "set PGNET_NETWORK='10.123.0.*' (or '10.123.1.*') before starting them." in finding.advice
    for nets in (networks(ETH0), networks(ETH0, TUN0), networks(ETH0, ETH1, pattern="10.123.*")):
        report = report_to()
        check_several_networks(report, nets)
        assert report.findings == []


def test_a_vpn_with_the_default_route_or_only_virtual_networks_is_a_warning():
    report = report_to()
    check_vpn(report, networks(ETH0, TUN0, route_ip=TUN0.ip))
    assert [f.text for f in report.findings] == [
        "a VPN or virtual network (tun0) carries this computer's traffic."]
    report = report_to()
    check_vpn(report, networks(DOCKER, TUN0))
    assert [f.text for f in report.findings] == [
        "the only networks are virtual (docker0, tun0): VPN, virtual machine or container networks."]
    report = report_to()
    check_vpn(report, networks(ETH0, TUN0, route_ip=ETH0.ip))
    assert report.findings == []


def test_the_relay_setting_is_shown_and_checked():
    lines = []
    report = report_to(lines)
    check_relay(report, "10.0.0.5", ("10.0.0.5", 46375))
    check_relay(report, "nowhere", None)
    assert lines == ["  relay: PGNET_RELAY='10.0.0.5' (UDP 10.0.0.5:46375)",
                     "  relay: PGNET_RELAY='nowhere'"]
    assert [(f.kind, f.text) for f in report.findings] == [
        ("warn", "discovery also goes through the relay at 10.0.0.5:46375."),
        ("problem", "the relay computer 'nowhere' (PGNET_RELAY) cannot be found."),
    ]


def test_the_discovery_port_free_shared_or_taken_and_by_whom():
    report = report_to()
    assert report_discovery_port(report, 46374, "free") is True
    assert report_discovery_port(report, 46374, "shared") is True
    assert [f.text for f in report.findings] == [
        "discovery port 46374: free.", "discovery port 46374: shared with other pgnet programs."]

    lines = []
    report = report_to(lines)
    in_use = OSError(errno.EADDRINUSE, "Address already in use")
    assert report_discovery_port(report, 46374, "blocked", in_use, [(4242, "python3 game.py")]) is False
    assert "  taken by a program that does not share it (process 4242, python3 game.py)." in lines
    [finding] = report.findings
    assert finding.kind == "problem"
    assert "taken by a program that is not pgnet (process 4242, python3 game.py)" in finding.text
    assert "PGNET_DISCOVERY_PORT=46375" in finding.advice

    report = report_to()
    report_discovery_port(report, 65535, "blocked", in_use)
    assert "PGNET_DISCOVERY_PORT=47000" in report.findings[0].advice

    lines = []
    report = report_to(lines)
    denied = OSError(errno.EACCES, "Permission denied")
    assert report_discovery_port(report, 80, "blocked", denied) is False
    assert "  cannot be opened: Permission denied." in lines
    assert report.findings[0].text == "discovery port 80 cannot be opened (Permission denied)."


def test_a_port_held_without_sharing_is_reported_with_its_holder():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as holder:
        holder.bind(("", 0))  # a free UDP port, held the way a non-pgnet program would
        port = holder.getsockname()[1]
        assert bind_test(port, shared=True) is not None
        report = report_to()
        assert check_discovery_port(report, port) is False
    [finding] = report.findings
    assert finding.kind == "problem"
    if os.path.exists("/proc/net/udp"):  # Linux says who holds it
        assert "(process %d, " % os.getpid() in finding.text


@pytest.mark.skipif(not os.path.exists("/proc/self/cmdline"), reason="reads /proc (Linux)")
def test_program_name_of_a_process():
    assert program_name(os.getpid()).startswith("python")
    assert program_name(2 ** 30) == "?"


def test_broadcasts_that_came_back_and_those_that_did_not():
    targets = ["10.123.0.255", "10.123.1.255", "10.9.0.255", "127.255.255.255"]
    heard = Heard(came_back={"10.123.0.255": 0.42}, send_errors={"10.9.0.255": "Network is unreachable"})
    lines = []
    report = report_to(lines)
    check_broadcasts(report, targets, heard, 1.0, 46374)
    assert lines == [
        "Broadcasts (a discovery query to each address, which should come back):",
        "  10.123.0.255: came back in 0.4 ms",
        "  10.123.1.255: did not come back within 1 s",
        "  10.9.0.255: could not send (Network is unreachable)",
        "  127.255.255.255: did not come back within 1 s",
    ]
    assert [f.kind for f in report.findings] == ["ok", "problem", "problem", "problem"]
    assert report.findings[0].text == "broadcasts come back: 10.123.0.255."
    assert "broadcasts to 10.123.1.255 do not come back" in report.findings[1].text
    assert "to 10.9.0.255 cannot be sent (Network is unreachable)" in report.findings[2].text
    assert "even programs on this computer cannot find each other" in report.findings[3].text


def test_outgoing_broadcasts_blocked_by_a_firewall_here_are_not_blamed_on_the_cable():
    # A local firewall rule refuses the send (EPERM), and a program on
    # another computer still answered: the advice is the firewall, not a cable.
    for error, programs in (("Operation not permitted", []), ("Network is unreachable", [ROBOT])):
        report = report_to()
        heard = Heard(send_errors={"10.123.0.255": error}, programs=programs)
        check_broadcasts(report, ["10.123.0.255"], heard, 1.0, 46374, {"10.123.0.2"})
        (finding,) = report.findings
        assert "cannot be sent (%s)" % error in finding.text
        assert "firewall on this computer blocks pgnet's outgoing broadcasts" in finding.advice
        assert "cable" not in finding.advice
    report = report_to()
    heard = Heard(send_errors={"10.9.0.255": "Network is unreachable"})
    check_broadcasts(report, ["10.9.0.255"], heard, 1.0, 46374, {"10.123.0.2"})
    assert "check the cable or Wi-Fi" in report.findings[0].advice


def test_broadcasts_that_do_not_come_in_suggest_the_relay_or_a_fixed_address():
    report = report_to()
    check_broadcasts(report, ["10.123.0.255"], Heard(), 1.0, 46374, {"10.123.0.2"})
    (finding,) = report.findings
    assert "do not come back" in finding.text
    assert "pgnet relay" in finding.advice and "PGNET_RELAY" in finding.advice
    assert "connect by address" in finding.advice


def test_answers_are_split_into_this_computer_and_others():
    mine = Answer("mine", "laptop", "10.123.0.2:6000", "10.123.0.2")
    here, remote = split_by_computer([PONG, ROBOT, mine], {"10.123.0.2"})
    assert (here, remote) == ([PONG, mine], [ROBOT])


def test_only_programs_on_this_computers_networks_are_tried():
    odd = Answer("odd", "x", "not-an-ip:1", "10.123.0.8")
    assert on_my_networks([ROBOT, FAR, odd], [LO, ETH0]) == [ROBOT]
    assert on_my_networks([ROBOT] * 10, [ETH0]) == [ROBOT] * 8
    assert on_my_networks([PONG], [LO]) == []


def test_connections_that_fail_are_problems_and_working_ones_ok():
    report = report_to()
    report_connections(report, [ROBOT], {ROBOT.address: "no answer"})
    [finding] = report.findings
    assert finding.kind == "problem"
    assert finding.text == ("'robot' on raspberrypi (10.123.0.7:40123) is found but cannot be "
                            "reached (no answer).")
    assert finding.advice.startswith("A firewall on raspberrypi")
    report = report_to()
    report_connections(report, [ROBOT], {ROBOT.address: None})
    assert report.findings == [Finding("ok", "connections to robot work.", None)]
    report = report_to()
    report_connections(report, [], {})
    assert report.findings == []


def test_answers_on_a_computer_without_a_network_expect_nothing_from_others():
    lines = []
    report = report_to(lines)
    check_answers(report, Heard(programs=[PONG]), {"127.0.0.1"}, networks())
    assert lines == ["", "pgnet programs that answered:",
                     "  on this computer: pong", "  on other computers: none"]
    assert report.findings == [Finding("ok", "pgnet programs on this computer answered: pong.", None)]


def test_answers_from_other_computers_heard_or_silent():
    lines = []
    report = report_to(lines)
    check_answers(report, Heard(programs=[FAR]), {"127.0.0.1"}, networks(ETH0))
    assert "  on other computers: far (elsewhere at 192.168.9.9:40000)" in lines
    assert report.findings == [Finding("ok", "1 pgnet program on 1 other computer answered.", None)]

    report = report_to()
    check_answers(report, Heard(queriers={"10.123.0.9", "127.0.0.1", "10.123.0.2"}),
                  {"127.0.0.1", "10.123.0.2"}, networks(ETH0))
    assert report.findings == [Finding(
        "ok", "pgnet programs on other computers (10.123.0.9) are heard, though none "
        "advertises a name.", None)]

    report = report_to()
    check_answers(report, Heard(), {"127.0.0.1"}, networks(ETH0))
    [finding] = report.findings
    assert (finding.kind, finding.text) == ("warn", "no pgnet program on another computer answered.")


def test_the_summary_lists_each_finding_with_what_to_do():
    lines = []
    report = report_to(lines)
    report.ok("discovery port 46374: free.")
    report.warn("two networks.", "Set PGNET_NETWORK.")
    report.problem("offline.", "Connect it.")
    report.summary({"ok": "OK", "warn": "!", "problem": "X"})
    assert lines == ["", "Summary:",
                     "  OK discovery port 46374: free.",
                     "  ! two networks.", "      What to do: Set PGNET_NETWORK.",
                     "  X offline.", "      What to do: Connect it.",
                     "1 problem found."]
    assert report.problems() == [Finding("problem", "offline.", "Connect it.")]
    report.problem("also this.", "Fix it.")
    report.summary({"ok": "OK", "warn": "!", "problem": "X"})
    assert lines[-1] == "2 problems found."
    lines = []
    report = report_to(lines)
    report.summary()
    assert lines[-1] == "No problems found."
