"""RBM AIS kernels (fused and batched drivers) against a NumPy reference with the same uniforms."""

import numpy as np
import pytest
from scipy.special import expit

import partition as pt
from partition._numba import jit
from partition._progress import Progress
from partition.kernels._random import fill_uniform, seed_streams
from partition.models._rbm_ais import RBMAnnealingPath


@jit
def _take(state, chain, n):
    out = np.empty(n)
    fill_uniform(state, chain, out)
    return out


def _log_p_star(model, base_bias, beta, v):
    act = model.hidden_bias + v @ model.weights
    return ((1 - beta) * base_bias + beta * model.visible_bias) @ v + np.logaddexp(
        0.0, beta * act
    ).sum()


def reference_ais(model, base_bias, betas, n_sweeps, state):
    """Plain NumPy AIS, chain by chain, drawing uniforms in the kernels' order."""
    n_chains = state.shape[0]
    log_w = np.zeros(n_chains)
    final = np.empty((n_chains, model.n_visible))
    for c in range(n_chains):
        v = (_take(state, c, model.n_visible) < expit(base_bias)).astype(float)
        for k in range(1, len(betas)):
            log_w[c] += _log_p_star(model, base_bias, betas[k], v) - _log_p_star(
                model, base_bias, betas[k - 1], v
            )
            if k == len(betas) - 1:
                break
            beta = betas[k]
            for _ in range(n_sweeps):
                p_h = expit(beta * (model.hidden_bias + v @ model.weights))
                h = (_take(state, c, model.n_hidden) < p_h).astype(float)
                logits = (1 - beta) * base_bias + beta * (model.visible_bias + model.weights @ h)
                v = (_take(state, c, model.n_visible) < expit(logits)).astype(float)
        final[c] = v
    return log_w, final


def _segments(betas, visible, state):
    return {
        "betas": betas,
        "visible": visible,
        "state": state,
        "bar": Progress(1, "", False),
        "sample_base": True,
        "transition_at_end": False,
    }


@pytest.mark.parametrize("driver", ["fused", "batched"])
@pytest.mark.parametrize(("n_visible", "n_hidden", "n_sweeps"), [(7, 5, 1), (13, 20, 2), (9, 3, 3)])
def test_drivers_match_numpy_reference(driver, n_visible, n_hidden, n_sweeps):
    model = pt.BernoulliRBM.random(n_visible, n_hidden, weight_scale=1.0, rng=n_visible)
    base_bias = np.random.default_rng(0).normal(0, 1, n_visible)
    betas = np.concatenate([[0.0], np.sort(np.random.default_rng(1).random(30)), [1.0]])
    state, _ = seed_streams(np.random.default_rng(2), 4)
    want_w, want_v = reference_ais(model, base_bias, betas, n_sweeps, state.copy())

    path = RBMAnnealingPath(model, base_bias, "test", np.float64, driver)
    visible = np.empty((4, n_visible))
    log_w = np.zeros(4)
    run = path._forward_fused if driver == "fused" else path._forward_batched
    run(n_sweeps, log_w, **_segments(betas, visible, state))
    np.testing.assert_allclose(log_w, want_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(visible, want_v)


def test_fused_segments_equal_one_long_run():
    # the fused driver cuts runs into segments of temperatures; a long schedule crosses them
    model = pt.BernoulliRBM.random(6, 4, rng=3)
    betas = np.linspace(0, 1, 1203)
    path = RBMAnnealingPath(model, np.zeros(6), "test", np.float64, "fused")
    outs = []
    for run in (path._forward_fused, path._forward_batched):
        state, _ = seed_streams(np.random.default_rng(4), 3)
        visible = np.empty((3, 6))
        log_w = np.zeros(3)
        run(1, log_w, **_segments(betas, visible, state))
        outs.append((log_w, visible))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-11)
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
