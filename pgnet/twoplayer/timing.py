"""How often two paired games talk, and how long they wait for each other.

All the two-player timings in one place, in seconds (or per second), so
that their relations are easy to see: a partner is given up on after
``PARTNER_TIMEOUT_S`` of silence, which is eight heartbeats.

Example:

    from pgnet.twoplayer.timing import HEARTBEAT_S, PARTNER_TIMEOUT_S
    print("missing after", PARTNER_TIMEOUT_S / HEARTBEAT_S, "heartbeats")
"""

SEND_RATE = 20
"""How often ``my_state`` is sent, per second, unless ``two_player`` is told."""

HEARTBEAT_S = 0.25
"""How often each side says "I am still here", in seconds."""

PARTNER_TIMEOUT_S = 2.0
"""A partner not heard from for this long has left (closed, crashed, unplugged)."""

JOIN_TIMEOUT_S = 1.5
"""How long to wait for an answer to a request to join a game."""

RESEND_S = 0.3
"""Unacknowledged events and moves are sent again after this long."""

RECONNECT_S = 1.0
"""While a partner is missing, the connection to them is renewed this often,
so that when their cable is back they are heard from at once."""

FORGET_S = 60.0
"""A partner missing for this long is forgotten (they can still join again)."""
