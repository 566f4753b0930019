"""Never lost, never reordered: the bookkeeping behind ``send_event`` and
``move``.

Each side numbers what it sends reliably: 1, 2, 3... (an ``R`` word). The
receiver hands the payloads to the game strictly in that order, each once,
holding back any that arrive early, and says how far it got (an ``ACK``
word, also carried by every heartbeat). The sender keeps what was not yet
acknowledged and sends it again every ``RESEND_S`` seconds.

This module only keeps the books: no sockets, no clocks of its own.

Example:

    channel = ReliableChannel()
    seq = channel.add(["event", "goal", 3], now)     # send it as seq
    for payload in channel.arrived(1, ["event", "hi", None]):
        print("deliver", payload)
    channel.acknowledged(seq)                         # the partner has it
"""


class ReliableChannel:
    """One session's reliable traffic, both ways.

    Out: ``add`` numbers a payload and keeps it until ``acknowledged``;
    ``to_resend`` says what is due again. In: ``arrived`` puts the payloads
    in order; ``last_in`` is how far they arrived without a gap.

    Example:

        channel = ReliableChannel()
        channel.add(["move", 1, 4], now)      # 1
        channel.to_resend(now + 1.0, 0.3)     # [(1, ['move', 1, 4])]
    """

    #: Payloads that arrived early and wait for a missing one: at most this
    #: many, so a peer cannot make us keep everything it sends.
    MAX_WAITING = 10000

    def __init__(self):
        self.out_seq = 0
        self.unacked = {}  # seq -> [payload, when last sent]
        self.in_next = 1
        self.in_buffer = {}  # seq -> payload, arrived before in_next

    def add(self, payload, now):
        """Number ``payload`` and keep it until it is acknowledged; returns
        its number, to send it with.

        Example:

            seq = channel.add(["event", "goal", 3], time.monotonic())
        """
        self.out_seq += 1
        self.unacked[self.out_seq] = [payload, now]
        return self.out_seq

    def acknowledged(self, ack):
        """The partner has everything up to number ``ack``: forget it.

        Example:

            channel.acknowledged(12)
        """
        if type(ack) is int:
            for seq in [s for s in self.unacked if s <= ack]:
                del self.unacked[seq]

    def to_resend(self, now, after_s):
        """``(seq, payload)`` for every payload sent ``after_s`` seconds ago
        or more and not acknowledged, counted as sent again ``now``.

        Example:

            for seq, payload in channel.to_resend(now, RESEND_S):
                link.send(address, "R", token, seq, payload)
        """
        due = []
        for seq, item in self.unacked.items():
            if now - item[1] >= after_s:
                item[1] = now
                due.append((seq, item[0]))
        return due

    def resend_all_now(self):
        """Count everything unacknowledged as due at once (the partner is
        back).

        Example:

            channel.resend_all_now()
        """
        for item in self.unacked.values():
            item[1] = 0.0

    def arrived(self, seq, payload):
        """Payload number ``seq`` arrived: yields the payloads now ready to
        deliver, in order, each once (none if ``seq`` is a duplicate or
        early).

        ``last_in`` moves on only when the caller asks for the next one, so
        a payload whose delivery failed is not counted as delivered.

        Example:

            for ready in channel.arrived(seq, payload):
                deliver(ready)
        """
        if seq >= self.in_next and len(self.in_buffer) < self.MAX_WAITING:
            self.in_buffer[seq] = payload
        while self.in_next in self.in_buffer:
            yield self.in_buffer.pop(self.in_next)
            self.in_next += 1

    @property
    def last_in(self):
        """The number up to which everything arrived (0 for nothing yet):
        what to acknowledge.

        Example:

            link.send(address, "ACK", token, channel.last_in)
        """
        return self.in_next - 1
