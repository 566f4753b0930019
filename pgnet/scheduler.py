"""pgnet in a game: collect what arrived once a frame, never wait.

In a game a frame must never wait for the network. So in *events mode*
(``use_events()``, switched on by ``import pgnet`` in a Pygame Zero game
or by ``pgnet.pump()``):

* sends return at once; a send to a name not found yet is *postponed* and
  tried again each frame until the name is found (or, after a few seconds,
  given up with a ``NotFoundWarning``);
* replies, news and incoming messages wait in the sockets' inboxes until
  ``pump()`` collects them, once a frame;
* pgnet's own protocols (two-player games) run *tickers* once a frame, to
  send heartbeats or resend lost data: ``every_frame(ticker)``.

It is one object, ``Scheduler``; the program's one is ``default``, and the
functions here are its methods:

    from pgnet import scheduler
    scheduler.use_events()
    for arrival in scheduler.pump():      # once a frame
        print(arrival.kind, arrival.data)

Threads: the main thread only (the game's loop).
"""

import os
import threading
import time
import traceback

import zmq

from . import addresses, auth, discovery, registry
from .errors import NotFoundWarning, NotSentWarning, PgnetError, SlowFrameWarning, warn
from .settings import settings
from .retry import Retry
from .transport import DEFAULT_WAIT_S, Sender, ready, wake_items, warn_remote_error

_POLLIN = int(zmq.POLLIN)


class _Postponed:
    """Sends to one name not found yet, tried again by each pump(); the
    network is asked again every ``settings.advert_interval_s``, and one
    warning is given if it is not found in time, or if the sends cannot be
    made once it is (such as a ``NetworkLimitError``: then they are dropped)."""

    def __init__(self, connect, target, patient):
        self.connect, self.target = connect, target
        self.actions = []
        self.retry = Retry(0, DEFAULT_WAIT_S)  # each frame, for a few seconds
        self.query = Retry(settings.advert_interval_s, None)
        self.patient = patient  # keep trying after the deadline (subscriptions)

    def add(self, action):
        """Keep ``action`` too, unless too many wait (then the oldest goes)."""
        if len(self.actions) >= MAX_POSTPONED:
            del self.actions[0]
        self.actions.append(action)

    def attempt(self, now):
        """True once done (sent, or given up with a warning)."""
        if not self.retry.due(now):
            return False
        try:
            # (With a password, nothing goes before the room key is derived,
            # in the background: a moment. It counts against the time limit.)
            endpoint = self.connect(self.target, 0) if auth.key_ready() else None
            while endpoint is not None and self.actions:
                self.actions[0](endpoint)
                del self.actions[0]  # (done: never done again)
        except PgnetError as error:
            # (Such as NetworkLimitError.) Whoever sent has long returned:
            # say it once, not in every frame from now on.
            warn(NotSentWarning, "%d send%s to %r not sent: %s", len(self.actions),
                 "" if len(self.actions) == 1 else "s", self.target, error)
            return True
        if endpoint is not None:
            return True
        by_address = addresses.is_address(self.target)  # (a computer's name, being looked up)
        if self.query.due(now) and not by_address:
            discovery.get_beacon().send_query(self.target)
        if self.retry.expired(now):
            if self.patient:
                warn(NotFoundWarning,
                    "No program called %r found yet; pgnet will subscribe to "
                    "its news as soon as it appears.", self.target,
                )
                self.retry.keep_trying()
                return False
            if by_address:
                missing = "the computer %r was not found" % self.target.rpartition(":")[0]
                question = ("Is it on this network, with its name spelt the same? Its IP "
                            "address (like '192.168.1.5:5000') always works.")
            else:
                missing = "no program of that name found"
                question = "Is it running, with the name spelt the same?"
            warn(NotFoundWarning, "Gave up sending to %r: %s in %g s (%d sends dropped). %s",
                 self.target, missing, DEFAULT_WAIT_S, len(self.actions), question)
            return True
        return False


#: At most this many sends wait for one name to be found; with more, the
#: oldest are dropped (a game sending every frame to a name not found yet
#: keeps only the newest).
MAX_POSTPONED = 100


def _caller_outside_pgnet():
    """``(file, line)`` of the user's code that called into pgnet."""
    for entry in reversed(traceback.extract_stack()[:-2]):
        if not entry.filename.startswith(_PGNET_DIR):
            return entry.filename, entry.lineno
    return "?", 0


_PGNET_DIR = os.path.dirname(os.path.abspath(__file__))


class Scheduler:
    """Events mode, postponed sends and per-frame tickers for one program's
    ``endpoints`` (a ``registry.Endpoints``).

    Example:

        frames = Scheduler(registry.default)
        frames.use_events()
        arrivals = frames.pump()
    """

    def __init__(self, endpoints):
        self.endpoints = endpoints
        #: True in events mode (read it with ``events_mode()``; messaging
        #: reads it directly, once per send).
        self.events = False
        self._postponed = {}  # (connect, name) -> _Postponed: sends to names not found yet
        self._lock = threading.Lock()  # around _postponed (worker threads send too)
        #: True while Pygame Zero's game loop runs (set by ``pgnet.pgzero_hooks``):
        #: then every call is inside a frame, and must not wait.
        self.in_frames = False
        self._warned_waits = set()
        self._tickers = []  # called by every pump(): see every_frame()
        self._wakers = []  # (sockets, ticker): see wake_on()
        self._first = 0  # where pump() starts its round of the sockets

    def use_events(self, enabled=True):
        """Switch to game mode: sends return at once, and what arrives is
        collected by ``pump`` instead of the ``wait_for_...`` calls.

        ``import pgnet`` in a Pygame Zero game, or calling ``pgnet.pump()``,
        does this for you.

        Example: ``scheduler.use_events()``
        """
        self.events = enabled

    def events_mode(self):
        """True in game mode (see ``use_events``).

        Example: ``if scheduler.events_mode(): ...``"""
        return self.events

    def when_found(self, connect, target, action, patient=False):
        """Do ``action(endpoint)`` now if ``target`` is known, else as soon
        as a ``pump`` finds it. ``connect`` is how to get the endpoint, such
        as ``registry.connected_sender``; it is asked with a wait of 0.

        For events mode, where a frame must never wait for discovery, nor
        for the room key (with a password, every send waits here until the
        key is derived, in the background). Gives up after
        ``DEFAULT_WAIT_S`` seconds, warning ``NotFoundWarning``; a
        ``patient`` one warns then, and keeps trying.

        Example:

            scheduler.when_found(registry.connected_sender, "robot",
                                 lambda sender: sender.send_command(body))
        """
        with self._lock:
            waiting = self._postponed.get((connect, target))
            if waiting is not None:  # after those waiting already: in the order sent
                waiting.add(action)
                return
        endpoint = connect(target, 0) if auth.key_ready() else None
        if endpoint is not None:
            action(endpoint)
            return
        with self._lock:
            # (It asks the network at once: the answer is there by a later frame.)
            waiting = self._postponed.setdefault(
                (connect, target), _Postponed(connect, target, patient))
            waiting.add(action)

    def _attempt_postponed(self, now):
        # Each is taken out while it is tried, without the lock: what it
        # does may send again (a warning's handler, say), and such a send
        # must neither wait for the lock nor join one about to be dropped.
        with self._lock:
            due, self._postponed = self._postponed, {}
        left = iter(due.items())
        try:
            for key, waiting in left:
                if not waiting.attempt(now):
                    self._keep_postponed(key, waiting)
        finally:  # (one raised an error, which goes on: it is dropped, those not tried kept)
            for key, waiting in left:
                self._keep_postponed(key, waiting)

    def _keep_postponed(self, key, waiting):
        with self._lock:
            newer = self._postponed.get(key)
            self._postponed[key] = waiting
            for action in newer.actions if newer is not None else ():
                waiting.add(action)  # (sent meanwhile: after the older ones)

    def cancel_postponed(self):
        """Drop every send still waiting for its name to be found (done by
        ``close_all``).

        Example: ``scheduler.cancel_postponed()``"""
        with self._lock:
            self._postponed.clear()

    def may_wait(self):
        """False inside a Pygame Zero frame (in the game's main thread, once
        its loop has started), where nothing may wait; True elsewhere.

        Example: ``if scheduler.may_wait(): peer.settle()``"""
        return not self.in_frames or threading.current_thread() is not threading.main_thread()

    def frame_wait(self, wait_for_s):
        """The time a blocking call may wait: ``wait_for_s``, or 0 inside a
        Pygame Zero frame, where waiting would freeze the game (then it warns
        ``SlowFrameWarning`` once for each place in the game that does it).

        Example: ``wait = scheduler.frame_wait(5.0)``"""
        if not wait_for_s or not self.in_frames or self.may_wait():  # (outside a game: at once)
            return wait_for_s
        where = _caller_outside_pgnet()
        if where not in self._warned_waits:
            self._warned_waits.add(where)
            warn(SlowFrameWarning,
                "%s, line %d: a call that waits (%g s) inside a Pygame Zero game would "
                "freeze it, so pgnet does not wait: a wait_for_... call only checks, and "
                "a reply or news comes to your hooks (on_network_reply, on_network_news). "
                "Use the hooks, and leave the wait out.", where[0], where[1], wait_for_s,
            )
        return 0

    def every_frame(self, ticker):
        """Call ``ticker(now)`` at the start of every ``pump`` (once a
        frame in a game), with ``now`` from ``time.monotonic()``; for pgnet's
        own protocols that send heartbeats or resend lost data. Returns a
        function that stops it.

        Example:

            stop = scheduler.every_frame(lambda now: print(now))
            stop()
        """
        self._tickers.append(ticker)
        return lambda: ticker in self._tickers and self._tickers.remove(ticker)

    def wake_on(self, sockets, ticker):
        """Have ``wait_for_input`` (a game's wait for its next frame) also
        wait on ``sockets()``, plain sockets such as OSC's UDP ones, and
        call ``ticker(now)`` as soon as one has something. Returns a
        function that stops it.

        Example:

            stop = scheduler.wake_on(lambda: [udp_socket], hub.tick)
        """
        waker = (sockets, ticker)
        self._wakers.append(waker)
        return lambda: waker in self._wakers and self._wakers.remove(waker)

    def wait_for_input(self, timeout_ms):
        """Wait up to ``timeout_ms`` (whole milliseconds) until something
        arrives on one of the sockets; True if something has (``pump``
        collects it), False at the end of the wait. What comes on the
        sockets of ``wake_on`` goes to its ticker at once.

        Example:

            if scheduler.wait_for_input(10):
                arrivals = scheduler.pump(tick=False)
        """
        # (A worker thread may be using the shared sockets meanwhile: see
        # wake_items. Nothing sealed is read until the room key is there:
        # auth.key_ready.)
        items, now = wake_items(self.endpoints.all() if auth.key_ready() else [])
        wakers = [(ticker, sockets()) for sockets, ticker in list(self._wakers)]
        items += [(sock, _POLLIN) for _, socks in wakers for sock in socks]
        if not items:
            return False
        woken = {sock for sock, _ in zmq.zmq_poll(items, 0 if now else timeout_ms)}
        for ticker, socks in wakers:
            if any(sock.fileno() in woken for sock in socks):
                ticker(time.monotonic())
        return now or bool(woken)

    def pump(self, limit=1000, tick=True):
        """Collect what has arrived on every socket, without waiting.

        Returns a list of at most ``limit`` ``Arrival`` items, oldest
        first for each socket; the rest wait for the next call. With ``tick``
        (once a frame) it also does the frame's chores: runs the
        ``every_frame`` tickers, retries sends to names that were not found
        yet, and warns about requests that got no reply in time; a caller
        collecting a flood in several batches ticks only on the first.

        Example:

            for arrival in scheduler.pump():
                print(arrival.kind, arrival.data)
        """
        now = time.monotonic()
        if tick:
            for ticker in list(self._tickers):
                ticker(now)
            if self._postponed:
                self._attempt_postponed(now)
        endpoints = self.endpoints.all()
        if tick:
            for endpoint in endpoints:
                if isinstance(endpoint, Sender) and (endpoint.waiting or endpoint.held):
                    endpoint.tick(now)
        arrivals = []
        # Start at a different socket each time, so a flood on one socket
        # cannot hold back what arrives on the others.
        self._first = first = (self._first + 1) % max(1, len(endpoints))
        endpoints = endpoints[first:] + endpoints[:first]
        # (A shared one, a worker thread may be using: it is looked at under
        # its lock, by receive_all, never here. Nothing sealed is read until
        # the room key is there: see wait_for_input.)
        reading = auth.key_ready()
        ready_sockets = ready([e for e in endpoints if e.owner is not None]) if reading else ()
        for endpoint in endpoints:
            room = limit - len(arrivals)
            if room <= 0:
                break
            if not endpoint.lock.acquire(False):  # another thread is using it
                continue
            try:
                if reading and len(endpoint.inbox) < room and not endpoint.closing and (
                        endpoint.owner is None or endpoint.socket in ready_sockets):
                    endpoint.receive_all(room - len(endpoint.inbox))
            finally:
                endpoint.lock.release()
            # (take() until None, not "while inbox": take drops a command too
            # old to act on, and those may be all that is left.)
            take = endpoint.inbox.take
            if endpoint.handler is not None:
                for arrival in iter(take, None):
                    endpoint.handler(arrival)
                continue
            while len(arrivals) < limit:
                arrival = take()
                if arrival is None:
                    break
                if arrival.kind == "error":  # the other program could not answer
                    warn_remote_error(arrival.source, arrival.data)
                else:
                    arrivals.append(arrival)
        return arrivals


#: This program's scheduler: the one instance the functions below use.
default = Scheduler(registry.default)
# The program's sockets ask it whether they may wait (a bind after close_all).
registry.default.may_wait = default.may_wait

# The module-level functions are the default instance's own methods.
use_events = default.use_events
events_mode = default.events_mode
when_found = default.when_found
cancel_postponed = default.cancel_postponed
frame_wait = default.frame_wait
may_wait = default.may_wait
every_frame = default.every_frame
wake_on = default.wake_on
wait_for_input = default.wait_for_input
pump = default.pump
