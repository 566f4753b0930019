"""What ``pgnet doctor`` found, collected as it goes: the lines of each
section, printed at once, and the findings (ok, warning, problem) that the
summary lists at the end.

Example:

    report = Report()
    report.line("Discovery port UDP 46374:")
    report.ok("discovery port 46374: free.")
    report.problem("this computer is offline.", "Connect it to the Wi-Fi.")
    report.summary()      # prints "Summary:", each finding, "1 problem found."
"""

import textwrap
from collections import namedtuple

from ..output import say, symbols

#: One thing the doctor found: ``kind`` is "ok", "warn" or "problem";
#: ``advice`` (None for "ok") says what to do about it.
#:
#: Example: ``Finding("problem", "the port is taken.", "Close that program.")``.
Finding = namedtuple("Finding", "kind text advice")


def wrap(text, indent):
    """``text`` folded to 78 columns, each line starting with ``indent``.

    Example:

        wrap("What to do: " + advice, "      ")
    """
    return textwrap.fill(text, 78, initial_indent=indent, subsequent_indent=indent)


class Report:
    """The doctor's report: its lines and its findings.

    ``write`` is where each line goes as soon as it is added (the screen,
    unless a test collects them); every line is also kept in ``lines``.

    Example:

        lines = []
        report = Report(write=lines.append)
        report.warn("two networks.", "Set PGNET_NETWORK.")
        report.findings   # [Finding('warn', 'two networks.', 'Set PGNET_NETWORK.')]
    """

    def __init__(self, write=say):
        self.write = write
        self.lines = []
        self.findings = []

    def line(self, text=""):
        """Add a line to the report (shown at once).

        Example:

            report.line("This computer's networks:")
        """
        self.lines.append(text)
        self.write(text)

    def ok(self, text):
        """Note something that works.

        Example:

            report.ok("discovery port 46374: free.")
        """
        self.findings.append(Finding("ok", text, None))

    def warn(self, text, advice):
        """Note something that may be a problem, and what to do if it is.

        Example:

            report.warn("a VPN carries this computer's traffic.", "Turn it off.")
        """
        self.findings.append(Finding("warn", text, advice))

    def problem(self, text, advice):
        """Note something that stops pgnet working, and what to do about it.

        Example:

            report.problem("broadcasts do not come back.", "Allow Python through the firewall.")
        """
        self.findings.append(Finding("problem", text, advice))

    def problems(self):
        """The findings that are problems (the doctor fails if there are any).

        Example:

            if report.problems(): return FAILED
        """
        return [f for f in self.findings if f.kind == "problem"]

    def summary(self, marks=None):
        """Add the summary: each finding with its mark and advice, then how
        many problems there are. ``marks`` maps each kind to its symbol
        (from ``output.symbols()`` unless given).

        Example:

            report.summary()   # ...  ✓ discovery port 46374: free.  No problems found.
        """
        if marks is None:
            check, cross, bang = symbols()
            marks = {"ok": check, "warn": bang, "problem": cross}
        self.line("")
        self.line("Summary:")
        for kind, text, advice in self.findings:
            self.line(wrap(text, "    ").replace("    ", "  %s " % marks[kind], 1))
            if advice:
                self.line(wrap("What to do: " + advice, "      "))
        problems = self.problems()
        if problems:
            self.line("%d problem%s found." % (len(problems), "" if len(problems) == 1 else "s"))
        else:
            self.line("No problems found.")
