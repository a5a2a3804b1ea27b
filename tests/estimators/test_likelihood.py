"""log_likelihood: the formula, the carried-over interval, and input checks."""

import numpy as np
import pytest

import partition as pt
from partition.models.testsystems import all_states
from partition.results import LogZEstimate


def test_probabilities_sum_to_one_over_all_states():
    model = pt.BernoulliRBM.random(8, 5, rng=1)
    ll = pt.log_likelihood(model, all_states(8), pt.exact_log_z(model))
    assert np.exp(ll.per_example).sum() == pytest.approx(1.0, rel=1e-12)
    assert ll.n_examples == 256
    assert ll.stderr == 0.0
    assert ll.confidence_interval.low == ll.confidence_interval.high == pytest.approx(ll.mean)


def test_interval_is_carried_over_from_log_z():
    model = pt.BernoulliRBM.random(6, 3, rng=2)
    exact = pt.exact_log_z(model).log_z
    fake = LogZEstimate.from_log_weights(
        exact + np.random.default_rng(0).normal(0, 0.1, 50), method="test"
    )
    data = all_states(6)[::3]
    ll = pt.log_likelihood(model, data, fake)
    unnorm = model.log_unnormalized_prob(data).mean()
    assert ll.mean == pytest.approx(unnorm - fake.log_z)
    assert ll.confidence_interval.low == pytest.approx(unnorm - fake.confidence_interval.high)
    assert ll.confidence_interval.high == pytest.approx(unnorm - fake.confidence_interval.low)
    assert ll.stderr == fake.stderr
    per = model.log_unnormalized_prob(data) - fake.log_z
    assert ll.stderr_data == pytest.approx(per.std(ddof=1) / np.sqrt(per.size))


def test_float_log_z_is_taken_as_exact():
    model = pt.BernoulliRBM.random(4, 2, rng=3)
    ll = pt.log_likelihood(model, np.eye(4), 10.0)
    assert ll.log_z.log_z == 10.0 and ll.log_z.stderr == 0.0


@pytest.mark.parametrize(
    ("data", "log_z", "err", "match"),
    [
        (np.zeros((0, 4)), 1.0, ValueError, "at least one row"),
        (np.zeros(4), 1.0, ValueError, "data must be 2-D"),
        (np.full((2, 4), 0.5), 1.0, ValueError, "data must be binary"),
        (np.zeros((2, 5)), 1.0, ValueError, "data must have 4 columns"),
        (np.zeros((2, 4)), float("nan"), ValueError, "log_z must be finite"),
        (np.zeros((2, 4)), "1.0", TypeError, "log_z must be"),
    ],
)
def test_bad_input(data, log_z, err, match):
    model = pt.BernoulliRBM.random(4, 2, rng=3)
    with pytest.raises(err, match=match):
        pt.log_likelihood(model, data, log_z)
