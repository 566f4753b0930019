"""``python -m pgnet.osc listen 9000``: the ``pgnet osc`` command on its own.

Example:

    python -m pgnet.osc send 127.0.0.1:4560 /bounce 60
"""

import argparse
import sys

from .cli import USAGE, add_parser, run


def main(argv=None):
    """Run ``pgnet osc`` with ``argv`` (default: the command line's
    arguments); return the exit status.

    Example: ``main(["listen", "9000", "--count", "1"])``"""
    parser = argparse.ArgumentParser(prog="pgnet")
    add_parser(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["osc"] + list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exit:  # --help, or a mistake in the command line
        return exit.code if isinstance(exit.code, int) else USAGE
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
