"""Test game (Pygame Zero): a network hook with a parameter name pgnet does
not pass. Pygame Zero should refuse to start and name the parameter."""

import pgzrun
import pgnet  # registers the network hooks with Pygame Zero


def on_network_message(msg):
    return msg


pgzrun.go()
