"""The robot: runs on a Raspberry Pi (or any computer), with no screen.

Run it with its name (the controller uses the same name)::

    python3 robot.py Rover            # pretend motors: try it anywhere
    python3 robot.py Rover --gpio     # real motors, on the Pi (gpiozero)

It obeys the commands in robotcore.py (DRIVE, FORWARD, TURN, STOP), sent:

* as **commands** (``pgnet.send_command("Rover", "DRIVE", 0.5, 0)``), the
  way the controller does 20 times a second: only the newest one counts;
* as **messages**, to get an answer (``pgnet.send_message("Rover",
  "FORWARD 2.5")`` replies ``"refused: speed must be between -1 and 1,
  not 2.5"``). Also ``"STATUS"`` and ``"HELP"``.

Safety: no command for half a second and it stops (the watchdog), and a
command it does not understand stops it too. Twice a second it publishes
its status (battery, what it is doing) as news on "Rover-status"; a
refused command is published there too, under the topic "error".

No pygame here: this runs on a robot with no screen.
"""

import sys
import time

import pgnet
from robotcore import GpioZeroMotors, Robot, SimulatedMotors

NAME = "robot"
if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    NAME = sys.argv[1]
NEWS = NAME + "-status"  # where the robot publishes its status
STATUS_EVERY_S = 0.5

if "--gpio" in sys.argv:
    motors = GpioZeroMotors()
else:
    motors = SimulatedMotors()
robot = Robot(NAME, motors)


def publish_status():
    pgnet.publish_news(NEWS, "status", robot.status())


#: At most this many messages are answered in one round of the loop:
#: however many arrive, the loop goes round and the watchdog keeps watching.
MOST_PER_ROUND = 50


def take_commands():
    """Wait a moment (1/50 s at most) for commands, then take every one
    that is waiting; the robot acts only on the newest."""
    commands = []
    command, params = pgnet.wait_for_command(NAME, wait_for_s=0.02)
    while command is not None:
        commands.append((command, params))
        command, params = pgnet.wait_for_command(NAME, wait_for_s=0)
    for refusal in robot.obey_newest(commands):
        pgnet.publish_news(NEWS, "error", refusal)


def answer_messages():
    """Messages are commands that get a reply: "ok: ..." or "refused: ..."."""
    for _ in range(MOST_PER_ROUND):
        message = pgnet.wait_for_message(NAME, wait_for_s=0)
        if message is None:
            break
        reply = robot.obey_text(message)
        pgnet.send_reply(NAME, reply)
        if isinstance(reply, str) and reply.startswith("refused"):
            pgnet.publish_news(NEWS, "error", reply)


print("Robot %r listening at %s" % (NAME, pgnet.listen(NAME)))
publish_status()  # starts the news (and advertises NEWS)
print("Status news on %r. Stop me with Ctrl-C." % NEWS)

last = next_status = time.monotonic()
try:
    while True:
        take_commands()
        answer_messages()
        now = time.monotonic()
        if isinstance(motors, SimulatedMotors):
            motors.move(now - last)
        last = now
        if robot.update(now) or now >= next_status:  # the watchdog tripped, or it's time
            publish_status()
            next_status = now + STATUS_EVERY_S
except KeyboardInterrupt:
    print("Bye")
finally:
    motors.stop()
