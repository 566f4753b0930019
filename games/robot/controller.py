"""Drive a robot from a gamepad (or the keyboard), by the robot's name.

    python3 controller.py Rover

(``pgzrun controller.py`` works too, for the robot called "robot".)

Left stick: drive (up is forward) and turn. Hold button 0 (A, or cross)
for full speed. No gamepad? Arrow keys or WASD, and Shift for full speed.
Unplug the gamepad while driving and the keys take over.

20 times a second the controller sends the robot the *whole* of what to do
now, ``DRIVE speed turn``, even when nothing changes: if the robot stops
hearing from us (we crashed, the Wi-Fi dropped) its watchdog stops it.
And if the stick moves a hundred times between two sends, only where it
is now is sent: the robot never has a queue of old moves to catch up on.
"""

import sys

import pgzrun
import pgnet  # also gives Pygame Zero the on_joystick_... hooks

ROBOT = "robot"
if len(sys.argv) > 1 and not sys.argv[1].endswith(".py"):  # the name after the program's
    ROBOT = sys.argv[1]
NEWS = ROBOT + "-status"  # the robot publishes its status there

SEND_EVERY_S = 0.05  # 20 times a second
SLOW = 0.6  # the top speed, unless full speed is held
DEAD_ZONE = 0.15  # a stick at rest is never quite at 0

WIDTH = 640
HEIGHT = 400
TITLE = "Robot controller: " + ROBOT

stick = {0: 0.0, 1: 0.0}  # stick axis number -> where it is, -1 to 1
full_speed_button = False
gamepad = None  # the name of the gamepad in use, or None
robot_here = False  # have we found the robot?
forward = turn = 0.0  # what we last sent
status = {}  # the robot's latest status news
problem = ""  # the last command the robot refused, and why

pgnet.watch(ROBOT)  # call on_service_found / on_service_lost for the robot


# -- the robot -------------------------------------------------------------------

def on_service_found(name, address):
    global robot_here
    robot_here = True
    print("Found robot %r at %s" % (name, address))
    pgnet.subscribe(NEWS)  # its status and errors


def on_service_lost(name):
    global robot_here
    robot_here = False
    print("Lost robot %r" % name)


def on_network_news(topic, news):
    global status, problem
    if topic == "status":
        status = news
    elif topic == "error":
        problem = news


# -- the gamepad -----------------------------------------------------------------

def on_joystick_added(name):
    global gamepad
    gamepad = name
    print("Gamepad plugged in:", name)


def on_joystick_removed():
    global gamepad, full_speed_button
    gamepad = None
    stick[0] = stick[1] = 0.0
    full_speed_button = False
    print("Gamepad unplugged: use the keys")


def on_joystick_move(axis, value):
    global gamepad
    gamepad = gamepad or "Gamepad"
    stick[axis] = value


def on_joystick_down(button):
    global full_speed_button
    if button == 0:
        full_speed_button = True


def on_joystick_up(button):
    global full_speed_button
    if button == 0:
        full_speed_button = False


# -- what to send ------------------------------------------------------------------

def read_controls():
    """The speed and turn we want now, each -1 to 1: from the stick if it
    is pushed, otherwise from the keys."""
    speed = -stick[1]  # pushing the stick up gives a negative value
    steer = stick[0]
    if abs(speed) < DEAD_ZONE:
        speed = 0.0
    if abs(steer) < DEAD_ZONE:
        steer = 0.0
    if speed == 0 and steer == 0:
        speed = (keyboard.up or keyboard.w) - (keyboard.down or keyboard.s)
        steer = (keyboard.right or keyboard.d) - (keyboard.left or keyboard.a)
    top = 1.0 if full_speed_button or keyboard.lshift or keyboard.rshift else SLOW
    return round(speed * top, 2), round(steer * top, 2)


def send_controls():
    global forward, turn
    forward, turn = read_controls()
    if robot_here:
        pgnet.send_command(ROBOT, "DRIVE", forward, turn)


clock.schedule_interval(send_controls, SEND_EVERY_S)


# -- the window ------------------------------------------------------------------

def draw():
    screen.fill((25, 30, 45))
    white, grey, red = (240, 240, 240), (150, 155, 170), (255, 90, 90)
    found = "found" if robot_here else "looking for it..."
    screen.draw.text("Robot %r: %s" % (ROBOT, found), (20, 15), color=white, fontsize=34)
    if gamepad:
        controls = "%s: left stick, hold button 0 for full speed" % gamepad
    else:
        controls = "keys: arrows or WASD, hold Shift for full speed"
    screen.draw.text(controls, (20, 55), color=grey, fontsize=24)

    # Where the controls are: a dot in a circle.
    centre, size = (150, 230), 100
    screen.draw.circle(centre, size, grey)
    screen.draw.line((centre[0] - size, centre[1]), (centre[0] + size, centre[1]), grey)
    screen.draw.line((centre[0], centre[1] - size), (centre[0], centre[1] + size), grey)
    dot = (centre[0] + turn * size, centre[1] - forward * size)
    screen.draw.filled_circle(dot, 12, (90, 200, 255))
    screen.draw.text("sending DRIVE %.2f %.2f" % (forward, turn), (40, 345), color=white, fontsize=24)

    # What the robot says about itself.
    x = 300
    if status:
        battery = status.get("battery")
        screen.draw.text("it is %s" % status["state"], (x, 120), color=white, fontsize=28)
        if battery is not None:
            screen.draw.text("battery %d%%" % battery, (x, 160), color=white, fontsize=28)
            screen.draw.filled_rect(Rect((x, 195), (battery * 3, 20)), (90, 210, 110))
            screen.draw.rect(Rect((x, 195), (300, 20)), grey)
        if "x" in status:
            screen.draw.text("at (%d, %d) facing %d" % (status["x"], status["y"], status["heading"]),
                             (x, 235), color=grey, fontsize=24)
    if problem:
        screen.draw.textbox(problem, Rect((x, 280), (320, 90)), color=red)


print("Controller for robot %r: looking for it..." % ROBOT)
pgzrun.go()
