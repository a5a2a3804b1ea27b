"""Annealing schedules and their validation."""

import numpy as np
import pytest

from partition.estimators import schedules as S


@pytest.mark.parametrize(
    "betas",
    [S.linear(7), S.geometric(50), S.sigmoid(33), S.salakhutdinov_murray(), S.make_schedule(12)],
)
def test_schedules_run_from_zero_to_one_ascending(betas):
    assert betas[0] == 0.0 and betas[-1] == 1.0
    assert np.all(np.diff(betas) > 0)
    np.testing.assert_array_equal(S.validate_schedule(list(betas)), betas)  # a list round-trips


def test_salakhutdinov_murray_counts_and_scale():
    b = S.salakhutdinov_murray()
    steps = np.diff(b)
    assert len(steps) == 14500
    np.testing.assert_allclose(steps[:500], 0.5 / 500)
    np.testing.assert_allclose(steps[500:4500], 0.4 / 4000)
    np.testing.assert_allclose(steps[4500:], 0.1 / 10000)
    assert len(S.salakhutdinov_murray(0.1)) - 1 == 1450


def test_geometric_and_sigmoid_shapes():
    g = S.geometric(10, beta_min=1e-3)
    np.testing.assert_allclose(g[2:] / g[1:-1], g[2] / g[1])  # constant ratio after beta_min
    s = S.sigmoid(100)
    d = np.diff(s)
    assert d[0] < d[50] > d[-1]  # dense at both ends
    assert d[0] == pytest.approx(d[-1])


@pytest.mark.parametrize(
    ("betas", "match"),
    [
        ([0.1, 0.5, 1.0], "start at 0"),
        ([0.0, 0.5, 0.9], "end at 1"),
        ([0.0, 0.6, 0.4, 1.0], "non-decreasing"),
        ([0.0, np.nan, 1.0], "finite"),
        ([0.0], "at least 2"),
        ([[0.0, 1.0]], "1-D"),
    ],
)
def test_bad_schedules(betas, match):
    with pytest.raises(ValueError, match=match):
        S.validate_schedule(betas)


def test_make_schedule_errors():
    with pytest.raises(ValueError, match="schedule must be one of"):
        S.make_schedule("cosine")
    with pytest.raises(ValueError, match="schedule must be >= 1"):
        S.make_schedule(0)
    with pytest.raises(ValueError, match="beta_min"):
        S.geometric(5, beta_min=2.0)
