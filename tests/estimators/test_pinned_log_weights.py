"""Refactors change no number: log weights of fixed seeds stay bit-identical.

``tests/data/pinned_log_weights.npz`` was written by ``tests/data/pin_log_weights.py`` at
the commit before the family/transition protocols (issue 13); forward, reverse, linked and
RAISE runs of RBMs (fused, batched, float32, data base, exact and MCMC starts) and Ising
models (heat bath, Metropolis, a spin glass) must reproduce it exactly.
"""

import pathlib
import sys

import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))
from pin_log_weights import runs  # noqa: E402

PINNED = np.load(DATA / "pinned_log_weights.npz")


@pytest.fixture(scope="module")
def now():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short schedules warn of low ESS: beside the point
        return runs()


@pytest.mark.parametrize("name", sorted(PINNED.files))
def test_log_weights_are_bit_identical_to_the_pinned_ones(now, name):
    np.testing.assert_array_equal(now[name], PINNED[name])
