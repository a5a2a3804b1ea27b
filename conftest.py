"""Test-session set-up shared by tests/ and the doctests in partition/.

numba's on-disk cache can miss edits to helper functions, so every test session compiles into
a fresh temporary cache folder. This must run before numba is imported.
"""

import os
import shutil
import tempfile

_CACHE_DIR = tempfile.mkdtemp(prefix="partition-numba-cache-")
os.environ["NUMBA_CACHE_DIR"] = _CACHE_DIR

collect_ignore = ["scripts", "benchmarks", "notebooks", "docs"]


def pytest_unconfigure(config):  # noqa: ARG001 - pytest hook signature
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)
