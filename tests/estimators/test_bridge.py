"""Bennett's acceptance ratio: against an independent root solve and analytic cases."""

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.special import logsumexp

import partition as pt


def _reference_bar(la, lb):
    m = np.log(la.size / lb.size)

    def balance(d):
        return logsumexp(-np.logaddexp(0, -(la - d - m))) - logsumexp(
            -np.logaddexp(0, -(d + m - lb))
        )

    return brentq(balance, -300, 300, xtol=1e-14, rtol=1e-15)


def _gaussian_case(rng, mu, n_a, n_b, c):
    xa, xb = rng.normal(0, 1, n_a), rng.normal(mu, 1, n_b)

    def lr(x):  # log q_b - log q_a with q_b = e^c N(mu, 1), q_a = N(0, 1)
        return c - 0.5 * (x - mu) ** 2 + 0.5 * x**2

    return lr(xa), lr(xb)


def test_matches_independent_root_solve():
    rng = np.random.default_rng(0)
    for _ in range(60):
        la, lb = _gaussian_case(
            rng, rng.uniform(-3, 3), int(rng.integers(2, 2000)), int(rng.integers(2, 2000)),
            rng.uniform(-40, 40),
        )  # fmt: skip
        est = pt.bar(la, lb)
        ref = _reference_bar(la, lb)
        assert abs(est.log_z - ref) <= 1e-11 * max(1, abs(ref))


def test_error_matches_the_spread_over_replications():
    rng = np.random.default_rng(1)
    estimates, stderrs = [], []
    for _ in range(400):
        la, lb = _gaussian_case(rng, 1.5, 300, 200, np.log(3.0))
        est = pt.bar(la, lb)
        estimates.append(est.log_z)
        stderrs.append(est.stderr)
    estimates = np.array(estimates)
    assert abs(estimates.mean() - np.log(3.0)) < 4 * estimates.std() / np.sqrt(400)
    assert np.mean(stderrs) == pytest.approx(estimates.std(), rel=0.15)


def test_one_sided_limits_and_fields():
    rng = np.random.default_rng(2)
    la, lb = _gaussian_case(rng, 0.2, 1000, 1000, 2.0)
    est = pt.bar(la, lb)
    assert est.method == "bar" and est.n_samples == 2000
    assert est.info["n_a"] == 1000
    lo, hi = est.confidence_interval
    assert lo < est.log_z < hi


@pytest.mark.parametrize(
    ("a", "b", "match"),
    [
        ([0.0], [0.0, 1.0], "log_ratios_a"),
        ([0.0, np.nan], [0.0, 1.0], "log_ratios_a must be finite"),
        ([0.0, 1.0], [[0.0, 1.0]], "log_ratios_b"),
        ([0.0, 1.0], [np.inf, 1.0], "log_ratios_b must be finite"),
    ],
)
def test_bad_input(a, b, match):
    with pytest.raises(ValueError, match=match):
        pt.bar(a, b)


def _pymbar_bar(la, lb):
    other_estimators = pytest.importorskip("pymbar.other_estimators")
    # pymbar's works in kT: w_F = u_b - u_a at draws from a = -(log q_b - log q_a)
    out = other_estimators.bar(-np.asarray(la), np.asarray(lb))
    return -out["Delta_f"], out["dDelta_f"]


def test_equals_pymbar():
    rng = np.random.default_rng(3)
    for mu, n_a, n_b, c in ((1.0, 5000, 5000, 1.1), (2.5, 300, 4000, -20.0), (0.3, 1000, 100, 5.0)):
        la, lb = _gaussian_case(rng, mu, n_a, n_b, c)
        est = pt.bar(la, lb)
        delta, d_delta = _pymbar_bar(la, lb)
        assert abs(est.log_z - delta) < 1e-10
        assert est.stderr == pytest.approx(d_delta, rel=1e-6)


def test_bridge_between_two_rbms_with_exact_log_z():
    a = pt.BernoulliRBM.random(20, 10, weight_scale=0.5, rng=0)
    b = pt.BernoulliRBM(a.weights * 1.3, a.visible_bias + 0.2, a.hidden_bias)
    exact = pt.exact_log_z(b).log_z - pt.exact_log_z(a).log_z
    for seed in range(3):
        est = pt.bridge(a, b, rng=seed)
        assert est.method == "bridge"
        assert abs(est.log_z - exact) < 4 * est.stderr
    given = pt.bridge(a, b, pt.exact_sample(a, 500, rng=5), pt.exact_sample(b, 700, rng=6))
    assert given.n_samples == 1200 and abs(given.log_z - exact) < 4 * given.stderr


def test_bridge_between_two_ising_couplings():
    a = pt.IsingModel.square_lattice(4, coupling=0.3)
    b = pt.IsingModel.square_lattice(4, coupling=0.35)
    est = pt.bridge(a, b, n_samples=3000, rng=0)
    exact = pt.ising_log_z(4, 4, 0.35) - pt.ising_log_z(4, 4, 0.3)
    assert abs(est.log_z - exact) < 4 * est.stderr


def test_bridge_bad_input():
    a = pt.BernoulliRBM.random(5, 3, rng=0)
    with pytest.raises(ValueError, match="must share their states"):
        pt.bridge(a, pt.IsingModel.ring(5, 0.3))
    with pytest.raises(TypeError, match="bridge \\(model_b\\) needs a model implementing"):
        pt.bridge(a, object())
    with pytest.raises(ValueError, match="samples_b"):
        pt.bridge(a, a, np.zeros((3, 5)), np.full((3, 5), 0.5))
    with pytest.raises(ValueError, match="samples_a"):
        pt.bridge(a, a, np.zeros((3, 4)), np.zeros((3, 5)))


def test_bridge_by_mcmc_samples_for_models_too_large_to_sample_exactly():
    a = pt.BernoulliRBM.random(12, 8, rng=1)
    b = pt.BernoulliRBM(a.weights * 1.2, a.visible_bias, a.hidden_bias)
    exact = pt.exact_log_z(b).log_z - pt.exact_log_z(a).log_z
    est = pt.bridge(a, b, n_samples=2000, mcmc_sweeps=300, rng=0)
    assert abs(est.log_z - exact) < 4 * est.stderr
    assert est.info["samples"]["a"].startswith("approximate (300 Gibbs sweeps")
    assert pt.bridge(a, b, rng=0).info["samples"] == {"a": "exact", "b": "exact"}
    big = pt.BernoulliRBM.random(30, 30, rng=0)
    with pytest.raises(ValueError, match=r"model_a cannot be sampled exactly.*mcmc_sweeps=N"):
        pt.bridge(big, big)
    with pytest.raises(ValueError, match="mcmc_sweeps must be >= 1"):
        pt.bridge(a, b, mcmc_sweeps=0)


def test_pymbar_works_passed_as_they_are_are_refused_when_the_order_is_impossible():
    """pymbar's bar(w_F, w_R) takes works (w_F = u_b - u_a at draws of a); passed to pt.bar
    unconverted they gave a silent wrong number. Here q_b = 0.01 N(1, 1), q_a = N(0, 1)."""
    rng = np.random.default_rng(5)
    xa, xb = rng.normal(0.0, 1.0, 2000), rng.normal(1.0, 1.0, 2000)
    u_a = lambda x: 0.5 * x**2  # noqa: E731
    u_b = lambda x: 0.5 * (x - 1.0) ** 2 - np.log(0.01)  # noqa: E731
    w_f, w_r = u_b(xa) - u_a(xa), u_a(xb) - u_b(xb)
    with pytest.raises(ValueError, match=r"log_ratios_a and log_ratios_b .* pt\.bar\(-w_F, w_R\)"):
        pt.bar(w_f, w_r)
    right = pt.bar(-w_f, w_r)  # the conversion the docstring gives
    assert abs(right.log_z - np.log(0.01)) < 4 * right.stderr
    wrong = pt.bar(w_f, w_r, check_order=False)  # what the unconverted call used to return
    assert abs(wrong.log_z - np.log(0.01)) > 100 * wrong.stderr
    delta, _ = _pymbar_bar(-w_f, w_r)  # pymbar itself agrees with the converted call
    assert right.log_z == pytest.approx(delta, abs=1e-10)


def test_the_order_check_passes_correct_ratios_of_little_overlap():
    rng = np.random.default_rng(6)
    for mu in (0.1, 3.0, 6.0):  # from near-identical models to barely overlapping ones
        la, lb = _gaussian_case(rng, mu, 500, 50, 2.0)
        assert np.isfinite(pt.bar(la, lb).log_z)
