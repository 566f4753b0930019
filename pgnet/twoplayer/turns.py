"""Turns and rounds: whose turn it is, moves, and new rounds.

Moves and rounds travel on the session's reliable channel, so both sides
see the same moves in the same order. Two rules keep the sides agreeing:

* The turn changes when the game *sees* a partner's move (its ``on_move``
  runs), not when the move arrives a frame earlier: so code in ``update()``
  never finds it is its turn while the board still lacks the partner's last
  move. Until then the move waits in ``Turns.pending``.
* The host starts every round. A guest's ``new_round()`` asks the host
  (``"round?"``); the host ignores a request for a round that is already
  over, so both players asking at once starts one round, not two.

Example:

    referee = Referee(me, sessions)
    if referee.move(4):
        print("moved; now it is player", referee.whose_turn())
    else:
        print(referee.refused)
"""

from collections import deque

from .hooks import MOVE_MADE, NEW_ROUND, post, still_queued


class Turns:
    """The turns of one session, as this game has seen them.

    ``round`` and ``first`` (the player who started it) and ``moves`` (made
    in it) are what the game has seen; ``net_round`` is the round as the
    network has told us, which may be ahead until the game sees it.

    Example:

        turns = Turns()
        turns.whose_turn()      # 1: player 1 starts
        turns.count_move()
        turns.whose_turn()      # 2
    """

    def __init__(self):
        self.round = 1
        self.first = 1
        self.moves = 0
        self.net_round = 1
        self.pending = deque()  # (event, change): the partner's, not seen yet

    def whose_turn(self):
        """The number of the player whose turn it is (1 or 2).

        Example:

            if turns.whose_turn() == me.number:
                print("your turn")
        """
        return self.first if self.moves % 2 == 0 else 3 - self.first

    def count_move(self):
        """One more move was made in this round.

        Example:

            turns.count_move()
        """
        self.moves += 1

    def set_round(self, number, first):
        """Round ``number`` begins, ``first`` to play.

        Example:

            turns.set_round(2, first=2)
        """
        self.round, self.first, self.moves = number, first, 0

    def when_seen(self, event, change):
        """Call ``change()`` once the game has been handed ``event``.

        Example:

            turns.when_seen(move_event, turns.count_move)
        """
        self.pending.append((event, change))

    def settle(self):
        """Apply the changes whose events the game has now been handed.

        Example:

            turns.settle()
            turns.whose_turn()
        """
        while self.pending and not still_queued(self.pending[0][0]):
            self.pending.popleft()[1]()


class Referee:
    """Turn-based play for one game: says whose turn it is, refuses moves
    out of turn (``refused`` says why), starts new rounds, and takes in the
    partner's moves and rounds.

    ``me`` is this game's player; ``sessions`` its ``Sessions``.

    Example:

        referee = Referee(me, sessions)
        referee.whose_turn()          # None until paired
    """

    def __init__(self, me, sessions):
        self.me = me
        self.sessions = sessions
        #: Why the last ``move`` was refused ("" if it was not).
        self.refused = ""

    def settle(self):
        """Apply the partner's moves and new rounds that the game has now
        been told of, and return the session (or None).

        Example:

            session = referee.settle()
        """
        session = self.sessions.current_or_lost()
        if session is not None:
            session.turns.settle()
        return session

    def whose_turn(self):
        """The number of the player whose turn it is, or None before a
        partner came.

        Example:

            referee.whose_turn()      # 1
        """
        session = self.settle()
        return session.turns.whose_turn() if session else None

    def round_number(self):
        """The round the game has seen: 1, then 2 after a new round... (0
        before a partner came).

        Example:

            referee.round_number()    # 1
        """
        session = self.settle()
        return session.turns.round if session else 0

    def move(self, move):
        """Make ``move`` if it is my turn: True if made. If not, False, and
        ``refused`` says why.

        Example:

            if not referee.move(4):
                print(referee.refused)
        """
        self.settle()
        session = self.sessions.current
        if session is None:
            lost = self.sessions.lost
            if lost is not None:
                self.refused = "%s has left: wait for them to come back." % lost.partner.name
            else:
                self.refused = "No partner yet: wait for a player to join."
            return False
        turns = session.turns
        if turns.whose_turn() != self.me.number:
            self.refused = "Not your turn: wait for %s to play." % session.partner
            return False
        self.refused = ""
        turns.count_move()
        self.sessions.send_reliable(session, ["move", turns.round, move])
        post(MOVE_MADE, move=move, player=self.me)
        return True

    def new_round(self, first_player):
        """Start a new round (the host), or ask the host for one (the
        guest). False if there is no partner.

        Example:

            referee.new_round(None)    # the other player starts
        """
        self.settle()
        session = self.sessions.current
        if session is None:
            return False
        if self.me.number == 1:
            self.start_round(session, first_player)
        else:
            self.sessions.send_reliable(session, ["round?", session.turns.round, first_player])
        return True

    def start_round(self, session, first_player):
        """The host starts the next round: ``first_player`` starts it, or
        if None the player who did not start the last one.

        Example:

            referee.start_round(session, 2)
        """
        turns = session.turns
        first = first_player or 3 - turns.first
        turns.net_round += 1
        turns.set_round(turns.net_round, first)
        self.sessions.send_reliable(session, ["round", turns.round, turns.first])
        post(NEW_ROUND, round_number=turns.round, first_player=turns.first)

    def deliver(self, session, payload):
        """A move, a new round or a request for one, from the partner, in
        the order they sent them (from the reliable channel).

        Example:

            referee.deliver(session, ["move", 1, 4])
        """
        kind = payload[0]
        turns = session.turns
        if kind == "move":
            if payload[1] == turns.net_round:  # else from a round now over
                event = post(MOVE_MADE, move=payload[2], player=session.partner)
                turns.when_seen(event, turns.count_move)
        elif kind == "round":
            number, first = payload[1], payload[2]
            turns.net_round = number
            event = post(NEW_ROUND, round_number=number, first_player=first)
            turns.when_seen(event, lambda: turns.set_round(number, first))
        elif kind == "round?":
            if self.me.number == 1 and payload[1] == turns.net_round:
                self.start_round(session, payload[2])
