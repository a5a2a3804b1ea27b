"""Bayes factors and posterior model probabilities (R's bf and post_prob)."""

import math

import numpy as np
import pytest

import partition as pt


def test_bayes_factor_of_two_gaussian_models_from_bridge_sampling():
    # two unnormalised Gaussians whose log normalisers are known: the Bayes factor is exact
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(4000, 2))

    def log_q(scale):
        return lambda x: np.log(scale) - 0.5 * (x**2).sum(1)

    est_1 = pt.bridge_sampling(log_q(3.0), draws, rng=1)
    est_0 = pt.bridge_sampling(log_q(1.0), draws, rng=2)
    bf = pt.bayes_factor(est_1, est_0)
    assert bf.stderr == pytest.approx(math.hypot(est_1.stderr, est_0.stderr))
    assert abs(bf.log_bayes_factor - math.log(3.0)) < 4 * bf.stderr + 1e-12
    assert bf.bayes_factor == pytest.approx(math.exp(bf.log_bayes_factor))
    low, high = bf.confidence_interval
    assert low < bf.log_bayes_factor < high
    assert "log BF_10" in repr(bf) and "BF_10 =" in repr(bf)


def test_posterior_model_probabilities_and_their_errors():
    post = pt.posterior_model_probabilities(
        [pt.LogZEstimate.normal(-10.0, 0.1, method="x"), -10.0 + math.log(2.0), -1e3],
        prior=[1, 1, 2], names=["a", "b", "c"],
    )  # fmt: skip
    np.testing.assert_allclose(post.probabilities, [1 / 3, 2 / 3, 0.0], atol=1e-12)
    np.testing.assert_allclose(post.prior, [0.25, 0.25, 0.5])
    # only model a is uncertain: d p_a / d l_a = p_a (1 - p_a)
    assert post.stderr[0] == pytest.approx(0.1 * (1 / 3) * (2 / 3))
    assert post.stderr[1] == pytest.approx(0.1 * (1 / 3) * (2 / 3))
    text = repr(post)
    assert "posterior" in text and "b" in text and "0.666667" in text
    # a Monte Carlo check of the delta method on two uncertain models
    ests = [
        pt.LogZEstimate.normal(0.0, 0.05, method="x"),
        pt.LogZEstimate.normal(0.3, 0.08, method="x"),
    ]
    post = pt.posterior_model_probabilities(ests)
    sims = np.random.default_rng(0).normal([0.0, 0.3], [0.05, 0.08], size=(200_000, 2))
    p0 = 1.0 / (1.0 + np.exp(sims[:, 1] - sims[:, 0]))
    assert post.stderr[0] == pytest.approx(p0.std(), rel=0.02)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: pt.bayes_factor("a", 1.0), TypeError, "estimate_1 must be a LogZEstimate"),
        (lambda: pt.bayes_factor(1.0, float("nan")), ValueError, "estimate_0 must be finite"),
        (lambda: pt.bayes_factor(1.0, 0.0, confidence_level=2), ValueError, "confidence_level"),
        (lambda: pt.posterior_model_probabilities([1.0]), ValueError, "at least 2 models"),
        (lambda: pt.posterior_model_probabilities([1.0, 2.0], prior=[1, 0]), ValueError,
         "prior must hold 2 positive"),
        (lambda: pt.posterior_model_probabilities([1.0, 2.0], names=["a"]), ValueError,
         "names must hold 2"),
    ],
)  # fmt: skip
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
