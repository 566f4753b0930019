"""The benchmark's report: what it ran on, the units, the marks and the table.

Every figure becomes one `Row`; `format_table` lines the rows up:

    from pgnet.bench.report import Row, format_table, mark
    row = Row("advertise() call", "0.4 ms", "-", "-", "<= 2 ms", mark(0.4 <= 2))
    print("\\n".join(format_table([row])))
"""

import os
import platform
from collections import namedtuple

#: One line of the table: the figure's name, pgnet's value, raw pyzmq's value
#: (or "-"), the ratio (or "-"), the target and the result ("PASS", "SHORT",
#: "SKIPPED (why)" or "ERROR: what").
Row = namedtuple("Row", "figure pgnet raw ratio target result")


def us(seconds):
    """A time in whole microseconds, for the table.

    Example: `us(0.000113)` is `"113 us"`.
    """
    return "%.0f us" % (seconds * 1e6)


def ms(seconds):
    """A time in milliseconds with one decimal, for the table.

    Example: `ms(0.0101)` is `"10.1 ms"`.
    """
    return "%.1f ms" % (seconds * 1e3)


def mark(ok):
    """The result of a figure against its target: `"PASS"` if `ok`, else `"SHORT"`.

    Example: `mark(median <= 0.050)` for a target of "<= 50 ms".
    """
    return "PASS" if ok else "SHORT"


def _cpu():
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_average():
    """This computer's load averages over 1, 5 and 15 minutes, as text.

    Timings are only as steady as the machine, so the report prints this at
    the start and at the end. Example: `"0.68 0.62 0.30"` (or `"unknown"`).
    """
    try:
        return "%.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "unknown"


def describe_machine():
    """Two lines saying what the benchmark ran on: the CPU and the versions.

    Example:

        for line in describe_machine():
            print(line)   # "CPU: ... x 2; Linux 6.1", "Versions: pgnet 0.1.0, ..."
    """
    from importlib import metadata

    import zmq

    import pgnet

    versions = ["pgnet %s" % pgnet.__version__, "Python %s" % platform.python_version(),
                "pyzmq %s (libzmq %s)" % (zmq.__version__, zmq.zmq_version())]
    for package in ("msgpack", "pygame", "pgzero"):
        try:
            versions.append("%s %s" % (package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            pass
    return [
        "CPU: %s x %d; %s %s" % (_cpu(), os.cpu_count() or 1, platform.system(), platform.release()),
        "Versions: " + ", ".join(versions),
    ]


def format_table(rows):
    """The lines of a Markdown table of `rows` (a list of `Row`), header first.

    Example:

        format_table([Row("memory", "+4.7 MiB", "-", "-", "<= 15 MiB", "PASS")])
        # ["| figure | pgnet    | raw pyzmq | ... |", "|--------|...", "| memory | ..."]
    """
    header = Row("figure", "pgnet", "raw pyzmq", "ratio", "target", "result")
    widths = [max(len(str(row[i])) for row in [header] + rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate([header] + rows):
        lines.append("| " + " | ".join(str(cell).ljust(w) for cell, w in zip(row, widths)) + " |")
        if number == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return lines
