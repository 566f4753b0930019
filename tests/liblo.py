"""liblo, the OSC library behind Debian's liblo-tools (oscsend, oscdump), for
the tests: an OSC implementation nobody here wrote, on the other end.

The command-line tools send single messages of most types but no blobs and
no time-tagged bundles, so for those the tests call liblo itself through
ctypes. ``.ci/run`` installs liblo-tools (which brings liblo); without it
the tests that need it are skipped, saying so.

Example::

    liblo.send_message(9000, "/blob", "bi", b"\\x00\\x01", 7)
    liblo.send_bundle(9000, time.time() + 0.5, [("/a", "i", 1), ("/b", "s", "x")])
"""

import ctypes
import ctypes.util
import shutil

import pytest

NTP_OFFSET = 2208988800


class _TimeTag(ctypes.Structure):
    _fields_ = [("sec", ctypes.c_uint32), ("frac", ctypes.c_uint32)]


def _load():
    name = ctypes.util.find_library("lo")
    if name is None:
        return None
    lib = ctypes.CDLL(name)
    pointer, text = ctypes.c_void_p, ctypes.c_char_p
    signatures = {
        "lo_address_new": (pointer, [text, text]),
        "lo_address_free": (None, [pointer]),
        "lo_message_new": (pointer, []),
        "lo_message_free": (None, [pointer]),
        "lo_blob_new": (pointer, [ctypes.c_int32, ctypes.c_void_p]),
        "lo_message_add_int32": (ctypes.c_int, [pointer, ctypes.c_int32]),
        "lo_message_add_float": (ctypes.c_int, [pointer, ctypes.c_float]),
        "lo_message_add_string": (ctypes.c_int, [pointer, text]),
        "lo_message_add_blob": (ctypes.c_int, [pointer, pointer]),
        "lo_send_message": (ctypes.c_int, [pointer, text, pointer]),
        "lo_bundle_new": (pointer, [_TimeTag]),
        "lo_bundle_add_message": (ctypes.c_int, [pointer, text, pointer]),
        "lo_bundle_free_recursive": (None, [pointer]),
        "lo_send_bundle": (ctypes.c_int, [pointer, pointer]),
    }
    for function, (result, arguments) in signatures.items():
        getattr(lib, function).restype = result
        getattr(lib, function).argtypes = arguments
    return lib


_lib = _load()

#: Skips a test when liblo-tools is not installed.
needed = pytest.mark.skipif(
    _lib is None or not shutil.which("oscsend") or not shutil.which("oscdump"),
    reason="liblo-tools (oscsend, oscdump, liblo) is not installed: apt-get install liblo-tools "
    "(.ci/run does)",
)


def _message(types, values):
    message = _lib.lo_message_new()
    for kind, value in zip(types, values):
        if kind == "i":
            _lib.lo_message_add_int32(message, value)
        elif kind == "f":
            _lib.lo_message_add_float(message, value)
        elif kind == "s":
            _lib.lo_message_add_string(message, value.encode())
        elif kind == "b":
            _lib.lo_message_add_blob(message, _lib.lo_blob_new(len(value), value))
        else:
            raise ValueError("no type %r here" % kind)
    return message


def _target(port):
    return _lib.lo_address_new(b"127.0.0.1", str(port).encode())


def send_message(port, address, types, *values):
    """Send one message with liblo to 127.0.0.1:``port``."""
    target, message = _target(port), _message(types, values)
    try:
        assert _lib.lo_send_message(target, address.encode(), message) > 0
    finally:
        _lib.lo_message_free(message)
        _lib.lo_address_free(target)


def send_bundle(port, when, messages):
    """Send one bundle for the time ``when`` (a time.time() value) with
    liblo: ``messages`` is a list of ``(address, types, value, ...)``."""
    ntp = when + NTP_OFFSET
    bundle = _lib.lo_bundle_new(_TimeTag(int(ntp), int(ntp % 1 * 2 ** 32)))
    for address, types, *values in messages:
        _lib.lo_bundle_add_message(bundle, address.encode(), _message(types, values))
    target = _target(port)
    try:
        assert _lib.lo_send_bundle(target, bundle) > 0
    finally:
        _lib.lo_bundle_free_recursive(bundle)
        _lib.lo_address_free(target)
