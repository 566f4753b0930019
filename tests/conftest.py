"""Shared set-up for every test.

Safety first: tests on this computer keep pgnet's discovery broadcasts on
loopback (PGNET_NETWORK=127.*), so no packet leaves the machine. Tests that
need other "machines" run inside network namespaces they create (netns.py).
Each run uses its own discovery port, so runs do not hear each other.
"""

import os
import random
import subprocess
import sys

import pytest

from support import ECHO_SERVICE, ROOT, start, unique

os.environ["PGNET_NETWORK"] = "127.*"
os.environ.setdefault("PGNET_DISCOVERY_PORT", str(random.randint(47000, 48999)))
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
os.environ["PYTHONUNBUFFERED"] = "1"


@pytest.fixture(scope="module")
def echo():
    """An echo service: its name and address."""
    name = unique("echo")
    program, address = start(ECHO_SERVICE, name, "echo")
    with program:
        yield name, address
        assert program.process.poll() is None, program.stderr_text()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The docs site, built strictly (``mkdocs build --strict``) into a
    temporary folder, once for every test that looks at it; its path."""
    site_dir = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        universal_newlines=True,
        timeout=300,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),  # (Material's notice about its future)
    )
    assert result.returncode == 0, (
        "mkdocs build --strict failed (exit %d). Fix the warnings below (a "
        "broken link or anchor, a page missing from the nav in mkdocs.yml, "
        "a docstring that cannot be rendered):\n%s" % (result.returncode, result.stdout)
    )
    return site_dir
