"""The turntable: turns when told to. No screen needed.

The first of the three programs of the turntable project (the others:
detector.py, which spots hits on the targets, and controller.py, which
starts and stops the turntable and adds up the score). It listens for
commands::

    START 0.5    turn, at half speed (START alone: the usual speed)
    STOP         stop

Run it on the Raspberry Pi with the motor (``--gpio``), or anywhere to
pretend::

    python3 turntable.py
    python3 turntable.py --gpio

No pygame here: this runs on a Raspberry Pi with no screen.
"""

import sys

import pgnet

NAME = "turntable"
USUAL_SPEED = 0.5


class PretendMotor:
    """Stands in for a real motor: just remembers its speed."""

    def forward(self, speed):
        self.speed = speed

    def stop(self):
        self.speed = 0


if "--gpio" in sys.argv:
    from gpiozero import Motor  # the real motor, on the Pi

    motor = Motor(forward=4, backward=14)  # the GPIO pins of your motor board
else:
    motor = PretendMotor()


def obey(command, params):
    """Do one command; say what happened."""
    if command == "START":
        speed = params[0] if params else USUAL_SPEED
        if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0 < speed <= 1:
            print("Refused START %r: the speed must be a number from 0 to 1" % (speed,))
            return
        motor.forward(speed)
        print("Turning at speed %g" % speed)
    elif command == "STOP":
        motor.stop()
        print("Stopped")
    else:
        print("Unknown command %r (I know START and STOP)" % command)


print("Turntable listening at", pgnet.listen(NAME))
try:
    while True:
        command, params = pgnet.wait_for_command(NAME, wait_for_s=60)
        if command is not None:
            obey(command, params)
except KeyboardInterrupt:
    print("Bye")
finally:
    motor.stop()
