"""The hooks a two-player game can define, and how their events reach it.

In Pygame Zero, define the hooks. In a plain pygame loop (calling
``pgnet.pump()`` each frame), look for these event types instead.

Example:

    if event.type == pgnet.PLAYER_JOINED:
        print(event.player.name, "joined")
"""

import pygame

from .. import pygame_events

PLAYER_JOINED = pygame_events.register_hook("on_player_joined", ["player"])
"""``on_player_joined(player)``: your partner arrived (or came back)."""

PLAYER_LEFT = pygame_events.register_hook("on_player_left", ["player"])
"""``on_player_left(player)``: your partner left, crashed or lost the network."""

GAME_EVENT = pygame_events.register_hook("on_game_event", ["name", "data", "player"])
"""``on_game_event(name, data, player)``: your partner's ``send_event``."""

MOVE_MADE = pygame_events.register_hook("on_move", ["move", "player"])
"""``on_move(move, player)``: a move was made, by you or your partner."""

NEW_ROUND = pygame_events.register_hook("on_new_round", ["round_number", "first_player"])
"""``on_new_round(round_number, first_player)``: a new round of turns began."""


def post(event_type, **attributes):
    """Queue an event for the game (its hook runs at the next frame) and
    return it, so that the caller can later ask ``still_queued(event)``.

    Example:

        event = post(PLAYER_LEFT, player=partner)
    """
    event = pygame.event.Event(event_type, **attributes)
    pygame_events.queue_event(event)
    return event


def still_queued(event):
    """True while the game has not been handed ``event`` yet.

    Example:

        if not still_queued(move_event):
            print("the game has seen the move")
    """
    if pygame_events.is_queued(event):
        return True
    try:
        return pygame.event.peek(event.type, pump=False)
    except pygame.error:  # no display: nothing can be in pygame's queue
        return False
