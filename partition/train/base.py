"""What a training method is: one learning principle, one small module.

A method is an object with

- ``name``, and ``visible``: the visible-unit kinds it trains (``"binary"``, ``"gaussian"``);
- ``init(kind, params, rows, gen)``, called once before the first update: it sets up the
  method's own state (persistent chains, a noise model) and returns the method's extra
  parameters (NCE's log Z), a list of arrays that are learned with the model's;
- ``gradient(kind, params, batch, gen)``: the gradient of the *sum over the batch* of the
  loss to minimise (the negative log-likelihood for CD/PCD), one array per parameter, the
  model's first and then the method's extra ones;
- ``epoch(kind, params, velocity, rows, order)``: optionally a whole epoch of
  updates in one compiled call; returns the number of updates, or None when the method has
  none for this case (the loop then calls ``gradient`` per mini-batch).

``kind`` (:mod:`partition.train._kinds`) holds what depends on the visible units: the
parameters, the model they make, ``log p*``'s gradient and the Gibbs sweeps. The loop of
:func:`partition.fit_rbm` owns the rest: mini-batches, SGD with momentum and weight decay,
checkpoints, divergence checks. A method is built from the run's :class:`Settings`
(``self.settings``), one instance per run.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """The validated hyper-parameters of one ``fit_rbm`` run that methods may read."""

    batch_size: int
    learning_rate: float
    momentum: float
    weight_decay: float
    k: int
    n_persistent: int
    n_temperatures: int
    nce_noise_ratio: float
    noise_scale: float


class TrainingMethod:
    """Base class of the training methods (module docstring): no extra parameters, no
    compiled epoch."""

    name = ""
    visible: tuple[str, ...] = ("binary",)

    def __init__(self, settings: Settings):
        self.settings = settings

    def init(self, kind, params, rows, gen) -> list:
        return []

    def gradient(self, kind, params, batch, gen) -> list:  # pragma: no cover - abstract
        raise NotImplementedError

    def epoch(self, kind, params, velocity, rows, order) -> int | None:
        return None
