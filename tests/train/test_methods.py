"""The training methods, one module each (partition/train/base.py): each method's
``gradient`` is the gradient of the loss it minimises, summed over the batch, checked by
central differences through the method object itself (sign, scale, parameter order)."""

import numpy as np
import pytest

import partition as pt
from partition.train import gaussian as G
from partition.train._kinds import Binary, Gaussian
from partition.train.base import Settings
from partition.train.fit import GAUSSIAN_METHODS, METHOD_CLASSES, METHODS
from partition.train.objectives import pseudo_log_likelihood, ratio_matching_objective

SETTINGS = Settings(
    batch_size=5,
    learning_rate=0.1,
    momentum=0.0,
    weight_decay=0.0,
    k=1,
    n_persistent=5,
    n_temperatures=1,
    nce_noise_ratio=2.0,
    noise_scale=0.3,
)


def _fd(loss, params, eps=1e-6):
    out = []
    for p in params:
        g = np.zeros_like(p)
        for idx in np.ndindex(p.shape):
            old = p[idx]
            p[idx] = old + eps
            up = loss(params)
            p[idx] = old - eps
            down = loss(params)
            p[idx] = old
            g[idx] = (up - down) / (2 * eps)
        out.append(g)
    return out


def _binary_setup():
    gen = np.random.default_rng(3)
    rows = (gen.random((5, 4)) < 0.4).astype(float)
    kind = Binary(rows, 3, 0.5, gen)
    return kind, [p.copy() for p in kind.initial], rows


def _gaussian_setup():
    gen = np.random.default_rng(4)
    rows = gen.normal(size=(5, 3))
    kind = Gaussian(rows, 2, 0.5, gen)
    return kind, [p.copy() for p in kind.initial], rows


def _pl(kind, p, x, seed):
    return -pseudo_log_likelihood(kind.model(p), x).sum()


def _rm(kind, p, x, seed):
    return ratio_matching_objective(kind.model(p), x).sum()


def _sm(kind, p, x, seed):
    return G.sm_objective(*p, x).sum()


def _ssm(kind, p, x, seed):  # the projections the method draws from the same seed
    return G.ssm_objective(*p, x, np.random.default_rng(seed).standard_normal(x.shape)).sum()


def _dsm(kind, p, x, seed):  # the antithetic pair the method draws from the same seed
    e = 0.3 * np.random.default_rng(seed).standard_normal(x.shape)
    return 0.5 * (G.dsm_objective(*p, x, e, 0.3).sum() + G.dsm_objective(*p, x, -e, 0.3).sum())


@pytest.mark.parametrize(
    ("name", "setup", "loss"),
    [
        ("pl", _binary_setup, _pl),
        ("rm", _binary_setup, _rm),
        ("sm", _gaussian_setup, _sm),
        ("ssm", _gaussian_setup, _ssm),
        ("dsm", _gaussian_setup, _dsm),
    ],
)
def test_gradient_is_the_gradient_of_the_minimised_loss(name, setup, loss):
    kind, params, rows = setup()
    method = METHOD_CLASSES[name](SETTINGS)
    params = params + method.init(kind, params, rows, np.random.default_rng(0))
    got = method.gradient(kind, params, rows, np.random.default_rng(11))
    want = _fd(lambda p: loss(kind, p, rows, 11), params)
    assert len(got) == len(params)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_nce_gradient_includes_log_z():
    from partition.train.objectives import nce_objective

    kind, params, rows = _binary_setup()
    method = METHOD_CLASSES["nce"](SETTINGS)
    params = params + method.init(kind, params, rows, np.random.default_rng(0))
    assert len(params) == 4 and params[3].shape == ()
    noise_x = method.noise.sample(10, np.random.default_rng(11))  # what gradient draws

    def loss(p):
        log_q = method.noise.log_prob
        return -nce_objective(
            kind.model(p), float(p[3]), rows, noise_x, log_q(rows), log_q(noise_x)
        )

    got = method.gradient(kind, params, rows, np.random.default_rng(11))
    for g, w in zip(got, _fd(loss, params), strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)
    assert method.log_z(params) == float(params[3])


@pytest.mark.parametrize("name", ["cd", "pcd"])
@pytest.mark.parametrize("setup", [_binary_setup, _gaussian_setup])
def test_negative_phase_is_chains_minus_data(name, setup):
    # E_chains[-grad F] - E_batch[-grad F] with the chains that the method's own Gibbs sweeps
    # reach from the same seed
    kind, params, rows = setup()
    method = METHOD_CLASSES[name](SETTINGS)
    params = params + method.init(kind, params, rows, np.random.default_rng(0))
    start = rows if name == "cd" else method.chains[0].copy()
    got = method.gradient(kind, params, rows, np.random.default_rng(5))
    chains = kind.gibbs(params, start, SETTINGS.k, np.random.default_rng(5))
    pos = kind.log_prob_gradient(params, rows)
    neg = kind.log_prob_gradient(params, chains)
    for g, p_, n_ in zip(got, pos, neg, strict=True):
        np.testing.assert_array_equal(g, n_ - p_)  # batch and chains both have 5 rows


def test_registry_matches_what_fit_rbm_accepts():
    assert set(METHODS) == {n for n, c in METHOD_CLASSES.items() if "binary" in c.visible}
    assert set(GAUSSIAN_METHODS) == {
        n for n, c in METHOD_CLASSES.items() if "gaussian" in c.visible
    }
    modules = {c.__module__ for c in METHOD_CLASSES.values()}
    assert "partition.train.fit" not in modules  # each method lives in its own module


def test_fixed_sigma_stays_fixed():
    rows = np.random.default_rng(0).normal(size=(40, 3))
    fit = pt.fit_rbm(rows, 2, visible="gaussian", method="sm", sigma=0.7, n_epochs=2, rng=0)
    np.testing.assert_array_equal(fit.model.sigma, np.full(3, 0.7))
    assert fit.info["learn_sigma"] is False
