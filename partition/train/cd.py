"""Contrastive divergence, CD-k (Hinton 2002).

The negative phase runs ``k`` block-Gibbs sweeps from the batch itself; the gradient of the
negative log-likelihood is ``E_chains[-grad F] - E_batch[-grad F]``. For binary visible
units a whole epoch runs in one compiled call (``partition.kernels.train.cd_epoch``:
BLAS products, one stream per negative chain); Gaussian visible units use the NumPy sweeps
of :mod:`partition.train.gaussian`.
"""

from __future__ import annotations

import numpy as np

from partition.train.base import TrainingMethod


def negative_phase_gradient(kind, params, batch, negative, scale=1.0):
    """``scale E_negative[-grad F]`` minus the batch's, summed over rows (to be minimised)."""
    positive = kind.log_prob_gradient(params, batch)
    neg = kind.log_prob_gradient(params, negative)
    return [scale * n_ - p_ for p_, n_ in zip(positive, neg, strict=True)]


def compiled_epoch(params, velocity, rows, order, settings, chains, streams, persistent):
    """A whole epoch of CD-k / PCD-k updates of a Bernoulli RBM in one compiled call."""
    from partition.kernels.train import cd_epoch

    s = settings
    return cd_epoch(
        params[0], params[1], params[2], velocity[0], velocity[1], velocity[2], rows, order,
        s.batch_size, s.k, persistent, chains, streams, s.learning_rate, s.momentum,
        s.weight_decay,
    )  # fmt: skip


class CD(TrainingMethod):
    name = "cd"
    visible = ("binary", "gaussian")

    def init(self, kind, params, rows, gen):
        self._chains = self._streams = None
        if kind.name == "binary":  # the compiled epoch's negative chains and their streams
            from partition.kernels._random import seed_streams

            self._chains = np.empty((self.settings.batch_size, rows.shape[1]))
            self._streams, _ = seed_streams(gen, self._chains.shape[0])
        return []

    def epoch(self, kind, params, velocity, rows, order):
        if self._chains is None:
            return None
        return compiled_epoch(
            params, velocity, rows, order, self.settings, self._chains, self._streams, False
        )

    def gradient(self, kind, params, batch, gen):
        negative = kind.gibbs(params, batch, self.settings.k, gen)
        return negative_phase_gradient(kind, params, batch, negative)
