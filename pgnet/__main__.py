"""``python -m pgnet`` (and the ``pgnet`` command): see ``pgnet.cli``."""

import sys

from pgnet.cli import main

if __name__ == "__main__":
    sys.exit(main())
