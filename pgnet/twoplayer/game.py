"""The game object a two-player game uses: ``TwoPlayerGame``, made by
``two_player``.

Example:

    game = two_player("pong")
    game.my_state["y"] = 300
"""

import atexit
import os
import random

from .. import addresses, scheduler, wire
from ..errors import MessageError
from .hooks import GAME_EVENT, post
from .link import Link, log_error
from .lobby import Lobby, check_game_name, check_room
from .players import Player, default_name, is_id, new_id, same_player
from .session import Session, Sessions, new_token
from .sync import StateSync
from .timing import JOIN_TIMEOUT_S, SEND_RATE
from .turns import Referee

_WAITING, _JOINING, _PLAYING = "waiting", "joining", "playing"


class TwoPlayerGame:
    """A two-player game on the network: made by ``two_player``.

    What it tells you:

    | attribute | what it is |
    | --- | --- |
    | `status` | what is happening, to show on screen: "Waiting for a player...", "Playing with Ada" |
    | `paired` | True while you have a partner |
    | `me`, `partner` | `Player` objects (`partner` is None until someone joins) |
    | `is_host` | True if you are player 1, the one who decides shared things (the ball, the score) |
    | `my_state` | your state: put in it what your partner must see, every frame (a dict) |
    | `partner_state` | your partner's latest `my_state` (a dict) |
    | `ping_ms` | the round trip to your partner, in milliseconds |
    | `whose_turn`, `my_turn` | turn-based games: 1 or 2, and whether it is you |
    | `refused` | why the last `move` was refused, to show |
    | `lobby` | the players waiting for a partner |
    | `bytes_sent` | bytes of game data sent to the partner so far |
    | `address` | where this player listens for its partner, as "ip:port" |

    What you do with it: set ``my_state``; call ``smooth``, ``send_event``,
    ``move``, ``new_round``, ``join`` and ``leave``.

    Example:

        game = pgnet.two_player("pong")

        def draw():
            screen.draw.text(game.status, (10, 10))
    """

    def __init__(self, game_name, room=None, name=None, partner=None,
                 lobby=False, send_rate=None):
        self.game_name = check_game_name(game_name)
        if room is None:
            room = os.environ.get("PGNET_ROOM", "")
        self.room = check_room(str(room).strip(), self.game_name)
        #: You: ``game.me.number`` is your player number once paired.
        self.me = Player(new_id(), str(name).strip() if name else default_name())
        self.wanted = partner
        self.lobby_mode = bool(lobby)
        self._phase = _WAITING
        self._target = None  # (Player, address) we asked to join
        self._join_deadline = 0.0
        self._asked = {}  # id -> address of players we asked recently
        self._choice = None  # who the player picked in the lobby
        self._next_try = 0.0

        scheduler.use_events()  # a game: sends must never wait
        #: The parts (pgnet's own, not for games): sending and receiving...
        self.link = Link(self.me, lambda: self._phase)
        #: ...the session with the partner...
        self.sessions = Sessions(self.me, self.link, self._paired, self._unpaired, self._delivered)
        #: ...``my_state`` and ``partner_state``...
        self.sync = StateSync(self.link, self.sessions.session_for, send_rate or SEND_RATE)
        #: ...and turns.
        self.referee = Referee(self.me, self.sessions)
        self.link.handle({
            "JOIN": self._on_JOIN, "ACCEPT": self._on_ACCEPT, "REJECT": self._on_REJECT,
            "HB": self.sessions.on_heartbeat, "ECHO": self.sessions.on_echo,
            "R": self.sessions.on_reliable, "ACK": self.sessions.on_ack,
            "BYE": self.sessions.on_bye, "S": self.sync.on_state,
        })
        #: Where this player listens for its partner, as "ip:port".
        self.address = self.link.address
        self._lobby = Lobby(self.game_name, self.room, self.me, self.link.port)
        self._lobby.advertise()
        self._stop_ticker = scheduler.every_frame(self._tick)
        atexit.register(self._at_exit)

    # -- what the game reads -----------------------------------------------------

    @property
    def paired(self):
        """True while you have a partner to play with.

        Example:

            def update():
                if not game.paired:
                    return      # nothing moves until someone joins
        """
        return self._phase == _PLAYING

    @property
    def partner(self):
        """Your partner (a ``Player``), or None before anyone joined.
        While a partner who left may still come back, it is still them.

        Example:

            if game.partner:
                screen.draw.text("Playing with " + game.partner.name, (10, 10))
        """
        session = self.sessions.current_or_lost()
        return session.partner if session else None

    @property
    def is_host(self):
        """True if you are player 1: you decide shared things, such as
        where the ball is and the score.

        Example:

            if game.is_host:
                move_ball()
        """
        return self.me.number == 1

    @property
    def player_number(self):
        """Your player number: 1 or 2 once paired (None before); the same
        as ``game.me.number``.

        Example:

            my_paddle = paddles[game.player_number]
        """
        return self.me.number

    @property
    def status(self):
        """What is going on, in words to put on the screen.

        Example:

            screen.draw.text(game.status, (10, 10))
        """
        if self._phase == _PLAYING:
            return "Playing with %s: you are player %d" % (self.partner.name, self.me.number)
        if self.sessions.lost is not None:
            return "%s left: waiting for them to come back..." % self.sessions.lost.partner.name
        if self._phase == _JOINING:
            return "Joining %s..." % self._target[0].name
        if self.lobby_mode:
            return "Choose a player, or wait to be chosen..."
        if self.wanted:
            return "Waiting for %s..." % self.wanted
        return "Waiting for a player..."

    @property
    def lobby(self):
        """The players waiting for a partner in this game (and room), as a
        list of ``Player``, sorted by name. You are not in it.

        Example:

            for i, player in enumerate(game.lobby):
                screen.draw.text(player.name, (20, 40 + 30 * i))
        """
        return self._lobby.players()

    @property
    def whose_turn(self):
        """Turn-based games: the number (1 or 2) of the player whose turn it
        is, or None before you have a partner. Player 1 starts.

        Example:

            screen.draw.text("Player %d's turn" % game.whose_turn, (10, 10))
        """
        return self.referee.whose_turn()

    @property
    def my_turn(self):
        """True if it is your turn (and your partner is here).

        Example:

            if game.my_turn:
                screen.draw.text("Your turn", (10, 10))
        """
        return self.paired and self.whose_turn == self.me.number

    @property
    def round_number(self):
        """Turn-based games: 1 for the first round, 2 after ``new_round()``...

        Example:

            screen.draw.text("Game %d" % game.round_number, (10, 10))
        """
        return self.referee.round_number()

    @property
    def ping_ms(self):
        """The time for a message to reach your partner and come back, in
        milliseconds (None until known).

        Example:

            if game.ping_ms is not None:
                screen.draw.text("ping %d ms" % game.ping_ms, (700, 10))
        """
        return self.sessions.ping_ms

    @property
    def refused(self):
        """Why the last ``move`` was refused, in words to show the player
        ("" if it was not).

        Example:

            if not game.move(cell):
                message = game.refused
        """
        return self.referee.refused

    @property
    def my_state(self):
        """Your state, a dict: put in it what your partner must see, every
        frame. pgnet sends it ``send_rate`` times a second (20).

        Example:

            def update():
                game.my_state["y"] = paddle.y
        """
        return self.sync.my_state

    @my_state.setter
    def my_state(self, state):
        self.sync.my_state = state

    @property
    def partner_state(self):
        """Your partner's latest ``my_state`` (empty until they send one).

        Example:

            other.y = game.partner_state.get("y", 300)
        """
        return self.sync.partner_state

    @partner_state.setter
    def partner_state(self, state):
        self.sync.partner_state = state

    @property
    def bytes_sent(self):
        """Bytes of game data sent to the partner so far (for the curious).

        Example:

            print(game.bytes_sent, "bytes sent")
        """
        return self.link.bytes_sent

    # -- what the game does ------------------------------------------------------

    def smooth(self, key, default=0):
        """Your partner's ``key`` (a number, or a tuple of numbers such as a
        position), moving smoothly between the updates that arrive.

        pgnet shows it about one update late, sliding between the last two
        updates, so movement looks continuous although updates come only 20
        times a second. Values that are not numbers are given as they are.

        Example:

            other_paddle.y = game.smooth("y", default=300)
            ball.pos = game.smooth("ball", default=(400, 300))
        """
        return self.sync.smooth(key, default)

    def send_event(self, name, data=None):
        """Tell your partner that something happened: a goal, a message.

        It arrives once, never lost and in the order you sent it, at your
        partner's ``on_game_event(name, data, player)`` hook. ``data`` is
        any value pgnet can send (numbers, text, lists, dicts...). Returns
        False if you have no partner (nothing is sent). While a partner who
        left may still come back, events wait for them.

        Example:

            game.send_event("goal", [score1, score2])

            def on_game_event(name, data):
                if name == "goal":
                    score[0], score[1] = data
        """
        if not isinstance(name, str):
            raise MessageError("An event's name is text, like 'goal', not %r." % (name,))
        wire.encode(data)  # a mistake in the data is raised here, not later
        session = self.sessions.current_or_lost()
        if session is None:
            return False
        self.sessions.send_reliable(session, ["event", name, data])
        return True

    def move(self, move=None):
        """Make a move in a turn-based game, such as the cell clicked.

        If it is your turn, the move is sent to your partner, the turn
        passes to them, ``on_move(move, player)`` runs on both computers
        (yours at once, theirs when it arrives) and ``move()`` returns True.

        If it is not your turn (or you have no partner), nothing happens:
        it returns False and ``game.refused`` says why, in words to show
        the player, such as "Not your turn: wait for player 2 (Ada) to play."

        Example:

            def on_mouse_down(pos):
                global message
                if not game.move(cell_at(pos)):
                    message = game.refused      # draw() shows it

            def on_move(move, player):
                board[move] = "X" if player.number == 1 else "O"
        """
        wire.encode(move)
        return self.referee.move(move)

    def new_round(self, first_player=None):
        """Start a new round of turns: a new game of tic-tac-toe, say.

        ``on_new_round(round_number, first_player)`` runs on both computers,
        where you clear the board. ``first_player`` (1 or 2) starts; if you
        leave it out, the player who did not start the last round starts.
        The host starts the round; when the guest calls ``new_round()``,
        the host is asked and starts it. Calling it on both computers at once
        starts one round, not two. Returns False if you have no partner.

        Example:

            def on_key_down(key):
                if key == keys.SPACE and game_over:
                    game.new_round()

            def on_new_round():
                board.clear()
        """
        if first_player not in (None, 1, 2):
            raise ValueError("first_player is 1 or 2 (or leave it out), not %r." % (first_player,))
        return self.referee.new_round(first_player)

    def join(self, player):
        """Ask to play with ``player``: one of ``game.lobby``, or a name.

        Returns True if the request is on its way (``on_player_joined``
        runs if they accept), False if you already have a partner or nobody
        of that name is waiting.

        Example:

            def on_mouse_down(pos):
                for i, player in enumerate(game.lobby):
                    if 40 + 30 * i < pos[1] < 70 + 30 * i:
                        game.join(player)
        """
        if self.sessions.current is not None:
            return False
        waiting = self._lobby.waiting_players()
        if isinstance(player, Player):
            chosen = player.id if player.id in waiting else None
        else:
            chosen = next(
                (i for i, (p, _) in waiting.items() if same_player(p, player)), None
            )
        if chosen is None:
            return False
        self._choice = chosen
        self._next_try = 0.0
        return True

    def leave(self):
        """Stop playing: your partner's ``on_player_left`` runs at once, and
        you leave the lobby. (Closing the window does this for you.)

        Example:

            game.leave()
        """
        if self.link.closed:
            return
        self.sessions.say_goodbye()
        self._stop_ticker()
        self._lobby.close()
        self.link.close()
        self.sessions.hang_up()

    def __repr__(self):
        return "<TwoPlayerGame %r room=%r %s>" % (self.game_name, self.room, self.status)

    # -- the lobby ---------------------------------------------------------------

    def _wants(self, player_id, player_name):
        """In named-partner mode, is this the partner asked for?"""
        if not self.wanted:
            return True
        return same_player(Player(player_id, player_name), self.wanted)

    # -- the per-frame work --------------------------------------------------------

    def _tick(self, now):
        # Runs at every pgnet pump, several times a frame: rate-limited by time.
        if self.link.closed:
            return
        try:
            self.link.reconnect_pending()
            self.referee.settle()
            session = self.sessions.current
            if session is not None:
                if self.sessions.partner_silent(now):
                    self.sessions.partner_missing(now)
                else:
                    self.sync.send_if_due(session, now)
                    self.sessions.keep_alive(now)
            self.sessions.call_missing_partner(now)
            if self._phase == _JOINING and now > self._join_deadline:
                self._phase = _WAITING
                self._next_try = now + random.uniform(0.0, 0.1)
            if self._phase == _WAITING and now >= self._next_try:
                self._next_try = now + 0.05
                self._look_for_partner(now)
        except Exception:
            log_error()

    def _look_for_partner(self, now):
        waiting = self._lobby.waiting_players()
        if self._choice is not None:
            if self._choice in waiting:
                self._ask_to_join(waiting[self._choice], now)
            else:
                self._choice = None  # they left, or found someone else
            return
        if self.lobby_mode:
            return  # the player chooses; meanwhile we can be chosen
        if self.wanted:
            # A named partner: ask them, whoever has the smaller id.
            wanted = [e for i, e in waiting.items() if self._wants(i, e[0].name)]
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
        self._phase = _JOINING
        self._target = entry
        self._join_deadline = now + JOIN_TIMEOUT_S
        self._asked[player.id] = address
        lost = self.sessions.lost
        resume = lost.token if lost and lost.partner.id == player.id else ""
        self.link.send(
            address, "JOIN", self.me.id, self.me.name, self._lobby.name, self.address,
            self.game_name, self.room, resume,
        )

    # -- how the parts hear of each other ----------------------------------------

    def _paired(self, session, resumed, now):
        self._phase = _PLAYING
        self._target = None
        self._choice = None
        self._asked.clear()
        self.sync.start(now, resumed)
        self._lobby.unadvertise()

    def _unpaired(self):
        self._phase = _WAITING
        self._next_try = 0.0
        self._lobby.advertise()

    def _delivered(self, session, payload):
        if payload[0] == "event":
            post(GAME_EVENT, name=payload[1], data=payload[2], player=session.partner)
        else:
            self.referee.deliver(session, payload)

    # -- what arrives ------------------------------------------------------------------

    def _on_JOIN(self, now, their_id, their_name, lobby_name, their_address,
                 game_name, room, resume=""):
        if not is_id(their_id) or not isinstance(their_name, str):
            return
        address = None
        if isinstance(lobby_name, str):
            address = self._lobby.address_of(lobby_name)
        address = address or addresses.for_connecting(their_address)
        if game_name != self.game_name or room != self.room:
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
        if self._phase == _JOINING:
            target = self._target[0]
            # Two players asking each other at once: the smaller id accepts.
            if not (target.id == their_id and self.me.id < their_id):
                self.link.send(address, "REJECT", self.me.id, "busy")
                return
        if not self._wants(their_id, their_name) or (
            self._choice is not None and self._choice != their_id
        ):
            self.link.send(address, "REJECT", self.me.id, "waiting for someone else")
            return
        lost = self.sessions.lost
        if lost is not None and lost.partner.id == their_id and resume == lost.token:
            lost.address = address
            self.sessions.begin(lost, True, now)
            self._accept(lost, address, resumed=True)
            return
        partner = Player(their_id, their_name, address=address)
        session = Session(new_token(), partner, 1, address, now)
        self.sessions.begin(session, False, now)
        self._accept(session, address, resumed=False)

    def _accept(self, session, address, resumed):
        self.link.send(
            address, "ACCEPT", self.me.id, self.me.name, session.token,
            3 - session.my_number, resumed,
        )

    def _on_ACCEPT(self, now, their_id, their_name, token, your_number, resumed):
        if not is_id(their_id) or your_number not in (1, 2) or not isinstance(token, str):
            return
        session = self.sessions.current
        address = self._asked.get(their_id)
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
        partner = Player(their_id, their_name, address=address)
        self.sessions.begin(Session(token, partner, your_number, address, now), False, now)

    def _on_REJECT(self, now, their_id, reason=""):
        if self._phase == _JOINING and self._target[0].id == their_id:
            self._phase = _WAITING
            self._asked.pop(their_id, None)
            self._next_try = now + random.uniform(0.02, 0.15)

    def _at_exit(self):
        if not self.link.closed:
            try:
                self.sessions.say_goodbye()
            except Exception:
                pass


def two_player(game_name, room=None, name=None, partner=None, lobby=False, send_rate=None):
    """Make your game two-player: find a partner on the network, or wait.

    Returns a ``TwoPlayerGame`` at once; the pairing happens while
    your game runs. Define ``on_player_joined(player)`` to know when your
    partner arrives.

    * ``game_name``: the game, such as ``"pong"``: you are paired with
      someone playing the game of that name.
    * ``room``: keeps groups apart, such as two classes on one network (only
      players in the same room are paired). If left out, the environment
      variable ``PGNET_ROOM`` is used, or no room.
    * ``name``: your name, shown to others in the lobby (if left out: the
      environment variable ``PGNET_PLAYER``, or the computer's name).
    * ``partner``: only play with the player of this name.
    * ``lobby``: True to choose your partner yourself from ``game.lobby``
      with ``game.join(player)``, instead of taking the first one waiting.
    * ``send_rate``: how many times a second ``my_state`` is sent (20).

    Example:

        game = pgnet.two_player("pong")                 # anyone
        game = pgnet.two_player("pong", room="5B")      # my class only
        game = pgnet.two_player("pong", partner="Ada")  # Ada only
    """
    return TwoPlayerGame(game_name, room, name, partner, lobby, send_rate)
