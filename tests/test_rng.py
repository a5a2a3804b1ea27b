"""The rng convention: one conversion, explicit errors."""

import numpy as np
import pytest

from partition._rng import as_generator


def test_accepted_forms_are_reproducible():
    a = as_generator(7).random(3)
    np.testing.assert_array_equal(a, as_generator(np.random.SeedSequence(7)).random(3))
    g = np.random.default_rng(1)
    assert as_generator(g) is g
    assert isinstance(as_generator(None), np.random.Generator)
    assert as_generator(np.int64(3)).random() == as_generator(3).random()


@pytest.mark.parametrize(
    ("rng", "err"), [("0", TypeError), (1.5, TypeError), (True, TypeError), (-1, ValueError)]
)
def test_rejected_forms(rng, err):
    with pytest.raises(err, match="rng"):
        as_generator(rng)
