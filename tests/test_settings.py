"""pgnet/settings.py: the settings object, from the environment or code."""

import os
import subprocess
import sys

import pytest

import pgnet
from pgnet.settings import Settings


def settings_with(**environment):
    """A fresh Settings read from this environment (PGNET_... variables)."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith("PGNET_"):
                del os.environ[name]
        os.environ.update(environment)
        return Settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_defaults():
    settings = settings_with()
    assert settings.discovery_port == 46374
    assert settings.network is None and settings.relay is None
    assert settings.max_message_bytes == 16 * 1024 * 1024
    assert settings.events_per_frame == 500
    assert settings.time_per_frame_s == 0.004
    assert "discovery_port=46374" in repr(settings)


def test_environment_variables():
    settings = settings_with(PGNET_DISCOVERY_PORT="47001", PGNET_NETWORK=" 10.0.* ",
                             PGNET_MAX_MESSAGE="1000", PGNET_RELAY="10.0.0.5")
    assert settings.discovery_port == 47001
    assert settings.network == "10.0.*"
    assert settings.max_message_bytes == 1000
    assert settings.relay == "10.0.0.5"


@pytest.mark.parametrize("variable, value, says", [
    ("PGNET_DISCOVERY_PORT", "abc", "must be a whole number"),
    ("PGNET_DISCOVERY_PORT", "80", "from 1024 to 65534"),
    ("PGNET_MAX_MESSAGE", "1.5", "must be a whole number"),
])
def test_a_bad_environment_variable_says_what_to_do(variable, value, says):
    with pytest.raises(ValueError, match=says):
        settings_with(**{variable: value})


def test_a_bad_environment_variable_stops_import_with_one_clear_error():
    env = dict(os.environ, PGNET_DISCOVERY_PORT="lots")
    done = subprocess.run([sys.executable, "-c", "import pgnet"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "PGNET_DISCOVERY_PORT is 'lots'; it must be a whole number" in done.stderr


def test_pgnet_settings_is_the_one_settings_object():
    from pgnet import settings as module_level

    assert pgnet.settings is module_level
    assert isinstance(pgnet.settings, Settings)
