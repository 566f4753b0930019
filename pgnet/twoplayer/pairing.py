"""Pairing: finding a partner, and being found, without ever stopping a frame.

A game with no partner waits in the lobby. Every 50 ms it looks at who else
is waiting and may ask one of them to play (``JOIN``); the one asked answers
``ACCEPT`` (and becomes the host, player 1) or ``REJECT``. Which one to ask:

* a player the user picked in the lobby (``join``), if still waiting;
* in lobby mode, nobody: the user picks, meanwhile we can be picked;
* with a named partner, the waiting player of that name;
* otherwise, the rule that makes pairing always settle: ask the smallest
  id below ours. The smallest id waiting never asks, so it accepts the
  first request; with twenty players waiting, everyone ends up in exactly
  one pair. Two players asking each other at once: the smaller id accepts.

A player who says no for good (it waits for someone else), or does not
answer, is left out of the choice for ``REFUSED_S``: otherwise one player
waiting for a particular partner, with the smallest id, would be asked
again and again, and nobody above it would ever pair.

Only players *proven alive* are asked (or count for the rule above): a
game sends each player it sees waiting a ``PING`` with a random nonce, and
takes them as alive once their ``PONG`` with that nonce comes back. A lobby
entry that nobody answers for (a program gone, or a fake) is never asked.
A named partner may be pinned to a computer: ``"Ada@ada-laptop"``. A long
name is cut short in the lobby entry; the partner is looked for under the
name cut the same way, and the full name their answer carries must match.

A request not answered in ``JOIN_TIMEOUT_S`` is dropped, and looking goes on.

Example:

    pairing = Pairing(me, lobby, link, sessions, wanted=None, lobby_mode=False)
    pairing.start_looking()
    pairing.tick(time.monotonic())       # every frame, while not paired
"""

import os
import random

from .. import addresses, discovery
from .lobby import shown_name
from .players import Player, is_id, same_player
from .session import Session, new_token
from .timing import JOIN_TIMEOUT_S

#: A player's PONG proves them alive for this long (seconds); we ping again
#: half way through.
#:
#: Example: a game that stopped is not asked after ``ALIVE_S``.
ALIVE_S = 4.0

#: An unanswered PING is sent again after this long (seconds).
#:
#: Example: a lobby entry that never answers gets a PING a second.
PING_EVERY_S = 1.0

#: The most PINGs a game sends in one frame's pairing work.
#:
#: Example: 1,000 fake lobby entries get 8 PINGs per 50 ms.
MAX_PINGS_PER_TICK = 8

#: A player who refused us (not just "busy"), or did not answer, is not
#: asked again for this long (seconds), unless the user picks them.
#:
#: Example: a player waiting for "Ada" is asked once every 3 s, not 20 times a second.
REFUSED_S = 3.0


class Pairing:
    """One game looking for a partner, and answering those who ask it.

    ``me`` is this game's player, ``lobby`` its ``Lobby``, ``link`` its
    ``Link``, ``sessions`` its ``Sessions`` (a pairing begins a session
    there). ``wanted`` is the partner's name (or None for anyone);
    ``lobby_mode`` True lets the user pick the partner.

    Example:

        pairing = Pairing(me, lobby, link, sessions, wanted="Ada", lobby_mode=False)
        link.handle({"JOIN": pairing.on_join, "ACCEPT": pairing.on_accept,
                     "REJECT": pairing.on_reject})
    """

    def __init__(self, me, lobby, link, sessions, wanted, lobby_mode):
        self.me = me
        self.lobby = lobby
        self.link = link
        self.sessions = sessions
        self.wanted = wanted
        self.lobby_mode = lobby_mode
        self.target = None  # (Player, address) we asked to join, while we wait for the answer
        self.join_deadline = 0.0
        self.asked = {}  # id -> address of players we asked recently
        self.asked_machine = None  # the computer of the last player we asked
        self.choice = None  # the id of the player the user picked in the lobby
        self.next_try = 0.0
        self.pinged = {}  # id -> (nonce, address, when) of our PING
        self.alive = {}  # id -> (address, when their PONG came)
        self.refused = {}  # id -> until when we leave them out (they said no)

    @property
    def joining(self):
        """True while we wait for an answer to a request to join.

        Example:

            if pairing.joining:
                print("asking", pairing.target[0].name)
        """
        return self.target is not None

    def status(self):
        """What is going on while there is no partner, in words to show.

        Example:

            pairing.status()       # 'Waiting for a player...'
        """
        if self.joining:
            player = self.target[0]
            return "Joining %s%s..." % (player.name, " on " + player.machine if player.machine else "")
        if self.lobby_mode:
            return "Choose a player, or wait to be chosen..."
        if self.wanted:
            name, machine = discovery.split_machine(self.wanted)
            return "Waiting for %s%s..." % (name, " on " + machine if machine else "")
        return "Waiting for a player..."

    def start_looking(self):
        """Wait in the lobby and look for a partner, from the next frame on
        (at the start, and when a partner left).

        Example:

            pairing.start_looking()
        """
        self.next_try = 0.0
        self.lobby.show_playing(None)
        self.lobby.advertise()

    def stop_looking(self):
        """A session began: leave the lobby, forget who we asked.

        Example:

            pairing.stop_looking()
        """
        self.target = None
        self.choice = None
        self.asked.clear()
        self.refused.clear()
        self.pinged.clear()
        self.alive.clear()
        self.lobby.unadvertise()
        if self.sessions.current is not None:
            self.lobby.show_playing(self.sessions.current.partner)

    def close(self):
        """Stop looking for good: leave the lobby, never to come back.

        Example:

            pairing.close()
        """
        self.lobby.close()

    def choose(self, player):
        """The user picked ``player`` (a ``Player`` of the lobby, or a name
        or an id): ask them next. False if we are paired, or nobody of that
        name is waiting.

        Example:

            pairing.choose("Ada")
        """
        if self.sessions.current is not None:
            return False
        waiting = self.lobby.waiting_players()
        if isinstance(player, Player):
            chosen = player.id if player.id in waiting else None
        else:
            chosen = next(
                (i for i, (p, _) in waiting.items() if self._means(p, player, shown=True)), None
            )
        if chosen is None:
            return False
        self.choice = chosen
        self.next_try = 0.0
        return True

    def tick(self, now):
        """The frame's pairing work: give up on a request not answered in
        time; look for a partner every 50 ms while waiting.

        Example:

            pairing.tick(time.monotonic())
        """
        if self.joining and now > self.join_deadline:
            self.refused[self.target[0].id] = now + REFUSED_S
            self.target = None
            self.next_try = now + random.uniform(0.0, 0.1)
        if self.sessions.current is None and not self.joining and now >= self.next_try:
            self.next_try = now + 0.05
            self._look_for_partner(now)

    def _means(self, player, wanted, shown=False):
        """Does ``wanted`` (a name or an id) mean ``player``? ``shown``: the
        player's name is as the lobby shows it, perhaps cut short, so
        ``wanted`` cut the same way matches it too."""
        if same_player(player, wanted):
            return True
        cut = shown and shown_name(self.lobby.game_name, self.lobby.room, str(wanted))
        return bool(cut) and same_player(player, cut)

    def _wants(self, player_id, player_name, machine=None, shown=False):
        """In named-partner mode, is this the partner asked for (on the
        computer asked for, with ``"name@machine"``)? ``shown`` as for
        ``_means``."""
        if not self.wanted:
            return True
        player = Player(player_id, player_name)
        name, wanted_machine = discovery.split_machine(self.wanted)
        if self._means(player, self.wanted, shown):
            return True  # (a name that itself has an "@")
        if wanted_machine is None or not self._means(player, name, shown):
            return False
        return machine is not None and machine.lower() == wanted_machine.lower()

    def _proven(self, waiting, now):
        """Those of ``waiting`` proven alive lately; PING the others (and
        those whose proof is getting old)."""
        for table in (self.pinged, self.alive):  # (bounded: only who waits now)
            for gone in [i for i in table if i not in waiting]:
                del table[gone]
        pings = 0
        for player_id in sorted(waiting):
            address = waiting[player_id][1]
            seen, ping = self.alive.get(player_id), self.pinged.get(player_id)
            fresh = seen and seen[0] == address and now - seen[1] < ALIVE_S / 2
            if fresh or (ping and now - ping[2] < PING_EVERY_S) or pings >= MAX_PINGS_PER_TICK:
                continue
            nonce = os.urandom(6).hex()
            self.pinged[player_id] = (nonce, address, now)
            self.link.send(address, "PING", self.me.id, nonce)
            pings += 1
        return {
            i: entry for i, entry in waiting.items()
            if i in self.alive and self.alive[i][0] == entry[1] and now - self.alive[i][1] < ALIVE_S
        }

    def _look_for_partner(self, now):
        waiting = self._proven(self.lobby.waiting_players(), now)
        if self.choice is not None:
            if self.choice in waiting:
                self._ask_to_join(waiting[self.choice], now)
            else:
                self.choice = None  # they left, or found someone else
            return
        if self.lobby_mode:
            return  # the user chooses; meanwhile we can be chosen
        self.refused = {i: until for i, until in self.refused.items() if until > now}
        waiting = {i: e for i, e in waiting.items() if i not in self.refused}
        if self.wanted:
            # A named partner: ask them, whoever has the smaller id.
            wanted = [e for i, e in waiting.items()
                      if self._wants(i, e[0].name, e[0].machine, shown=True)]
            if wanted:
                self._ask_to_join(min(wanted, key=lambda e: e[0].id), now)
            return
        # The tie-break that always settles: ask the smallest id below ours.
        # The smallest waiting id never asks, so it accepts the first request.
        smaller = [e for i, e in waiting.items() if i < self.me.id]
        if smaller:
            self._ask_to_join(min(smaller, key=lambda e: e[0].id), now)

    def _ask_to_join(self, entry, now):
        player, address = entry
        self.target = entry
        self.asked_machine = player.machine
        self.join_deadline = now + JOIN_TIMEOUT_S
        self.asked[player.id] = address
        lost = self.sessions.lost
        resume = lost.token if lost and lost.partner.id == player.id else ""
        self.link.send(
            address, "JOIN", self.me.id, self.me.name, self.lobby.name, self.link.address,
            self.lobby.game_name, self.lobby.room, resume,
        )

    def _accept(self, session, address, resumed):
        self.link.send(
            address, "ACCEPT", self.me.id, self.me.name, session.token,
            3 - session.my_number, resumed,
        )

    # -- what arrives -------------------------------------------------------------------

    def on_join(self, now, their_id, their_name, lobby_name, their_address,
                game_name, room, resume=""):
        """``JOIN``: a player asks to play with us (or to resume with us).

        Example:

            link.handle({"JOIN": pairing.on_join})
        """
        if not is_id(their_id) or not isinstance(their_name, str):
            return
        address = machine = None
        if isinstance(lobby_name, str):
            address, machine = self.lobby.where(lobby_name)
        # A peer's claim: only an IP address is taken (no name to look up in
        # the frame); anything else raises AddressError, and is ignored.
        address = address or addresses.for_connecting(their_address, resolve=False)
        if game_name != self.lobby.game_name or room != self.lobby.room:
            self.link.send(address, "REJECT", self.me.id, "another game")
            return
        session = self.sessions.current
        if session is not None:
            if session.partner.id == their_id and resume == session.token:
                # They lost us for a moment; we never lost them.
                session.last_heard = now
                session.address = address
                self._accept(session, address, resumed=True)
            else:
                self.link.send(address, "REJECT", self.me.id, "already playing")
            return
        if self.joining:
            target = self.target[0]
            # Two players asking each other at once: the smaller id accepts.
            if not (target.id == their_id and self.me.id < their_id):
                self.link.send(address, "REJECT", self.me.id, "busy")
                return
        if not self._wants(their_id, their_name, machine) or (
            self.choice is not None and self.choice != their_id
        ):
            self.link.send(address, "REJECT", self.me.id, "waiting for someone else")
            return
        lost = self.sessions.lost
        if lost is not None and lost.partner.id == their_id and resume == lost.token:
            lost.address = address
            self.sessions.begin(lost, True, now)
            self._accept(lost, address, resumed=True)
            return
        partner = Player(their_id, their_name, address=address, machine=machine)
        session = Session(new_token(), partner, 1, address, now)
        self.sessions.begin(session, False, now)
        self._accept(session, address, resumed=False)

    def on_accept(self, now, their_id, their_name, token, your_number, resumed):
        """``ACCEPT``: a player we asked takes us as their partner.

        Example:

            link.handle({"ACCEPT": pairing.on_accept})
        """
        if not is_id(their_id) or your_number not in (1, 2) or not isinstance(token, str):
            return
        session = self.sessions.current
        address = self.asked.get(their_id)
        if session is not None:
            if session.partner.id == their_id and session.token == token:
                return  # a repeat
            if address:
                self.link.send(address, "BYE", token, self.me.id)  # we are taken
            return
        lost = self.sessions.lost
        if lost is not None and lost.partner.id == their_id:
            address = address or lost.address
            if lost.token == token:
                lost.address = address
                self.sessions.begin(lost, True, now)
                return
        if address is None:
            return  # never asked them
        if not self._wants(their_id, their_name, self.asked_machine):
            # Only the start of their name was what we wanted: not them after all.
            self.link.send(address, "BYE", token, self.me.id)
            self.target = None
            self.refused[their_id] = now + REFUSED_S
            return
        partner = Player(their_id, their_name, address=address, machine=self.asked_machine)
        self.sessions.begin(Session(token, partner, your_number, address, now), False, now)

    def on_ping(self, now, their_id, nonce):
        """``PING``: a player waiting, checking that we are alive: answer
        at the address our discovery knows for them.

        Example:

            link.handle({"PING": pairing.on_ping})
        """
        if not is_id(their_id) or not isinstance(nonce, str) or len(nonce) > 32:
            return
        entry = self.lobby.waiting_players().get(their_id)
        if entry is not None:
            self.link.send(entry[1], "PONG", self.me.id, nonce)

    def on_pong(self, now, their_id, nonce):
        """``PONG``: a player we pinged is alive.

        Example:

            link.handle({"PONG": pairing.on_pong})
        """
        ping = self.pinged.get(their_id)
        if ping is not None and ping[0] == nonce:
            self.alive[their_id] = (ping[1], now)

    def on_reject(self, now, their_id, reason=""):
        """``REJECT``: a player we asked says no: look again, a little later,
        and leave them out for a while unless they were only busy.

        Example:

            link.handle({"REJECT": pairing.on_reject})
        """
        if self.joining and self.target[0].id == their_id:
            self.target = None
            self.asked.pop(their_id, None)
            if reason != "busy":
                self.refused[their_id] = now + REFUSED_S
            self.next_try = now + random.uniform(0.02, 0.15)
