"""Checks for the numbers typed after the ``pgnet`` command's options, shared
by every subcommand (``pgnet osc`` too): each turns the text into a number
or tells the user, in argparse's words, what it must be.

Example:

    parser.add_argument("--wait", type=seconds)
    parser.add_argument("--count", type=count)
"""

import argparse


def seconds(text):
    """A time in seconds: a number, 0 or more.

    Example: ``seconds("2.5")   # 2.5``"""
    value = float(text)
    if not value >= 0:  # (NaN too)
        raise argparse.ArgumentTypeError("must be 0 or more, not %s" % text)
    return value


def count(text):
    """How many: a whole number, 1 or more.

    Example: ``count("5")   # 5``"""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more, not %s" % text)
    return value
