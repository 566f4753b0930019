"""Tic-tac-toe for two players, one on each computer (or two windows on one).

Run it twice (see README.md):

    python tictactoe.py

Click a square to play there. Player 1 is X, player 2 is O. When the game
is over, click anywhere to play again (the other player starts).

How it works (a note for teachers): nobody changes the board directly.
A click asks pgnet for a move with game.move(square); pgnet refuses it if
it is not your turn, and otherwise runs on_move() on *both* computers, in
the same order, so the two boards are always the same.
"""

import pgzrun
import pgnet

CELL = 120                 # the size of a square, in pixels
TOP = 60                   # room for messages above the board
WIDTH = 3 * CELL
HEIGHT = TOP + 3 * CELL + 50
TITLE = "Two-player tic-tac-toe"

# The eight lines of three squares that win.
LINES = [
    (0, 1, 2), (3, 4, 5), (6, 7, 8),     # rows
    (0, 3, 6), (1, 4, 7), (2, 5, 8),     # columns
    (0, 4, 8), (2, 4, 6),                # diagonals
]

game = pgnet.two_player("tictactoe")

board = [""] * 9           # "X", "O" or "" for each square
winner = None              # "X", "O" or "draw" when the game is over
message = "Waiting for a player..."


def say(text):
    """Show a message on the screen (and in the terminal)."""
    global message
    message = text
    print(text, flush=True)


def mark(number):
    return "X" if number == 1 else "O"


def cell_at(pos):
    """The square (0 to 8) at a point on the screen, or None."""
    x, y = pos
    column, row = int(x // CELL), int((y - TOP) // CELL)
    if 0 <= column < 3 and 0 <= row < 3 and y >= TOP:
        return row * 3 + column
    return None


def cell_center(cell):
    """The middle of square ``cell`` on the screen."""
    row, column = divmod(cell, 3)
    return (column * CELL + CELL // 2, TOP + row * CELL + CELL // 2)


def find_winner():
    for a, b, c in LINES:
        if board[a] and board[a] == board[b] == board[c]:
            return board[a]
    if all(board):
        return "draw"
    return None


def show_turn():
    if winner is not None or game.whose_turn is None:  # (no partner now: nobody's turn)
        return
    if game.my_turn:
        say("Your turn: you are %s" % mark(game.me.number))
    else:
        say("Player %d's turn" % game.whose_turn)


# -- things that happen on the network -------------------------------------------

def on_player_joined(player):
    if not player.resumed:
        new_board()
    say("Player %d joined: you are %s" % (player.number, mark(game.me.number)))
    show_turn()


def on_player_left(player):
    say("Player %d left: waiting for them to come back..." % player.number)


def on_move(move, player):
    """A move, by me or by my partner: runs on both computers."""
    global winner
    board[move] = mark(player.number)
    print("board", "".join(square or "." for square in board), flush=True)
    winner = find_winner()
    if winner == "draw":
        say("It's a draw! Click to play again.")
    elif winner is not None:
        say("%s wins! Click to play again." % winner)
    else:
        show_turn()


def on_new_round(first_player):
    new_board()
    say("New game: player %d starts" % first_player)
    show_turn()


def new_board():
    global winner
    board[:] = [""] * 9
    winner = None


# -- the player -------------------------------------------------------------------

def on_mouse_down(pos):
    if not game.paired:
        return
    if winner is not None:
        game.new_round()         # both computers run on_new_round()
        return
    cell = cell_at(pos)
    if cell is None:
        return
    if board[cell]:
        say("That square is taken: choose another.")
    elif not game.move(cell):    # refused: it is not my turn
        say(game.refused)


def draw():
    screen.fill((245, 240, 225))
    for i in (1, 2):
        screen.draw.line((i * CELL, TOP), (i * CELL, TOP + 3 * CELL), (60, 60, 60))
        screen.draw.line((0, TOP + i * CELL), (WIDTH, TOP + i * CELL), (60, 60, 60))
    for cell, square in enumerate(board):
        if square:
            color = (200, 60, 50) if square == "X" else (40, 90, 190)
            screen.draw.text(square, center=cell_center(cell), fontsize=110, color=color)
    screen.draw.text(message, center=(WIDTH / 2, TOP / 2), fontsize=24, color="black",
                     width=WIDTH - 10)
    if game.paired:
        screen.draw.text("You are %s" % mark(game.me.number),
                         center=(WIDTH / 2, HEIGHT - 25), fontsize=24, color="gray")
    else:
        screen.draw.text(game.status, center=(WIDTH / 2, HEIGHT - 25), fontsize=20,
                         color="gray", width=WIDTH - 10)


pgzrun.go()
