"""``python -m partition``: the same as the ``partition`` command."""

import sys

from partition.cli import main

sys.exit(main())
