"""A minimal two-player Pygame Zero game for the tests: it prints what
happens, one line each, with the time (CLOCK_MONOTONIC, shared by every
process on the machine, namespaces included).

    python probe.py GAME [--room R] [--name N] [--partner P] [--lobby]
                         [--join NAME] [--ticks] [--big N]

--ticks: every 0.1 s set my_state["tick"] to a new number and print
"set N T"; print "seen N T" when the partner's tick changes.
--big N: also put a list of N numbers in my_state; print "big N SUM" when
the partner's big list arrives.
--show-lobby: print "lobby NAME,NAME" whenever the lobby changes.
--quit-after S: S seconds after pairing, print "quitting T" and close the
window (as a player would).
"""

import argparse
import logging
import os
import time

import pygame
import pgzrun  # noqa: F401  (prepares this module as a Pygame Zero game)
import pgnet

if os.environ.get("PROBE_DEBUG"):  # the two-player protocol, step by step
    logging.basicConfig(level=logging.DEBUG, format="%(relativeCreated)d %(message)s")

parser = argparse.ArgumentParser()
parser.add_argument("game")
parser.add_argument("--room")
parser.add_argument("--name")
parser.add_argument("--partner")
parser.add_argument("--lobby", action="store_true")
parser.add_argument("--join")
parser.add_argument("--ticks", action="store_true")
parser.add_argument("--big", type=int, default=0)
parser.add_argument("--show-lobby", action="store_true")
parser.add_argument("--quit-after", type=float)
options = parser.parse_args()

WIDTH, HEIGHT = 200, 100


def now():
    return "%.6f" % time.monotonic()


game = pgnet.two_player(
    options.game, room=options.room, name=options.name,
    partner=options.partner, lobby=options.lobby,
)
print("me", game.me.id, game.me.name, now(), flush=True)

tick = 0
next_tick = 0.0
last_seen = None
big_seen = False
lobby_seen = None
quit_at = None
if options.big:
    game.my_state["big"] = list(range(options.big))


def on_player_joined(player):
    print("joined", player.id, player.name, "me=%d" % game.me.number,
          "resumed=%s" % player.resumed, now(), flush=True)


def on_player_left(player):
    print("left", player.id, now(), flush=True)


def update():
    global tick, next_tick, last_seen, big_seen, lobby_seen, quit_at
    if options.quit_after is not None and game.paired and quit_at is None:
        quit_at = time.monotonic() + options.quit_after
    if quit_at is not None and time.monotonic() >= quit_at:
        quit_at = float("inf")
        print("quitting", now(), flush=True)
        pygame.event.post(pygame.event.Event(pygame.QUIT))
    if options.show_lobby:
        names = ",".join(player.name for player in game.lobby)
        if names != lobby_seen:
            lobby_seen = names
            print("lobby", names, flush=True)
    if options.join and not game.paired:
        game.join(options.join)
    if options.ticks and game.paired and time.monotonic() >= next_tick:
        next_tick = time.monotonic() + 0.1
        tick += 1
        game.my_state["tick"] = tick
        print("set", tick, now(), flush=True)
    seen = game.partner_state.get("tick")
    if options.ticks and seen is not None and seen != last_seen:
        last_seen = seen
        print("seen", seen, now(), flush=True)
    big = game.partner_state.get("big")
    if big and not big_seen:
        big_seen = True
        print("big", len(big), sum(big), flush=True)


def draw():
    screen.clear()
    screen.draw.text(game.status, (5, 5), fontsize=14)


pgzrun.go()
