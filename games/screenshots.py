"""Make the screenshots in docs/images/ again, with no screen needed.

    python games/screenshots.py

Runs each project (robot, sensor, chat) on this computer, without windows,
plays it for a few seconds with pretend input (games/autopilot.py) and
saves its windows. Everything stays on this computer: discovery is pinned
to 127.* on a port of its own.
"""

import os
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
IMAGES = os.path.join(ROOT, "docs", "images")
ENV = dict(
    os.environ,
    PGNET_NETWORK="127.*",  # loopback only
    PGNET_DISCOVERY_PORT=str(random.randint(47000, 48999)),
    SDL_VIDEODRIVER="dummy",
    SDL_AUDIODRIVER="dummy",
    PYGAME_HIDE_SUPPORT_PROMPT="1",
    PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
)
_running = []
_count = [0]  # programs started, to name their pipes
_pipes = tempfile.mkdtemp(prefix="pgnet-shots-")


class Run:
    """A program of the project, its output lines waiting to be read."""

    def __init__(self, script, *args, pilot=False):
        command = [sys.executable, "-u"]
        self.pipe = None
        if pilot:
            _count[0] += 1
            self.pipe = os.path.join(_pipes, "pilot-%d" % _count[0])
            os.mkfifo(self.pipe)
            command += [os.path.join(HERE, "autopilot.py"), self.pipe]
        command += [os.path.join(HERE, script)] + list(args)
        self.process = subprocess.Popen(command, env=ENV, cwd=ROOT, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines = queue.Queue()
        self.seen = []  # the lines read so far
        threading.Thread(target=self._read, daemon=True).start()
        self.feed = None
        _running.append(self)

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern, timeout=20):
        """The first line so far (or to come) that matches ``pattern``."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.seen:
                if re.search(pattern, line):
                    return line
            try:
                self.seen.append(self.lines.get(timeout=max(0.01, deadline - time.monotonic())))
            except queue.Empty:
                raise SystemExit("%s: no %r in %g s" % (self.process.args, pattern, timeout))

    def __call__(self, *instructions):
        if self.feed is None:
            self.feed = open(self.pipe, "w")  # waits for the game to open its end
        for line in instructions:
            self.feed.write(line + "\n")
        self.feed.flush()

    def shoot(self, name):
        path = os.path.join(IMAGES, name)
        self("screenshot " + path)
        self.wait_for(r"AUTOPILOT saved")
        print("saved", os.path.relpath(path, ROOT))


def stop_all():
    for run in _running:
        if run.process.poll() is None:
            run.process.kill()
        run.process.wait()
    del _running[:]


def robot():
    sim = Run("robot/sim_robot.py", "Rover", pilot=True)
    sim.wait_for(r"listening")
    controller = Run("robot/controller.py", "Rover", pilot=True)
    controller.wait_for(r"Found robot")
    controller("key down w")
    time.sleep(1.2)
    controller("key down d")
    time.sleep(0.6)
    controller("key up d", "key up w", "axis 1 -0.8", "axis 0 -0.35")
    time.sleep(1.5)
    controller.shoot("robot-controller.png")
    sim.shoot("robot.png")
    stop_all()


def sensor():
    Run("sensor/sensor.py", "--simulate", "--every", "0.2").wait_for(r"publishing")
    graph = Run("sensor/graph.py", pilot=True)
    graph.wait_for(r"Found")
    time.sleep(25)
    graph.shoot("sensor.png")
    stop_all()


def chat():
    people = {name: Run("chat/chat.py", name, pilot=True) for name in ("Ada", "Bob", "Cy")}
    for name, window in people.items():
        for other in people:
            if other != name:
                window.wait_for(r"\* %s joined" % other)
    time.sleep(0.5)  # let the subscriptions settle
    for name, text in [
        ("Ada", "Hi everyone! Is the robot charged?"),
        ("Cy", "Yes, 100%. Who is driving first?"),
        ("Bob", "Me! I have the gamepad."),
        ("Ada", "Careful with the turbo button this time..."),
    ]:
        people[name]("type " + text, "enter")
        for window in people.values():
            window.wait_for(re.escape("[%s] %s" % (name, text)))
    people["Bob"]("type I promise. Mostly")
    people["Bob"].wait_for(r"AUTOPILOT type I promise")
    people["Bob"].shoot("chat.png")
    stop_all()


if __name__ == "__main__":
    os.makedirs(IMAGES, exist_ok=True)
    try:
        robot()
        sensor()
        chat()
    finally:
        stop_all()
