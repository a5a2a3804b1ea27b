"""Plain NumPy implementations that the numba kernels are measured against.

They are fair baselines, not straw men: vectorised over many states at once, with the matrix
product done by BLAS and the elementwise work in NumPy's SIMD loops.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def exact_log_z_numpy(weights, visible_bias, hidden_bias, chunk: int = 2**14) -> float:
    """Exact log Z of an RBM, enumerating the smaller layer in chunks of states.

    For each chunk of ``chunk`` states: one matrix product for the activations, softplus as
    ``max(a, 0) + log1p(exp(-|a|))`` in place (faster here than ``np.logaddexp(0, a)``), a
    row sum and a log-sum-exp; the chunks' results are combined at the end.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape[1] <= weights.shape[0]:
        rows, enum_bias, other_bias = weights.T, hidden_bias, visible_bias
    else:
        rows, enum_bias, other_bias = weights, visible_bias, hidden_bias
    m = rows.shape[0]
    bits = np.arange(m)
    partial = []
    for start in range(0, 2**m, chunk):
        index = np.arange(start, min(start + chunk, 2**m))
        states = ((index[:, None] >> bits) & 1).astype(np.float64)
        act = states @ rows
        act += other_bias
        value = states @ enum_bias + np.maximum(act, 0.0).sum(1)
        np.abs(act, out=act)
        np.negative(act, out=act)
        np.exp(act, out=act)
        np.log1p(act, out=act)
        value += act.sum(1)
        partial.append(logsumexp(value))
    return float(logsumexp(partial))


def ais_numpy(weights, visible_bias, hidden_bias, base_bias, betas, n_chains, rng) -> float:
    """AIS on an RBM in plain NumPy, vectorised over chains (Salakhutdinov & Murray path).

    Per temperature: two matrix products (``V @ W`` for the weight increment and the hidden
    draw, ``H @ W.T`` for the visible draw), ``np.logaddexp`` for the softplus terms,
    ``scipy.special.expit`` and ``Generator.random`` for the draws. Returns log Z.
    """
    from scipy.special import expit

    n_visible, n_hidden = weights.shape
    delta_bias = visible_bias - base_bias
    visible = (rng.random((n_chains, n_visible)) < expit(base_bias)).astype(np.float64)
    log_w = np.zeros(n_chains)
    for k in range(1, len(betas)):
        beta, beta_prev = betas[k], betas[k - 1]
        act = visible @ weights
        act += hidden_bias
        log_w += (beta - beta_prev) * (visible @ delta_bias)
        log_w += (np.logaddexp(0.0, beta * act) - np.logaddexp(0.0, beta_prev * act)).sum(1)
        if k == len(betas) - 1:
            break
        hidden = (rng.random((n_chains, n_hidden)) < expit(beta * act)).astype(np.float64)
        logits = hidden @ weights.T
        logits += visible_bias
        logits *= beta
        logits += (1.0 - beta) * base_bias
        visible = (rng.random((n_chains, n_visible)) < expit(logits)).astype(np.float64)
    log_z_base = np.logaddexp(0.0, base_bias).sum() + n_hidden * np.log(2.0)
    return float(log_z_base + logsumexp(log_w) - np.log(n_chains))


def gemm_floor(weights, n_chains, n_steps, dtype=np.float64) -> float:
    """The bare cost of the products AIS needs: per step ``V @ W`` and ``H @ W.T``."""
    rng = np.random.default_rng(0)
    w = np.asarray(weights, dtype=dtype)
    visible = (rng.random((n_chains, w.shape[0])) < 0.5).astype(dtype)
    hidden = (rng.random((n_chains, w.shape[1])) < 0.5).astype(dtype)
    act = np.empty((n_chains, w.shape[1]), dtype=dtype)
    vis = np.empty((n_chains, w.shape[0]), dtype=dtype)
    for _ in range(n_steps):
        np.matmul(visible, w, out=act)
        np.matmul(hidden, w.T, out=vis)
    return float("nan")


def ising_checkerboard_numpy(spins, coupling, beta, n_sweeps, rng) -> float:
    """Heat-bath checkerboard sweeps of periodic ``L x L`` lattices in NumPy.

    ``spins``: ``(n_chains, L, L)`` of +-1, updated in place. Each half sweep computes every
    site's local field with four ``np.roll`` calls, draws the new spins of one colour at once
    and keeps the other colour. Returns the mean final spin (so the work cannot be skipped).
    """
    from scipy.special import expit

    _, L, _ = spins.shape
    r, c = np.indices((L, L))
    colours = [(r + c) % 2 == 0, (r + c) % 2 == 1]
    for _ in range(n_sweeps):
        for mask in colours:
            local = coupling * (
                np.roll(spins, 1, 1) + np.roll(spins, -1, 1) + np.roll(spins, 1, 2)
                + np.roll(spins, -1, 2)
            )  # fmt: skip
            new = np.where(rng.random(spins.shape) < expit(2.0 * beta * local), 1.0, -1.0)
            spins[:] = np.where(mask, new, spins)
    return float(spins.mean())


def hmc_ais_numpy(
    log_prob, grad, base_mean, base_chol, betas, n_chains, step_size, n_leapfrog, rng
):
    """Plain NumPy HMC-AIS, vectorised over chains: the baseline of ``bench_continuous``.

    ``log_prob``/``grad`` take ``(n_chains, d)``; the base is ``N(base_mean, L L')``; a fixed
    step size and ``n_leapfrog`` leapfrog steps per temperature. Returns log Z.
    """
    d = base_mean.size
    inv_chol = np.linalg.inv(base_chol)
    precision = inv_chol.T @ inv_chol
    log_z_base = 0.5 * d * np.log(2 * np.pi) + np.log(np.diag(base_chol)).sum()

    def log_base(x):
        y = x - base_mean
        return -0.5 * np.einsum("ni,ij,nj->n", y, precision, y)

    def grad_f(x, beta):
        return -(1 - beta) * (x - base_mean) @ precision + beta * grad(x)

    x = base_mean + rng.normal(size=(n_chains, d)) @ base_chol.T
    log_w = np.zeros(n_chains)
    for k in range(1, len(betas)):
        lp, lb = log_prob(x), log_base(x)
        log_w += (betas[k] - betas[k - 1]) * (lp - lb)
        if k == len(betas) - 1:
            break
        beta = betas[k]
        p = rng.normal(size=(n_chains, d))
        q = x.copy()
        g = grad_f(q, beta)
        h0 = -((1 - beta) * lb + beta * lp) + 0.5 * np.sum(p * p, 1)
        for _ in range(n_leapfrog):
            p += 0.5 * step_size * g
            q += step_size * p
            g = grad_f(q, beta)
            p += 0.5 * step_size * g
        h1 = -((1 - beta) * log_base(q) + beta * log_prob(q)) + 0.5 * np.sum(p * p, 1)
        accept = np.log(rng.random(n_chains)) < h0 - h1
        x[accept] = q[accept]
    m = log_w.max()
    return float(log_z_base + m + np.log(np.mean(np.exp(log_w - m))))
