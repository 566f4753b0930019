"""Announcing a game's OSC port to phone apps over DNS-SD: a zeroconf browser
(as TouchOSC is) finds it; without zeroconf, or where it fails, one warning
and the game goes on.

Everything stays on loopback: conftest.py sets PGNET_NETWORK=127.*, so the
announcement uses 127.0.0.1 only.
"""

import threading

import pytest

import pgnet
from support import Program, unique

zeroconf = pytest.importorskip("zeroconf", reason='zeroconf comes with the osc extra: pip install -e ".[osc]"')


@pytest.fixture(autouse=True)
def fresh_osc():
    yield
    pgnet.osc.close()


def test_a_browser_finds_the_announced_osc_port():
    name = unique("Ada's game")
    port = int(pgnet.osc.listen("127.0.0.1", name=name, announce=True).rpartition(":")[2])
    found = {}
    seen = threading.Event()

    class Listener:
        def add_service(self, browser_zeroconf, kind, service):
            info = browser_zeroconf.get_service_info(kind, service, 3000)
            if info is not None and service.startswith(name):
                found.update(name=service, port=info.port, addresses=info.parsed_addresses())
                seen.set()

        def update_service(self, *args):
            pass

        def remove_service(self, *args):
            pass

    browser_zeroconf = zeroconf.Zeroconf(interfaces=["127.0.0.1"], ip_version=zeroconf.IPVersion.V4Only)
    try:
        browser = zeroconf.ServiceBrowser(browser_zeroconf, "_osc._udp.local.", Listener())
        assert seen.wait(15), "the browser did not find %r" % name
        browser.cancel()
    finally:
        browser_zeroconf.close()
    assert found == {"name": "%s._osc._udp.local." % name, "port": port, "addresses": ["127.0.0.1"]}


ANNOUNCER = """
import warnings, pgnet
warnings.simplefilter("always")
with warnings.catch_warnings(record=True) as caught:
    address = pgnet.osc.listen("127.0.0.1", announce=True)
    pgnet.osc.send(address, "/still", "here")
    print("GOT", pgnet.osc.wait_for_osc(wait_for_s=5)[:2])
    import pgnet.osc.hub as hub
    assert hub.default.announcements[0].done.wait(10)
for warning in caught:
    print("WARNING", warning.category.__name__, warning.message)
"""


@pytest.mark.parametrize("fake, says", [
    ('raise ImportError("no zeroconf here")', "zeroconf package is not installed"),
    ("class IPVersion:\n    V4Only = 1\nclass ServiceInfo:\n    def __init__(self, *a, **k): pass\n"
     "class Zeroconf:\n    def __init__(self, **k): raise OSError(19, 'No such device')\n",
     "OSError: [Errno 19] No such device"),
])
def test_without_zeroconf_or_where_it_fails_one_warning_and_osc_works(tmp_path, fake, says):
    (tmp_path / "zeroconf.py").write_text(fake)
    with Program(ANNOUNCER, env={"PYTHONPATH": str(tmp_path)}) as program:
        assert program.wait(30) == 0, program.stderr_text()
    assert program.lines[0] == "GOT ('/still', ['here'])"
    assert len(program.lines) == 2 and program.lines[1].startswith("WARNING DiscoveryWarning"), program.lines
    assert says in program.lines[1] and "Type this computer's address" in program.lines[1]
