"""Whether a sender's connection is up, as ZeroMQ's socket monitor tells it.

ZeroMQ hides connections: a DEALER socket queues what is sent while the
other program is not there, and delivers it when it comes back. That is
right for messages (see ``docs/wire-format.md``) but wrong for commands: a
robot that starts again must not drive off on the FORWARD sent while it was
down (see ``pgnet.freshness``). So a sender that sends commands watches its
connection, and sends a command only while it is up.

A watch costs a pair of in-process sockets, so only senders that send
commands have one.

Example:

    watch = ConnectionWatch(sock)        # before sock.connect(...)
    sock.connect("tcp://10.0.0.5:5000")
    watch.state()                         # "connecting", then "up"
"""

import time

import zmq
from zmq.utils.monitor import recv_monitor_message

#: A new connection is "connecting" for at most this long; after that, a
#: program that has not answered is taken to be not there ("down").
#:
#: Example: a command to a robot that is not running is refused after 1 s.
CONNECT_GRACE_S = 1.0

# Up once ZeroMQ's greeting is done both ways (a program that is frozen,
# or not ZeroMQ at all, may accept the TCP connection but never greets).
_UP = getattr(zmq, "EVENT_HANDSHAKE_SUCCEEDED", zmq.EVENT_CONNECTED)
_DOWN = zmq.EVENT_DISCONNECTED
_NOBLOCK = int(zmq.NOBLOCK)
_POLLIN = int(zmq.POLLIN)


class ConnectionWatch:
    """Follows the connection of one connecting socket.

    Make it before the socket connects; with ``known_up`` (for a socket
    that has been in use a while, whose start it missed) it takes the
    connection to be up until ZeroMQ says otherwise.

    Example:

        watch = ConnectionWatch(sender.socket, known_up=True)
        if watch.state() == "down":
            print("the robot has gone")
    """

    def __init__(self, sock, known_up=False):
        self._events = sock.get_monitor_socket(_UP | _DOWN)
        self._socket = sock
        self._up = known_up
        self._since = time.monotonic()  # when it went down, or began
        self.went_down = 0  # how many times it went down (read and reset by its owner)

    def state(self, now=None):
        """``"up"``, ``"connecting"`` (a new connection, for its first
        ``CONNECT_GRACE_S``) or ``"down"``; at once.

        Example: ``watch.state()   # 'up'``"""
        self._read()
        if self._up:
            return "up"
        now = time.monotonic() if now is None else now
        return "connecting" if now < self._since + CONNECT_GRACE_S and not self.went_down else "down"

    def wait_up(self, wait_s):
        """Wait up to ``wait_s`` seconds for the connection to be up; True
        if it is. Example: ``watch.wait_up(0.5)``"""
        deadline = time.monotonic() + wait_s
        while not self._read_up():
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not zmq.zmq_poll([(self._events, _POLLIN)], int(remaining * 1000) + 1):
                return self._read_up()
        return True

    def _read_up(self):
        self._read()
        return self._up

    def _read(self):
        while True:
            try:
                event = recv_monitor_message(self._events, _NOBLOCK)["event"]
            except zmq.Again:
                return
            if event == _DOWN:
                self._up = False
                self._since = time.monotonic()
                self.went_down += 1
            elif event == _UP:
                self._up = True

    def close(self):
        """Stop watching (before the socket closes). Example: ``watch.close()``"""
        try:
            self._socket.disable_monitor()
        except zmq.ZMQError:
            pass
        self._events.close(0)
