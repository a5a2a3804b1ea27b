"""``evaluate``: the test log-likelihood report of a trained RBM, as a paper would give it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partition._rng import RNGLike, as_generator
from partition._validation import check_int, model_states
from partition.estimators.schedules import make_schedule
from partition.models.base import ExactLogZ, ExactSampler
from partition.results import LogLikelihoodEstimate, LogZBounds

EXACT_MAX_TERMS = 2.0**33  # about 10 s here
_NO_LIMIT = float(np.finfo(np.float64).max)  # exact=True: enumerate whatever it costs


def _log_unnormalized(model: Any, data, name: str) -> np.ndarray:
    """``model.log_unnormalized_prob(data)`` of checked states (errors name ``name``)."""
    return np.atleast_1d(model.log_unnormalized_prob(model_states(model, data, name)))


@dataclass(frozen=True)
class Evaluation:
    """What :func:`evaluate` found.

    Attributes
    ----------
    ais : LogLikelihoodEstimate
        Mean test log-likelihood from the AIS estimate of log Z, with its interval.
    bounds : LogZBounds or None
        The BDMC sandwich of log Z, when exact samples can be drawn.
    log_likelihood_bounds : (float, float) or None
        The test log-likelihood from the BDMC bounds of log Z: (from the upper bound, a
        stochastic lower bound on the log-likelihood; from the lower bound, a stochastic
        upper bound). Stochastic: on average, not in every run.
    exact : LogLikelihoodEstimate or None
        The exact test log-likelihood, when one layer is small enough to enumerate.
    n_examples : int
    """

    ais: LogLikelihoodEstimate
    bounds: LogZBounds | None
    log_likelihood_bounds: tuple[float, float] | None
    exact: LogLikelihoodEstimate | None
    n_examples: int
    info: dict[str, Any] = field(default_factory=dict)

    def report(self) -> str:
        """A short text report."""
        low, high = self.ais.confidence_interval
        lines = [
            f"test log-likelihood ({self.n_examples} examples), nats per example:",
            f"  AIS    {self.ais.mean:.4f}  {self.ais.confidence_level:.0%} CI [{low:.4f}, "
            f"{high:.4f}]  (+- {self.ais.stderr_data:.4f} over examples)",
        ]
        if self.log_likelihood_bounds is not None:
            conservative, optimistic = self.log_likelihood_bounds
            lines.append(
                f"  BDMC   {conservative:.4f} +- {self.bounds.upper.stderr:.4f} (reverse AIS, "
                f"conservative) and {optimistic:.4f} +- {self.bounds.lower.stderr:.4f} "
                f"(forward AIS); gap {self.bounds.gap:.4f} nats"
            )
            if self.bounds.gap < 0:
                lines.append("         (the bounds are stochastic: a negative gap is noise)")
        if self.exact is not None:
            lines.append(f"  exact  {self.exact.mean:.4f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "n_examples": self.n_examples,
            "ais": {
                "mean": self.ais.mean,
                "confidence_interval": list(self.ais.confidence_interval),
                "stderr_data": self.ais.stderr_data,
                "log_z": self.ais.log_z.to_dict(),
            },
            "exact": None if self.exact is None else self.exact.mean,
            "bdmc": None,
        }
        if self.bounds is not None:
            out["bdmc"] = {
                "log_z_lower": self.bounds.lower.log_z,
                "log_z_upper": self.bounds.upper.log_z,
                "gap": self.bounds.gap,
                "log_likelihood_bounds": list(self.log_likelihood_bounds),
            }
        return out


def evaluate(
    model: Any,
    data,
    *,
    train_data=None,
    n_chains: int = 100,
    schedule="salakhutdinov_murray",
    bdmc: bool = True,
    exact: bool | None = None,
    rng: RNGLike = None,
) -> Evaluation:
    """Test log-likelihood of ``data`` under ``model`` with everything that backs it up.

    AIS gives the estimate with its interval (``train_data`` sets the base-rate base model);
    when exact samples of the model can be drawn, BDMC brackets log Z and so the
    log-likelihood; when one layer is small enough (``exact=None``: up to ``2**33`` terms),
    the exact value is included; ``exact=True`` enumerates whatever it costs (and raises
    when the model has no exact route), ``exact=False`` skips it. Every argument is checked,
    and the exact value computed, before any chain runs.

    Parameters
    ----------
    model : BernoulliRBM
        The trained model.
    data : array_like, shape (n, n_visible)
        Binary test examples.
    train_data : array_like, optional
        Training examples: their base rates define the AIS base model.
    n_chains : int
        AIS chains (and BDMC chains per direction).
    schedule : str, int or array_like
        As for :func:`partition.ais`.
    bdmc : bool
        Also bracket log Z by BDMC when exact samples can be drawn.
    exact : bool or None
        Include the exact log-likelihood: when cheap (None), always (True), never (False).
    rng : int, SeedSequence, Generator or None
        Seed.

    Returns
    -------
    Evaluation
        ``ais``, ``bounds``, ``log_likelihood_bounds``, ``exact``, ``n_examples``;
        ``report()`` gives a text summary and ``to_dict()`` a JSON-ready one.

    Examples
    --------
    >>> import partition as pt
    >>> train, test = pt.datasets.digits()
    >>> ev = pt.evaluate(pt.datasets.digits_rbm(), test, train_data=train, schedule=500, rng=0)
    >>> ev.exact is not None and ev.bounds is not None
    True
    """
    import partition as pt

    # every argument is checked before the first chain runs
    if exact is not None and not isinstance(exact, bool | np.bool_):
        raise TypeError(f"exact must be True, False or None, got {exact!r}")
    if not isinstance(bdmc, bool | np.bool_):
        raise TypeError(f"bdmc must be True or False, got {bdmc!r}")
    check_int(n_chains, "n_chains", minimum=2)
    make_schedule(schedule)
    log_unnormalized = _log_unnormalized(model, data, "data")
    if train_data is not None:
        model_states(model, train_data, "train_data")
    gen = as_generator(rng)
    exact_ll = None
    if exact or (exact is None and isinstance(model, ExactLogZ)):
        try:
            max_terms = _NO_LIMIT if exact else EXACT_MAX_TERMS
            exact_ll = pt.log_likelihood(model, data, pt.exact_log_z(model, max_terms=max_terms))
        except ValueError:
            if exact:
                raise
    options = {} if train_data is None else {"data": train_data}  # the base's data
    ais = pt.ais(model, n_chains=n_chains, schedule=schedule, rng=gen, **options)
    ll_ais = pt.log_likelihood(model, data, ais)
    bounds = ll_bounds = None
    if bdmc and isinstance(model, ExactSampler) and model.can_sample_exactly():
        bounds = pt.bdmc(model, n_chains=n_chains, schedule=schedule, rng=gen, **options)
        unnormalized = float(np.mean(log_unnormalized))
        ll_bounds = (unnormalized - bounds.upper.log_z, unnormalized - bounds.lower.log_z)
    return Evaluation(
        ais=ll_ais,
        bounds=bounds,
        log_likelihood_bounds=ll_bounds,
        exact=exact_ll,
        n_examples=int(np.size(log_unnormalized)),
        info={"ais_log_z": ais.log_z},
    )


__all__ = ["Evaluation", "evaluate"]
