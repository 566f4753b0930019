"""Helpers for tests that run real programs: start them, read what they
print with a deadline, and stop them. No fixed sleeps: every wait is for a
condition, with a time limit that fails the test if it passes.

Example::

    with Program(LISTENER_CODE) as listener:
        address = listener.expect(r"listening at (\\S+)").group(1)
        ...
"""

import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def unique(name="svc"):
    """A service name no other test uses (tests share a discovery port)."""
    return "%s-%s" % (name, uuid.uuid4().hex[:8])


def unused_address():
    """``"127.0.0.1:port"`` where nothing listens and that this test process
    has not talked to: a free port may be one an earlier test's program had
    a moment ago, and pgnet rightly does not check again an address it has
    a connection to, or has heard advertised.

    Example: ``pgnet.send_message(unused_address(), "hello?")   # warns at once``"""
    from pgnet import addresses, discovery, registry

    peer = discovery.current_beacon()
    known = {service.address for service in peer.services()} if peer is not None else set()
    while True:
        address = "127.0.0.1:%d" % addresses.free_port()
        if address not in known and registry.existing_sender(address) is None:
            return address


def warning_text(caught):
    """The texts of the warnings in ``caught`` (from ``pytest.warns`` or
    ``recwarn``), one a line: what a user would have seen printed."""
    return "\n".join(str(w.message) for w in caught)


def wait_until(condition, timeout=10.0, interval=0.01, message="condition"):
    """Call ``condition`` until it returns something true; return that.

    Fails the test (AssertionError) if ``timeout`` seconds pass first.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %gs waiting for %s" % (timeout, message))
        time.sleep(interval)


def status(pid, field):
    """A figure from /proc/PID/status, in MiB (``VmHWM``: peak memory)."""
    with open("/proc/%d/status" % pid) as lines:
        for line in lines:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no %s for %d" % (field, pid))


def alive(program):
    """Fail the test if ``program`` has ended or printed a traceback."""
    assert program.process.poll() is None, program.stderr_text()[-3000:]
    assert "Traceback" not in program.stderr_text(), program.stderr_text()[-3000:]


class Program:
    """A Python program run as a separate process, its output read live.

    ``code`` is Python source (dedented for you) or a list of arguments
    for the Python interpreter (``["games/hello/listener.py"]``).
    ``prefix`` runs it inside something, e.g. ``["ip", "netns", "exec", ns]``.
    ``python`` is another Python to run it with (an installed pgnet's: then
    the repository is not put on its path, and ``env`` is all it gets).
    """

    def __init__(self, code, env=None, prefix=(), cwd=ROOT, python=None):
        if isinstance(code, str):
            args = ["-c", textwrap.dedent(code)]
        else:
            args = list(code)
        if python is None:
            full_env = dict(os.environ)
            full_env.update(env or {})
            full_env["PYTHONPATH"] = ROOT + os.pathsep + full_env.get("PYTHONPATH", "")
        else:
            full_env = dict(env)
        self.process = subprocess.Popen(
            list(prefix) + [python or sys.executable, "-u"] + args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            env=full_env, cwd=cwd, text=True, encoding="utf-8", errors="replace",
        )
        self.lines = []
        self.errors = []
        self._queue = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines, True), daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.errors, False), daemon=True).start()
        self._seen = 0

    def _read(self, stream, store, to_queue):
        with stream:  # (closed at the end: else a ResourceWarning whenever it is collected)
            for line in stream:
                store.append(line.rstrip("\n"))
                if to_queue:
                    self._queue.put(line.rstrip("\n"))
        if to_queue:
            self._queue.put(None)

    def expect(self, pattern, timeout=10.0):
        """Wait for an output line matching ``pattern``; return the match."""
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    "no line matching %r within %gs.\nstdout:\n%s\nstderr:\n%s"
                    % (pattern, timeout, "\n".join(self.lines), "\n".join(self.errors))
                )
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(5)
                raise AssertionError(
                    "program ended (exit %s) before printing %r.\nstdout:\n%s\nstderr:\n%s"
                    % (self.process.returncode, pattern, "\n".join(self.lines), "\n".join(self.errors))
                )
            match = regex.search(line)
            if match:
                return match

    def stderr_text(self):
        return "\n".join(self.errors)

    def wait(self, timeout=20.0):
        """Wait for the program to end by itself; return its exit code."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                "program still running after %gs.\nstdout:\n%s\nstderr:\n%s"
                % (timeout, "\n".join(self.lines), "\n".join(self.errors))
            ) from None

    def kill(self, sig=signal.SIGKILL):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


#: A service: advertises argv[1] (listening on it) and answers each message
#: with ``[argv[2], message]``; the message "quit" ends it normally, and
#: "unadvertise" makes it stop advertising. Prints "READY <address>".
ECHO_SERVICE = """
import sys
import pgnet
name, ident = sys.argv[1], sys.argv[2]
address = pgnet.listen(name)
print("READY", address, flush=True)
while True:
    message = pgnet.wait_for_message(name, wait_for_s=60)
    if message is None:
        continue
    if message == "quit":
        pgnet.send_reply(name, "bye")
        break
    if message == "unadvertise":
        pgnet.unadvertise(name)
        pgnet.send_reply(name, "done")
        continue
    pgnet.send_reply(name, [ident, message])
print("EXITING", flush=True)
"""


def run(code, *args, env=None):
    """Run Python source ``code`` with ``args`` as a separate program."""
    return Program(["-c", textwrap.dedent(code)] + [str(a) for a in args], env=env)


def start(code, *args):
    """Run a program that prints "READY <address>"; return it and the address."""
    program = run(code, *args)
    return program, program.expect(r"READY (\S+)").group(1)

