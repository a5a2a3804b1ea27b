"""Training Gaussian-Bernoulli RBMs: the objectives against their definitions, the gradients
against finite differences, fits that recover a known model, and bad input."""

import warnings

import numpy as np
import pytest

import partition as pt
from partition.train import gaussian as G

RNG = np.random.default_rng(0)
NV, NH, N = 4, 3, 5
PARAMS = [RNG.normal(0, 0.7, (NV, NH)), RNG.normal(0, 1, NV), RNG.normal(0, 1, NH),
          RNG.normal(0, 0.3, NV)]  # fmt: skip
V = RNG.normal(0, 1, (N, NV))
NOISE = RNG.normal(0, 0.3, (N, NV))
PROJ = RNG.normal(0, 1, (N, NV))
MODEL = pt.GaussianBernoulliRBM(*PARAMS[:3], sigma=np.exp(PARAMS[3]))


def _log_p(x):
    return -MODEL.free_energy(x)


def _fd_score(x, h=1e-5):
    eye = np.eye(NV)
    return np.stack([(_log_p(x + h * eye[i]) - _log_p(x - h * eye[i])) / (2 * h)
                     for i in range(NV)], 1)  # fmt: skip


def _fd_jacobian(x, h=1e-5):
    """``H[n, i, k] = d psi_i / d v_k`` by central differences of the exact score."""
    eye = np.eye(NV)
    cols = [(MODEL.score(x + h * eye[k]) - MODEL.score(x - h * eye[k])) / (2 * h)
            for k in range(NV)]  # fmt: skip
    return np.stack(cols, 2)


def test_score_is_the_gradient_of_log_p():
    np.testing.assert_allclose(MODEL.score(V), _fd_score(V), atol=1e-7)
    np.testing.assert_allclose(G.score(*PARAMS, V), MODEL.score(V), atol=1e-14)


def test_objectives_equal_their_definitions():
    jac = _fd_jacobian(V)
    psi = MODEL.score(V)
    sm = 0.5 * (psi**2).sum(1) + np.trace(jac, axis1=1, axis2=2)
    np.testing.assert_allclose(G.sm_objective(*PARAMS, V), sm, rtol=1e-7, atol=1e-7)
    t = 0.3
    dsm = 0.5 * ((MODEL.score(V + NOISE) + NOISE / t**2) ** 2).sum(1)
    np.testing.assert_allclose(G.dsm_objective(*PARAMS, V, NOISE, t), dsm, rtol=1e-12)
    ssm = np.einsum("ni,nik,nk->n", PROJ, jac, PROJ) + 0.5 * (psi**2).sum(1)
    np.testing.assert_allclose(G.ssm_objective(*PARAMS, V, PROJ), ssm, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize(
    ("objective", "gradient"),
    [
        (lambda *p: G.sm_objective(*p, V).sum(), lambda *p: G.sm_gradient(*p, V)),
        (lambda *p: G.dsm_objective(*p, V, NOISE, 0.3).sum(),
         lambda *p: G.dsm_gradient(*p, V, NOISE, 0.3)),
        (lambda *p: G.ssm_objective(*p, V, PROJ).sum(), lambda *p: G.ssm_gradient(*p, V, PROJ)),
        (lambda w, b, c, s: -pt.GaussianBernoulliRBM(w, b, c, np.exp(s)).free_energy(V).sum(),
         lambda *p: G.neg_free_energy_gradient(*p, V)),
    ],
    ids=["sm", "dsm", "ssm", "log_p"],
)  # fmt: skip
def test_gradients_match_finite_differences(objective, gradient):
    params = [p.copy() for p in PARAMS]
    grads = gradient(*params)
    for k, p in enumerate(params):
        numeric = np.zeros_like(p)
        for index in np.ndindex(p.shape):
            old = p[index]
            p[index] = old + 1e-6
            up = objective(*params)
            p[index] = old - 1e-6
            down = objective(*params)
            p[index] = old
            numeric[index] = (up - down) / 2e-6
        scale = 1 + abs(numeric).max()
        np.testing.assert_allclose(grads[k], numeric, rtol=1e-6, atol=1e-6 * scale)


def _known(n_visible, n_hidden, n_train, seed=1):
    true = pt.GaussianBernoulliRBM.random(n_visible, n_hidden, weight_scale=0.5, rng=seed)
    gen = np.random.default_rng(0)
    train, test = true.sample_exactly(n_train, gen), true.sample_exactly(2000, gen)
    return true, train, test, pt.log_likelihood(true, test, pt.exact_log_z(true)).mean


def test_score_matching_recovers_a_small_known_model():
    _, train, test, best = _known(6, 3, 4000)
    fit = pt.fit_rbm(train, 3, visible="gaussian", method="sm", n_epochs=15, batch_size=100,
                     learning_rate=0.01, momentum=0.9, weight_decay=0.0, test_data=test,
                     monitor_every=5, rng=0)  # fmt: skip
    assert isinstance(fit.model, pt.GaussianBernoulliRBM)
    assert fit.history["log_likelihood_method"][-1] == "exact"
    first, last = fit.history["test_log_likelihood"][0], fit.history["test_log_likelihood"][-1]
    assert best - 0.1 < last <= best + 0.05 and last >= first
    # the score-matching loss fell as well
    assert fit.history["score_matching_loss"][-1] < fit.history["score_matching_loss"][0]


def test_fixed_sigma_stays_fixed_and_runs_are_reproducible():
    _, train, _, _ = _known(5, 2, 500)
    runs = [pt.fit_rbm(train, 2, visible="gaussian", method="dsm", sigma=0.7, n_epochs=2,
                       rng=3) for _ in range(2)]  # fmt: skip
    np.testing.assert_array_equal(runs[0].model.sigma, np.full(5, 0.7))
    assert runs[0].model == runs[1].model


@pytest.mark.slow
@pytest.mark.parametrize(
    ("method", "settings"),
    [
        ("sm", {"learning_rate": 0.01}),
        ("dsm", {"learning_rate": 0.01, "noise_scale": 0.1}),
        ("ssm", {"learning_rate": 0.01}),
        ("pcd", {"learning_rate": 0.003, "n_persistent": 1000}),
    ],
)
def test_well_specified_fits_reach_the_true_models_likelihood(method, settings):
    # 20,000 draws from a known 16x8 GB-RBM: every method within 0.1 nats per example of
    # the true model's held-out exact log-likelihood
    _, train, test, best = _known(16, 8, 20_000)
    fit = pt.fit_rbm(train, 8, visible="gaussian", method=method, n_epochs=30, batch_size=100,
                     momentum=0.9, weight_decay=0.0, test_data=test, monitor_every=30, rng=0,
                     **settings)  # fmt: skip
    assert fit.history["test_log_likelihood"][-1] > best - 0.1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"data": np.full((5, 3), np.nan)}, ValueError, "data"),
        ({"noise_scale": 0.0, "method": "dsm"}, ValueError, "noise_scale must be finite and > 0"),
        ({"noise_scale": -1.0, "method": "dsm"}, ValueError, "noise_scale"),
        ({"sigma": 0.0}, ValueError, "sigma must be positive"),
        ({"sigma": [1.0, 2.0]}, ValueError, "sigma must be positive, a scalar or of shape"),
        ({"method": "pl"}, ValueError, "method must be one of sm, dsm, ssm, cd, pcd"),
        ({"visible": "poisson"}, ValueError, "visible must be 'binary' or 'gaussian'"),
        ({"test_data": np.zeros((2, 4))}, ValueError, "test_data must have 3 columns"),
        ({"n_temperatures": 3, "method": "pcd"}, ValueError, "n_temperatures"),
    ],
)
def test_bad_input_is_refused_before_training(kwargs, error, match, monkeypatch):
    import partition.train.fit as fit_module

    monkeypatch.setattr(fit_module, "_train", lambda *a, **k: pytest.fail("ran"))
    args = {"data": np.random.default_rng(0).normal(size=(5, 3)), "n_hidden": 2,
            "visible": "gaussian", "method": "sm", **kwargs}  # fmt: skip
    with pytest.raises(error, match=match):
        pt.fit_rbm(**args)


def test_the_default_learning_rate_depends_on_the_method_and_visible_kind(monkeypatch):
    import partition.train.fit as fit_module

    seen = {}

    def record(kind, method, *args, **kwargs):
        seen["rate"] = method.settings.learning_rate

    monkeypatch.setattr(fit_module, "_train", record)
    rows = np.random.default_rng(0).normal(size=(50, 3))
    rates = {}
    for method in fit_module.GAUSSIAN_METHODS:
        pt.fit_rbm(rows, 2, visible="gaussian", method=method)
        rates[method] = seen["rate"]
    for method in ("pcd", "cd"):
        pt.fit_rbm((rows > 0).astype(float), 2, method=method)
        rates[f"binary {method}"] = seen["rate"]
    pt.fit_rbm(rows, 2, visible="gaussian", method="sm", learning_rate=0.2)
    assert seen["rate"] == 0.2  # a given rate is kept
    # score matching's gradients are larger than the binary log-likelihood's: the binary
    # default (0.05) ended 0.15 nats short of the known 16x8 model and was noisy with PCD
    assert rates["sm"] == rates["dsm"] == rates["ssm"] < rates["binary cd"]
    # and PCD's swung by 2-3 nats between checkpoints on the digits at the binary default
    assert rates["pcd"] == rates["cd"] < rates["sm"] == rates["binary pcd"] < rates["binary cd"]


def test_a_learning_rate_far_too_large_warns_that_training_is_unstable():
    _, train, test, _ = _known(6, 3, 2000)
    with pytest.warns(pt.TrainingWarning, match="learning_rate"):
        pt.fit_rbm(train, 3, visible="gaussian", method="pcd", learning_rate=0.5, n_epochs=12,
                   test_data=test, monitor_every=2, rng=0)  # fmt: skip


def test_a_learning_rate_far_too_small_warns_that_training_stalled():
    _, train, _, _ = _known(6, 3, 500)
    with pytest.warns(pt.TrainingWarning, match="stalled"):
        pt.fit_rbm(train, 3, visible="gaussian", method="sm", learning_rate=1e-9, n_epochs=3,
                   monitor_every=1, rng=0)  # fmt: skip


def test_training_at_the_defaults_does_not_warn():
    _, train, test, _ = _known(6, 3, 2000)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pt.TrainingWarning)
        pt.fit_rbm(train, 3, visible="gaussian", method="sm", n_epochs=6, test_data=test,
                   monitor_every=2, rng=0)  # fmt: skip


@pytest.mark.slow
def test_score_matching_at_the_defaults_reaches_the_known_model():
    # the case: 20,000 draws of the known 16x8 model, every setting at its default
    model, train, test = pt.datasets.known_gbrbm()
    best = pt.log_likelihood(model, test, pt.exact_log_z(model)).mean
    with warnings.catch_warnings():
        warnings.simplefilter("error", pt.TrainingWarning)
        fit = pt.fit_rbm(train, 8, visible="gaussian", method="sm", test_data=test, rng=0)
    assert fit.history["test_log_likelihood"][-1] > best - 0.1
