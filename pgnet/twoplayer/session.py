"""A session: two paired games, from pairing until one of them leaves.

A session is named by a *token* that only the two games know. While paired:

* Each side sends a heartbeat (``HB``) every ``HEARTBEAT_S``; the other
  sends it back (``ECHO``), which measures the ping. A partner not heard
  from for ``PARTNER_TIMEOUT_S`` is *missing*: ``on_player_left`` runs.
* Events, moves and rounds go on the session's reliable channel (``R`` and
  ``ACK``; see ``reliable``), so they are never lost nor reordered.

A missing partner's session is kept as the *lost* one, and called now and
then, for ``FORGET_S``: if they come back (their cable is back, their laptop
woke up), anything with the token resumes it, ``on_player_joined`` runs
with ``player.resumed`` true, and the game carries on where it was. A
partner who says goodbye (``BYE``) is *gone*: nothing is kept.

At most one session exists at a time: the current one, or the lost one.

Example:

    sessions = Sessions(me, link, on_paired, on_unpaired, deliver)
    sessions.begin(Session(new_token(), partner, 1, address, now), False, now)
    sessions.send_reliable(sessions.current, ["event", "goal", 3])
"""

import statistics
import time
from collections import deque

from .. import addresses, wire
from ..retry import Retry
from .hooks import PLAYER_JOINED, PLAYER_LEFT, post
from .players import new_id
from .reliable import ReliableChannel
from .timing import FORGET_S, HEARTBEAT_S, PARTNER_TIMEOUT_S, RECONNECT_S, RESEND_S
from .turns import Turns


def new_token():
    """A new session token: 16 random hex digits.

    Example:

        new_token()     # '3fa09c1e77b2d410'
    """
    return new_id() + new_id()


class Session:
    """What two paired players share: kept while the partner is missing, so
    the game can carry on if they come back.

    ``token`` names the session, ``partner`` is the other ``Player``,
    ``my_number`` is this game's player number (1 for the host), ``address``
    where the partner listens. ``channel`` is its ``ReliableChannel`` and
    ``turns`` its ``Turns``.

    Example:

        session = Session(new_token(), Player("3fa09c1e", "Ada"), 1,
                          "10.0.0.5:50123", time.monotonic())
    """

    def __init__(self, token, partner, my_number, address, now):
        self.token = token
        self.partner = partner
        self.my_number = my_number
        self.address = address
        self.last_heard = now
        #: While the partner is missing: when to call them again, and when
        #: to give up and forget them (a ``pgnet.retry.Retry``), else None.
        self.calling = None
        self.next_heartbeat = now
        self.heartbeat_seq = 0
        self.echo_seq = 0
        self.channel = ReliableChannel()
        self.turns = Turns()


class Sessions:
    """This game's session, if any: ``current`` while paired, ``lost``
    while a missing partner may come back (never both).

    ``me`` is this game's player, ``link`` its ``Link``. The other parts
    hear from it through three functions: ``on_paired(session, resumed,
    now)`` when a session begins or resumes, ``on_unpaired()`` when the
    partner went missing or left, and ``deliver(session, payload)`` for each
    payload of the reliable channel, in order. It posts ``on_player_joined``
    and ``on_player_left`` itself, after them.

    Example:

        sessions = Sessions(me, link, on_paired, on_unpaired, deliver)
        link.handle({"HB": sessions.on_heartbeat, "BYE": sessions.on_bye})
    """

    def __init__(self, me, link, on_paired, on_unpaired, deliver):
        self.me = me
        self.link = link
        self.on_paired = on_paired
        self.on_unpaired = on_unpaired
        self.deliver = deliver
        self.current = None
        self.lost = None
        #: The round trip to the partner, in milliseconds (None until known).
        self.ping_ms = None
        self._rtts = deque(maxlen=5)
        self._bye_sent = {}  # token -> when (we answer strangers sparingly)

    def current_or_lost(self):
        """The session there is: the current one, else the lost one (or
        None).

        Example:

            session = sessions.current_or_lost()
            partner = session.partner if session else None
        """
        return self.current or self.lost

    # -- beginning and ending -----------------------------------------------------

    def begin(self, session, resumed, now):
        """Start playing in ``session``: a new one, or the lost one resumed
        (``resumed`` True).

        Example:

            sessions.begin(session, False, time.monotonic())
        """
        if self.lost is not None and self.lost is not session:
            self.forget_lost()
        self.lost = None
        self.current = session
        session.last_heard = now
        session.calling = None
        session.next_heartbeat = now
        self.me.number = session.my_number
        partner = session.partner
        partner.number = 3 - session.my_number
        partner.resumed = resumed
        if not resumed:
            self._rtts.clear()
            self.ping_ms = None
        session.channel.resend_all_now()
        self.on_paired(session, resumed, now)
        post(PLAYER_JOINED, player=partner)

    def session_for(self, token, now):
        """The session ``token`` belongs to, resuming it if it was lost; we
        heard from its partner ``now``. None for a token not ours.

        Example:

            session = sessions.session_for(token, time.monotonic())
        """
        if self.current is not None and self.current.token == token:
            self.current.last_heard = now
            return self.current
        if self.lost is not None and self.lost.token == token:
            self.begin(self.lost, True, now)
            return self.current
        return None

    def partner_silent(self, now):
        """True if the current partner has not been heard from for
        ``PARTNER_TIMEOUT_S``.

        Example:

            if sessions.partner_silent(now):
                sessions.partner_missing(now)
        """
        return now - self.current.last_heard > PARTNER_TIMEOUT_S

    def partner_missing(self, now):
        """No news from the partner for too long: they have left, for now.

        Example:

            sessions.partner_missing(time.monotonic())
        """
        session, self.current = self.current, None
        self.lost = session
        session.calling = Retry(RECONNECT_S, FORGET_S, now)
        self.on_unpaired()
        post(PLAYER_LEFT, player=session.partner)

    def partner_gone(self, session):
        """The partner said goodbye (or is playing with someone else).

        Example:

            sessions.partner_gone(sessions.current)
        """
        self.current = None
        self.me.number = None
        self.link.reconnect_later(session.address)  # drops what was queued for them
        self.on_unpaired()
        post(PLAYER_LEFT, player=session.partner)

    def forget_lost(self):
        """Give up on the lost session: tell its partner, in case they hear.

        Example:

            sessions.forget_lost()
        """
        session, self.lost = self.lost, None
        if self.current is None:
            self.me.number = None
        if session is not None:
            self.link.send(session.address, "BYE", session.token, self.me.id)
            self.link.reconnect_later(session.address)

    def say_goodbye(self):
        """Tell the partner (current or lost) that this game is leaving.

        Example:

            sessions.say_goodbye()
        """
        for session in (self.current, self.lost):
            if session is not None:
                self.link.send(session.address, "BYE", session.token, self.me.id)

    def hang_up(self):
        """Close the connections to the partner (after ``say_goodbye``: the
        goodbye still goes).

        Example:

            sessions.say_goodbye()
            sessions.hang_up()
        """
        for session in (self.current, self.lost):
            if session is not None:
                self.link.reconnect(session.address)

    # -- the per-frame work -------------------------------------------------------------

    def keep_alive(self, now):
        """While paired: the heartbeat when due, and what the partner has
        not acknowledged for ``RESEND_S`` again.

        Example:

            sessions.keep_alive(time.monotonic())
        """
        session = self.current
        if now >= session.next_heartbeat:
            self._heartbeat(session, now)
        for seq, payload in session.channel.to_resend(now, RESEND_S):
            self.link.send(session.address, "R", session.token, seq, payload)

    def call_missing_partner(self, now):
        """While a partner is missing: keep calling them, so they can resume,
        until ``FORGET_S`` has passed.

        Example:

            sessions.call_missing_partner(time.monotonic())
        """
        session = self.lost
        if session is None or self.current is not None:
            return
        if session.calling.expired(now):
            self.forget_lost()
            return
        if session.calling.due(now):
            # A fresh connection: an old one may be stuck retrying slowly.
            self.link.reconnect(session.address)
        if now >= session.next_heartbeat:
            self._heartbeat(session, now)

    def _heartbeat(self, session, now):
        session.next_heartbeat = now + HEARTBEAT_S
        session.heartbeat_seq += 1
        self.link.send(
            session.address, "HB", session.token, self.me.id, self.link.address,
            session.heartbeat_seq, now, session.channel.last_in,
        )

    def send_reliable(self, session, payload):
        """Send ``payload`` to the partner, never lost nor reordered. To a
        lost session it waits until the partner is back.

        Example:

            sessions.send_reliable(session, ["event", "goal", [1, 0]])
        """
        # Kept as it is now: what is sent again later (a partner missing)
        # must not change with the game's own list or dict.
        payload = wire.decode(wire.encode(payload))
        seq = session.channel.add(payload, time.monotonic())
        if session is self.current:
            self.link.send(session.address, "R", session.token, seq, payload)

    # -- what arrives -------------------------------------------------------------------

    def on_heartbeat(self, now, token, their_id, their_address, seq, stamp, ack):
        """``HB``: the partner is there. Send it back, and take its ack.

        Example:

            link.handle({"HB": sessions.on_heartbeat})
        """
        session = self.session_for(token, now)
        if session is None:
            # A player we talked to thinks it is still playing with us: tell
            # it, now and then. A stranger gets nothing (not even a socket).
            address = addresses.for_connecting(their_address, resolve=False)
            if (self.link.knows(address) and len(self._bye_sent) < 1000
                    and now - self._bye_sent.get(token, -10.0) > 1.0):
                self._bye_sent[token] = now
                self.link.send(address, "BYE", token, self.me.id)
            return
        self.link.send(session.address, "ECHO", token, seq, stamp)
        session.channel.acknowledged(ack)

    def on_echo(self, now, token, seq, stamp):
        """``ECHO``: our heartbeat came back: the ping.

        Example:

            link.handle({"ECHO": sessions.on_echo})
        """
        session = self.session_for(token, now)
        if session is None or seq <= session.echo_seq:
            return
        session.echo_seq = seq
        rtt = now - float(stamp)
        if 0 <= rtt < PARTNER_TIMEOUT_S:
            self._rtts.append(rtt)
            self.ping_ms = round(statistics.median(self._rtts) * 1000, 1)

    def on_reliable(self, now, token, seq, payload):
        """``R``: payload number ``seq``: deliver what is now in order, and
        say how far we got.

        Example:

            link.handle({"R": sessions.on_reliable})
        """
        session = self.session_for(token, now)
        if session is None or type(seq) is not int:
            return
        for ready in session.channel.arrived(seq, payload):
            self.deliver(session, ready)
        self.link.send(session.address, "ACK", token, session.channel.last_in)

    def on_ack(self, now, token, ack):
        """``ACK``: the partner has everything up to ``ack``.

        Example:

            link.handle({"ACK": sessions.on_ack})
        """
        session = self.session_for(token, now)
        if session is not None:
            session.channel.acknowledged(ack)

    def on_bye(self, now, token, their_id):
        """``BYE``: the partner left (or we are not theirs any more).

        Example:

            link.handle({"BYE": sessions.on_bye})
        """
        if self.current is not None and self.current.token == token:
            self.partner_gone(self.current)
        elif self.lost is not None and self.lost.token == token:
            self.link.reconnect_later(self.lost.address)
            self.lost = None
            self.me.number = None
