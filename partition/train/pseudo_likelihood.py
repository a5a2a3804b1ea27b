"""Pseudo-likelihood (Besag 1975): ``sum_i log p(v_i | v_-i)`` over all visible units,
exact, no sampling (:func:`partition.train.objectives.pseudo_likelihood_gradient`)."""

from __future__ import annotations

from partition.train.base import TrainingMethod
from partition.train.objectives import pseudo_likelihood_gradient


class PseudoLikelihood(TrainingMethod):
    name = "pl"

    def gradient(self, kind, params, batch, gen):
        return [-g for g in pseudo_likelihood_gradient(kind.model(params), batch)]
