"""Linked importance sampling (Neal 2005): an annealing path whose steps are bridged.

Every consecutive pair of distributions ``p_{j-1}``, ``p_j`` is joined by the geometric
bridge ``b_j = sqrt(f_{j-1} f_j)``. At each distribution a short Markov chain of
``K + 1`` states is grown from a *link state*: the link sits at a uniformly random position
``nu`` and the chain runs ``nu`` transitions one way and ``K - nu`` the other (the
block-Gibbs and heat-bath kernels are reversible, so both ways use the same kernel). The next
link is drawn from the chain's states with probability proportional to ``b_{j+1} / f_j``.
Each run's estimate of ``Z_n / Z_0`` is

    prod_j  mean_k b_j(x_{j-1,k}) / f_{j-1}(x_{j-1,k})  /  mean_k b_j(x_{j,k}) / f_j(x_{j,k})

which is unbiased (Neal 2005), like AIS's, but each factor is a bridge estimate between
neighbours rather than a one-sided importance weight.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.special import logsumexp

from partition.estimators.annealing import anneal


def _transition(path, states, beta, gen):
    """One transition at ``beta`` for every state (a run with a zero increment)."""
    _, out, _ = anneal(
        path,
        np.array([beta, beta]),
        n_chains=states.shape[0],
        n_sweeps=1,
        rng=gen,
        progress=False,
        initial=states,
        transition_at_end=True,
    )
    return out


def _chain_around(path, link, beta, n_steps, gen):
    """``(n_runs, n_steps + 1, n_units)``: chains with the link at a random position."""
    n_runs = link.shape[0]
    position = gen.integers(0, n_steps + 1, size=n_runs)
    chain = np.empty((n_runs, n_steps + 1, link.shape[1]))
    chain[np.arange(n_runs), position] = link
    both = np.concatenate([link, link])  # first half walks down, second half walks up
    for t in range(1, n_steps + 1):
        both = _transition(path, both, beta, gen)
        down, up = both[:n_runs], both[n_runs:]
        use_down = position - t >= 0
        use_up = position + t <= n_steps
        chain[use_down, position[use_down] - t] = down[use_down]
        chain[use_up, position[use_up] + t] = up[use_up]
    return chain


def linked_importance_sampling(path, betas, *, n_runs, n_steps, gen, progress_bar):
    """Run LIS along ``betas``; returns the per-run log weights (without ``log Z_0``)."""
    start = time.perf_counter()
    n_units = path.n_units
    # distribution 0: the link is an exact draw of the base
    _, link, _ = anneal(
        path, np.array([0.0, 0.0]), n_chains=n_runs, n_sweeps=1, rng=gen, progress=False
    )
    chain = _chain_around(path, link, 0.0, n_steps, gen)
    log_w = np.zeros(n_runs)
    log_k = math.log(n_steps + 1)
    for j in range(1, len(betas)):
        flat = chain.reshape(-1, n_units)
        half = 0.5 * (path.log_f(flat, betas[j]) - path.log_f(flat, betas[j - 1]))
        half = half.reshape(n_runs, n_steps + 1)  # log b_j / f_{j-1} at the chain at j-1
        log_w += logsumexp(half, axis=1) - log_k
        # link: a state of this chain, drawn proportional to b_j / f_{j-1}
        probs = np.exp(half - half.max(axis=1, keepdims=True))
        cdf = np.cumsum(probs, axis=1)
        pick = (cdf < gen.random((n_runs, 1)) * cdf[:, -1:]).sum(axis=1)
        link = chain[np.arange(n_runs), pick]
        chain = _chain_around(path, link, betas[j], n_steps, gen)
        flat = chain.reshape(-1, n_units)
        back = 0.5 * (path.log_f(flat, betas[j - 1]) - path.log_f(flat, betas[j]))
        log_w -= logsumexp(back.reshape(n_runs, n_steps + 1), axis=1) - log_k
        progress_bar.update(j)
    return log_w, {"seconds": time.perf_counter() - start, "n_steps_per_distribution": n_steps}
