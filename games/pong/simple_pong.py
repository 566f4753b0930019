"""The pong built step by step in docs/two-player.md (part 1), finished.

Run it twice (two terminals, or two computers): python simple_pong.py
UP and DOWN move your paddle. pong.py is the full game.
"""

import pgzrun
import pgnet

WIDTH = 800
HEIGHT = 480

game = pgnet.two_player("pong")

paddles = {
    1: Rect(30, 200, 14, 80),            # player 1, on the left
    2: Rect(WIDTH - 44, 200, 14, 80),    # player 2, on the right
}
ball = Rect(WIDTH / 2, HEIGHT / 2, 16, 16)
velocity = [250, 150]
score = [0, 0]
message = "Waiting for a player..."


def on_player_joined(player):
    global message
    message = "Player %d joined: you are player %d" % (player.number, game.me.number)


def on_player_left(player):
    global message
    message = "Player %d left: waiting for them..." % player.number


def on_game_event(name, data):
    if name == "score":
        score[0], score[1] = data


def update(dt):
    if not game.paired:
        return
    mine = paddles[game.me.number]
    theirs = paddles[3 - game.me.number]
    if keyboard.up:
        mine.y -= 400 * dt
    if keyboard.down:
        mine.y += 400 * dt
    mine.clamp_ip(0, 0, WIDTH, HEIGHT)
    game.my_state["paddle"] = mine.y
    theirs.y = game.smooth("paddle", theirs.y)

    if game.is_host:
        move_ball(dt)
        game.my_state["ball"] = (ball.x, ball.y)
    else:
        ball.x, ball.y = game.smooth("ball", (ball.x, ball.y))


def move_ball(dt):
    ball.x += velocity[0] * dt
    ball.y += velocity[1] * dt
    if ball.top < 0:
        velocity[1] = abs(velocity[1])
    if ball.bottom > HEIGHT:
        velocity[1] = -abs(velocity[1])
    if ball.colliderect(paddles[1]):
        velocity[0] = abs(velocity[0])
    if ball.colliderect(paddles[2]):
        velocity[0] = -abs(velocity[0])
    if ball.right < 0:
        goal(2)
    if ball.left > WIDTH:
        goal(1)


def goal(player):
    score[player - 1] += 1
    game.send_event("score", score)
    ball.center = (WIDTH / 2, HEIGHT / 2)


def draw():
    screen.fill("black")
    screen.draw.filled_rect(paddles[1], "orange")
    screen.draw.filled_rect(paddles[2], "skyblue")
    screen.draw.filled_rect(ball, "white")
    screen.draw.text("%d   %d" % (score[0], score[1]), center=(WIDTH / 2, 40), fontsize=60)
    screen.draw.text(message, center=(WIDTH / 2, HEIGHT - 30))
    if game.ping_ms is not None:
        screen.draw.text("ping %d ms" % game.ping_ms, topright=(WIDTH - 60, 10))


pgzrun.go()
