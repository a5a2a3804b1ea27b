"""RBM AIS kernels (fused and batched drivers) against a NumPy reference with the same uniforms."""

import numpy as np
import pytest
from scipy.special import expit

import partition as pt
from partition._numba import jit
from partition.kernels._random import fill_uniform, seed_streams
from partition.kernels.rbm import ais_batched, ais_fused
from partition.kernels.rbm import sample_base as sample_base_kernel
from partition.models import _rbm_ais
from partition.models._rbm_ais import RBMAnnealingPath, _padded_columns, chain_blocks


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


def _run_segments(path, betas, visible, state, log_w, n_sweeps=1):
    """The annealing driver's loop on given streams: base samples, then the segments of the
    path's runner (``partition.estimators.annealing.anneal`` without seeding or timing)."""
    with path.runner(visible.shape[0], n_sweeps, betas) as runner:
        path.sample_base(visible, state)
        last = len(betas) - 1
        for k0 in range(0, last, runner.segment_length):
            k1 = min(k0 + runner.segment_length, last)
            runner.advance(betas[k0 : k1 + 1], k1 < last, visible, state, log_w)


@pytest.mark.parametrize("driver", ["fused", "batched"])
@pytest.mark.parametrize(("n_visible", "n_hidden", "n_sweeps"), [(7, 5, 1), (13, 20, 2), (9, 3, 3)])
def test_drivers_match_numpy_reference(driver, n_visible, n_hidden, n_sweeps):
    # 9 chains: two blocks of chains in the batched driver on two threads
    model = pt.BernoulliRBM.random(n_visible, n_hidden, weight_scale=1.0, rng=n_visible)
    base_bias = np.random.default_rng(0).normal(0, 1, n_visible)
    betas = np.concatenate([[0.0], np.sort(np.random.default_rng(1).random(30)), [1.0]])
    state, _ = seed_streams(np.random.default_rng(2), 9)
    want_w, want_v = reference_ais(model, base_bias, betas, n_sweeps, state.copy())

    path = RBMAnnealingPath(model, base_bias, "test", np.float64, driver)
    visible = np.empty((9, n_visible))
    log_w = np.zeros(9)
    _run_segments(path, betas, visible, state, log_w, n_sweeps)
    np.testing.assert_allclose(log_w, want_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(visible, want_v)


def _one_call(path, driver, betas, visible, state, log_w):
    """The whole schedule in a single kernel call (no segments)."""
    m = path.model
    sample_base_kernel(path.base_bias, visible, state)
    if driver == "fused":
        ais_fused(
            m.weights, path._weights_t, m.visible_bias, m.hidden_bias, path.base_bias, betas, 1,
            False, visible, state, log_w,
        )  # fmt: skip
    else:
        ais_batched(
            _padded_columns(m.weights, np.float64), _padded_columns(m.weights.T, np.float64),
            m.visible_bias, m.hidden_bias, path.base_bias, betas, 1, False,
            chain_blocks(visible.shape[0], 2), visible, state, log_w,
        )  # fmt: skip


@pytest.mark.parametrize("driver", ["fused", "batched"])
def test_segmented_run_equals_one_long_kernel_call(driver, monkeypatch):
    # runs are cut into short kernel calls (Ctrl-C is checked between them); here every call
    # is 7 temperatures, and the chains must end where one uncut call over 1,203 ends
    monkeypatch.setattr(_rbm_ais, "_SEGMENT", 7)
    model = pt.BernoulliRBM.random(6, 4, rng=3)
    betas = np.linspace(0, 1, 1203)
    path = RBMAnnealingPath(model, np.zeros(6), "test", np.float64, driver)
    outs = []
    for segmented in (True, False):
        state, _ = seed_streams(np.random.default_rng(4), 9)
        visible = np.empty((9, 6))
        log_w = np.zeros(9)
        if segmented:
            _run_segments(path, betas, visible, state, log_w)
        else:
            _one_call(path, driver, betas, visible, state, log_w)
        outs.append((log_w, visible, state))
    if driver == "batched":  # weights are added per temperature: exactly equal
        np.testing.assert_array_equal(outs[0][0], outs[1][0])
    else:  # the fused driver adds one sum per call: equal to rounding
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    np.testing.assert_array_equal(outs[0][2], outs[1][2])


def test_segments_shrink_with_the_work_per_temperature():
    # Ctrl-C is seen only between kernel calls: a call must stay short for large models
    assert _rbm_ais.segment_length(2.0 * 100 * 64 * 20) == _rbm_ais._SEGMENT
    big = 2.0 * 100 * 784 * 500
    assert 1 < _rbm_ais.segment_length(big) and _rbm_ais.segment_length(big) * big <= 2.0**29
    assert _rbm_ais.segment_length(1e12) == 1


@pytest.mark.parametrize(("n_chains", "n_threads", "sizes"), [
    (2, 2, [2]), (7, 2, [7]), (8, 2, [4, 4]), (100, 2, [50, 50]), (101, 3, [34, 33, 34]),
])  # fmt: skip
def test_chain_blocks_have_at_least_the_minimum(n_chains, n_threads, sizes):
    assert np.diff(chain_blocks(n_chains, n_threads)).tolist() == sizes
