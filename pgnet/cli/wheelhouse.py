"""``pgnet wheelhouse DIR``: a folder of everything a classroom needs to
install pgnet without internet, for the computers it has.

It asks pip to download, for each kind of computer, the *wheels* (ready
to install packages) of pgnet and what it needs: pyzmq, msgpack, ifaddr,
and for games pygame (or pygame-ce) and Pygame Zero. Copy the folder to a
USB stick; on each computer, in its virtual environment:

    pip install --no-index --find-links FOLDER "pgnet[game]"

pgnet's own wheel is built from this copy of pgnet when it is a copy of
the repository (or taken from ``--pgnet FILE``, or from PyPI once pgnet is
published there). Needs internet, once, on the computer that makes it.

Example:

    $ pgnet wheelhouse usb/pgnet --for windows macos
    $ pgnet wheelhouse usb/pgnet --for raspberry-pi --python 3.11
"""

import argparse
import os
import sys

from .. import __version__
from .output import OK, Failure, note, say

# subprocess, shutil and glob are imported where they are used: every pgnet
# command builds this command's parser, and they would slow them all down.

#: The kinds of computer a wheelhouse can be for, each as the pip platform
#: tags of one download (two for macOS: Apple chips and Intel). "this" is
#: the computer running the command.
#:
#: Example: ``TARGETS["windows"]`` is ``[["win_amd64"]]``.
TARGETS = {
    "windows": [["win_amd64"]],
    "macos": [["macosx_11_0_arm64"], ["macosx_12_0_x86_64"]],  # Apple chips; Intel, macOS 12 or newer
    "linux": [["manylinux_2_28_x86_64", "manylinux2014_x86_64"]],
    # Raspberry Pi OS 64-bit (any Pi 3, 4, 5, Zero 2 W). The 32-bit system
    # gets its wheels from piwheels.org, which it uses by default.
    "raspberry-pi": [["manylinux_2_28_aarch64", "manylinux2014_aarch64"]],
    "this": [[]],
}

#: Pygame Zero, downloaded on its own (without its pygame) for pygame-ce:
#: pgnet's "game" extra brings pygame and Pygame Zero; "game-ce" brings
#: pygame-ce and what Pygame Zero needs besides pygame.
#:
#: Example: ``pip download --no-deps pgzero>=1.2``.
PGZERO = "pgzero>=1.2"

_EPILOG = """\
examples:
  pgnet wheelhouse usb/pgnet                        every kind of computer
  pgnet wheelhouse usb/pgnet --for windows macos    only these
  pgnet wheelhouse usb/pgnet --for raspberry-pi --python 3.11
  pgnet wheelhouse usb/pgnet --pygame-ce            pygame-ce instead of pygame

then, on each computer, in its virtual environment (no internet needed):
  pip install --no-index --find-links usb/pgnet "pgnet[game]"
  (with --pygame-ce: pip install --no-index --find-links usb/pgnet "pgnet[game-ce]"
   and then: pip install --no-index --find-links usb/pgnet --no-deps pgzero)"""


def add_parser(commands):
    """Add ``pgnet wheelhouse`` to the ``commands`` of the ``pgnet``
    command line (an ``argparse`` sub-parsers object).

    Example:

        add_parser(parser.add_subparsers())
    """
    sub = commands.add_parser(
        "wheelhouse", help="make a folder to install pgnet from without internet",
        description=(
            "Download pgnet and everything it needs (pyzmq, msgpack, ifaddr, pygame or\n"
            "pygame-ce, Pygame Zero) as wheels into DIR, for each kind of computer\n"
            "the class has, so that they install from a USB stick with no internet.\n"
            "Needs internet on this computer, once. Python versions: 3.9 and newer."),
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub.add_argument("folder", metavar="DIR", help="where to put the wheels (made if needed)")
    sub.add_argument("--for", dest="targets", nargs="+", metavar="KIND",
                     choices=sorted(TARGETS), default=["windows", "macos", "linux", "raspberry-pi"],
                     help="the kinds of computer: %s (default: all but 'this')"
                     % ", ".join(sorted(TARGETS)))
    sub.add_argument("--python", dest="pythons", nargs="+", metavar="X.Y",
                     default=["%d.%d" % sys.version_info[:2]],
                     help="the Python versions the computers have (default: this one's, %d.%d)"
                     % sys.version_info[:2])
    sub.add_argument("--pygame-ce", action="store_true",
                     help="pygame-ce instead of pygame (install with pgnet[game-ce])")
    sub.add_argument("--pgnet", metavar="WHEEL",
                     help="pgnet's own wheel file, if this is not a copy of its repository")
    sub.set_defaults(run=cmd_wheelhouse, chatty=True)
    return sub


def source_folder():
    """The folder of pgnet's source (with its ``pyproject.toml``) when this
    pgnet runs from a copy of the repository; None when it was installed
    from a wheel.

    Example:

        source_folder()   # '/home/ada/pgnet', or None
    """
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return here if os.path.isfile(os.path.join(here, "pyproject.toml")) else None


def pip(*args):
    """Run this Python's pip with ``args``; a ``Failure`` with pip's last
    lines if it fails.

    Example:

        pip("download", "--no-deps", "-d", "wheels", "msgpack")
    """
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check"] + list(args),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
    )
    if result.returncode != 0:
        last = "\n".join(result.stdout.strip().splitlines()[-6:])
        raise Failure("pip could not do it (is this computer online?):\n%s" % last)


def pgnet_wheel(folder, given):
    """The path of pgnet's own wheel in ``folder``: ``given`` copied there,
    or built from the repository, or downloaded from PyPI.

    Example:

        pgnet_wheel("usb/pgnet", None)   # 'usb/pgnet/pgnet-0.1.0-py3-none-any.whl'
    """
    import glob
    import shutil

    if given:
        if os.path.abspath(os.path.dirname(given)) != folder:
            shutil.copy(given, folder)
        return os.path.join(folder, os.path.basename(given))
    source = source_folder()
    if source is not None:
        note("Building pgnet %s's wheel from %s..." % (__version__, source))
        pip("wheel", "--no-deps", "-q", "-w", folder, source)
    else:
        pip("download", "--no-deps", "-d", folder, "pgnet==%s" % __version__)
    found = glob.glob(os.path.join(folder, "pgnet-%s-*.whl" % __version__))
    if not found:
        raise Failure("no pgnet %s wheel was made in %s." % (__version__, folder))
    return found[0]


def download_for(folder, wheel, platforms, python, pygame_ce):
    """Download into ``folder`` what ``wheel`` (pgnet's) needs with its game
    extra, for one set of pip ``platforms`` (none: this computer) and one
    ``python`` version ("3.11").

    Example:

        download_for("usb/pgnet", wheel, ["win_amd64"], "3.12", False)
    """
    where = ["--only-binary=:all:", "--python-version", python]
    for platform in platforms:
        where += ["--platform", platform]
    extra = "game-ce" if pygame_ce else "game"
    pip("download", "-q", "-d", folder, "--find-links", folder, *where, "%s[%s]" % (wheel, extra))
    if pygame_ce:  # Pygame Zero asks for pygame: take it without its dependencies
        pip("download", "-q", "-d", folder, "--no-deps", *where, PGZERO)


def cmd_wheelhouse(args):
    """``pgnet wheelhouse DIR [--for KIND...] [--python X.Y...]``: fill DIR
    with the wheels to install pgnet offline.

    ``args`` comes from the command line (see ``pgnet wheelhouse --help``).

    Example:

        main(["wheelhouse", "usb/pgnet", "--for", "windows"])   # returns 0
    """
    folder = os.path.abspath(args.folder)
    os.makedirs(folder, exist_ok=True)
    wheel = pgnet_wheel(folder, args.pgnet)
    for target in args.targets:
        for python in args.pythons:
            note("Downloading for %s, Python %s..." % (target, python))
            for platforms in TARGETS[target]:
                download_for(folder, wheel, platforms, python, args.pygame_ce)
    extra = "game-ce" if args.pygame_ce else "game"
    with open(os.path.join(folder, "INSTALL.txt"), "w", encoding="utf-8") as file:
        file.write(install_text(extra))
    wheels = sorted(name for name in os.listdir(folder) if name.endswith(".whl"))
    say("%d wheels in %s (for %s; Python %s)." % (
        len(wheels), folder, ", ".join(args.targets), ", ".join(args.pythons)))
    say(install_text(extra))
    return OK


def install_text(extra):
    """What to type on each computer to install from the wheelhouse, for
    pgnet with ``extra`` ("game" or "game-ce").

    Example:

        print(install_text("game"))
    """
    text = (
        "To install on a computer without internet: activate its virtual\n"
        "environment, then (FOLDER being where this folder is, such as E:\\pgnet\n"
        "or /media/usb/pgnet):\n\n"
        "    pip install --no-index --find-links FOLDER \"pgnet[%s]\"\n" % extra
    )
    if extra == "game-ce":
        text += "    pip install --no-index --find-links FOLDER --no-deps pgzero\n"
    return text
