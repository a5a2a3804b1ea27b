"""Noise-contrastive estimation (Gutmann & Hyvarinen 2010) with log Z learned as a parameter.

The noise is a factorised Bernoulli with the data's smoothed base rates,
``nce_noise_ratio`` noise draws per data row; log Z starts at the initial model's value
(its factorised part: the couplings start near zero) and is updated with the model's
parameters (:func:`partition.train.objectives.nce_gradient`).
"""

from __future__ import annotations

import math

import numpy as np

from partition.train._kinds import sample_bernoulli
from partition.train.base import TrainingMethod
from partition.train.objectives import nce_gradient


class NoiseModel:
    """Factorised Bernoulli noise with the data's smoothed base rates."""

    def __init__(self, data: np.ndarray):
        self.p = (data.sum(0) + 1.0) / (data.shape[0] + 2.0)
        self.log_p, self.log_q = np.log(self.p), np.log1p(-self.p)

    def sample(self, n: int, gen) -> np.ndarray:
        return sample_bernoulli(np.broadcast_to(self.p, (n, self.p.size)), gen)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return x @ self.log_p + (1.0 - x) @ self.log_q


class NCE(TrainingMethod):
    name = "nce"

    def init(self, kind, params, rows, gen):
        self.noise = NoiseModel(rows)
        b, n_hidden = params[1], params[2].size
        self._index = len(params)  # where log Z sits among the parameters
        return [np.array(float(np.logaddexp(0.0, b).sum() + n_hidden * math.log(2.0)))]

    def log_z(self, params) -> float:
        """The learned log Z."""
        return float(params[self._index])

    def gradient(self, kind, params, batch, gen):
        n_noise = max(1, round(self.settings.nce_noise_ratio * batch.shape[0]))
        noise_x = self.noise.sample(n_noise, gen)
        grads, d_log_z = nce_gradient(
            kind.model(params), float(params[self._index]), batch, noise_x,
            self.noise.log_prob(batch), self.noise.log_prob(noise_x),
        )  # fmt: skip
        return [-g for g in grads] + [np.array(-d_log_z)]
