"""Benchmarks: pgnet measured against raw pyzmq doing the same work.

It runs wherever pgnet is installed with its game extra (`pip install
"pgnet[game]"`: the game figures need pygame and Pygame Zero), from any
directory:

    python -m pgnet.bench           # the full run, a few minutes
    python -m pgnet.bench --quick   # a short run, under a minute (CI)

The figure across two network namespaces also needs root, `ip netns` and
the repository's `tests/netns.py`, so it runs only with a pgnet from a clone
of the repository (installed editable, or run from the clone's top
directory); otherwise its row says SKIPPED and why.

It prints what it ran on, then a table: each figure, pgnet's value, raw
pyzmq's value where the figure is a comparison (measured in the same run,
interleaved, with the same structure: two processes, the same msgpack
payload), the ratio, the target and PASS or SHORT. Timings on a shared
machine are noisy: run it twice before believing a SHORT.

Safety: every pgnet program this starts on this computer has
`PGNET_NETWORK=127.*` (so discovery broadcasts stay on loopback) and a
random discovery port between 47000 and 48999. Only programs inside the
network namespaces it creates use other addresses, and those reach only each
other.

How the files share the work: `run` (the command line and the report's
order), `figures` (one function per figure), `workers` (each figure's
measuring side, run in a fresh process), `crowd` and `idle` (the figures
with many programs at once, and those of pgnet doing nothing: each with its
workers), `children` (starting those
processes), `programs` (the source of the servers, publishers and games they
start) and `report` (machine description, table, PASS/SHORT marks).
"""

from .run import main

__all__ = ["main"]
