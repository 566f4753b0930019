"""Drive a robot from a phone: an OSC app on the phone (TouchOSC, or any app
that sends OSC) has an XY pad and two buttons; this Pygame Zero window
receives them and drives the robot by its name, as controller.py does with
a gamepad. It works with the simulated robot and the real one alike.

    python3 sim_robot.py Rover        # the robot (or robot.py on the Pi)
    python3 phone.py Rover            # then point the phone's app here

The window shows the address and port to type into the app. The layout
(README.md) sends ``/robot/xy x y`` (each from 0 to 1; up is forward),
``/robot/stop 1`` and ``/robot/boost 1`` (held: full speed) or ``0``.
"""

import sys

import pgzrun
import pgnet

ROBOT = "robot"
if len(sys.argv) > 1 and not sys.argv[1].endswith(".py"):  # the name after the program's
    ROBOT = sys.argv[1]
PORT = 9000  # the port the phone sends to
if len(sys.argv) > 2:
    PORT = int(sys.argv[2])

SEND_EVERY_S = 0.05  # the whole of what to do, 20 times a second (the robot's watchdog)
SLOW = 0.6  # the top speed, unless boost is held

WIDTH = 640
HEIGHT = 400
TITLE = "Phone controller: " + ROBOT

pad = [0.5, 0.5]  # where the finger is on the XY pad: (0.5, 0.5) is the middle
boost = False
stopped = True  # after STOP, the robot stays still until the pad is touched again
forward = turn = 0.0  # what we last sent
robot_here = False  # have we found the robot?
last_message = "nothing yet"

pgnet.watch(ROBOT)  # call on_service_found / on_service_lost for the robot

# announce=True lets phone apps that browse for OSC hosts (TouchOSC does)
# list this computer; the address shown in the window works everywhere.
ADDRESS = pgnet.osc.listen(PORT, announce=True)


# -- what the phone sends ----------------------------------------------------------

@pgnet.osc.on("/*/xy*")  # /robot/xy, and TouchOSC's own /1/xy1 too
def pad_moved(args):
    global stopped
    if len(args) >= 2 and all(isinstance(a, (int, float)) for a in args[:2]):
        pad[0] = min(1.0, max(0.0, float(args[0])))
        pad[1] = min(1.0, max(0.0, float(args[1])))
        stopped = False


@pgnet.osc.on("/*/stop")
def stop_pressed(args):
    global stopped
    if args and args[0]:  # pressed (releasing it sends 0)
        stopped = True
        pad[:] = [0.5, 0.5]


@pgnet.osc.on("/*/boost")
def boost_changed(args):
    global boost
    boost = bool(args and args[0])


def on_osc_message(address, args, sender):
    global last_message
    last_message = "%s %s from %s" % (address, args, sender)


# -- what the robot is told --------------------------------------------------------

def on_service_found(name, address):
    global robot_here
    robot_here = True
    print("Found robot %r at %s" % (name, address))


def on_service_lost(name):
    global robot_here
    robot_here = False
    print("Lost robot %r" % name)


def send_controls():
    global forward, turn
    top = 1.0 if boost else SLOW
    if stopped:
        forward = turn = 0.0
    else:
        forward = round((pad[1] - 0.5) * 2 * top, 2)
        turn = round((pad[0] - 0.5) * 2 * top, 2)
    if robot_here:
        pgnet.send_command(ROBOT, "DRIVE", forward, turn)


clock.schedule_interval(send_controls, SEND_EVERY_S)


def draw():
    screen.fill((25, 30, 45))
    white, grey = (240, 240, 240), (150, 155, 170)
    found = "found" if robot_here else "looking for it..."
    screen.draw.text("Robot %r: %s" % (ROBOT, found), (20, 15), color=white, fontsize=34)
    ip, port = ADDRESS.rsplit(":", 1)
    screen.draw.text("In the phone's OSC app: host %s, port %s" % (ip, port), (20, 55),
                     color=grey, fontsize=24)
    centre, size = (150, 230), 100
    screen.draw.rect(Rect((centre[0] - size, centre[1] - size), (2 * size, 2 * size)), grey)
    dot = (centre[0] + turn * size, centre[1] - forward * size)
    screen.draw.filled_circle(dot, 12, (255, 90, 90) if stopped else (90, 200, 255))
    screen.draw.text("sending DRIVE %.2f %.2f%s" % (forward, turn, "  (boost)" if boost else ""),
                     (300, 200), color=white, fontsize=26)
    screen.draw.text("stopped: touch the pad" if stopped else "driving", (300, 240),
                     color=white, fontsize=26)
    screen.draw.textbox("last: " + last_message, Rect((300, 290), (320, 80)), color=grey)


print("Phone controller for robot %r: send OSC to %s" % (ROBOT, ADDRESS))
pgzrun.go()
