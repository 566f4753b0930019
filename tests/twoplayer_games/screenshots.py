"""Take the screenshots of pong and tic-tac-toe in docs/images/, mid-game.

    .venv/bin/python tests/twoplayer_games/screenshots.py [OUTPUT_DIRECTORY]

Each game is played by two headless programs on this computer (autoplay.py,
scripted keys and clicks; no window opens), and one of them saves its
window. Everything stays on loopback (PGNET_NETWORK=127.*), in a room of its
own, so it cannot meet other games on the network.
"""

import os
import random
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
AUTOPLAY = os.path.join(HERE, "autoplay.py")

GAMES = {
    "pong.png": (
        os.path.join(ROOT, "games", "pong", "pong.py"),
        # One player holds UP, the other stays put; shoot 1.2 s after the
        # first goal, the ball in play again.
        [["--hold", "up", "--shot", "{path}", "--shot-when", "sum(score) >= 1",
          "--shot-delay", "1.2"], []],
    ),
    "tictactoe.png": (
        os.path.join(ROOT, "games", "tictactoe", "tictactoe.py"),
        [["--cells", "4,0,8,2,6,1", "--shot", "{path}", "--shot-when",
          "sum(1 for s in board if s) >= 4"], ["--cells", "4,0,8,2,6,1"]],
    ),
}


def shoot(game, scripts, path, timeout=60):
    env = dict(
        os.environ, PGNET_NETWORK="127.*", SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy",
        PYGAME_HIDE_SUPPORT_PROMPT="1", PGNET_ROOM="screenshots%d" % random.randint(0, 10**6),
        PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    programs = [
        subprocess.Popen(
            [sys.executable, AUTOPLAY, game] + [a.format(path=path) for a in script],
            env=dict(env, PGNET_PLAYER=name), stdout=subprocess.PIPE, text=True,
        )
        for script, name in zip(scripts, ["Ada", "Bob"])
    ]
    try:
        deadline = time.monotonic() + timeout
        for line in programs[0].stdout:  # the one that takes the picture
            if line.startswith("autoplay: saved"):
                print(line.strip())
                return
            if time.monotonic() > deadline:
                break
        raise SystemExit("no screenshot of %s" % game)
    finally:
        for program in programs:
            program.kill()
            program.wait()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "images")
    os.makedirs(out, exist_ok=True)
    for filename, (game, scripts) in GAMES.items():
        shoot(game, scripts, os.path.join(out, filename))


if __name__ == "__main__":
    main()
