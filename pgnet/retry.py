"""Trying something again on a schedule, until a time limit: one policy
for everything pgnet retries.

pgnet retries in a few places: a send to a name not found yet is tried
again every frame for a few seconds; binding a port that this program has
just closed is tried again every millisecond for half a second (5 ms inside
a game's frame); a program looking for a name asks the network again every
half second until it gives up. Each keeps a ``Retry`` that says when the
next try is due and when to give up:

    retry = Retry(interval_s=0.5, give_up_after_s=5)
    while not retry.expired(time.monotonic()):
        if retry.due(time.monotonic()):
            ask_again()
        time.sleep(retry.pause(time.monotonic(), longest_s=0.1))

Times are ``time.monotonic()`` readings, passed in so that one reading can
serve several checks (and so that tests can use made-up times).

Threads: a ``Retry`` belongs to whoever made it; it is not shared between
threads (the discovery thread's one lives and dies inside one call).
"""

import time

#: How long pgnet waits when not told, in seconds: for a reply, for a name
#: to be found. Example: ``Sender.send(MESSAGE, body, wait_for_s=DEFAULT_WAIT_S)``.
DEFAULT_WAIT_S = 5.0


class Retry:
    """When to try again, and when to stop trying.

    ``interval_s`` is the time between tries (0: every time you ask, such as
    once a frame); ``give_up_after_s`` is how long after this object is made
    the tries stop (``None``: never). The first try is due at once.

    Example:

        retry = Retry(0.001, 0.5)       # every millisecond, for half a second
        retry.due(time.monotonic())     # True: the first try is due now
    """

    __slots__ = ("interval_s", "deadline", "next_try")

    def __init__(self, interval_s, give_up_after_s, now=None):
        if now is None:
            now = time.monotonic()
        self.interval_s = interval_s
        #: When the tries stop (a ``time.monotonic()`` reading), or None.
        self.deadline = None if give_up_after_s is None else now + give_up_after_s
        #: When the next try is due.
        self.next_try = now

    def due(self, now):
        """True if a try is due at ``now``; the one after is then due
        ``interval_s`` later. (Say True only when you will really try.)

        Example:

            if retry.due(now):
                send_query()
        """
        if now >= self.next_try:
            self.next_try = now + self.interval_s
            return True
        return False

    def expired(self, now):
        """True once the time limit has passed: stop trying (and perhaps
        warn that it did not work).

        Example:

            if retry.expired(time.monotonic()):
                raise TimeoutError("gave up")
        """
        return self.deadline is not None and now >= self.deadline

    def pause(self, now, longest_s):
        """How long to wait (in seconds, at most ``longest_s``) before the
        next try is due or the time limit passes, whichever comes first.

        Example:

            time.sleep(retry.pause(time.monotonic(), longest_s=0.1))
        """
        wait = min(longest_s, self.next_try - now)
        if self.deadline is not None:
            wait = min(wait, self.deadline - now)
        return max(0.0, wait)

    def keep_trying(self):
        """Drop the time limit: go on trying for as long as it takes (after
        warning that it is taking long, say).

        Example:

            if retry.expired(now):
                warn(NotFoundWarning, "Still looking...")
                retry.keep_trying()
        """
        self.deadline = None

    def __repr__(self):
        return "<Retry every %gs, deadline %r, next %r>" % (self.interval_s, self.deadline, self.next_try)
