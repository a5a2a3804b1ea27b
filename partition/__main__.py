"""``python -m partition``: the same as the ``partition`` command."""

import sys

from partition.cli import main

if __name__ == "__main__":  # importing it (e.g. for doctest collection) runs nothing
    sys.exit(main())
