"""Pong for two players, one on each computer (or two windows on one).

Run it twice (see README.md):

    python pong.py

Each player moves their paddle with the UP and DOWN arrow keys. The first
to 5 points wins; then press SPACE to play again.

How the work is shared (a note for teachers): player 1, the *host*, is
the referee. Its computer moves the ball, decides when it bounces and keeps
the score. Player 2, the *guest*, only sends where its paddle is. Both
computers draw everything: each shows the other's paddle (and the guest
shows the ball) with game.smooth(), so it moves smoothly although news
arrives only 20 times a second. Goals are sent as *events*, which are never
lost, so the two scores always agree.
"""

import random

import pgzrun
import pgnet

WIDTH = 800
HEIGHT = 480
TITLE = "Two-player pong"

BALL_SPEED = 320      # pixels per second
PADDLE_SPEED = 420    # pixels per second
WINNING_SCORE = 5

# Find someone else playing "pong" and join them, or wait for them.
# (Set the environment variable PGNET_ROOM to your class's name to play
# only with your class.)
game = pgnet.two_player("pong")

# Player 1's paddle is on the left, player 2's on the right.
paddles = {
    1: Rect(30, 200, 14, 80),
    2: Rect(WIDTH - 44, 200, 14, 80),
}
ball = Rect(WIDTH / 2 - 8, HEIGHT / 2 - 8, 16, 16)
velocity = [0, 0]      # the ball's speed across and down (host only)
serve_in = 1.0         # seconds before the ball is served (host only)
score = [0, 0]         # player 1's points, player 2's points
winner = None          # 1 or 2 when the game is over
message = "Waiting for a player..."


def say(text):
    """Show a message on the screen (and in the terminal)."""
    global message
    message = text
    print(text, flush=True)


def my_number():
    return game.me.number


def their_number():
    return 3 - game.me.number


# -- things that happen on the network ---------------------------------------

def on_player_joined(player):
    if player.resumed:
        say("Player %d is back!" % player.number)
    else:
        say("Player %d joined: you are player %d" % (player.number, my_number()))
        if game.is_host:
            new_game()


def on_player_left(player):
    say("Player %d left: waiting for them to come back..." % player.number)


def on_game_event(name, data):
    # Only the guest receives these: the host sends them.
    global winner
    if name == "score":
        score[0], score[1] = data
        say("Score %d-%d" % (score[0], score[1]))
    elif name == "game over":
        winner = data
        say("Game over: player %d wins %d-%d" % (winner, score[0], score[1]))
    elif name == "new game":
        score[0], score[1] = 0, 0
        winner = None
        say("New game!")
    elif name == "play again":   # the guest pressed SPACE (host only)
        new_game()


# -- the host runs the game ----------------------------------------------------

def new_game():
    global winner
    score[0], score[1] = 0, 0
    winner = None
    serve()
    game.send_event("new game")
    say("New game!")


def serve():
    """Put the ball in the middle; it starts moving a moment later."""
    global serve_in
    ball.center = (WIDTH / 2, HEIGHT / 2)
    velocity[0] = random.choice([-1, 1]) * BALL_SPEED
    velocity[1] = random.uniform(-0.6, 0.6) * BALL_SPEED
    serve_in = 1.0


def goal(scorer):
    global winner
    score[scorer - 1] += 1
    game.send_event("score", score)
    say("Score %d-%d" % (score[0], score[1]))
    if score[scorer - 1] >= WINNING_SCORE:
        winner = scorer
        game.send_event("game over", winner)
        say("Game over: player %d wins %d-%d" % (winner, score[0], score[1]))
    serve()


def move_ball(dt):
    global serve_in
    if serve_in > 0:
        serve_in -= dt
        return
    ball.x += velocity[0] * dt
    ball.y += velocity[1] * dt
    # Bounce off the top and the bottom.
    if ball.top < 0 or ball.bottom > HEIGHT:
        velocity[1] = -velocity[1]
        ball.y = max(0, min(ball.y, HEIGHT - ball.height))
    # Bounce off a paddle: where it hits the paddle changes the angle.
    for number, paddle in paddles.items():
        moving_towards = velocity[0] < 0 if number == 1 else velocity[0] > 0
        if moving_towards and ball.colliderect(paddle):
            velocity[0] = -velocity[0] * 1.05
            offset = (ball.centery - paddle.centery) / (paddle.height / 2)
            velocity[1] = offset * abs(velocity[0]) * 0.8
    # Past a paddle: a goal for the other player.
    if ball.right < 0:
        goal(2)
    elif ball.left > WIDTH:
        goal(1)


# -- every frame ----------------------------------------------------------------

def update(dt):
    if not game.paired:
        return
    # My paddle: the arrow keys move it; my_state tells my partner where it is.
    mine = paddles[my_number()]
    if keyboard.up:
        mine.y -= PADDLE_SPEED * dt
    if keyboard.down:
        mine.y += PADDLE_SPEED * dt
    mine.y = max(0, min(mine.y, HEIGHT - mine.height))
    game.my_state["paddle"] = mine.y

    # My partner's paddle, where their computer says it is (smoothly).
    theirs = paddles[their_number()]
    theirs.y = game.smooth("paddle", theirs.y)

    if game.is_host:
        if winner is None:
            move_ball(dt)
        game.my_state["ball"] = (ball.x, ball.y)
    else:
        ball.x, ball.y = game.smooth("ball", (ball.x, ball.y))


def on_key_down(key):
    if key == keys.SPACE and winner is not None and game.paired:
        if game.is_host:
            new_game()
        else:
            game.send_event("play again")


def draw():
    screen.fill((20, 24, 40))
    screen.draw.line((WIDTH / 2, 0), (WIDTH / 2, HEIGHT), (80, 80, 110))
    if game.paired or game.partner:
        screen.draw.filled_rect(paddles[1], (250, 120, 90))
        screen.draw.filled_rect(paddles[2], (90, 180, 250))
        screen.draw.filled_rect(ball, "white")
        screen.draw.text("%d   %d" % (score[0], score[1]), center=(WIDTH / 2, 40), fontsize=60)
    screen.draw.text(message, center=(WIDTH / 2, HEIGHT - 40), fontsize=30)
    if winner is not None:
        screen.draw.text("Press SPACE to play again", center=(WIDTH / 2, HEIGHT / 2 + 60),
                         fontsize=30)
    if game.ping_ms is not None:
        screen.draw.text("ping %d ms" % game.ping_ms, topright=(WIDTH - 60, 10),
                         fontsize=22, color="gray")
    if game.paired:
        screen.draw.text("You are player %d" % my_number(), topleft=(60, 10),
                         fontsize=22, color="gray")


pgzrun.go()
