"""Helpers for the tests of the ``pgnet`` command (test_cli.py,
test_doctor.py): run the command, and start the pgnet programs it talks to.

Example::

    service, address = started(ADVERTISER, unique("robot"))
    with service:
        result = pgnet("list")
"""

import os
import subprocess
import sys
import textwrap

from support import ROOT, Program

PY = sys.executable
PORT = int(os.environ["PGNET_DISCOVERY_PORT"])

# A pgnet program that advertises its name (argv[1]) and does nothing else.
ADVERTISER = """
import sys, time, pgnet
print("ready", pgnet.advertise(sys.argv[1]), flush=True)
while True:
    time.sleep(60)
"""


def program(code, *args):
    """A helper program running ``code`` (Python source) with ``args``."""
    return Program(["-c", textwrap.dedent(code)] + list(args))


def started(code, name):
    """A helper program running ``code`` as ``name``; returns (program, address)."""
    prog = program(code, name)
    address = prog.expect(r"^ready ?(\S*)").group(1)
    return prog, address


def pgnet(*args, timeout=30):
    """Run ``python -m pgnet ARGS`` to its end."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [PY, "-m", "pgnet"] + list(args), capture_output=True, text=True,
        encoding="utf-8", timeout=timeout, env=env, cwd=ROOT,
    )


def cli(*args):
    """``pgnet ARGS`` as a long-running :class:`Program`."""
    return Program(["-m", "pgnet"] + list(args))
