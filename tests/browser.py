"""Headless Chromium for the tests, driven over the DevTools protocol through
a pipe (``--remote-debugging-pipe``: no port, no extra package).

It opens pages as a reader would and reports, for each, every request the
page made, those that failed, and what a script run in the page returned.
Nothing leaves this computer: every host name resolves to nothing and every
web request goes to a proxy on 127.0.0.1 that is not there, so a page that
tried to load something from the internet shows it as a failed request.

Example::

    with Browser() as browser:
        visit = browser.open("file:///tmp/site/index.html", "document.title")
        visit.requests, visit.failed, visit.result
"""

import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections import namedtuple

#: What ``Browser.open`` saw: ``requests`` (URLs), ``failed`` ((URL, error)
#: pairs) and ``result`` (the value of the script run after loading).
Visit = namedtuple("Visit", "requests failed result")


def chromium():
    """The Chromium program on this computer, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class Browser:
    """One headless Chromium, one tab; ``open`` loads a page in it."""

    def __init__(self, timeout=30.0):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="pgnet-chromium-")
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        os.set_inheritable(commands_read, True)
        os.set_inheritable(replies_write, True)
        # Chromium reads commands on its fd 3 and writes replies on its fd 4.
        self.process = subprocess.Popen(
            [chromium(), "--headless", "--remote-debugging-pipe", "--no-sandbox",
             "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--mute-audio",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--proxy-server=http://127.0.0.1:9",
             "--user-data-dir=" + self.profile, "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(3, 4), preexec_fn=lambda: _pipes_to_3_and_4(commands_read, replies_write),
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self._events = []
        target = self._call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self._call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Network", "Runtime"):
            self._call(domain + ".enable", session=self.session)

    # -- the protocol --------------------------------------------------------

    def _send(self, method, session=None, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        return self._next_id

    def _receive(self, deadline):
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise AssertionError("Chromium did not answer within %g s" % self.timeout)
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium ended (exit %s)" % self.process.poll())
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _call(self, method, session=None, **params):
        number = self._send(method, session, **params)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == number:
                if "error" in message:
                    raise AssertionError("%s failed: %s" % (method, message["error"]))
                return message.get("result", {})
            self._events.append(message)

    # -- what the tests use ----------------------------------------------------

    def open(self, url, script):
        """Load ``url``, wait until it has loaded and made no request for a
        moment, run ``script`` (a JavaScript expression) in it; a ``Visit``."""
        self._events.clear()
        self._call("Page.navigate", session=self.session, url=url)
        deadline = time.monotonic() + self.timeout
        requests, failed, pending, loaded = {}, [], set(), False
        quiet_since = time.monotonic()
        while True:
            # Done once loaded and quiet for a moment: every request answered
            # or, as for a worker's script (answered in the worker), nothing
            # new for half a second.
            if loaded and time.monotonic() - quiet_since > (0.5 if pending else 0.3):
                break
            if time.monotonic() > deadline:
                raise AssertionError("%s did not finish loading within %g s (loaded: %s, waiting for %s)"
                                     % (url, self.timeout, loaded, [requests[r] for r in pending]))
            event = self._poll_event(0.1)
            if event is None:
                continue
            quiet_since = time.monotonic()
            method, params = event.get("method"), event.get("params", {})
            if method == "Page.loadEventFired":
                loaded = True
            elif method == "Network.requestWillBeSent":
                requests[params["requestId"]] = params["request"]["url"]
                pending.add(params["requestId"])
            elif method == "Network.responseReceived":
                # (A worker's script finishes loading in the worker, not here.)
                pending.discard(params["requestId"])
                if params["response"].get("status", 200) >= 400:
                    failed.append((params["response"]["url"], params["response"]["status"]))
            elif method == "Network.loadingFinished":
                pending.discard(params["requestId"])
            elif method == "Network.loadingFailed":
                pending.discard(params["requestId"])
                failed.append((requests.get(params["requestId"], "?"), params.get("errorText")))
        result = self._call("Runtime.evaluate", session=self.session, expression=script,
                            returnByValue=True)
        return Visit(list(requests.values()), failed, result.get("result", {}).get("value"))

    def _poll_event(self, wait_s):
        """The next event, or None if none comes within ``wait_s``."""
        if self._events:
            return self._events.pop(0)
        ready, _, _ = select.select([self._replies], [], [], wait_s)
        if not ready and b"\0" not in self._buffer:
            return None
        message = self._receive(time.monotonic() + self.timeout)
        return None if "id" in message else message

    def close(self):
        try:
            self._send("Browser.close")
            self.process.wait(10)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait(10)
        os.close(self._commands)
        os.close(self._replies)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _pipes_to_3_and_4(commands_read, replies_write):
    """In the child, before Chromium starts: its command pipe on fd 3, its
    reply pipe on fd 4 (by way of fds above both, so neither clobbers the other)."""
    import fcntl  # (POSIX only: the browser test is skipped on Windows)

    high_read = fcntl.fcntl(commands_read, fcntl.F_DUPFD, 10)
    high_write = fcntl.fcntl(replies_write, fcntl.F_DUPFD, 10)
    os.dup2(high_read, 3)
    os.dup2(high_write, 4)
