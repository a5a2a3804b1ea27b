"""Ratio matching for binary data (Hyvarinen 2007): ``sum_i sigmoid(-d_i)^2`` with ``d_i``
the free-energy change of flipping unit ``i``, exact, no sampling
(:func:`partition.train.objectives.ratio_matching_gradient`)."""

from __future__ import annotations

from partition.train.base import TrainingMethod
from partition.train.objectives import ratio_matching_gradient


class RatioMatching(TrainingMethod):
    name = "rm"

    def gradient(self, kind, params, batch, gen):
        return list(ratio_matching_gradient(kind.model(params), batch))
