"""The robot's brain: the part both robot programs share.

``robot.py`` (the real robot, on a Raspberry Pi, no screen) and
``sim_robot.py`` (a pretend robot in a Pygame Zero window) both use this
file. It knows nothing about networks or screens, and needs no pygame:

* :func:`check_command` decides whether a command makes sense, and says
  clearly why not (``"speed must be between -1 and 1, not 2.5"``);
* :class:`Robot` obeys commands, keeps the safety watchdog (no command for
  half a second: stop) and describes itself for the status news;
* the motors are reached through a tiny interface (:class:`Motors`), so
  :class:`SimulatedMotors` and :class:`GpioZeroMotors` (real motors, with
  the gpiozero library) are interchangeable.

The commands (each one *replaces* the one before):

==================  =========================================================
``DRIVE 0.5 -0.2``  forward speed and turn together (what the controller
                    sends 20 times a second)
``FORWARD 0.8``     straight on (a negative speed goes backwards)
``TURN -0.5``       spin on the spot (negative turns left)
``STOP``            stop
==================  =========================================================

Every number is between -1 (full speed one way) and 1 (full the other).
"""

import math
import time

import pgnet

#: No command for this long (seconds) and the robot stops its motors.
WATCHDOG_S = 0.5

#: Each command, the names of its numbers and an example.
COMMANDS = {
    "DRIVE": (["speed", "turn"], "DRIVE 0.5 -0.2"),
    "FORWARD": (["speed"], "FORWARD 0.8"),
    "TURN": (["turn"], "TURN -0.5"),
    "STOP": ([], "STOP"),
}

#: Motion reports are printed at most this often (seconds), the newest one.
REPORT_EVERY_S = 0.2


class Refused(ValueError):
    """A command the robot will not obey. Its text says why."""


def check_command(command, params):
    """Check a command; return the ``(forward, turn)`` it asks for.

    Raises :class:`Refused`, with a clear reason, for an unknown word, a
    missing, extra or non-numeric number, or one outside -1 to 1.

    Example::

        check_command("FORWARD", [0.8])    # (0.8, 0.0)
        check_command("FORWARD", [2.5])    # Refused: speed must be between -1 and 1, not 2.5
    """
    if not isinstance(command, str) or command.upper() not in COMMANDS:
        raise Refused(
            "unknown command %r; I know %s" % (command, ", ".join(COMMANDS))
        )
    word = command.upper()
    names, example = COMMANDS[word]
    params = list(params or [])
    if len(params) < len(names):
        raise Refused("%s needs %s, like %s" % (word, " and ".join(names), example))
    if len(params) > len(names):
        raise Refused(
            "%s takes %d number%s, not %d, like %s"
            % (word, len(names), "" if len(names) == 1 else "s", len(params), example)
        )
    numbers = [_number(name, value) for name, value in zip(names, params)]
    if word == "DRIVE":
        return numbers[0], numbers[1]
    if word == "FORWARD":
        return numbers[0], 0.0
    if word == "TURN":
        return 0.0, numbers[0]
    return 0.0, 0.0  # STOP


def _number(name, value):
    # True and False count as numbers in Python; not here.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Refused("%s must be a number between -1 and 1, not %r" % (name, value))
    if not -1 <= value <= 1:  # also catches nan (not a number)
        raise Refused("%s must be between -1 and 1, not %r" % (name, value))
    return float(value)


# -- motors ----------------------------------------------------------------------

class Motors:
    """How the robot reaches its motors.

    To use other hardware, write a class with a ``drive`` method (and,
    if you can measure it, ``battery``) and give it to :class:`Robot`.
    """

    def drive(self, left, right):
        """Set the left and right wheel speeds, each from -1 to 1."""
        raise NotImplementedError

    def stop(self):
        """Stop both wheels."""
        self.drive(0.0, 0.0)

    def battery(self):
        """The battery level in percent, or None if unknown."""
        return None


class SimulatedMotors(Motors):
    """Pretend motors: they work out where the robot would be.

    Call :meth:`move` every frame (or loop) with the time that passed. The
    robot lives on a ``width`` x ``height`` floor, in pixels, facing
    ``heading`` degrees clockwise from "up".
    """

    SPEED = 150  # pixels a second at full speed
    TURN_RATE = 180  # degrees a second when the wheels turn opposite ways

    def __init__(self, width=800, height=600):
        self.width, self.height = width, height
        self.x, self.y, self.heading = width / 2, height / 2, 0.0
        self.left = self.right = 0.0
        self.charge = 100.0  # the pretend battery, in percent

    def drive(self, left, right):
        self.left, self.right = left, right

    def battery(self):
        return round(self.charge)

    def move(self, dt):
        """Move the robot on for ``dt`` seconds at the current speeds."""
        forward = (self.left + self.right) / 2
        turn = (self.left - self.right) / 2
        self.heading = (self.heading + turn * self.TURN_RATE * dt) % 360
        angle = math.radians(self.heading)
        # Keep to the floor, as if bumping into the walls.
        self.x = min(max(self.x + math.sin(angle) * forward * self.SPEED * dt, 20), self.width - 20)
        self.y = min(max(self.y - math.cos(angle) * forward * self.SPEED * dt, 20), self.height - 20)
        # Driving uses the battery up (quickly, so a lesson sees it drop).
        self.charge = max(0.0, self.charge - (abs(self.left) + abs(self.right)) * 0.1 * dt)

    def position(self):
        """``(x, y, heading)``, rounded."""
        return round(self.x), round(self.y), round(self.heading)


class GpioZeroMotors(Motors):
    """Real motors on a Raspberry Pi, through gpiozero's ``Robot``.

    The pins are the GPIO numbers of your motor board, forward then
    backward, for each side (these are gpiozero's own example's).
    """

    def __init__(self, left=(4, 14), right=(17, 18)):
        from gpiozero import Robot as GpioRobot  # only on the Pi

        self.robot = GpioRobot(left=left, right=right)

    def drive(self, left, right):
        self.robot.value = (left, right)


# -- the robot -------------------------------------------------------------------

class Robot:
    """A robot that obeys commands and stops itself when they stop coming.

    ``say`` is how it tells you what it does (``print`` by default).
    """

    def __init__(self, name, motors, watchdog_s=WATCHDOG_S, say=print):
        self.name, self.motors, self.watchdog_s, self.say = name, motors, watchdog_s, say
        self.forward = self.turn = 0.0
        self.state = "waiting for commands"
        self.last_command_at = None  # when the last command came (monotonic)
        self.received = 0  # commands that arrived
        self.obeyed = 0  # ... and the ones acted on (the newest of each batch)
        self._reported = (0.0, 0.0)
        self._reported_at = 0.0

    # -- commands

    def obey_newest(self, commands, now=None):
        """Act on the newest of ``commands`` (a list of ``(command, params)``
        that arrived since last time); older ones are out of date.

        Every command is checked: returns the list of refusals (text) for
        the bad ones. If the newest is bad the robot stops, to be safe.
        """
        if not commands:
            return []
        now = time.monotonic() if now is None else now
        self.received += len(commands)
        self.last_command_at = now
        refusals, newest = [], None
        for command, params in commands:
            try:
                newest = check_command(command, params)
            except Refused as why:
                newest = None
                refusals.append(self._refuse(command, params, why))
        self.obeyed += 1
        if newest is None:
            self._set(0.0, 0.0, "stopped: last command refused")
        else:
            self._set(newest[0], newest[1], "driving" if newest != (0.0, 0.0) else "stopped")
        return refusals

    def obey(self, command, params, now=None):
        """Check and obey one command at once; return the reply to send:
        ``"ok: ..."`` or ``"refused: <why>"``."""
        refusals = self.obey_newest([(command, params)], now)
        if refusals:
            return refusals[0]
        return "ok: forward %.2f, turn %.2f" % (self.forward, self.turn)

    def obey_text(self, message, now=None):
        """Obey a command written as text, like ``"FORWARD 0.5"`` (a
        message), and return the reply. ``"STATUS"`` returns
        :meth:`status` and ``"HELP"`` the list of commands; neither moves
        the robot."""
        if not isinstance(message, str) or not message.strip():
            why = "send a command as text, like 'FORWARD 0.5' (or HELP)"
            self.say("refused %r: %s" % (message, why))
            return "refused: " + why
        word = message.split()[0].upper()
        if word == "STATUS":
            return self.status()
        if word == "HELP":
            return "commands: %s; numbers go from -1 to 1; send STATUS to see how I am" % (
                ", ".join(example for _, example in COMMANDS.values())
            )
        command, params = pgnet.split_command(message)
        return self.obey(command, params, now)

    def _refuse(self, command, params, why):
        shown = " ".join(str(part) for part in [command] + list(params or []))
        self.say("refused %s: %s" % (shown, why))
        return "refused: %s" % why

    def _set(self, forward, turn, state):
        self.forward, self.turn, self.state = forward, turn, state
        # Mix speed and turn into the two wheels (a "tank" or "differential"
        # drive): turning right speeds the left wheel up, the right one down.
        left = max(-1.0, min(1.0, forward + turn))
        right = max(-1.0, min(1.0, forward - turn))
        self.motors.drive(left, right)

    # -- every loop or frame

    def update(self, now=None):
        """Run the watchdog and print the newest motion. Call it every loop
        (or frame). Returns True if the watchdog has just stopped the robot."""
        now = time.monotonic() if now is None else now
        tripped = False
        if self.last_command_at is not None and now - self.last_command_at > self.watchdog_s:
            self.last_command_at = None
            self._set(0.0, 0.0, "stopped: no commands (watchdog)")
            self.say(
                "watchdog: no command for %g s, motors stopped%s"
                % (self.watchdog_s, self._where())
            )
            self._reported, self._reported_at = (0.0, 0.0), now
            tripped = True
        motion = (self.forward, self.turn)
        if motion != self._reported and now - self._reported_at >= REPORT_EVERY_S:
            self._reported, self._reported_at = motion, now
            if motion == (0.0, 0.0):
                self.say("stopped%s" % self._where())
            else:
                self.say("driving: forward %.2f, turn %.2f%s" % (motion + (self._where(),)))
        return tripped

    def _where(self):
        position = getattr(self.motors, "position", None)
        if position is None:
            return ""
        return " at (%d, %d) facing %d" % position()

    def status(self):
        """How the robot is, as a dict (for the status news)."""
        status = {
            "name": self.name,
            "state": self.state,
            "forward": self.forward,
            "turn": self.turn,
            "battery": self.motors.battery(),
            "received": self.received,
            "obeyed": self.obeyed,
        }
        position = getattr(self.motors, "position", None)
        if position is not None:
            status["x"], status["y"], status["heading"] = position()
        return status
