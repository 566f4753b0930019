"""The parts of pgnet.twoplayer one by one, with stand-ins for the network
and made-up times: player names, lobby entries, the pairing rule, the
session's life, the reliable channel's books, turns, state sync and
smoothing. tests/test_twoplayer.py plays whole games."""

import time
import warnings

import pytest

import pgnet

from pgnet import commands, discovery, pygame_events, transport
from pgnet.errors import NotSentWarning, PgnetError
from pgnet.twoplayer import hooks, lobby, players, sync
from pgnet.twoplayer.link import Link
from pgnet.twoplayer.pairing import REFUSED_S, Pairing
from pgnet.twoplayer.players import Player
from pgnet.twoplayer.reliable import ReliableChannel
from pgnet.twoplayer.session import Session, Sessions
from pgnet.twoplayer.timing import JOIN_TIMEOUT_S, PARTNER_TIMEOUT_S, RESEND_S
from pgnet.twoplayer.turns import Referee, Turns

ADA, BOB, CY = "a" * 8, "b" * 8, "c" * 8


@pytest.fixture(autouse=True)
def queue():
    """The hooks' events (as the game would get them), empty at each test."""
    pygame_events.events.backlog.clear()
    yield pygame_events.events.backlog
    pygame_events.events.backlog.clear()


def posted(kind):
    return [e for e in pygame_events.events.backlog if e.type == kind]


class FakeLink:
    """A Link that only writes down what it would send; a PING to a player
    that is ``alive`` (an address) is answered at once."""

    address = "127.0.0.1:40000"

    def __init__(self):
        self.sent = []
        self.reconnected = []
        self.known = set()  # addresses it already has a connection to

        self.alive = {}  # address -> (player id, the Pairing to answer)

    def knows(self, address):
        return address in self.known

    def send(self, address, word, *params):
        self.sent.append((address, word) + params)
        if word == "PING" and address in self.alive:
            their_id, pairing = self.alive[address]
            pairing.on_pong(0.0, their_id, params[1])

    def words(self):
        return [sent[1] for sent in self.sent]

    def reconnect(self, address):
        self.reconnected.append(address)

    reconnect_later = reconnect


# -- players ---------------------------------------------------------------------------

def test_player_ids_names_and_who_is_meant(monkeypatch):
    assert players.is_id(players.new_id()) and not players.is_id("Ada")
    assert not players.is_id(None) and not players.is_id("ABCDEF12")
    monkeypatch.setenv("PGNET_PLAYER_ID", ADA)
    assert players.my_id() == ADA
    monkeypatch.setenv("PGNET_PLAYER_ID", "Ada")  # not an id: a random one
    assert players.is_id(players.my_id()) and players.my_id() != players.my_id()
    monkeypatch.setenv("PGNET_PLAYER", " Ada ")
    assert players.default_name() == "Ada"
    assert players.printable("Ada:1\n*") == "Ada-1 -"
    ada = Player(ADA, "Ada")
    assert str(ada) == "Ada" and not ada.is_host
    ada.number = 1
    assert str(ada) == "player 1 (Ada)" and ada.is_host
    for wanted in ("ada", " Ada ", ADA, Player(ADA, "someone else")):
        assert players.same_player(ada, wanted), wanted
    assert not players.same_player(ada, "Bob")
    assert players.same_player(Player(BOB, "a-b"), "a:b")  # as the lobby shows it


# -- lobby entries ---------------------------------------------------------------------

def test_lobby_entries_are_made_and_read_back():
    ada = Player(ADA, "Ada Lovelace")
    name = lobby.entry_name("pong", "5B", ada)
    assert name == "pong@5B#%s Ada Lovelace" % ADA
    assert lobby.parse_entry(name, lobby.lobby_prefix("pong", "5B")) == (ADA, "Ada Lovelace")
    assert lobby.parse_entry("pong#" + ADA, "pong#") == (ADA, ADA)  # no name: the id
    for not_an_entry in ("pong@5A#" + ADA, "pong#xyz", "pong#" + ADA + "x", "robot"):
        assert lobby.parse_entry(not_an_entry, "pong@5B#") is None, not_an_entry
    long_name = lobby.entry_name("pong", "", Player(ADA, "x" * 200))
    assert len(long_name) <= discovery.MAX_NAME_LENGTH
    assert lobby.entry_name("pong", "", Player(ADA, "\n")) == "pong#" + ADA
    assert lobby.shown_name("pong", "5B", "Ada:1") == "Ada-1"
    shown = lobby.shown_name("pong", "", "x" * 200)
    assert lobby.parse_entry(long_name, "pong#") == (ADA, shown) and len(shown) < 200


def test_game_and_room_names_are_checked():
    assert lobby.check_game_name(" tic tac toe ") == "tic tac toe"
    for bad in ("", "  ", None, "a#b", "a@b", "x:1", "a*", "tab\there"):
        with pytest.raises(PgnetError, match="game"):
            lobby.check_game_name(bad)
    assert lobby.check_room("5B", "pong") == "5B"
    with pytest.raises(PgnetError, match="room"):
        lobby.check_room("a#b", "pong")
    with pytest.raises(PgnetError, match="too long"):
        lobby.check_room("r" * discovery.MAX_NAME_LENGTH, "pong")


# -- pairing ------------------------------------------------------------------------------

class FakeLobby:
    """A lobby whose waiting players the test sets."""

    game_name, room, name = "pong", "", "pong#me"

    def __init__(self, *waiting):
        self.waiting = {p.id: (p, "127.0.0.1:%d" % (50000 + i)) for i, p in enumerate(waiting)}
        self.advertised = False

    def waiting_players(self):
        return dict(self.waiting)

    def advertise(self):
        self.advertised = True

    def unadvertise(self):
        self.advertised = False

    def where(self, name):
        return None, None

    def show_playing(self, partner):
        self.playing = partner


class FakeSessions:
    """Sessions that only write down which session began."""

    def __init__(self):
        self.current = self.lost = None
        self.begun = []

    def begin(self, session, resumed, now):
        self.current = session
        self.begun.append((session, resumed))


def pairing_for(my_id, *waiting, wanted=None, lobby_mode=False, dead=()):
    """A Pairing of ``my_id`` with ``waiting`` players in the lobby, all
    alive but the ids in ``dead``."""
    link, sessions, lobby = FakeLink(), FakeSessions(), FakeLobby(*waiting)
    pairing = Pairing(Player(my_id, "me"), lobby, link, sessions, wanted, lobby_mode)
    link.alive = {address: (p.id, pairing) for p, address in lobby.waiting.values()
                  if p.id not in dead}
    pairing.start_looking()
    return pairing, link, sessions


def test_only_players_proven_alive_are_asked():
    ghost, ada, bob = Player("00000000", "Ghost"), Player(ADA, "Ada"), Player(BOB, "Bob")
    pairing, link, _ = pairing_for(CY, ghost, ada, bob, dead={"00000000"})
    pairing.tick(0.0)
    assert asked(link) == ["127.0.0.1:50001"]  # Ada, not the ghost with the smaller id
    assert [s[0] for s in link.sent if s[1] == "PING"] == [
        "127.0.0.1:50000", "127.0.0.1:50001", "127.0.0.1:50002"]
    # Ada (the smallest alive) never asks the ghost: she waits to be asked.
    smallest, link, _ = pairing_for(ADA, ghost, bob, dead={"00000000"})
    smallest.tick(0.0)
    assert asked(link) == []


def test_a_named_partner_can_be_pinned_to_a_computer():
    fake, real = Player(ADA, "Ada", machine="bobs-pc"), Player(BOB, "Ada", machine="ada-laptop")
    pinned, link, _ = pairing_for(CY, fake, real, wanted="Ada@ada-laptop")
    pinned.tick(0.0)
    assert asked(link) == ["127.0.0.1:50001"]
    assert pinned.status() == "Joining Ada on ada-laptop..."
    unpinned, link, _ = pairing_for(CY, fake, real, wanted="Ada")
    assert unpinned.status() == "Waiting for Ada..."


def asked(link):
    return [sent[0] for sent in link.sent if sent[1] == "JOIN"]


def test_the_pairing_rule_asks_the_smallest_id_below_ours():
    ada, bob, cy = Player(ADA, "Ada"), Player(BOB, "Bob"), Player(CY, "Cy")
    # Cy asks Ada (the smallest); Ada, the smallest, never asks: she is asked.
    pairing, link, _ = pairing_for(CY, bob, ada)
    pairing.tick(0.0)
    assert asked(link) == ["127.0.0.1:50001"] and pairing.joining
    assert pairing.status() == "Joining Ada..."
    smallest, link, _ = pairing_for(ADA, bob, cy)
    smallest.tick(0.0)
    assert asked(link) == [] and smallest.status() == "Waiting for a player..."
    # No answer in time: drop the request, and ask the next one a little later.
    pairing.tick(JOIN_TIMEOUT_S + 0.01)
    assert not pairing.joining
    pairing.tick(JOIN_TIMEOUT_S + 0.2)
    assert asked(pairing.link) == ["127.0.0.1:50001", "127.0.0.1:50000"]


def test_a_player_who_refuses_is_left_out_for_a_while():
    ada, bob = Player(ADA, "Ada"), Player(BOB, "Bob")
    pairing, link, _ = pairing_for(CY, ada, bob)
    pairing.tick(0.0)
    pairing.on_reject(0.01, ADA, "busy")  # only for now: Ada is asked again
    pairing.tick(0.2)
    assert asked(link) == ["127.0.0.1:50000"] * 2
    # Ada waits for someone else: Bob is asked instead, until REFUSED_S is over.
    pairing.on_reject(0.21, ADA, "waiting for someone else")
    pairing.tick(0.4)
    assert asked(link)[-1] == "127.0.0.1:50001"
    pairing.on_reject(0.41, BOB, "waiting for someone else")
    pairing.tick(0.6)
    assert not pairing.joining and len(asked(link)) == 3
    pairing.tick(0.21 + REFUSED_S + 0.01)
    assert asked(link)[-1] == "127.0.0.1:50000"
    # The user's own choice is asked whatever it said before.
    choosing, link, _ = pairing_for(CY, ada, lobby_mode=True)
    choosing.choose("Ada")
    choosing.tick(0.0)
    choosing.on_reject(0.01, ADA, "waiting for someone else")
    choosing.tick(0.2)
    assert asked(link) == ["127.0.0.1:50000"] * 2


def test_pairing_by_name_in_the_lobby_and_rejections():
    ada, bob = Player(ADA, "Ada"), Player(BOB, "Bob")
    named, link, _ = pairing_for(CY, ada, bob, wanted="bob")
    named.tick(0.0)
    assert asked(link) == ["127.0.0.1:50001"] and named.target[0] is bob
    named.on_reject(1.0, BOB, "busy")
    assert not named.joining and named.status() == "Waiting for bob..."
    choosing, link, _ = pairing_for(CY, ada, bob, lobby_mode=True)
    choosing.tick(0.0)
    assert asked(link) == [] and choosing.status() == "Choose a player, or wait to be chosen..."
    assert choosing.choose("nobody") is False
    assert choosing.choose("Bob") is True
    choosing.tick(0.0)
    assert asked(link) == ["127.0.0.1:50001"]


def test_a_long_name_cut_short_in_the_lobby_is_still_found():
    full, other = "Alexandrina " + "x" * 60, "Alexandrina " + "x" * 59 + "y"
    cut = lobby.shown_name("pong", "", full)
    assert cut != full and lobby.shown_name("pong", "", other) == cut
    ada = Player(ADA, cut)  # as the lobby shows her
    named, link, sessions = pairing_for(CY, ada, wanted=full)
    named.tick(0.0)
    assert asked(link) == ["127.0.0.1:50000"]
    named.on_accept(0.01, ADA, full, "t" * 16, 2, False)
    assert sessions.current.partner.name == full
    # Her answer carries her full name: another one with the same start is
    # not the partner wanted, and is told so at once.
    named, link, sessions = pairing_for(CY, ada, wanted=full)
    named.tick(0.0)
    named.on_accept(0.01, ADA, other, "t" * 16, 2, False)
    assert sessions.current is None and link.sent[-1][1:] == ("BYE", "t" * 16, CY)
    named.tick(0.2)
    assert not named.joining  # not asked again for a while
    # The same for join(name) in the lobby, and for her own request.
    choosing, link, _ = pairing_for(CY, ada, lobby_mode=True)
    assert choosing.choose(full) is True
    asked_by, link, sessions = pairing_for(ADA, wanted=full)
    asked_by.on_join(0.0, CY, cut, "pong#" + CY, "127.0.0.1:50009", "pong", "")
    assert link.sent[-1][1:] == ("REJECT", ADA, "waiting for someone else")
    asked_by.on_join(0.0, CY, full, "pong#" + CY, "127.0.0.1:50009", "pong", "")
    assert sessions.current.partner.name == full


def test_a_join_request_is_accepted_or_rejected():
    pairing, link, sessions = pairing_for(ADA)
    join = ("Cy", "pong#" + CY, "127.0.0.1:50009")
    pairing.on_join(0.0, CY, *join, "chess", "")
    assert link.sent[-1][1:] == ("REJECT", ADA, "another game")
    pairing.on_join(0.0, "not an id", *join, "pong", "")  # ignored
    pairing.on_join(0.0, CY, *join, "pong", "")
    (session, resumed), = sessions.begun
    assert (session.partner.id, session.my_number, resumed) == (CY, 1, False)
    assert link.sent[-1][1:] == ("ACCEPT", ADA, "me", session.token, 2, False)
    pairing.on_join(0.0, BOB, "Bob", "pong#" + BOB, "127.0.0.1:50010", "pong", "")
    assert link.sent[-1][1:] == ("REJECT", ADA, "already playing")


# -- the session ---------------------------------------------------------------------------

class Parts:
    """What Sessions tells the rest of the game, written down."""

    def __init__(self):
        self.heard = []

    def on_paired(self, session, resumed, now):
        self.heard.append(("paired", resumed))

    def on_unpaired(self):
        self.heard.append(("unpaired",))

    def deliver(self, session, payload):
        self.heard.append(("delivered", payload))


def paired_sessions(now=100.0):
    me, link, parts = Player(ADA, "Ada"), FakeLink(), Parts()
    sessions = Sessions(me, link, parts.on_paired, parts.on_unpaired, parts.deliver)
    session = Session("t" * 16, Player(BOB, "Bob"), 1, "127.0.0.1:50001", now)
    sessions.begin(session, False, now)
    return sessions, session, link, parts


def test_a_session_begins_goes_missing_and_resumes():
    sessions, session, link, parts = paired_sessions(now=100.0)
    assert parts.heard == [("paired", False)] and sessions.me.number == 1
    assert session.partner.number == 2 and len(posted(hooks.PLAYER_JOINED)) == 1
    assert not sessions.partner_silent(100.0 + PARTNER_TIMEOUT_S)
    assert sessions.partner_silent(100.0 + PARTNER_TIMEOUT_S + 0.01)
    sessions.partner_missing(103.0)
    assert sessions.current is None and sessions.lost is session
    assert parts.heard[-1] == ("unpaired",) and len(posted(hooks.PLAYER_LEFT)) == 1
    sessions.call_missing_partner(103.0)  # keeps calling: a fresh connection, a heartbeat
    assert link.reconnected == [session.address] and link.words()[-1] == "HB"
    # Anything with the token resumes it.
    assert sessions.session_for("someone else", 104.0) is None
    assert sessions.session_for(session.token, 104.0) is session
    assert sessions.current is session and parts.heard[-1] == ("paired", True)
    assert session.partner.resumed and sessions.me.number == 1


def test_a_goodbye_ends_the_session():
    sessions, session, link, parts = paired_sessions()
    sessions.on_bye(101.0, "another token", BOB)
    assert sessions.current is session
    sessions.on_bye(101.0, session.token, BOB)
    assert sessions.current is None and sessions.lost is None and sessions.me.number is None
    assert parts.heard[-1] == ("unpaired",) and link.reconnected == [session.address]


def test_heartbeats_echoes_and_the_ping():
    sessions, session, link, _ = paired_sessions(now=100.0)
    sessions.keep_alive(100.0)
    assert link.sent[-1] == (session.address, "HB", session.token, ADA, link.address,
                             1, 100.0, 0)
    sessions.on_heartbeat(100.01, session.token, BOB, "127.0.0.1:50001", 7, 99.9, 0)
    assert link.sent[-1] == (session.address, "ECHO", session.token, 7, 99.9)
    sessions.on_echo(100.04, session.token, 1, 100.0)
    assert sessions.ping_ms == pytest.approx(40.0)
    # A stranger's heartbeat gets nothing: no goodbye, no connection.
    for now in (100.0, 100.5, 101.2):
        sessions.on_heartbeat(now, "stranger", CY, "127.0.0.1:50009", 1, now, 0)
    assert [s for s in link.sent if s[2] == "stranger"] == []
    # A game we talked to before gets a goodbye, but not every time.
    link.known.add("127.0.0.1:50009")
    for now in (102.0, 102.5, 103.2):
        sessions.on_heartbeat(now, "old token", CY, "127.0.0.1:50009", 1, now, 0)
    assert [s[1:3] for s in link.sent if s[2] == "old token"] == [("BYE", "old token")] * 2
    # A heartbeat naming a host (to be looked up in the frame) is ignored.
    with pytest.raises(pgnet.AddressError):
        sessions.on_heartbeat(104.0, "x", CY, "some.host:50009", 1, 104.0, 0)


def test_reliable_payloads_are_delivered_in_order_once_and_acknowledged():
    sessions, session, link, parts = paired_sessions()
    for seq in (2, 1, 2, 3, 1):
        sessions.on_reliable(101.0, session.token, seq, ["event", "e%d" % seq, None])
    delivered = [h[1][1] for h in parts.heard if h[0] == "delivered"]
    assert delivered == ["e1", "e2", "e3"]
    assert [s[1:] for s in link.sent if s[1] == "ACK"][-1] == ("ACK", session.token, 3)
    sessions.send_reliable(session, ["event", "goal", 1])
    assert link.sent[-1] == (session.address, "R", session.token, 1, ["event", "goal", 1])


def test_what_waits_for_a_missing_partner_is_sent_as_it_was_when_sent():
    # A game may change its list afterwards: the partner gets it as it was.
    sessions, session, link, _ = paired_sessions(now=100.0)
    sessions.partner_missing(103.0)
    score = [1, 0]
    sessions.send_reliable(session, ["event", "score", score])
    score[0] = 99
    session.channel.resend_all_now()  # (the partner is back)
    assert session.channel.to_resend(time.monotonic(), RESEND_S) == [(1, ["event", "score", [1, 0]])]


# -- the reliable channel's books ----------------------------------------------------------

def test_unacknowledged_payloads_are_resent_until_acknowledged():
    channel = ReliableChannel()
    assert channel.add("a", 10.0) == 1 and channel.add("b", 10.1) == 2
    assert channel.to_resend(10.0 + RESEND_S, RESEND_S) == [(1, "a")]
    assert channel.to_resend(10.0 + RESEND_S, RESEND_S) == []  # just sent again
    channel.acknowledged(1)
    assert channel.to_resend(20.0, RESEND_S) == [(2, "b")]
    channel.acknowledged("nonsense")  # a peer may send anything
    channel.resend_all_now()
    assert channel.to_resend(20.0, RESEND_S) == [(2, "b")]
    channel.acknowledged(5)
    assert channel.unacked == {}


def test_payloads_come_out_in_order_and_a_failed_delivery_is_not_counted():
    channel = ReliableChannel()
    assert list(channel.arrived(2, "b")) == [] and channel.last_in == 0
    assert list(channel.arrived(1, "a")) == ["a", "b"] and channel.last_in == 2
    assert list(channel.arrived(1, "a")) == []  # a duplicate
    for payload in channel.arrived(3, "c"):
        break  # delivering it failed
    assert channel.last_in == 2
    assert list(channel.arrived(3, "c")) == ["c"] and channel.last_in == 3


# -- turns ----------------------------------------------------------------------------------

def test_turns_alternate_and_a_round_starts_afresh():
    turns = Turns()
    assert turns.whose_turn() == 1
    turns.count_move()
    assert turns.whose_turn() == 2
    turns.set_round(2, first=2)
    assert (turns.round, turns.moves, turns.whose_turn()) == (2, 0, 2)


def test_the_partners_move_counts_once_the_game_has_seen_it(queue):
    sessions, session, link, _ = paired_sessions()
    referee = Referee(sessions.me, sessions)
    referee.deliver(session, ["move", 1, 4])
    referee.deliver(session, ["move", 7, 5])  # from another round: ignored
    (event,) = posted(hooks.MOVE_MADE)
    assert (event.move, event.player.name) == (4, "Bob")
    assert referee.whose_turn() == 1  # not yet: the game has not seen it
    queue.clear()
    assert referee.whose_turn() == 2
    assert referee.move(3) is False
    assert referee.refused == "Not your turn: wait for player 2 (Bob) to play."


def test_the_host_starts_a_round_once_when_asked():
    sessions, session, link, _ = paired_sessions()
    referee = Referee(sessions.me, sessions)
    referee.deliver(session, ["round?", 1, None])
    referee.deliver(session, ["round?", 1, None])  # asked twice: one round
    assert [(e.round_number, e.first_player) for e in posted(hooks.NEW_ROUND)] == [(2, 2)]
    assert [s[4] for s in link.sent if s[1] == "R"] == [["round", 2, 2]]


# -- state sync and smoothing ---------------------------------------------------------------

def test_states_go_out_at_the_send_rate_and_newer_ones_win():
    link, session = FakeLink(), Session("t" * 16, Player(BOB, "Bob"), 1, "127.0.0.1:1", 0.0)
    state = sync.StateSync(link, lambda token, now: session if token == session.token else None,
                           send_rate=10)
    state.start(0.0, resumed=False)
    state.my_state["y"] = 1
    for now in (0.0, 0.05, 0.1, 0.15, 0.2):
        state.send_if_due(session, now)
    assert [s[3] for s in link.sent] == [1, 2, 3]  # 10 a second
    for seq, x in [(2, 2), (1, 1), (2, "dup"), (3, 3)]:
        state.on_state(1.0, session.token, seq, 0.5 + seq, {"x": x})
    state.on_state(1.0, "another token", 9, 1.0, {"x": "intruder"})
    assert state.partner_state == {"x": 3}


def test_a_state_that_cannot_be_sent_is_warned_about_once():
    class Refusing(FakeLink):
        def send(self, address, word, *params):
            commands.encode_command(word, params)  # as the real one does first

    session = Session("t" * 16, Player(BOB, "Bob"), 1, "127.0.0.1:1", 0.0)
    state = sync.StateSync(Refusing(), lambda token, now: session, send_rate=20)
    state.my_state["bad"] = {1, 2}  # a set: pgnet cannot send it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for now in (0.0, 0.1, 0.2):
            state.send_if_due(session, now)
    assert [w.category for w in caught if w.category is not ResourceWarning] == [NotSentWarning]
    assert state.my_seq == 0


def test_between_slides_numbers_and_positions_only():
    assert sync.between(0, 100, 0.25) == 25
    assert sync.between((0, 0), (10, 20), 0.5) == (5, 10)
    assert sync.between([0, 0], (10, 20), 0.5) == (5, 10)
    assert sync.between("a", "b", 0.5) == "a" and sync.between("a", "b", 1) == "b"
    assert sync.between(True, 5, 0.5) is True  # a bool is not a number here
    assert sync.between((0, "x"), (1, "y"), 0.5) == (0, "x")


# -- the link -------------------------------------------------------------------------------

def test_the_link_calls_only_registered_handlers_and_survives_bad_input():
    link = Link(Player(ADA, "Ada"), phase=lambda: "waiting")
    try:
        calls = []
        link.handle({"HB": lambda now, *params: calls.append(params)})

        def arrive(word, *params):
            link.arrived(transport.Arrival("command", None, None, (word, list(params)), None))

        arrive("HB", 1, 2)
        arrive("arrived", 1)  # no such word: nothing happens
        link.handle({"BAD": lambda now, a: a[5]})
        arrive("BAD", [])  # a malformed parameter: ignored
        arrive("BAD", 1, 2, 3)  # the wrong number of parameters: ignored
        assert calls == [(1, 2)]
    finally:
        link.close()
    arrive("HB", 3)  # closed: not handled
    assert calls == [(1, 2)]


def test_default_names_are_friendly_and_told_apart(monkeypatch):
    monkeypatch.delenv("PGNET_PLAYER", raising=False)
    monkeypatch.setattr(players.getpass, "getuser", lambda: "ada")
    assert players.default_name() == "ada"
    monkeypatch.setenv("PGNET_PLAYER", "Grace")
    assert players.default_name() == "Grace"
    assert players.distinct_name("ada", []) == "ada"
    assert players.distinct_name("ada", ["ada", "bob"]) == "ada 2"
    assert players.distinct_name("ada", ["ada", "ada 2"]) == "ada 3"
