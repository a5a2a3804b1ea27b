"""Log-space summaries and result types."""

import math

import numpy as np
import pytest

import partition as pt
from partition.results import (
    ConfidenceInterval,
    LogLikelihoodEstimate,
    LogZBounds,
    LogZEstimate,
    kish_ess,
    log_mean_exp,
    log_mean_exp_stderr,
)


def test_log_mean_exp_matches_naive_and_survives_large_values():
    lw = np.random.default_rng(0).normal(0, 2, 1000)
    assert log_mean_exp(lw) == pytest.approx(np.log(np.mean(np.exp(lw))), rel=1e-13)
    assert log_mean_exp(lw + 5000.0) == pytest.approx(np.log(np.mean(np.exp(lw))) + 5000.0)
    assert log_mean_exp([-np.inf, 0.0]) == pytest.approx(-math.log(2))


def test_kish_ess_known_values():
    assert kish_ess(np.zeros(10)) == pytest.approx(10.0)
    assert kish_ess([0.0, -np.inf, -np.inf]) == pytest.approx(1.0)
    w = np.array([1.0, 2.0, 3.0])
    assert kish_ess(np.log(w) + 800) == pytest.approx(w.sum() ** 2 / (w**2).sum())


def test_stderr_is_delta_method():
    w = np.random.default_rng(1).lognormal(0, 0.5, 400)
    want = np.std(w, ddof=1) / np.sqrt(w.size) / np.mean(w)
    assert log_mean_exp_stderr(np.log(w)) == pytest.approx(want, rel=1e-12)
    with pytest.raises(ValueError, match="at least 2"):
        log_mean_exp_stderr([0.0])


def test_stderr_matches_spread_of_estimates_over_replications():
    rng = np.random.default_rng(2)
    reps = [rng.normal(0, 0.3, 200) for _ in range(2000)]
    estimates = np.array([log_mean_exp(r) for r in reps])
    reported = np.array([log_mean_exp_stderr(r) for r in reps])
    assert np.std(estimates) == pytest.approx(np.mean(reported), rel=0.05)


@pytest.mark.parametrize(
    "bad", [[], [[0.0, 1.0]], [0.0, np.nan], [np.inf, 0.0], [-np.inf, -np.inf]]
)
def test_log_weights_validation(bad):
    with pytest.raises(ValueError, match="log_weights"):
        log_mean_exp(bad)


def test_estimate_from_log_weights():
    lw = np.random.default_rng(3).normal(0, 0.2, 100)
    est = LogZEstimate.from_log_weights(lw, method="ais", log_offset=10.0, info={"k": 1})
    assert est.log_z == pytest.approx(10.0 + log_mean_exp(lw))
    low, high = est.confidence_interval
    assert high - est.log_z == pytest.approx(1.959963984540054 * est.stderr)
    assert est.log_z - low == pytest.approx(high - est.log_z)
    assert est.n_samples == 100 and est.ess == pytest.approx(kish_ess(lw))
    assert not est.log_weights.flags.writeable
    with pytest.raises(TypeError):
        est.info["k"] = 2
    with pytest.raises(AttributeError):
        est.log_z = 0.0
    narrow = LogZEstimate.from_log_weights(lw, method="ais", confidence_level=0.5)
    assert narrow.confidence_interval.high - narrow.log_z < high - est.log_z
    with pytest.raises(ValueError, match="confidence_level"):
        LogZEstimate.from_log_weights(lw, method="ais", confidence_level=1.5)
    assert "ais" in repr(est) and "95%" in repr(est)
    d = est.to_dict()
    assert d["log_z"] == est.log_z and d["info"] == {"k": 1}


def test_exact_estimate_and_bounds():
    exact = LogZEstimate.exact(3.5)
    assert exact.stderr == 0 and exact.confidence_interval == ConfidenceInterval(3.5, 3.5)
    with pytest.raises(ValueError, match="log_z must be finite"):
        LogZEstimate.exact(float("nan"))
    lo = LogZEstimate.from_log_weights([0.0, 0.1], method="ais")
    hi = LogZEstimate.from_log_weights([0.5, 0.6], method="reverse_ais")
    bounds = LogZBounds(lo, hi)
    assert bounds.gap == pytest.approx(hi.log_z - lo.log_z)
    assert "gap" in repr(bounds)


def _estimate(**overrides):
    fields = {
        "log_z": 1.0, "stderr": 0.1, "confidence_interval": (0.8, 1.2),
        "confidence_level": 0.95, "method": "test", "n_samples": 10, "ess": 5.0,
    }  # fmt: skip
    return LogZEstimate(**{**fields, **overrides})


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"stderr": float("inf")}, ValueError, "stderr must be finite"),
        ({"stderr": -0.1}, ValueError, "stderr must be finite and >= 0"),
        ({"confidence_interval": (float("nan"), 1.2)}, ValueError, "confidence_interval low"),
        ({"confidence_interval": (1.1, 1.2)}, ValueError, "must contain log_z"),
        ({"confidence_interval": 5}, TypeError, "confidence_interval must be a pair"),
        ({"confidence_level": 7}, ValueError, r"confidence_level must lie in \(0, 1\]"),
        ({"confidence_level": 0.0}, ValueError, "confidence_level must lie in"),
        ({"n_samples": -5}, ValueError, "n_samples must be a non-negative integer"),
        ({"n_samples": 2.5}, ValueError, "n_samples must be a non-negative integer"),
        ({"ess": -1.0}, ValueError, "ess must be >= 0"),
        ({"log_z": "1"}, TypeError, "log_z must be a real number"),
        ({"method": 3}, TypeError, "method must be a string"),
    ],
)
def test_log_z_estimate_refuses_bad_fields(overrides, error, match):
    with pytest.raises(error, match=match):
        _estimate(**overrides)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"mean": float("nan")}, ValueError, "mean must be finite"),
        ({"confidence_interval": (-2.0, -1.5)}, ValueError, "must contain mean"),
        ({"confidence_level": 1.5}, ValueError, "confidence_level"),
        ({"stderr": float("inf")}, ValueError, "stderr must be finite"),
        ({"stderr_data": -1.0}, ValueError, "stderr_data must be >= 0"),
        ({"log_z": 3.0}, TypeError, "log_z must be a LogZEstimate or None"),
    ],
)
def test_log_likelihood_estimate_refuses_bad_fields(overrides, error, match):
    fields = {
        "mean": -1.0, "confidence_interval": (-1.2, -0.8), "confidence_level": 0.95,
        "stderr": 0.1, "stderr_data": 0.2, "log_z": None, "per_example": [-1.0, -1.0],
    }  # fmt: skip
    with pytest.raises(error, match=match):
        LogLikelihoodEstimate(**{**fields, **overrides})


def test_valid_fields_are_kept_and_bounds_check_their_types():
    est = _estimate()
    assert est.confidence_interval == (0.8, 1.2) and est.n_samples == 10
    assert LogZEstimate.exact(2.0).confidence_level == 1.0
    with pytest.raises(TypeError, match="upper must be a LogZEstimate"):
        LogZBounds(lower=est, upper=1.0)


def test_summary_reads_like_r_for_bridge_sampling_and_says_when_the_scheme_struggled():
    import partition as pt

    draws = np.random.default_rng(0).normal(size=(2000, 2))
    est = pt.bridge_sampling(lambda x: -0.5 * (x**2).sum(1), draws, rng=1, repetitions=3)
    text = est.summary()
    assert f"log Z: {est.log_z:.6f}" in text
    assert f"relative mean-squared error {est.info['re2']:.3g}" in text
    assert f"percentage error {est.info['percentage_error']:.2g}%" in text
    assert "median of 3 repetitions" in text and "converged at tol 1e-10" in text
    info = dict(est.info, converged=False, tolerance=1e-4)
    struggled = LogZEstimate.normal(est.log_z, est.stderr, method=est.method, info=info)
    assert "converged only at tol 0.0001" in struggled.summary()
    exact = LogZEstimate.exact(1.5).summary()
    assert "no sampling error" in exact and "Error measures" not in exact


def test_results_pickle_to_and_from_worker_processes():
    import pickle

    rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    est = pt.ais(rbm, n_chains=10, schedule=20, rng=0)
    back = pickle.loads(pickle.dumps(est))
    assert (back.log_z, back.stderr, back.method, back.ess) == (
        est.log_z, est.stderr, est.method, est.ess)  # fmt: skip
    assert np.array_equal(back.log_weights, est.log_weights)
    assert not back.log_weights.flags.writeable
    assert dict(back.info).keys() == dict(est.info).keys()
    with pytest.raises(TypeError):
        back.info["seconds"] = 0.0  # still read-only
    ll = pt.log_likelihood(rbm, pt.exact_sample(rbm, 5, rng=1), pt.exact_log_z(rbm))
    assert np.array_equal(pickle.loads(pickle.dumps(ll)).per_example, ll.per_example)
