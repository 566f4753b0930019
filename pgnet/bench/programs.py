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

#: Raw pyzmq echo server: a REP socket that sends back each msgpack request.
RAW_SERVER = r"""
import sys, msgpack, zmq
sock = zmq.Context.instance().socket(zmq.REP)
sock.setsockopt(zmq.RCVTIMEO, 60000)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
for _ in range(10**7):
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
sock = zmq.Context.instance().socket(zmq.ROUTER)
sock.setsockopt(zmq.RCVTIMEO, 60000)
port = sock.bind_to_random_port("tcp://127.0.0.1")
print("READY 127.0.0.1:%d" % port, flush=True)
for _ in range(10**7):
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

#: Publishers (`PUBLISHER % (PAYLOAD,)`, then argv "raw" or "pgnet NAME"):
#: send "w" (warm-up) news every millisecond until told "go N" on stdin,
#: then N "d" items as fast as possible and one "e"; then wait for the next
#: "go N" (or end of input).
PUBLISHER = r"""
import select, sys, time
PAYLOAD = %r
KIND = sys.argv[1]
if KIND == "raw":
    import msgpack, zmq
    sock = zmq.Context.instance().socket(zmq.PUB)
    sock.setsockopt(zmq.SNDHWM, 100000)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print("READY 127.0.0.1:%%d" %% port, flush=True)
    def publish(topic, news):
        sock.send_multipart([topic.encode(), msgpack.packb(news)])
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
