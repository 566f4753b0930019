"""Both programs with one command: starts robot.py in the background, then
game.py in a window, as if you had run them in two terminals:

    python demo.py

Close the window (or press Ctrl+C here) to stop both.
"""

import os
import subprocess
import sys

from pgzero.runner import main as pgzrun

HERE = os.path.dirname(os.path.abspath(__file__))

robot = subprocess.Popen([sys.executable, os.path.join(HERE, "robot.py")])
try:
    sys.argv = ["pgzrun", os.path.join(HERE, "game.py")]
    pgzrun()  # the same as: pgzrun game.py
except KeyboardInterrupt:
    pass
finally:
    robot.terminate()
    robot.wait()
    print("Stopped the robot.")
