"""Running the benchmark: the command line, the safe settings, the report.

Example (the same as `python -m pgnet.bench --quick --only memory`):

    from pgnet.bench.run import main
    main(["--quick", "--only", "memory"])   # prints the report; 0 unless a figure failed
"""

import argparse
import os
import random
import sys
import textwrap
import time

from .children import path_for_children
from .figures import FIGURES
from .report import Row, describe_machine, format_table, load_average
from .workers import worker_main


def main(argv=None):
    """Run the benchmark with command-line arguments `argv` and print the report.

    Returns the exit status: 1 if a figure failed with an error, else 0 (a
    SHORT figure is not a failure). Example: `main(["--quick"])`.
    """
    parser = argparse.ArgumentParser(
        prog="python -m pgnet.bench",
        description="Measure pgnet against raw pyzmq and against its targets.",
    )
    parser.add_argument("--quick", action="store_true", help="a short run (for CI)")
    parser.add_argument("--only", metavar="WORDS",
                        help="run only the figures whose name contains WORDS")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        worker_main(*options.worker)
        return 0
    if os.environ.get("PGNET_BENCH_IN_NAMESPACE"):
        raise SystemExit("run the benchmark itself outside the namespaces it creates")
    # Every program started from here keeps discovery on loopback, on a
    # port of its own, and imports this same pgnet.
    import pgnet

    os.environ["PGNET_NETWORK"] = pgnet.settings.network = "127.*"
    port = random.randint(47000, 48999)
    os.environ["PGNET_DISCOVERY_PORT"] = str(port)
    pgnet.settings.discovery_port = port
    extra = path_for_children()
    if extra:
        os.environ["PYTHONPATH"] = os.pathsep.join(
            [extra] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    started = time.monotonic()
    command = "python -m pgnet.bench" + (" --quick" if options.quick else "")
    print("pgnet benchmarks (%s), %s" % ("quick" if options.quick else "full",
                                         time.strftime("%Y-%m-%d %H:%M")))
    for line in describe_machine():
        print(line)
    print("Load average at the start: %s (timings are only as steady as the machine)"
          % load_average())
    print("Reproduce: %s  (the namespace figure needs root and a clone of the repository)"
          % command)
    print(flush=True)
    rows, notes, failed = [], [], False
    for label, figure in FIGURES:
        if options.only and options.only not in label:
            continue
        began = time.monotonic()
        try:
            rows.extend(figure(options.quick, notes))
        except Exception as error:  # report it and carry on with the others
            failed = True
            rows.append(Row(label, "-", "-", "-", "-", "ERROR: %s" % error))
        print("  measured %s in %.1f s" % (label, time.monotonic() - began), flush=True)
    print()
    for line in format_table(rows):
        print(line)
    print()
    print("Ratios are pgnet / raw pyzmq, measured in the same run with interleaved rounds;")
    print("raw pyzmq uses REQ/REP and PUB/SUB with msgpack, in two processes as pgnet does.")
    for note in notes:
        print(textwrap.fill(note, 100))
    print("Load average at the end: %s; total time: %.1f s"
          % (load_average(), time.monotonic() - started))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
