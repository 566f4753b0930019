"""A pretend robot in a Pygame Zero window, for a class with no hardware.

It obeys exactly what the real robot (robot.py) obeys, because both use
the same brain, robotcore.py: drive it with controller.py. Run it with the
robot's name::

    python3 sim_robot.py Rover

(``pgzrun sim_robot.py`` works too, with the name "robot".)
"""

import sys

import pgzrun
import pgnet
from robotcore import Robot, SimulatedMotors

NAME = "robot"
if len(sys.argv) > 1 and not sys.argv[1].endswith(".py"):  # the name after the program's
    NAME = sys.argv[1]
NEWS = NAME + "-status"

WIDTH = 800
HEIGHT = 600
TITLE = "Simulated robot: " + NAME

motors = SimulatedMotors(WIDTH, HEIGHT)
robot = Robot(NAME, motors)
trail = []  # where the robot has been, for drawing its path
waiting = []  # commands that arrived since the last frame

print("Simulated robot %r listening at %s" % (NAME, pgnet.listen(NAME)))


def on_network_command(command, params):
    # Just remember it: update() acts on the newest one each frame.
    waiting.append((command, params))


def on_network_message(message):
    # A message is a command that wants an answer: what we return is sent back.
    reply = robot.obey_text(message)
    if isinstance(reply, str) and reply.startswith("refused"):
        pgnet.publish_news(NEWS, "error", reply)
    return reply


def publish_status():
    pgnet.publish_news(NEWS, "status", robot.status())


def update(dt):
    for refusal in robot.obey_newest(waiting):
        pgnet.publish_news(NEWS, "error", refusal)
    waiting.clear()
    motors.move(dt)
    if robot.update():  # the watchdog has just stopped the robot
        publish_status()
    if not trail or abs(trail[-1][0] - motors.x) + abs(trail[-1][1] - motors.y) > 4:
        trail.append((motors.x, motors.y))
        del trail[:-500]


def draw():
    screen.fill((235, 235, 225))
    for x in range(0, WIDTH, 50):  # a floor of tiles
        screen.draw.line((x, 0), (x, HEIGHT), (215, 215, 200))
    for y in range(0, HEIGHT, 50):
        screen.draw.line((0, y), (WIDTH, y), (215, 215, 200))
    for start, end in zip(trail, trail[1:]):
        screen.draw.line(start, end, (90, 140, 220))
    # The robot's picture, where the motors have taken it. (Made here, not at
    # the top of the file: Pygame Zero 1.3 opens the window only after
    # running the file, and a picture needs the window.)
    sprite = Actor("robot", (motors.x, motors.y))
    sprite.angle = -motors.heading  # Actors turn anticlockwise
    sprite.draw()
    colour = (200, 30, 30) if robot.state.startswith("stopped:") else (40, 40, 40)
    screen.draw.text(
        "%s: %s   forward %.2f  turn %.2f   battery %d%%"
        % (NAME, robot.state, robot.forward, robot.turn, motors.battery()),
        (10, 10), color=colour, fontsize=26,
    )


publish_status()  # starts the news (and advertises NEWS)
clock.schedule_interval(publish_status, 0.5)
pgzrun.go()
