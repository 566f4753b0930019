"""Two-player games, one player per computer, in a few lines.

Example:

    import pgzrun
    import pgnet

    game = pgnet.two_player("pong")      # find a partner, or wait for one

    def on_player_joined(player):
        print(player.name, "joined: you are player", game.me.number)

    def update():
        game.my_state["y"] = paddle.y               # yours, sent for you
        other.y = game.smooth("y")                  # theirs, moving smoothly

    def draw():
        screen.draw.text(game.status, (10, 10))     # "Waiting for a player..."

    pgzrun.go()

What pgnet does for you:

* **Pairing.** ``two_player`` finds a player waiting for the same game
  and joins them, or waits to be joined, without ever stopping a frame. With
  twenty players of the same game on one network, everyone ends up in
  exactly one pair. A ``room`` (such as your class's name) keeps two classes
  on one network apart; a ``partner`` name picks who you play with; a lobby
  (``lobby=True``) lets the player choose from the list of who is waiting.
* **Join and leave.** Your ``on_player_joined(player)`` and
  ``on_player_left(player)`` hooks run when your partner arrives and when
  they go: closed window, crash or pulled-out cable (noticed within about
  two seconds). If they come back, ``on_player_joined`` runs again, with
  ``player.resumed`` true when it is the same program carrying on.
* **State.** Put what the other computer must see (your paddle, your
  position) in ``game.my_state``; read theirs in ``game.partner_state``.
  pgnet sends it 20 times a second and keeps only the newest.
  ``game.smooth("x")`` makes their movement look continuous.
* **Events and turns.** ``game.send_event("goal", score)`` is never lost or
  reordered: the other side's ``on_game_event(name, data)`` runs once for
  it. For turn-based games, ``game.move(cell)`` refuses a move out of turn,
  and ``on_move(move, player)`` runs on *both* computers for every move.

The player who accepted the pairing is the *host*, player 1: the one who
decides shared things such as where the ball is and the score. The other is
player 2, the *guest*. See ``docs/two-player.md`` for a step-by-step
tutorial.
"""

# The parts, one job each (read them in this order):
#   players.py   Player, player ids and names
#   lobby.py     lobby entries: who is waiting for a partner; game and room names
#   link.py      the protocol words, in and out (a table of them all)
#   pairing.py   finding a partner: JOIN, ACCEPT, REJECT and the rule that settles
#   session.py   a session with one partner: heartbeats, missing, gone, resumed
#   reliable.py  the books of never-lost, never-reordered delivery
#   turns.py     whose turn it is, moves and rounds
#   sync.py      my_state out, partner_state in, smooth()
#   hooks.py     on_player_joined and the other hooks: their event types
#   timing.py    how often the games talk, how long they wait
#   game.py      TwoPlayerGame, the front the game uses, and two_player()

from .game import TwoPlayerGame, two_player
from .hooks import GAME_EVENT, MOVE_MADE, NEW_ROUND, PLAYER_JOINED, PLAYER_LEFT
from .players import Player
from .timing import (
    FORGET_S, HEARTBEAT_S, JOIN_TIMEOUT_S, PARTNER_TIMEOUT_S, RECONNECT_S, RESEND_S, SEND_RATE,
)

__all__ = [
    "two_player", "TwoPlayerGame", "Player",
    "PLAYER_JOINED", "PLAYER_LEFT", "GAME_EVENT", "MOVE_MADE", "NEW_ROUND",
    "SEND_RATE", "HEARTBEAT_S", "PARTNER_TIMEOUT_S", "JOIN_TIMEOUT_S", "RESEND_S",
    "RECONNECT_S", "FORGET_S",
]
