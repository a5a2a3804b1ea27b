"""PL, ratio matching and NCE objectives and gradients on tiny models."""

import numpy as np
import pytest

import partition as pt
from partition.models.testsystems import all_states
from partition.train.objectives import (
    free_energy_gradient,
    nce_gradient,
    nce_objective,
    pseudo_likelihood_gradient,
    pseudo_log_likelihood,
    ratio_matching_gradient,
    ratio_matching_objective,
)

NAMES = ("weights", "visible_bias", "hidden_bias")


def numeric_gradient(objective, model, eps=1e-6):
    out = []
    for name in NAMES:
        base = getattr(model, name)
        grad = np.zeros_like(base)
        for idx in np.ndindex(base.shape):
            for sign in (1.0, -1.0):
                arr = base.copy()
                arr[idx] += sign * eps
                params = {k: getattr(model, k) for k in NAMES}
                params[name] = arr
                grad[idx] += sign * objective(pt.BernoulliRBM(**params)) / (2 * eps)
        out.append(grad)
    return out


@pytest.fixture
def tiny():
    model = pt.BernoulliRBM.random(5, 3, weight_scale=1.2, rng=0)
    v = all_states(5)[[0, 3, 7, 12, 19, 30, 31]]
    return model, v


def _conditionals(model, v):
    """log p(v_i | v_-i) from the joint distribution over all visible states (brute force)."""
    states = all_states(model.n_visible)
    log_p = -model.free_energy(states)
    index = {tuple(s): k for k, s in enumerate(states)}
    out = np.zeros(v.shape)
    for n, row in enumerate(v):
        for i in range(v.shape[1]):
            other = row.copy()
            other[i] = 1 - other[i]
            a, b = log_p[index[tuple(row)]], log_p[index[tuple(other)]]
            out[n, i] = a - np.logaddexp(a, b)
    return out, log_p, index


def test_pseudo_likelihood_equals_brute_force(tiny):
    model, v = tiny
    cond, _, _ = _conditionals(model, v)
    np.testing.assert_allclose(pseudo_log_likelihood(model, v), cond.sum(1), rtol=1e-12)


def test_ratio_matching_equals_its_definition(tiny):
    model, v = tiny
    _, log_p, index = _conditionals(model, v)
    want = []
    for row in v:
        total = 0.0
        for i in range(v.shape[1]):
            other = row.copy()
            other[i] = 1 - other[i]
            ratio = np.exp(log_p[index[tuple(row)]] - log_p[index[tuple(other)]])
            total += (1.0 / (1.0 + ratio)) ** 2  # g(u) = 1 / (1 + u)
        want.append(total)
    np.testing.assert_allclose(ratio_matching_objective(model, v), want, rtol=1e-12)


@pytest.mark.parametrize(
    ("objective", "gradient"),
    [
        (pseudo_log_likelihood, pseudo_likelihood_gradient),
        (ratio_matching_objective, ratio_matching_gradient),
        (lambda m, v: -m.free_energy(v), free_energy_gradient),
    ],
    ids=["pl", "rm", "free_energy"],
)
def test_gradients_match_finite_differences(tiny, objective, gradient):
    model, v = tiny
    numeric = numeric_gradient(lambda m: objective(m, v).sum(), model)
    for got, want in zip(gradient(model, v), numeric, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-7, rtol=1e-6)


def test_nce_gradient_matches_finite_differences(tiny):
    model, v = tiny
    rng = np.random.default_rng(1)
    noise = (rng.random((11, 5)) < 0.4).astype(float)
    p = np.full(5, 0.4)
    log_pn = lambda x: x @ np.log(p) + (1 - x) @ np.log1p(-p)  # noqa: E731
    args = (v, noise, log_pn(v), log_pn(noise))
    (dw, db, dc), d_log_z = nce_gradient(model, 2.0, *args)
    numeric = numeric_gradient(lambda m: nce_objective(m, 2.0, *args), model)
    for got, want in zip((dw, db, dc), numeric, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-7, rtol=1e-6)
    eps = 1e-6
    num_z = (nce_objective(model, 2.0 + eps, *args) - nce_objective(model, 2.0 - eps, *args)) / (
        2 * eps
    )
    assert d_log_z == pytest.approx(num_z, rel=1e-6)


def test_pl_maximised_by_gradient_ascent_improves_likelihood():
    # on data from a known RBM, a few PL steps raise the PL (sanity of the sign)
    teacher = pt.BernoulliRBM.random(6, 3, weight_scale=1.0, rng=2)
    v = pt.exact_sample(teacher, 500, rng=3)
    model = pt.BernoulliRBM(np.zeros((6, 3)) + 0.01, np.zeros(6), np.zeros(3))
    before = pseudo_log_likelihood(model, v).mean()
    for _ in range(50):
        dw, db, dc = pseudo_likelihood_gradient(model, v)
        model = pt.BernoulliRBM(
            model.weights + 0.5 * dw / 500, model.visible_bias + 0.5 * db / 500,
            model.hidden_bias + 0.5 * dc / 500,
        )  # fmt: skip
    assert pseudo_log_likelihood(model, v).mean() > before + 0.1
    assert np.all(np.isfinite(model.weights))
