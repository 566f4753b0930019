"""``TwoPlayerGame``, the object a two-player game uses, and ``two_player``.

The game object is a front desk: what the game reads and calls is here,
with its documentation; the work is done by the parts it is made of, each
in its own module (see ``pgnet/twoplayer/__init__.py``). It connects them
in ``__init__``, runs their work at each pump in ``_tick``, and passes on
what the session tells it (paired, unpaired, a payload delivered).

Example:

    game = two_player("pong")
    game.my_state["y"] = 300
"""

import atexit

from .. import discovery, scheduler, wire
from ..settings import settings
from ..errors import MessageError
from .hooks import GAME_EVENT, post
from .link import Link, log_error
from .lobby import Lobby, check_game_name, check_room
from .pairing import Pairing
from .players import Player, default_name, distinct_name, my_id
from .session import Sessions
from .sync import StateSync
from .timing import SEND_RATE
from .turns import Referee


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
            room = settings.room
        self.room = check_room(str(room).strip(), self.game_name)
        #: You: ``game.me.number`` is your player number once paired.
        self.me = Player(my_id(), str(name).strip() if name else default_name())

        scheduler.use_events()  # a game: sends must never wait
        # The parts, pgnet's own (games use the properties and methods below):
        # protocol words in and out; the session with the partner; my_state
        # and partner_state; turns; finding a partner.
        self.link = Link(self.me, self._phase)
        self.sessions = Sessions(self.me, self.link, self._paired, self._unpaired, self._delivered)
        self.sync = StateSync(self.link, self.sessions.session_for, send_rate or SEND_RATE)
        self.referee = Referee(self.me, self.sessions)
        waiting_room = Lobby(self.game_name, self.room, self.me, self.link.port)
        if not name:
            # Two windows on one computer, or a room of shared accounts:
            # "ada", then "ada 2", so that everyone on screen is told apart.
            if not scheduler.default.in_frames:  # (settling waits a moment)
                discovery.get_beacon().settle()
            self.me.name = distinct_name(self.me.name, [p.name for p in waiting_room.players()])
        self.pairing = Pairing(
            self.me, waiting_room, self.link, self.sessions, partner, bool(lobby),
        )
        self.link.handle({
            "JOIN": self.pairing.on_join, "ACCEPT": self.pairing.on_accept,
            "REJECT": self.pairing.on_reject,
            "PING": self.pairing.on_ping, "PONG": self.pairing.on_pong,
            "HB": self.sessions.on_heartbeat, "ECHO": self.sessions.on_echo,
            "R": self.sessions.on_reliable, "ACK": self.sessions.on_ack,
            "BYE": self.sessions.on_bye, "S": self.sync.on_state,
        })
        #: Where this player listens for its partner, as "ip:port".
        self.address = self.link.address
        self.pairing.start_looking()
        self._stop_ticker = scheduler.every_frame(self._tick)
        atexit.register(self._at_exit)

    # -- what the game reads -----------------------------------------------------

    @property
    def send_rate(self):
        """How many times a second ``my_state`` is sent (``two_player``'s
        ``send_rate``); it may be changed while the game runs.

        Example:

            game.send_rate = 60     # smoother, at three times the traffic
        """
        return self.sync.send_rate

    @send_rate.setter
    def send_rate(self, rate):
        self.sync.send_rate = rate

    @property
    def paired(self):
        """True while you have a partner to play with.

        Example:

            def update():
                if not game.paired:
                    return      # nothing moves until someone joins
        """
        return self.sessions.current is not None

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
        if self.paired:
            return "Playing with %s: you are player %d" % (self.partner.name, self.me.number)
        if self.sessions.lost is not None:
            return "%s left: waiting for them to come back..." % self.sessions.lost.partner.name
        return self.pairing.status()

    @property
    def lobby(self):
        """The players waiting for a partner in this game (and room), as a
        list of ``Player``, sorted by name. You are not in it.

        Example:

            for i, player in enumerate(game.lobby):
                screen.draw.text(player.name, (20, 40 + 30 * i))
        """
        return self.pairing.lobby.players()

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
        return self.pairing.choose(player)

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
        self.pairing.close()
        self.link.close()
        self.sessions.hang_up()

    def __repr__(self):
        return "<TwoPlayerGame %r room=%r %s>" % (self.game_name, self.room, self.status)

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
            self.pairing.tick(now)
        except Exception:
            log_error()

    def _phase(self):
        """What the game is doing, in a word, for debugging logs."""
        if self.paired:
            return "playing"
        return "joining" if self.pairing.joining else "waiting"

    # -- how the parts hear of each other ----------------------------------------

    def _paired(self, session, resumed, now):
        self.pairing.stop_looking()
        self.sync.start(now, resumed)

    def _unpaired(self):
        self.pairing.start_looking()

    def _delivered(self, session, payload):
        if payload[0] == "event":
            post(GAME_EVENT, name=payload[1], data=payload[2], player=session.partner)
        else:
            self.referee.deliver(session, payload)

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
      players in the same room are paired). If left out, the room of the
      whole program is used (``pgnet.settings.room``, from the environment
      variable ``PGNET_ROOM``), or no room.
    * ``name``: your name, shown to others in the lobby (if left out: the
      environment variable ``PGNET_PLAYER``, or the name you logged in
      with; "ada 2" if an "ada" is already waiting).
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
