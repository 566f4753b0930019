"""pgnet as a teacher installs it: from a folder of wheels (``pgnet
wheelhouse``), with no internet (``pip install --no-index``), into a fresh
virtual environment outside the repository; then used from there: import,
``pgnet --version``, ``pgnet doctor`` and two programs talking.

The wheelhouse is made before the tests (it needs the internet once):
``.ci/run`` makes one and sets PGNET_TEST_WHEELHOUSE to it. Without it these
tests are skipped, except in CI (CI=true), where that is a failure:

    pgnet wheelhouse build/wheelhouse --for this
    PGNET_TEST_WHEELHOUSE=build/wheelhouse python -m pytest tests/test_packaging.py
"""

import os
import subprocess
import sys
import textwrap
import uuid

import pytest

from support import ROOT, Program

WHEELHOUSE = os.environ.get("PGNET_TEST_WHEELHOUSE")

if not WHEELHOUSE:
    if os.environ.get("CI") == "true":
        raise RuntimeError("PGNET_TEST_WHEELHOUSE is not set: .ci/run makes the wheelhouse first")
    pytestmark = pytest.mark.skip(
        reason="no wheelhouse: run 'pgnet wheelhouse build/wheelhouse --for this' and set "
        "PGNET_TEST_WHEELHOUSE=build/wheelhouse")


def scripts(venv):
    """The folder of a virtual environment's programs (bin, or Scripts on Windows)."""
    return os.path.join(venv, "Scripts" if os.name == "nt" else "bin")


def clean_env(**extra):
    """This environment without pip's settings and without the repository
    on the path: as on a teacher's computer."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k != "PYTHONPATH"}
    env["PIP_CONFIG_FILE"] = os.devnull  # no index, mirror or cache settings of this machine
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def run(args, cwd, timeout=120, **env):
    result = subprocess.run(args, cwd=cwd, env=clean_env(**env), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True, timeout=timeout)
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh venv, outside the repository, with pgnet[game] installed
    from the wheelhouse alone; returns (its scripts folder, a work folder)."""
    home = tmp_path_factory.mktemp("classroom")
    venv = str(home / "venv")
    subprocess.run([sys.executable, "-m", "venv", venv], check=True, timeout=120)
    python = os.path.join(scripts(venv), "python")
    result = run([python, "-m", "pip", "install", "-q", "--no-index", "--find-links",
                  os.path.abspath(WHEELHOUSE), "pgnet[game]"], cwd=str(home), timeout=300)
    assert result.returncode == 0, "offline install failed:\n" + result.stdout + result.stderr
    return scripts(venv), str(home)


def test_the_installed_pgnet_is_the_wheel_not_the_repository(installed):
    bin_dir, home = installed
    result = run([os.path.join(bin_dir, "python"), "-c",
                  "import pgnet, pgzero, pygame, zmq; print(pgnet.__file__)"], cwd=home)
    assert result.returncode == 0, result.stderr
    where = os.path.realpath(result.stdout.strip())
    assert "site-packages" in where and not where.startswith(os.path.realpath(ROOT)), where


def test_pgnet_version_and_doctor_work_from_the_install(installed):
    bin_dir, home = installed
    version = run([os.path.join(bin_dir, "pgnet"), "--version"], cwd=home)
    assert (version.returncode, version.stdout.strip()) == (0, "pgnet 0.1.0"), version.stderr
    doctor = run([os.path.join(bin_dir, "pgnet"), "doctor", "--wait", "0.5"], cwd=home,
                 PGNET_NETWORK="127.*")  # this computer only
    assert "Traceback" not in doctor.stderr, doctor.stderr
    assert doctor.stdout.startswith("pgnet doctor: can this computer use pgnet?"), doctor.stdout
    # (On this computer: its multicast group, or 127.255.255.255 where joining failed.)
    assert "broadcasts come back: " in doctor.stdout, doctor.stdout


LISTENER = """
import sys, pgnet
name = sys.argv[1]
pgnet.listen(name)
print("READY", flush=True)
message = pgnet.wait_for_message(name, wait_for_s=30)
pgnet.send_reply(name, {"you said": message})
"""

SENDER = """
import sys, pgnet
print(pgnet.send_message(sys.argv[1], "hello", wait_for_reply_s=10))
"""


def test_two_programs_talk_with_the_installed_pgnet(installed):
    bin_dir, home = installed
    python = os.path.join(bin_dir, "python")
    name = "packaged-%s" % uuid.uuid4().hex[:8]
    with Program(["-c", textwrap.dedent(LISTENER), name], env=clean_env(), cwd=home,
                 python=python) as listener:
        listener.expect(r"^READY$", timeout=30)
        sender = run([python, "-c", textwrap.dedent(SENDER), name], cwd=home, timeout=60)
        assert sender.returncode == 0, sender.stderr
        assert sender.stdout.strip() == "{'you said': 'hello'}", sender.stdout + sender.stderr
        assert listener.wait(30) == 0, listener.stderr_text()
