"""``fit_rbm``: train an RBM by one of the methods that confront the partition function.

One module per method (:mod:`partition.train.base` says what a method is):

- ``"cd"`` (:mod:`~partition.train.cd`): contrastive divergence CD-k (Hinton 2002), the
  negative phase ``k`` Gibbs steps from the data;
- ``"pcd"`` (:mod:`~partition.train.pcd`): persistent CD / stochastic maximum likelihood
  (Tieleman 2008), optionally with parallel tempering between ``n_temperatures`` replicas
  (Desjardins et al. 2010);
- ``"pl"`` (:mod:`~partition.train.pseudo_likelihood`): exact pseudo-likelihood over all
  visible units;
- ``"rm"`` (:mod:`~partition.train.ratio_matching`): ratio matching (Hyvarinen 2007);
- ``"nce"`` (:mod:`~partition.train.nce`): noise-contrastive estimation (Gutmann &
  Hyvarinen 2010) with log Z learned as a parameter, against a factorised Bernoulli noise
  fitted to the data;
- for Gaussian visible units (``visible="gaussian"``) also ``"sm"``, ``"dsm"``, ``"ssm"``
  (:mod:`~partition.train.score_matching`).

All use mini-batches and SGD with momentum and L2 weight decay on the weights, in one loop
(this module). CD-k and PCD-k of binary RBMs (without tempering) run a whole epoch per
compiled call (:func:`partition.kernels.train.cd_epoch`: BLAS products, per-chain streams);
the others are NumPy. Monitoring is every ``monitor_every`` epochs (default 10) and at the
end: the exact log-likelihood when the model is small enough, else an AIS estimate; for
binary units the pseudo-log-likelihood, the reconstruction error and NCE's learned log Z,
for Gaussian ones the score-matching loss. Reproducible from ``rng``.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partition._progress import Progress
from partition._rng import RNGLike, as_generator
from partition._validation import (
    MAX_CHAINS,
    as_binary_rows,
    as_real_array,
    check_int,
    check_positive_float,
    check_real,
    check_weight_count,
)
from partition.estimators.schedules import make_schedule
from partition.models.gbrbm import GaussianBernoulliRBM
from partition.models.rbm import BernoulliRBM
from partition.train._kinds import Binary, Gaussian
from partition.train.base import Settings, TrainingMethod
from partition.train.cd import CD
from partition.train.nce import NCE
from partition.train.pcd import PCD
from partition.train.pseudo_likelihood import PseudoLikelihood
from partition.train.ratio_matching import RatioMatching
from partition.train.score_matching import (
    DenoisingScoreMatching,
    ScoreMatching,
    SlicedScoreMatching,
)

_CLASSES: tuple[type[TrainingMethod], ...] = (
    CD, PCD, PseudoLikelihood, RatioMatching, NCE, ScoreMatching, DenoisingScoreMatching,
    SlicedScoreMatching,
)  # fmt: skip
METHOD_CLASSES = {cls.name: cls for cls in _CLASSES}
METHODS = tuple(c.name for c in _CLASSES if "binary" in c.visible)
GAUSSIAN_METHODS = ("sm", "dsm", "ssm", "cd", "pcd")
#: ``learning_rate=None``: the rate per visible kind and method. Binary units: 0.05, but 0.01
#: for PCD, whose held-out log-likelihood on the digits swung by 2-3 nats between
#: checkpoints at 0.05 and 0.4 at 0.02, and rose steadily at 0.01 to the same level after 50
#: epochs (-21.0 and -20.8 for two seeds, against -21.6 and -20.7 at 0.05). Gaussian units:
#: score matching's gradients are larger; at 0.05 a 16x8 model fitted to 20,000 of its own
#: draws ended 0.15 nats per example short of the true model, at 0.01 0.02-0.04 (sm, dsm,
#: ssm); CD and PCD at 0.05 swung by 0.4 nats between checkpoints, at 0.003 they end within
#: 0.05.
DEFAULT_LEARNING_RATES = {
    **{("binary", m): 0.05 for m in METHODS},
    ("binary", "pcd"): 0.01,
    **{("gaussian", m): 0.01 for m in ("sm", "dsm", "ssm")},
    ("gaussian", "cd"): 0.003,
    ("gaussian", "pcd"): 0.003,
}
#: A monitored objective (log-likelihood, or score-matching loss) worse than its best
#: earlier checkpoint by more than this many nats per example, or this fraction of it when
#: larger, is "unstable" (:class:`TrainingWarning`).
UNSTABLE_NATS = 0.25
UNSTABLE_FRACTION = 0.01
#: Weights whose RMS change from their initial values is below this fraction of
#: ``init_scale`` have "stalled".
STALLED_FRACTION = 0.1


class TrainingWarning(UserWarning):
    """Training went wrong without failing: the monitored objective fell back from its best
    checkpoint by more than noise (a learning rate too large), or the weights barely moved
    (a learning rate too small)."""


class TrainingDivergedError(FloatingPointError):
    """The parameters became non-finite; ``.model`` is the last finite model, ``.history``
    the history up to it."""

    def __init__(self, message: str, model, history: dict[str, list]):
        super().__init__(message)
        self.model = model
        self.history = history


@dataclass
class FitResult:
    """The fitted ``model`` and the ``history`` of monitored quantities per checkpoint.

    ``history`` maps names (``epoch``, ``updates``, ``train_log_likelihood``,
    ``test_log_likelihood``, ``log_likelihood_method``, ``pseudo_log_likelihood``,
    ``reconstruction_error``, ``nce_log_z``, ``seconds``; for Gaussian visible units
    ``score_matching_loss`` instead of the binary measures) to lists, one entry per
    checkpoint. ``info`` has ``seconds`` (all) and ``monitor_seconds`` (the checkpoints': the
    exact log-likelihood of a 64 x 20 RBM every epoch costs several times the training).
    """

    model: BernoulliRBM | GaussianBernoulliRBM
    history: dict[str, list] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def _as_tuple(values, name: str) -> tuple:
    try:
        return tuple(values)
    except TypeError as exc:
        raise TypeError(f"{name} must be a tuple of callables, got {values!r}") from exc


def fit_rbm(
    data,
    n_hidden: int,
    *,
    method: str = "pcd",
    visible: str = "binary",
    n_epochs: int = 50,
    batch_size: int = 20,
    learning_rate: float | None = None,
    momentum: float = 0.5,
    weight_decay: float = 1e-4,
    k: int = 1,
    n_persistent: int | None = None,
    n_temperatures: int = 1,
    nce_noise_ratio: float = 10.0,
    noise_scale: float = 0.1,
    sigma=None,
    init_scale: float = 0.01,
    test_data=None,
    monitor_every: int = 10,
    ais_chains: int = 100,
    ais_schedule=1000,
    callbacks: tuple[Callable[..., Any], ...] = (),
    progress: bool = False,
    rng: RNGLike = None,
) -> FitResult:
    """Fit a :class:`~partition.BernoulliRBM` to binary data.

    Parameters
    ----------
    data : array_like, shape (n, n_visible)
        Binary training data.
    n_hidden : int
        Hidden units.
    method : str
        The learning principle: ``"cd"``, ``"pcd"``, ``"pl"``, ``"rm"`` or ``"nce"`` for
        binary units (module docstring); ``"sm"``, ``"dsm"``, ``"ssm"``, ``"cd"`` or
        ``"pcd"`` for Gaussian ones (:mod:`partition.train.gaussian`).
    visible : {"binary", "gaussian"}
        ``"binary"`` fits a :class:`~partition.BernoulliRBM` to binary data; ``"gaussian"`` a
        :class:`~partition.GaussianBernoulliRBM` to real data, by score matching
        (``"sm"``, exact, no sampling), denoising score matching (``"dsm"``), sliced score
        matching (``"ssm"``) or CD/PCD.
    n_epochs, batch_size : int
        Passes over the data and mini-batch size; the number of parameter updates is
        ``n_epochs * ceil(n / batch_size)``.
    learning_rate, momentum, weight_decay : float
        SGD with momentum; L2 decay on the weights. ``learning_rate=None`` takes the
        method's default (``partition.train.fit.DEFAULT_LEARNING_RATES``): 0.05 for binary
        units, 0.01 by PCD; 0.01 for Gaussian units by score matching, 0.003 by CD or PCD.
    k : int
        Gibbs steps of the negative phase (CD-k; PCD steps per update).
    n_persistent : int, optional
        Persistent chains for PCD (default: ``batch_size``).
    n_temperatures : int
        Parallel tempering replicas for PCD (1: none); inverse temperatures linear in
        [0.2, 1], neighbouring replicas swapped after every update by the Metropolis rule.
    nce_noise_ratio : float
        Noise samples per data point for NCE.
    noise_scale : float
        Standard deviation of the corrupting noise of ``"dsm"``.
    sigma : None, float or array_like
        Gaussian visible units: None learns the standard deviations (log-parametrised,
        starting at the data's); a value fixes them.
    init_scale : float
        Standard deviation of the initial weights.
    test_data : array_like, optional
        Held-out data whose log-likelihood is monitored.
    monitor_every : int
        Epochs between checkpoints (0: only at the end; the last epoch always is one). A
        checkpoint of a 64 x 20 RBM (exact log-likelihood, pseudo-likelihood, reconstruction
        error) costs about 0.2 s, more than an epoch of PCD (3 ms): ``info["monitor_seconds"]``
        says what the run spent on them.
    ais_chains, ais_schedule
        AIS settings for monitoring models too large to enumerate.
    callbacks : tuple of callables
        Called as ``callback(epoch, model, history)`` at each checkpoint; returning True
        stops training.
    progress : bool
        A progress bar over the epochs on stderr.
    rng : int, SeedSequence, Generator or None

    Returns
    -------
    FitResult
        ``.model`` and ``.history``.

    Warns
    -----
    TrainingWarning
        At the end, when the monitored objective (held-out log-likelihood when
        ``test_data`` is given, else the training one; also the score-matching loss for
        ``"sm"``, ``"dsm"``, ``"ssm"``) was worse at a checkpoint than at an earlier one by
        more than 0.25 nats per example (or 1 %): lower ``learning_rate``; or when the
        weights moved less than a tenth of their initial RMS (about ``init_scale``): raise
        it.

    Raises
    ------
    TrainingDivergedError
        When the parameters become non-finite (e.g. a learning rate far too large); it
        carries the last finite model and the history.

    Examples
    --------
    >>> import partition as pt
    >>> train, test = pt.datasets.digits()
    >>> fit = pt.fit_rbm(train, 8, method="pcd", n_epochs=2, test_data=test, rng=0)
    >>> fit.model
    BernoulliRBM(n_visible=64, n_hidden=8)
    >>> fit.history["log_likelihood_method"][-1]
    'exact'
    """
    if np.ndim(data) != 2:
        raise ValueError(f"data must be 2-D (n_examples, n_visible), got shape {np.shape(data)}")
    if np.shape(data)[1] == 0:
        raise ValueError(f"data must have at least one column (visible unit), got {np.shape(data)}")
    if visible not in ("binary", "gaussian"):
        raise ValueError(f"visible must be 'binary' or 'gaussian', got {visible!r}")
    if visible == "gaussian":
        rows = as_real_array(data, "data", ndim=2)
    else:
        rows, _ = as_binary_rows(data, "data", np.shape(data)[1], "data width")
    if rows.shape[0] < 2:
        raise ValueError(f"data must have at least 2 rows, got {rows.shape[0]}")
    n_visible = rows.shape[1]
    test = None
    if test_data is not None:
        if np.ndim(test_data) != 2:
            raise ValueError(f"test_data must be 2-D (n, {n_visible}), got {np.shape(test_data)}")
        if visible == "gaussian":
            test = as_real_array(test_data, "test_data", ndim=2)
            if test.shape[1] != n_visible:
                raise ValueError(
                    f"test_data must have {n_visible} columns (the width of data), got "
                    f"{test.shape[1]}"
                )
        else:
            test, _ = as_binary_rows(test_data, "test_data", n_visible, "n_visible of data")
        if test.shape[0] == 0:
            raise ValueError("test_data must hold at least one row")
    methods = GAUSSIAN_METHODS if visible == "gaussian" else METHODS
    if method not in methods:
        raise ValueError(
            f"method must be one of {', '.join(methods)} for {visible} visible units, got "
            f"{method!r}"
        )
    # checked now, not at the first checkpoint
    if callable(callbacks) or not all(callable(cb) for cb in _as_tuple(callbacks, "callbacks")):
        raise TypeError(f"callbacks must be a tuple of callables, got {callbacks!r}")
    callbacks = tuple(callbacks)
    ais_chains = check_int(ais_chains, "ais_chains", minimum=2)
    make_schedule(ais_schedule, name="ais_schedule")
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    check_weight_count(n_visible, n_hidden)
    n_epochs = check_int(n_epochs, "n_epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    if learning_rate is None:
        learning_rate = DEFAULT_LEARNING_RATES[(visible, method)]
    learning_rate = check_positive_float(learning_rate, "learning_rate")
    momentum = check_real(momentum, "momentum")
    if not 0.0 <= momentum < 1.0:
        raise ValueError(f"momentum must lie in [0, 1), got {momentum}")
    weight_decay = check_real(weight_decay, "weight_decay")
    if not 0.0 <= weight_decay < 1.0:
        raise ValueError(f"weight_decay must lie in [0, 1), got {weight_decay}")
    k = check_int(k, "k", minimum=1)
    n_temperatures = check_int(n_temperatures, "n_temperatures", minimum=1, maximum=1000)
    if n_persistent is None:
        n_persistent = batch_size
    n_persistent = check_int(n_persistent, "n_persistent", minimum=1, maximum=MAX_CHAINS)
    nce_noise_ratio = check_positive_float(nce_noise_ratio, "nce_noise_ratio")
    monitor_every = check_int(monitor_every, "monitor_every", minimum=0)
    noise_scale = check_positive_float(noise_scale, "noise_scale")
    init_scale = check_positive_float(init_scale, "init_scale")
    if visible == "gaussian" and sigma is not None:
        sigma = as_real_array(sigma, "sigma")
        if sigma.ndim == 0:
            sigma = np.full(n_visible, float(sigma))
        if sigma.shape != (n_visible,) or np.any(sigma <= 0.0):
            raise ValueError(
                f"sigma must be positive, a scalar or of shape ({n_visible},), got {sigma}"
            )
    if n_temperatures != 1 and (visible, method) != ("binary", "pcd"):
        raise ValueError(
            f"n_temperatures applies to binary PCD only (tempered persistent chains); use 1 "
            f"with method={method!r}, visible={visible!r}"
        )
    gen = as_generator(rng)
    settings = Settings(
        batch_size=batch_size, learning_rate=learning_rate, momentum=momentum,
        weight_decay=weight_decay, k=k, n_persistent=n_persistent,
        n_temperatures=n_temperatures, nce_noise_ratio=nce_noise_ratio,
        noise_scale=noise_scale,
    )  # fmt: skip
    if visible == "gaussian":
        kind = Gaussian(rows, n_hidden, init_scale, gen, sigma)
    else:
        kind = Binary(rows, n_hidden, init_scale, gen)
    return _train(
        kind, METHOD_CLASSES[method](settings), rows, test, n_epochs=n_epochs,
        monitor_every=monitor_every, ais_chains=ais_chains, ais_schedule=ais_schedule,
        callbacks=callbacks, progress=progress, gen=gen,
    )  # fmt: skip


def _train(kind, method, rows, test, *, n_epochs, monitor_every, ais_chains, ais_schedule,
           callbacks, progress, gen) -> FitResult:  # fmt: skip
    """The loop: ``method.init``, then per epoch a permutation of the rows and either the
    method's compiled epoch or its gradient per mini-batch with the SGD-with-momentum update
    (L2 decay on the weights), then a checkpoint when due."""
    import partition as pt

    s = method.settings
    params = kind.initial + method.init(kind, kind.initial, rows, gen)
    initial_weights = params[0].copy()
    velocity = [np.zeros_like(p_) for p_ in params]
    history: dict[str, list] = {
        key: []
        for key in ("epoch", "updates", "train_log_likelihood", "test_log_likelihood",
                    "log_likelihood_method", *kind.measures, "seconds")
    }  # fmt: skip
    start = time.perf_counter()
    monitor_clock = [0.0]  # seconds spent in checkpoints
    last_finite = kind.model(params)
    n_updates = 0
    n = rows.shape[0]

    def checkpoint(epoch: int) -> bool:
        model = kind.model(params)
        if kind.exact_monitor(model):
            log_z, ll_method = pt.exact_log_z(model), "exact"
        else:
            log_z = pt.ais(model, n_chains=ais_chains, schedule=ais_schedule, data=rows, rng=gen)
            ll_method = "ais"
        history["epoch"].append(epoch)
        history["updates"].append(n_updates)
        history["train_log_likelihood"].append(pt.log_likelihood(model, rows, log_z).mean)
        history["test_log_likelihood"].append(
            pt.log_likelihood(model, test, log_z).mean if test is not None else float("nan")
        )
        history["log_likelihood_method"].append(ll_method)
        for name, value in kind.measure(model, params, rows, method).items():
            history[name].append(value)
        history["seconds"].append(time.perf_counter() - start)
        return any(bool(cb(epoch, model, history)) for cb in callbacks)

    label = method.name if kind.name == "binary" else f"{method.name}, {kind.name}"
    bar = Progress(n_epochs, f"train ({label})", bool(progress), unit="epoch")
    for epoch in range(1, n_epochs + 1):
        order = gen.permutation(n)
        done = method.epoch(kind, params, velocity, rows, order)
        if done is not None:
            n_updates += done
            if not _finite(params):
                bar.close()
                raise _diverged(epoch, n_updates, s.learning_rate, last_finite, history, True)
        for first in range(0, n if done is None else 0, s.batch_size):
            batch = rows[order[first : first + s.batch_size]]
            size = batch.shape[0]
            # a diverging run overflows in the gradient (v @ W with huge, finite weights) or
            # in the update: the finiteness check below catches it with a clear error
            with np.errstate(over="ignore", invalid="ignore"):
                grads = method.gradient(kind, params, batch, gen)
                grads[0] = grads[0] + s.weight_decay * size * params[0]
                for i in kind.frozen:
                    grads[i] = np.zeros_like(grads[i])
                for p_, v_, g_ in zip(params, velocity, grads, strict=True):
                    v_ *= s.momentum
                    v_ -= (s.learning_rate / size) * g_
                    p_ += v_
            n_updates += 1
            if not _finite(params):
                bar.close()
                raise _diverged(epoch, n_updates, s.learning_rate, last_finite, history)
        last_finite = kind.model(params)
        stop = _due(epoch, monitor_every, n_epochs) and _timed(checkpoint, epoch, monitor_clock)
        bar.update(epoch)
        if stop:
            break
    bar.close()
    sm_loss = method.name in ("sm", "dsm", "ssm")
    _check_progress(history, label, s.learning_rate, initial_weights, params[0],
                    sm_loss=sm_loss, held_out=test is not None)  # fmt: skip
    info = {
        "method": method.name,
        "n_updates": n_updates,
        "seconds": time.perf_counter() - start,
        "monitor_seconds": monitor_clock[0],
        **kind.info(params, method),
    }
    return FitResult(kind.model(params), history, info)


def _check_progress(history, label, learning_rate, initial_weights, weights, *, sm_loss,
                    held_out) -> None:  # fmt: skip
    """Warn (:class:`TrainingWarning`) when a monitored objective fell back from its best
    earlier checkpoint by more than noise (the score-matching loss too when ``sm_loss``), or
    when the weights barely moved."""
    key, what = ("test", "held-out") if held_out else ("train", "training")
    watched = [(f"{what} log-likelihood", history[f"{key}_log_likelihood"], 1.0)]
    if sm_loss:  # a loss: lower is better
        watched.append(("score-matching loss", history["score_matching_loss"], -1.0))
    problems = []
    for name, values, sign in watched:
        best = -np.inf
        for epoch, value in zip(history["epoch"], values, strict=True):
            better = sign * value
            tol = max(UNSTABLE_NATS, UNSTABLE_FRACTION * abs(value))
            if better < best - tol:
                problems.append(
                    f"the {name} at epoch {epoch} ({value:.4g}) fell back by "
                    f"{best - better:.3g} from an earlier checkpoint: training is unstable; "
                    f"lower learning_rate (now {learning_rate:g})"
                )
                break
            best = max(best, better)
    moved = float(np.sqrt(np.mean((weights - initial_weights) ** 2)))
    scale = float(np.sqrt(np.mean(initial_weights**2)))
    if moved < STALLED_FRACTION * scale:
        problems.append(
            f"training stalled: the weights moved by {moved:.3g} (RMS), less than a tenth of "
            f"their initial scale {scale:.3g}; raise learning_rate (now {learning_rate:g}) "
            "or n_epochs"
        )
    if problems:
        warnings.warn(f"fit_rbm ({label}): " + "; ".join(problems), TrainingWarning,
                      stacklevel=4)  # fmt: skip


def _finite(params) -> bool:
    return all(np.all(np.isfinite(p_)) for p_ in params)


def _diverged(epoch, n_updates, learning_rate, last_finite, history, whole_epoch=False):
    """The error for parameters that became non-finite (checked per update, or per epoch
    for the compiled epochs, whose last finite model is from the epoch before)."""
    where = f"during epoch {epoch}, by update" if whole_epoch else f"at epoch {epoch}, update"
    since = ", from the end of the epoch before," if whole_epoch else ""
    return TrainingDivergedError(
        f"parameters became non-finite {where} {n_updates} (learning_rate={learning_rate} is "
        f"probably too large); the last finite model{since} is attached as .model",
        last_finite,
        history,
    )


def _due(epoch: int, monitor_every: int, n_epochs: int) -> bool:
    """A checkpoint every ``monitor_every`` epochs (0: none) and after the last."""
    return bool(monitor_every and epoch % monitor_every == 0) or epoch == n_epochs


def _timed(checkpoint, epoch, clock) -> bool:
    began = time.perf_counter()
    try:
        return checkpoint(epoch)
    finally:
        clock[0] += time.perf_counter() - began
