"""Shared set-up for every test.

Safety first: tests on this computer keep pgnet's discovery broadcasts on
loopback (PGNET_NETWORK=127.*), so no packet leaves the machine. Tests that
need other "machines" run inside network namespaces they create (netns.py).
Each run uses its own discovery port, so runs do not hear each other.
"""

import os
import random

import pytest

from support import ECHO_SERVICE, start, unique

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
