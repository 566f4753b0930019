"""`python -m pgnet.bench`: run the benchmarks (see `pgnet.bench`)."""

import sys

from .run import main

if __name__ == "__main__":
    sys.exit(main())
