"""Starting the programs a benchmark measures, and reading what they print.

Every figure runs in fresh processes ("children"), so that one figure's
sockets and threads cannot slow another's. A child prints lines such as
`READY 127.0.0.1:5555` or `RESULT {json}`; `Child.expect` waits for them.

Example:

    from pgnet.bench.children import Child, script
    from pgnet.bench.programs import RAW_SERVER

    with Child(script(RAW_SERVER)) as server:
        address = server.expect("READY", timeout=20)   # "127.0.0.1:5555"

Safety: `host_env` keeps a child's discovery on loopback; only children run
inside a namespace the benchmark made get `namespace_env`.
"""

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

#: A program that prints where a fresh Python would import pgnet from.
_WHERE_IS_PGNET = (
    "import importlib.util\n"
    "spec = importlib.util.find_spec('pgnet')\n"
    "print(spec.origin if spec else '')\n"
)


def path_for_children():
    """The directory children need on PYTHONPATH to import this pgnet, or None.

    The benchmark measures the pgnet that is running it, so the programs it
    starts must import that same pgnet. Usually they do anyway (pgnet is
    installed, from a wheel or editable); but when pgnet was found only
    because the benchmark started in the directory holding it, a game
    written to a temporary file would not find it, or would find another
    one. This asks a fresh Python, started in an empty directory with this
    environment, where it finds pgnet; if that is not this pgnet, the
    answer is the directory that holds this pgnet. Example:

        extra = path_for_children()   # None, or like "/home/ada/pgnet-clone"
    """
    import pgnet

    here = os.path.realpath(pgnet.__file__)
    with tempfile.TemporaryDirectory(prefix="pgnet-bench-") as empty:
        found = subprocess.run(
            [sys.executable, "-c", _WHERE_IS_PGNET], cwd=empty, stdin=subprocess.DEVNULL,
            capture_output=True, text=True, timeout=60,
        ).stdout.strip()
    if found and os.path.realpath(found) == here:
        return None
    return os.path.dirname(os.path.dirname(here))


def host_env():
    """The environment for a program this benchmark starts on this computer.

    Discovery stays on loopback (`PGNET_NETWORK=127.*`) and games need no
    screen or sound card. Example: `Child(args, env=host_env())`.
    """
    env = dict(os.environ)
    env["PGNET_NETWORK"] = "127.*"
    env["SDL_VIDEODRIVER"] = env["SDL_AUDIODRIVER"] = "dummy"
    env["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"
    env.pop("PGNET_BENCH_IN_NAMESPACE", None)
    return env


def namespace_env():
    """The environment for a program run inside a namespace this benchmark made.

    pgnet may use the namespace's own interfaces there; the program checks
    that it really is in another namespace (see `netns_id`) before it
    starts. Example: `Child(args, env=namespace_env(), prefix=machine.command([]))`.
    """
    env = host_env()
    del env["PGNET_NETWORK"]
    env["PGNET_BENCH_IN_NAMESPACE"] = "1"
    env["PGNET_BENCH_HOST_NETNS"] = netns_id()
    return env


def netns_id():
    """Which network namespace this process is in, as the kernel names it.

    Two processes in the same namespace get the same text. Example:
    `"net:[4026531840]"` (or `"unknown"` where there is no /proc).
    """
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return "unknown"


def worker_command(name, *args):
    """The command line that runs worker `name` (see `workers.WORKERS`) in a child.

    The arguments travel as JSON. Example: `worker_command("seek", "pong", 12.5)`
    is `[python, "-m", "pgnet.bench", "--worker", "seek", '["pong", 12.5]']`.
    """
    return [sys.executable, "-m", "pgnet.bench", "--worker", name, json.dumps(args)]


def script(code, *args):
    """The command line that runs Python source `code` with arguments `args`.

    Example: `script(PGNET_SERVER, "echo-1")` is `[python, "-c", PGNET_SERVER, "echo-1"]`.
    """
    return [sys.executable, "-c", code] + [str(a) for a in args]


@contextlib.contextmanager
def program_files(codes):
    """Write programs to files in a new temporary directory; remove them after.

    `codes` maps a file name to Python source; yields a dict from the same
    names to the files' paths. Use it for programs that must be files, such
    as Pygame Zero games:

        with program_files({"game.py": HOOK_GAME}) as paths:
            with Child([sys.executable, paths["game.py"]]) as game:
                ...
    """
    with tempfile.TemporaryDirectory(prefix="pgnet-bench-") as directory:
        paths = {}
        for name, code in codes.items():
            paths[name] = os.path.join(directory, name)
            with open(paths[name], "w") as file:
                file.write(code)
        yield paths


class Child:
    """A program this benchmark started, its output lines read live.

    `args` is the command line, `env` its environment (`host_env()` if not
    given), `prefix` runs it inside something (`["ip", "netns", "exec", ns]`).
    Use it in a `with` block, which stops it at the end:

        with Child(worker_command("advertise_forever", "pong")) as child:
            child.expect("READY", 20)
    """

    def __init__(self, args, env=None, prefix=()):
        self.process = subprocess.Popen(
            list(prefix) + list(args), env=env or host_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, bufsize=1,
        )
        self.lines = queue.Queue()
        self.errors = []
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_errors, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_errors(self):
        for line in self.process.stderr:
            self.errors.append(line.rstrip("\n"))

    def expect(self, prefix, timeout):
        """The rest of the first output line starting with `prefix`.

        Raises RuntimeError if no such line comes within `timeout` seconds
        or the program ends first. Example: `child.expect("READY", 20)`.
        """
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise RuntimeError("%s: no %r line within %g s%s" % (
                    self.name(), prefix, timeout, self.tail()))
            try:
                line = self.lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(5)
                raise RuntimeError("%s ended (exit %s) before printing %r%s" % (
                    self.name(), self.process.returncode, prefix, self.tail()))
            if line.startswith(prefix):
                return line[len(prefix):].strip()

    def result(self, timeout):
        """The JSON on the program's `RESULT ...` line, decoded.

        Example: `child.result(30)` might be `{"rss_kib": 52000}`.
        """
        return json.loads(self.expect("RESULT ", timeout))

    def say(self, line):
        """Send `line` to the program's standard input. Example: `child.say("go 100")`."""
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def name(self):
        """The end of the program's command line, to name it in an error message."""
        return " ".join(self.process.args)[-80:]

    def tail(self):
        """The program's last lines of error output, as `"; stderr: ..."` (or "")."""
        time.sleep(0.05)
        return "; stderr: " + " | ".join(self.errors[-8:]) if self.errors else ""

    def stop(self, sig=signal.SIGTERM):
        """Stop the program if it still runs: `sig`, then a kill after 3 s.

        Example: `child.stop(signal.SIGKILL)` for a program that dies at once.
        """
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def run_worker(name, *args, timeout=60):
    """Run worker `name` with `args` in a child; return its decoded result.

    Example: `run_worker("advertise", 20)` is `{"first": ..., "median": ..., "max": ...}`.
    """
    with Child(worker_command(name, *args)) as child:
        return child.result(timeout)
