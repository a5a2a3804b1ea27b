"""Persistent contrastive divergence / stochastic maximum likelihood (Tieleman 2008).

The negative phase continues ``n_persistent`` chains across updates, ``k`` block-Gibbs
sweeps per update; their statistics are scaled by ``batch / chains``. Binary visible units
may temper the chains (Desjardins et al. 2010): ``n_temperatures`` replicas at inverse
temperatures linear in [0.2, 1], neighbours swapped after every update by the Metropolis
rule, the negative phase read from the replica at 1. Without tempering a binary epoch runs
in one compiled call (``partition.kernels.train.cd_epoch``).
"""

from __future__ import annotations

import numpy as np

from partition.train.base import TrainingMethod
from partition.train.cd import compiled_epoch, negative_phase_gradient


def tempered_log_prob(model, v, beta):
    """``log p*_beta(v)`` of the RBM at inverse temperature ``beta``, hidden summed out."""
    act = beta * (v @ model.weights + model.hidden_bias)
    return beta * (v @ model.visible_bias) + np.logaddexp(0.0, act).sum(1)


def swap_replicas(model, replicas, betas, gen):
    """Metropolis swaps of neighbouring tempered replicas (visible states), in place on the
    list ``replicas``."""
    tempered = lambda v, beta: tempered_log_prob(model, v, beta)  # noqa: E731
    for r in range(len(betas) - 1):
        lo, hi = replicas[r], replicas[r + 1]
        log_accept = (
            tempered(hi, betas[r]) + tempered(lo, betas[r + 1])
            - tempered(lo, betas[r]) - tempered(hi, betas[r + 1])
        )  # fmt: skip
        swap = np.log(gen.random(lo.shape[0])) < log_accept
        lo_new, hi_new = lo.copy(), hi.copy()
        lo_new[swap], hi_new[swap] = hi[swap], lo[swap]
        replicas[r], replicas[r + 1] = lo_new, hi_new


class PCD(TrainingMethod):
    name = "pcd"
    visible = ("binary", "gaussian")

    def init(self, kind, params, rows, gen):
        n_temps = self.settings.n_temperatures
        self.betas = np.linspace(0.2, 1.0, n_temps) if n_temps > 1 else np.ones(1)
        n = self.settings.n_persistent
        self.chains = [kind.start_states(params, n, gen) for _ in self.betas]
        self._streams = None
        if kind.name == "binary" and len(self.betas) == 1:
            from partition.kernels._random import seed_streams

            self._streams, _ = seed_streams(gen, n)
        return []

    def epoch(self, kind, params, velocity, rows, order):
        if self._streams is None:
            return None
        return compiled_epoch(
            params, velocity, rows, order, self.settings, self.chains[0], self._streams, True
        )

    def gradient(self, kind, params, batch, gen):
        for r, beta in enumerate(self.betas):
            self.chains[r] = kind.gibbs(params, self.chains[r], self.settings.k, gen, beta)
        if len(self.betas) > 1:
            swap_replicas(kind.model(params), self.chains, self.betas, gen)
        negative = self.chains[-1]
        scale = batch.shape[0] / negative.shape[0]
        return negative_phase_gradient(kind, params, batch, negative, scale)
