"""Hello, network! A Pygame Zero game that talks to robot.py.

Run the game in one terminal:     pgzrun game.py
and the robot in another:         python robot.py

The game shows "Waiting for the robot..." until robot.py starts. Then it
shows each message the robot sends, and answers it. Press SPACE to send the
robot a command.
"""

import pgzrun
import pgnet  # this one line connects Pygame Zero to the network

WIDTH = 600
HEIGHT = 300
TITLE = "Hello, network!"

# The names the two programs find each other by: no IP addresses needed.
# In a classroom everyone can keep these names: each program finds the one
# on its own computer first.
GAME = "hello game"
ROBOT = "hello robot"

# Listen for messages under our name. They arrive at on_network_message.
pgnet.listen(GAME)

# Ask to be told (on_service_found, on_service_lost) when the robot comes
# and goes.
pgnet.watch(ROBOT)

lines = []
robot_here = False


def show(text):
    """Put a line of text on the screen (and in the terminal)."""
    print(text)
    lines.append(text)
    del lines[:-8]  # keep only the last 8 lines


show("Waiting for the robot... (python robot.py)")


def on_service_found(name, address):
    global robot_here
    robot_here = True
    show("Found the robot at " + address + ". Press SPACE!")


def on_service_lost(name):
    global robot_here
    robot_here = False
    show("The robot has gone. Waiting for it...")


def on_network_message(message, sender):
    show(sender + " says: " + str(message))
    # Whatever this hook returns is sent back to the sender as the reply.
    return "Hello, robot! I got " + str(message)


def on_key_down(key):
    if key == keys.SPACE:
        if robot_here:
            # A command is a word and its parameters. No answer comes back.
            pgnet.send_command(ROBOT, "JUMP", 3)
            show("You told the robot: JUMP 3")
        else:
            show("No robot yet!")


def draw():
    screen.fill("midnightblue")
    for number, line in enumerate(lines):
        screen.draw.text(line, (20, 20 + 32 * number), fontsize=28)


pgzrun.go()
