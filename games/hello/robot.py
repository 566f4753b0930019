"""The robot: a plain Python program (no window, no pygame) that talks to
game.py. On a real robot (a Raspberry Pi, say) the commands would drive the
motors; this one just prints them.

Run the game in one terminal:     pgzrun game.py
and the robot in another:         python robot.py

Stop it with Ctrl+C.
"""

import pgnet

# The same names as in game.py.
GAME = "hello game"
ROBOT = "hello robot"

# Listen under our own name, so the game can find us and send commands.
pgnet.listen(ROBOT)

try:
    print("Looking for the game...")
    if pgnet.discover(GAME, wait_for_s=60) is None:
        raise SystemExit("No game found. Start it with: pgzrun game.py")
    print("Found it!")

    beep = 0
    while True:
        # Send the game a message, and wait (up to 5 seconds) for its answer.
        beep += 1
        answer = pgnet.send_message(GAME, "beep %d" % beep)
        print("The game answered:", answer)

        # Then wait up to 2 seconds for a command (press SPACE in the game).
        command, params = pgnet.wait_for_command(ROBOT, wait_for_s=2)
        if command is not None:
            print("The game says:", command, params)
except KeyboardInterrupt:  # Ctrl+C: stop here, with no error message
    print("Bye")
