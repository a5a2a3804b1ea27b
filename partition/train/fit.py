"""``fit_rbm``: train an RBM by one of the methods that confront the partition function.

- ``"cd"``: contrastive divergence CD-k (Hinton 2002), the negative phase ``k`` Gibbs steps
  from the data;
- ``"pcd"``: persistent CD / stochastic maximum likelihood (Tieleman 2008): the negative
  phase continues persistent chains, optionally with parallel tempering between
  ``n_temperatures`` replicas (Desjardins et al. 2010);
- ``"pl"``: exact pseudo-likelihood over all visible units;
- ``"rm"``: ratio matching (Hyvarinen 2007);
- ``"nce"``: noise-contrastive estimation (Gutmann & Hyvarinen 2010) with log Z learned as a
  parameter, against a factorised Bernoulli noise fitted to the data.

All use mini-batches and SGD with momentum and L2 weight decay on the weights. CD-k and
PCD-k (without tempering) run a whole epoch per compiled call
(:func:`partition.kernels.train.cd_epoch`: BLAS products, per-chain streams); the others
are NumPy. Monitoring is every ``monitor_every`` epochs (default 10) and at the end: the
exact log-likelihood when one layer is small enough, else an AIS estimate; the
pseudo-log-likelihood; the reconstruction error; and for NCE the learned log Z. Gaussian
visible units (``visible="gaussian"``) train by the methods of
:mod:`partition.train.gaussian`. Reproducible from ``rng``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import expit

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
from partition.models.rbm import BernoulliRBM
from partition.train.objectives import (
    free_energy_gradient,
    nce_gradient,
    pseudo_likelihood_gradient,
    pseudo_log_likelihood,
    ratio_matching_gradient,
)

METHODS = ("cd", "pcd", "pl", "rm", "nce")
GAUSSIAN_METHODS = ("sm", "dsm", "ssm", "cd", "pcd")
EXACT_MONITOR_MAX_UNITS = 20


class TrainingDivergedError(FloatingPointError):
    """The parameters became non-finite; ``.model`` is the last finite model, ``.history``
    the history up to it."""

    def __init__(self, message: str, model: BernoulliRBM, history: dict[str, list]):
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

    model: BernoulliRBM
    history: dict[str, list] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)


def _sample(p: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    return (gen.random(p.shape) < p).astype(np.float64)


def _gibbs(w, b, c, v, steps, gen, beta=1.0):
    """``steps`` block-Gibbs sweeps at inverse temperature ``beta`` from ``v``."""
    for _ in range(steps):
        h = _sample(expit(beta * (v @ w + c)), gen)
        v = _sample(expit(beta * (h @ w.T + b)), gen)
    return v


def _reconstruction_error(model, v):
    h = expit(v @ model.weights + model.hidden_bias)
    v_rec = expit(h @ model.weights.T + model.visible_bias)
    return float(np.mean(np.sum((v - v_rec) ** 2, axis=1)))


def _log_likelihoods(model, data, test, gen, ais_chains, ais_schedule):
    """Exact when one layer has <= 20 units, else AIS; returns (train, test, method)."""
    import partition as pt

    if min(model.n_visible, model.n_hidden) <= EXACT_MONITOR_MAX_UNITS:
        log_z = pt.exact_log_z(model)
        method = "exact"
    else:
        log_z = pt.ais(model, n_chains=ais_chains, schedule=ais_schedule, data=data, rng=gen)
        method = "ais"
    train_ll = pt.log_likelihood(model, data, log_z).mean
    test_ll = pt.log_likelihood(model, test, log_z).mean if test is not None else float("nan")
    return train_ll, test_ll, method


class _NoiseModel:
    """Factorised Bernoulli noise with the data's smoothed base rates."""

    def __init__(self, data: np.ndarray):
        self.p = (data.sum(0) + 1.0) / (data.shape[0] + 2.0)
        self.log_p, self.log_q = np.log(self.p), np.log1p(-self.p)

    def sample(self, n: int, gen) -> np.ndarray:
        return _sample(np.broadcast_to(self.p, (n, self.p.size)), gen)

    def log_prob(self, x: np.ndarray) -> np.ndarray:
        return x @ self.log_p + (1.0 - x) @ self.log_q


def _initial_model(data, n_hidden, gen, init_scale):
    p = (data.sum(0) + 1.0) / (data.shape[0] + 2.0)
    return (
        gen.normal(0.0, init_scale, (data.shape[1], n_hidden)),
        np.log(p) - np.log1p(-p),  # visible biases at the base rates (Hinton 2010)
        np.zeros(n_hidden),
    )


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
    learning_rate: float = 0.05,
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
        SGD with momentum; L2 decay on the weights.
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
    gen = as_generator(rng)
    if visible == "gaussian":
        if sigma is not None:
            sigma = as_real_array(sigma, "sigma")
            if sigma.ndim == 0:
                sigma = np.full(n_visible, float(sigma))
            if sigma.shape != (n_visible,) or np.any(sigma <= 0.0):
                raise ValueError(
                    f"sigma must be positive, a scalar or of shape ({n_visible},), got {sigma}"
                )
        if n_temperatures != 1:
            raise ValueError("n_temperatures applies to binary PCD only; use 1")
        return _fit_gaussian(
            rows, test, n_hidden, method=method, n_epochs=n_epochs, batch_size=batch_size,
            learning_rate=learning_rate, momentum=momentum, weight_decay=weight_decay, k=k,
            n_persistent=n_persistent, noise_scale=noise_scale, sigma=sigma,
            init_scale=init_scale, monitor_every=monitor_every, ais_chains=ais_chains,
            ais_schedule=ais_schedule, callbacks=callbacks, progress=progress, gen=gen,
        )  # fmt: skip

    w, b, c = _initial_model(rows, n_hidden, gen, init_scale)
    params = [w, b, c]
    velocity = [np.zeros_like(p) for p in params]
    log_z_param = 0.0
    log_z_velocity = 0.0
    noise = _NoiseModel(rows) if method == "nce" else None
    if method == "nce":  # start log Z at the value of the initial model's factorised part
        log_z_param = float(np.logaddexp(0.0, b).sum() + n_hidden * math.log(2.0))
    betas = np.linspace(0.2, 1.0, n_temperatures) if n_temperatures > 1 else np.ones(1)
    persistent = None
    if method == "pcd":  # chains start from the base-rate model, one set per replica
        start_p = np.broadcast_to(expit(b), (n_persistent, n_visible))
        persistent = [_sample(start_p, gen) for _ in betas]

    history: dict[str, list] = {
        key: []
        for key in (
            "epoch", "updates", "train_log_likelihood", "test_log_likelihood",
            "log_likelihood_method", "pseudo_log_likelihood", "reconstruction_error",
            "nce_log_z", "seconds",
        )
    }  # fmt: skip
    start = time.perf_counter()
    monitor_clock = [0.0]  # seconds spent in checkpoints
    last_finite = BernoulliRBM(w.copy(), b.copy(), c.copy())
    n_updates = 0
    n = rows.shape[0]

    def checkpoint(epoch: int) -> bool:
        model = BernoulliRBM(*params)
        train_ll, test_ll, ll_method = _log_likelihoods(
            model, rows, test, gen, ais_chains, ais_schedule
        )
        history["epoch"].append(epoch)
        history["updates"].append(n_updates)
        history["train_log_likelihood"].append(train_ll)
        history["test_log_likelihood"].append(test_ll)
        history["log_likelihood_method"].append(ll_method)
        history["pseudo_log_likelihood"].append(float(pseudo_log_likelihood(model, rows).mean()))
        history["reconstruction_error"].append(_reconstruction_error(model, rows))
        history["nce_log_z"].append(log_z_param if method == "nce" else float("nan"))
        history["seconds"].append(time.perf_counter() - start)
        return any(bool(cb(epoch, model, history)) for cb in callbacks)

    compiled = method in ("cd", "pcd") and len(betas) == 1
    if compiled:  # a whole epoch per kernel call (partition.kernels.train)
        from partition.kernels._random import seed_streams
        from partition.kernels.train import cd_epoch

        chains = persistent[0] if method == "pcd" else np.empty((batch_size, n_visible))
        streams, _ = seed_streams(gen, chains.shape[0])
    bar = Progress(n_epochs, f"train ({method})", bool(progress), unit="epoch")
    for epoch in range(1, n_epochs + 1):
        order = gen.permutation(n)
        if compiled:
            n_updates += cd_epoch(
                params[0], params[1], params[2], velocity[0], velocity[1], velocity[2], rows,
                order, batch_size, k, method == "pcd", chains, streams, learning_rate,
                momentum, weight_decay,
            )  # fmt: skip
            if not _finite(params):
                bar.close()
                raise _diverged(epoch, n_updates, learning_rate, last_finite, history, True)
        for first in range(0, n if not compiled else 0, batch_size):
            batch = rows[order[first : first + batch_size]]
            m = BernoulliRBM(*params)
            size = batch.shape[0]
            # a diverging run overflows in the gradient (v @ W with huge, finite weights) or
            # in the update: the finiteness check below catches it with a clear error
            with np.errstate(over="ignore", invalid="ignore"):
                d_log_z = 0.0
                if method in ("cd", "pcd"):
                    pos = free_energy_gradient(m, batch)
                    if method == "cd":
                        neg_v = _gibbs(params[0], params[1], params[2], batch, k, gen)
                        scale = 1.0
                    else:
                        for r, beta in enumerate(betas):
                            persistent[r] = _gibbs(
                                params[0], params[1], params[2], persistent[r], k, gen, beta
                            )
                        if len(betas) > 1:
                            _swap_replicas(m, persistent, betas, gen)
                        neg_v = persistent[-1]
                        scale = size / neg_v.shape[0]
                    neg = free_energy_gradient(m, neg_v)
                    grads = [p_ - scale * n_ for p_, n_ in zip(pos, neg, strict=True)]
                elif method == "pl":
                    grads = list(pseudo_likelihood_gradient(m, batch))
                elif method == "rm":
                    grads = [-g for g in ratio_matching_gradient(m, batch)]
                else:
                    noise_x = noise.sample(max(1, round(nce_noise_ratio * size)), gen)
                    grads, d_log_z = nce_gradient(
                        m, log_z_param, batch, noise_x, noise.log_prob(batch),
                        noise.log_prob(noise_x),
                    )  # fmt: skip
                    grads = list(grads)
                grads[0] = grads[0] - weight_decay * size * params[0]
                for p_, v_, g_ in zip(params, velocity, grads, strict=True):
                    v_ *= momentum
                    v_ += (learning_rate / size) * g_
                    p_ += v_
                if method == "nce":
                    log_z_velocity = momentum * log_z_velocity + (learning_rate / size) * d_log_z
                    log_z_param += log_z_velocity
            n_updates += 1
            if not _finite(params) or not math.isfinite(log_z_param):
                bar.close()
                raise _diverged(epoch, n_updates, learning_rate, last_finite, history)
        last_finite = BernoulliRBM(*[p_.copy() for p_ in params])
        stop = _due(epoch, monitor_every, n_epochs) and _timed(checkpoint, epoch, monitor_clock)
        bar.update(epoch)
        if stop:
            break
    bar.close()
    info = {
        "method": method,
        "n_updates": n_updates,
        "seconds": time.perf_counter() - start,
        "monitor_seconds": monitor_clock[0],
        "nce_log_z": log_z_param if method == "nce" else None,
    }
    return FitResult(BernoulliRBM(*params), history, info)


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


def _tempered_log_prob(model, v, beta):
    """``log p*_beta(v)`` of the RBM at inverse temperature ``beta``, hidden summed out."""
    act = beta * (v @ model.weights + model.hidden_bias)
    return beta * (v @ model.visible_bias) + np.logaddexp(0.0, act).sum(1)


def _swap_replicas(model, replicas, betas, gen):
    """Metropolis swaps of neighbouring tempered replicas (visible states)."""
    tempered = lambda v, beta: _tempered_log_prob(model, v, beta)  # noqa: E731
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


def _fit_gaussian(rows, test, n_hidden, *, method, n_epochs, batch_size, learning_rate,
                  momentum, weight_decay, k, n_persistent, noise_scale, sigma, init_scale,
                  monitor_every, ais_chains, ais_schedule, callbacks, progress, gen):  # fmt: skip
    """The training loop of a Gaussian-Bernoulli RBM (:mod:`partition.train.gaussian`)."""
    import partition as pt
    from partition.models.gbrbm import GaussianBernoulliRBM
    from partition.train.gaussian import batch_gradient, sm_objective

    n, n_visible = rows.shape
    learn_sigma = sigma is None
    if learn_sigma:
        sigma = np.maximum(rows.std(0), 1e-3)
    params = [
        gen.normal(0.0, init_scale, (n_visible, n_hidden)),
        rows.mean(0),
        np.zeros(n_hidden),
        np.log(sigma),
    ]
    velocity = [np.zeros_like(p_) for p_ in params]
    persistent = None
    if method == "pcd":
        persistent = params[1] + sigma * gen.standard_normal((n_persistent, n_visible))

    def model_of(values):
        return GaussianBernoulliRBM(values[0], values[1], values[2], np.exp(values[3]))

    history: dict[str, list] = {
        key: []
        for key in ("epoch", "updates", "train_log_likelihood", "test_log_likelihood",
                    "log_likelihood_method", "score_matching_loss", "seconds")
    }  # fmt: skip
    start = time.perf_counter()
    monitor_clock = [0.0]  # seconds spent in checkpoints
    n_updates = 0
    last_finite = model_of(params)

    def checkpoint(epoch: int) -> bool:
        model = model_of(params)
        if n_hidden <= EXACT_MONITOR_MAX_UNITS:
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
        history["score_matching_loss"].append(float(sm_objective(*params, rows).mean()))
        history["seconds"].append(time.perf_counter() - start)
        return any(bool(cb(epoch, model, history)) for cb in callbacks)

    bar = Progress(n_epochs, f"train ({method}, gaussian)", bool(progress), unit="epoch")
    for epoch in range(1, n_epochs + 1):
        order = gen.permutation(n)
        for first in range(0, n, batch_size):
            batch = rows[order[first : first + batch_size]]
            size = batch.shape[0]
            with np.errstate(over="ignore", invalid="ignore"):
                grads, persistent = batch_gradient(
                    method, params, batch, k=k, noise_scale=noise_scale, persistent=persistent,
                    gen=gen,
                )  # fmt: skip
                grads = list(grads)
                grads[0] = grads[0] + weight_decay * size * params[0]
                if not learn_sigma:
                    grads[3] = np.zeros_like(grads[3])
                for p_, v_, g_ in zip(params, velocity, grads, strict=True):
                    v_ *= momentum
                    v_ -= (learning_rate / size) * g_
                    p_ += v_
            n_updates += 1
            if not _finite(params):
                bar.close()
                raise _diverged(epoch, n_updates, learning_rate, last_finite, history)
        last_finite = model_of([p_.copy() for p_ in params])
        stop = _due(epoch, monitor_every, n_epochs) and _timed(checkpoint, epoch, monitor_clock)
        bar.update(epoch)
        if stop:
            break
    bar.close()
    info = {"method": method, "visible": "gaussian", "n_updates": n_updates,
            "seconds": time.perf_counter() - start, "monitor_seconds": monitor_clock[0],
            "learn_sigma": learn_sigma}  # fmt: skip
    return FitResult(model_of(params), history, info)
