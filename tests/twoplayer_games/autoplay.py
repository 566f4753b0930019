"""Play a two-player Pygame Zero game with scripted input, without a window.

A tool for the tests and for docs screenshots, not an example. It runs the
game exactly as ``python GAME`` would, and every frame plays for the player:

    python autoplay.py GAME [options]

--set NAME=VALUE    change one of the game's settings first (WINNING_SCORE=3)
--hold KEY          once paired, hold down KEY (a pygame key name: up, down)
--cells 4,0,8       at each of my turns, click the first free square of
                    these (at the game's cell_center()), until the game ends
--think S           wait S seconds after pairing before the first click
--early-click N     once paired, if it is not my turn, click square N at
                    once (calling the game's on_mouse_down: out of turn for
                    sure)
--shot PATH         save the window to PATH once --shot-when is true
--shot-when EXPR    a Python expression in the game's names (default True)
--shot-delay S      ... and then S seconds more (default 0)
--quit-when EXPR    quit (after --quit-delay seconds) once EXPR is true
--quit-delay S      default 1.0: time for the last messages to arrive

It prints ``autoplay: ...`` lines: what it did, and at the end the game's
``bytes_sent`` and the time it was paired.
"""

import argparse
import ast
import os
import runpy
import sys
import time

import pygame
import pgzero.clock
import pgzero.game

options = None
_driver = None  # kept here: Pygame Zero's clock only holds a weak reference


def say(*words):
    print("autoplay:", *words, flush=True)


class Driver:
    def __init__(self, game_module):
        self.mod = game_module
        self.cells = [int(c) for c in options.cells.split(",")] if options.cells else []
        self.held = False
        self.early_done = not options.early_click
        self.shot_done = not options.shot
        self.quit_at = None
        self.shot_at = None
        self.paired_at = None
        self.moves_seen = 0

    def check(self, expression):
        return eval(expression, vars(self.mod))

    def click(self, cell):
        pos = self.mod.cell_center(cell)
        for kind in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            pygame.event.post(pygame.event.Event(kind, pos=pos, button=1))

    def __call__(self, dt):
        game = self.mod.game
        now = time.monotonic()
        if game.paired and self.paired_at is None:
            self.paired_at = now
        if game.paired and not self.held and options.hold:
            self.held = True
            key = pygame.key.key_code(options.hold)
            pygame.event.post(pygame.event.Event(
                pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
            say("holding", options.hold)
        if game.paired and not self.early_done:
            self.early_done = True
            if not game.my_turn:
                cell = int(options.early_click)
                self.mod.on_mouse_down(self.mod.cell_center(cell))
                say("clicked", cell, "out of turn")
        board = getattr(self.mod, "board", [])
        moves = sum(1 for square in board if square)
        free = [cell for cell in self.cells if not board[cell]]
        thought = self.paired_at is not None and now - self.paired_at >= options.think
        if (
            free and thought and game.my_turn and getattr(self.mod, "winner", None) is None
            and moves >= self.moves_seen
        ):
            self.moves_seen = moves + 2  # wait for this move and the partner's
            self.click(free[0])
            say("clicked", free[0])
        if self.shot_at is None and not self.shot_done and self.check(options.shot_when):
            self.shot_at = now + options.shot_delay
        if self.shot_at is not None and now >= self.shot_at:
            self.shot_at = None
            self.shot_done = True
            self.take_shot = True
        if self.quit_at is None and options.quit_when and self.check(options.quit_when):
            self.quit_at = now + options.quit_delay
        if self.quit_at is not None and now >= self.quit_at:
            elapsed = now - (self.paired_at or now)
            say("bytes_sent", game.bytes_sent, "paired_s", "%.3f" % elapsed)
            say("quit")
            pygame.event.post(pygame.event.Event(pygame.QUIT))
            self.quit_at = float("inf")


def main():
    global options
    parser = argparse.ArgumentParser()
    parser.add_argument("game")
    parser.add_argument("--set", action="append", default=[])
    parser.add_argument("--hold")
    parser.add_argument("--cells")
    parser.add_argument("--early-click")
    parser.add_argument("--think", type=float, default=0.0)
    parser.add_argument("--shot")
    parser.add_argument("--shot-when", default="True")
    parser.add_argument("--shot-delay", type=float, default=0.0)
    parser.add_argument("--quit-when")
    parser.add_argument("--quit-delay", type=float, default=1.0)
    options = parser.parse_args()

    original_mainloop = pgzero.game.PGZeroGame.mainloop
    original_flip = pygame.display.flip

    def mainloop(self):
        # The game's module is loaded: change its settings, start the driver.
        global _driver
        for setting in options.set:
            name, _, value = setting.partition("=")
            setattr(self.mod, name, ast.literal_eval(value))
        _driver = Driver(self.mod)
        pgzero.clock.clock.each_tick(_driver)
        return original_mainloop(self)

    def flip(*args):
        result = original_flip(*args)
        if _driver is not None and getattr(_driver, "take_shot", False):
            _driver.take_shot = False
            pygame.image.save(pygame.display.get_surface(), options.shot)
            say("saved", options.shot)
        return result

    pgzero.game.PGZeroGame.mainloop = mainloop
    pygame.display.flip = flip
    script = os.path.abspath(options.game)
    sys.argv = [script]
    sys.path.insert(0, os.path.dirname(script))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
