"""The programs the benchmark starts, as Python source texts.

Each comparison has two sides with the same structure: a raw pyzmq program
and a pgnet program doing the same work with the same msgpack payload. The
benchmark runs a text with `python -c TEXT ARGS...` (or writes it to a file
first, for the Pygame Zero games). Every program prints `READY ...` when it
can be used; the games print `RESULT {json}` when they are done.

Example (what `children.script` builds from a text):

    [sys.executable, "-c", RAW_SERVER]   # prints "READY 127.0.0.1:PORT", then echoes
"""

#: A small dict, as a game or a robot would send.
PAYLOAD = {"x": 120, "y": 45.5, "name": "ada", "keys": [1, 2, 3], "fire": False}

def _bound(kind):
    """How each echo server below starts: a ZeroMQ socket of ``kind``
    ("REP" or "ROUTER") on a free port of 127.0.0.1, announced with READY."""
    return (
        "sock = zmq.Context.instance().socket(zmq.%s)\n"
        "sock.setsockopt(zmq.RCVTIMEO, 60000)\n"
        "port = sock.bind_to_random_port(\"tcp://127.0.0.1\")\n"
        "print(\"READY 127.0.0.1:%%d\" %% port, flush=True)\n" % kind
    )


#: Raw pyzmq echo server: a REP socket that sends back each msgpack request.
RAW_SERVER = r"""
import sys, msgpack, zmq
""" + _bound("REP") + r"""for _ in range(10**7):
    try:
        request = msgpack.unpackb(sock.recv())
    except zmq.Again:
        break
    sock.send(msgpack.packb(request))
"""

#: Raw pyzmq speaking pgnet's protocol (a DEALER sends [request number, "",
#: kind, body] to a ROUTER): what pgnet's own frames cost, for reference.
RAW_ROUTER_SERVER = r"""
import sys, msgpack, zmq
""" + _bound("ROUTER") + r"""for _ in range(10**7):
    try:
        frames = sock.recv_multipart()
    except zmq.Again:
        break
    request = msgpack.unpackb(frames[-1])
    sock.send_multipart(frames[:3] + [msgpack.packb(request)])
"""

#: pgnet echo server: listens on the name in argv[1], replies with each request.
PGNET_SERVER = r"""
import sys, pgnet
name = sys.argv[1]
print("READY", pgnet.listen(name), flush=True)
for _ in range(10**7):
    request = pgnet.wait_for_message(name, wait_for_s=60)
    if request is None:
        break
    pgnet.send_reply(name, request)
"""

#: Publishers (`PUBLISHER % (repr(PAYLOAD),)`, or another expression for the
#: payload; then argv "raw", "well" (raw done well: pyzmq's Cython-level
#: sends and one Packer) or "pgnet NAME"):
#: send "w" (warm-up) news every millisecond until told "go N" on stdin,
#: then N "d" items as fast as possible and one "e"; then wait for the next
#: "go N" (or end of input).
PUBLISHER = r"""
import select, sys, time
PAYLOAD = %s
KIND = sys.argv[1]
if KIND in ("raw", "well"):
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.PUB)
    sock.setsockopt(zmq.SNDHWM, 100000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%%d" %% port, flush=True)
    send, packer, MORE = zmq.backend.Socket.send, msgpack.Packer(), int(zmq.SNDMORE)
    def publish(topic, news):
        if KIND == "raw":
            sock.send_multipart([topic.encode(), msgpack.packb(news)])
        else:
            send(sock, topic.encode(), MORE)
            send(sock, packer.pack(news))
else:
    import pgnet
    name = sys.argv[2]
    pgnet.publish_news(name, "w", 0)
    print("READY", name, flush=True)
    def publish(topic, news):
        pgnet.publish_news(name, topic, news)
warm = True
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    if select.select([sys.stdin], [], [], 0.001 if warm else 1.0)[0]:
        words = sys.stdin.readline().split()
        if not words:
            break
        warm = False
        for _ in range(int(words[1])):
            publish("d", PAYLOAD)
        publish("e", 0)
    elif warm:
        publish("w", 0)
"""

#: A Pygame Zero game: notes when each "T" command arrives; DONE prints them.
#: It listens on the name in $BENCH_GAME_NAME, gives up after $BENCH_GAME_TIMEOUT s.
HOOK_GAME = r"""
import json, os, sys, time
import pgzrun
import pgnet
WIDTH, HEIGHT = 160, 120
NAME = os.environ["BENCH_GAME_NAME"]
GIVE_UP = time.monotonic() + float(os.environ["BENCH_GAME_TIMEOUT"])
latencies = []
frames = 0
print("READY", pgnet.listen(NAME), flush=True)

def on_network_command(command, params):
    if command == "T":
        latencies.append(time.monotonic() - params[0])
    elif command == "DONE":
        period = (last_frame - first_frame) / (frames - 10)
        print("RESULT " + json.dumps({"latencies": latencies, "frame": period}), flush=True)
        sys.exit(0)

first_frame = None

def update():
    global frames, first_frame, last_frame
    frames += 1
    last_frame = time.monotonic()
    if frames == 10:
        first_frame = last_frame
        print("RUNNING", flush=True)
    if time.monotonic() > GIVE_UP:
        sys.exit(1)

def draw():
    screen.fill((0, 0, 40))

pgzrun.go()
"""

#: A Pygame Zero game that reports its memory after 30 frames:
#: `MEMORY_GAME % ""` without pgnet, `MEMORY_GAME % (WITH_PGNET % name)` with it.
MEMORY_GAME = r"""
import json, os, sys
import pgzrun
%s
WIDTH, HEIGHT = 160, 120
frames = 0

def rss_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

def update():
    global frames
    frames += 1
    if frames == 30:
        print("RESULT " + json.dumps({"rss_kib": rss_kib()}), flush=True)
        sys.exit(0)

def draw():
    screen.fill((0, 0, 40))

pgzrun.go()
"""

#: What a memory game adds to import and start pgnet: `WITH_PGNET % name`.
WITH_PGNET = "import pgnet\npgnet.listen(%r)"

#: UDP echo server: the floor under any round trip between two processes.
UDP_SERVER = r"""
import socket
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
sock.settimeout(60)
print("READY 127.0.0.1:%d" % sock.getsockname()[1], flush=True)
for _ in range(10**7):
    try:
        data, peer = sock.recvfrom(65536)
    except socket.timeout:
        break
    sock.sendto(data, peer)
"""

#: Raw pyzmq done well: a REP echo server with pyzmq's Cython-level calls.
RAW_WELL_SERVER = r"""
import msgpack, zmq
""" + _bound("REP") + r"""send, recv = zmq.backend.Socket.send, zmq.backend.Socket.recv
packer = msgpack.Packer()
for _ in range(10**7):
    try:
        request = msgpack.unpackb(recv(sock))
    except zmq.Again:
        break
    send(sock, packer.pack(request))
"""

#: pgnet's lean envelope and its checks on what is carried (pgnet.wire),
#: with none of pgnet's other steps: a ROUTER that answers each one-frame
#: request with a one-frame reply, with Cython-level calls. The floor for
#: pgnet's round trip while it checks every message as it does.
WIRE_ONLY_SERVER = r"""
import zmq
from pgnet import envelope, wire
""" + _bound("ROUTER") + r"""send, recv = zmq.backend.Socket.send, zmq.backend.Socket.recv
head = envelope.HEADER_BYTES
for _ in range(10**7):
    try:
        identity, frame = recv(sock), recv(sock)
    except zmq.Again:
        break
    request = wire.decode(frame[head:])
    send(sock, identity, zmq.SNDMORE)
    send(sock, envelope.REPLY + frame[2:head] + wire.encode(request))
"""

#: A requester among many (argv: "raw" or "pgnet", the address, how many
#: requests): prints READY, waits for "go" on stdin, then RESULT {"s": time}.
REQUESTER = r"""
import json, sys, time
PAYLOAD = %r
kind, address, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "raw":
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.REQ)
    sock.connect("tcp://" + address)
    def ask():
        sock.send(msgpack.packb(PAYLOAD))
        return msgpack.unpackb(sock.recv())
else:
    import pgnet
    def ask():
        return pgnet.send_message(address, PAYLOAD, wait_for_reply_s=30)
ask()
print("READY", flush=True)
sys.stdin.readline()
start = time.perf_counter()
for _ in range(count):
    ask()
print("RESULT " + json.dumps({"s": time.perf_counter() - start}), flush=True)
"""

#: A subscriber among many (argv: "raw" or "pgnet", the address or name, how
#: many items): each item carries the monotonic time it was published;
#: prints READY once news flows, then RESULT {"latencies": [...]}.
STATE_SUBSCRIBER = r"""
import json, sys, time
kind, where, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
if kind == "raw":
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.SUBSCRIBE, b"state")
    sock.connect("tcp://" + where)
    def next_item():
        return msgpack.unpackb(sock.recv_multipart()[1])
else:
    import pgnet
    pgnet.subscribe(where, "state", wait_for_s=30)
    def next_item():
        return pgnet.wait_for_news(where, "state", wait_for_s=30)[1]
next_item()
print("READY", flush=True)
latencies = []
while len(latencies) < count:
    item = next_item()
    if item.get("go"):
        latencies.append(time.monotonic() - item["t"])
print("RESULT " + json.dumps({"latencies": latencies}), flush=True)
"""

#: A Pygame Zero game that runs $BENCH_FRAMES frames and reports its CPU
#: time and mean frame: `IDLE_GAME % ""` without pgnet, `IDLE_GAME %
#: (WITH_PGNET % name)` with it, listening.
IDLE_GAME = r"""
import json, os, sys, time
import pgzrun
%s
WIDTH, HEIGHT = 160, 120
FRAMES = int(os.environ.get("BENCH_FRAMES", "300"))
frames = 0

def update():
    global frames, started, cpu
    frames += 1
    if frames == 30:
        started, cpu = time.monotonic(), time.process_time()
    elif frames == 30 + FRAMES:
        wall = time.monotonic() - started
        print("RESULT " + json.dumps({"cpu": (time.process_time() - cpu) / wall,
                                      "frame": wall / FRAMES}), flush=True)
        sys.exit(0)

def draw():
    screen.fill((0, 0, 40))

pgzrun.go()
"""
