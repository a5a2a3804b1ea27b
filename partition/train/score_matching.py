"""Score matching for Gaussian visible units, where Z vanishes from the objective.

- ``"sm"``: exact score matching (Hyvarinen 2005), the closed form of the GB-RBM, no
  sampling;
- ``"dsm"``: denoising score matching (Vincent 2011) at noise scale ``noise_scale``, one
  antithetic pair ``+-e`` per example and update;
- ``"ssm"``: sliced score matching (Song et al. 2019), one Gaussian projection per example
  and update.

The objectives and their exact gradients are in :mod:`partition.train.gaussian`.
"""

from __future__ import annotations

from partition.train import gaussian as gb
from partition.train.base import TrainingMethod


class ScoreMatching(TrainingMethod):
    name = "sm"
    visible = ("gaussian",)

    def gradient(self, kind, params, batch, gen):
        return list(gb.sm_gradient(*params, batch))


class DenoisingScoreMatching(TrainingMethod):
    name = "dsm"
    visible = ("gaussian",)

    def gradient(self, kind, params, batch, gen):
        t = self.settings.noise_scale
        noise = t * gen.standard_normal(batch.shape)
        plus = gb.dsm_gradient(*params, batch, noise, t)
        minus = gb.dsm_gradient(*params, batch, -noise, t)
        return [0.5 * (a + b) for a, b in zip(plus, minus, strict=True)]


class SlicedScoreMatching(TrainingMethod):
    name = "ssm"
    visible = ("gaussian",)

    def gradient(self, kind, params, batch, gen):
        projections = gen.standard_normal(batch.shape)
        return list(gb.ssm_gradient(*params, batch, projections))
