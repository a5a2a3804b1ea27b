"""The continuous family: any unnormalised log density on R^d, annealed from a Gaussian.

:class:`LogDensity` wraps ``log p*`` (and its gradient, for MALA and HMC) as a numba function
of one point, compiled into the AIS kernels, or as a NumPy function of all chains at once
(``vectorized=True``, run on the transitions' NumPy references). The base of the annealing
path is a :class:`Normal`; the transitions are those of :mod:`partition.transitions`.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np

from partition._validation import as_real_array, check_int
from partition.engine import EngineRunner
from partition.kernels.continuous import (
    DENSITY_STATS,
    adapt_step_sizes,
    density_kernels,
    no_gradient,
    stream_uniforms,
)
from partition.models.base import Runner

#: XOR-ed into the run's stream keys to give the pilot run streams of its own.
_PILOT_KEY = np.uint64(0x5DEECE66D2B7A1F3)


class Normal:
    """A Gaussian ``N(mean, cov)``: the base of a :class:`LogDensity`'s annealing path.

    Parameters
    ----------
    mean : array_like, shape (dim,) or scalar
        The mean (a scalar broadcasts to ``dim``).
    cov : float, array_like (dim,) or (dim, dim), optional
        Covariance: a scalar variance, a diagonal, or a full symmetric positive-definite
        matrix. Default: the identity.
    dim : int, optional
        The dimension, when ``mean`` and ``cov`` are scalars.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> base = pt.Normal(np.zeros(2), [1.0, 4.0])
    >>> round(base.log_z, 6)  # log of the integral of exp(-x' P x / 2)
    2.531024
    """

    def __init__(self, mean=0.0, cov=None, *, dim: int | None = None):
        mean = as_real_array(mean, "mean", ndim=(0, 1))
        if dim is None:
            dim = mean.size if mean.ndim == 1 else None
        if dim is None and cov is not None and np.ndim(cov) >= 1:
            dim = int(np.shape(cov)[0])
        if dim is None:
            raise ValueError("Normal needs dim= when mean and cov are scalars")
        dim = check_int(dim, "dim", minimum=1, maximum=100_000)
        if mean.ndim == 1 and mean.size != dim:
            raise ValueError(f"mean has {mean.size} entries for dim = {dim}")
        self.mean = np.ascontiguousarray(np.broadcast_to(mean, (dim,)), dtype=np.float64)
        if cov is None:
            cov_m = np.eye(dim)
        else:
            c = as_real_array(cov, "cov", ndim=(0, 1, 2))
            if c.ndim == 0:
                cov_m = float(c) * np.eye(dim)
            elif c.ndim == 1:
                if c.size != dim:
                    raise ValueError(f"cov has {c.size} diagonal entries for dim = {dim}")
                cov_m = np.diag(c)
            else:
                if c.shape != (dim, dim):
                    raise ValueError(f"cov must be ({dim}, {dim}), got {c.shape}")
                if not np.allclose(c, c.T, rtol=1e-12, atol=0.0):
                    raise ValueError("cov must be symmetric")
                cov_m = c
        try:
            self.chol = np.linalg.cholesky(cov_m)
        except np.linalg.LinAlgError:
            raise ValueError("cov must be positive definite") from None
        self.cov = cov_m
        identity = np.eye(dim)
        inv_chol = np.linalg.solve(self.chol, identity)
        self.precision = np.ascontiguousarray(inv_chol.T @ inv_chol)
        diagonal = np.count_nonzero(cov_m - np.diag(np.diag(cov_m))) == 0
        #: What the kernels take: the precision, or its diagonal as ``(1, dim)`` when the
        #: covariance is diagonal (the tempered density then costs O(dim), not O(dim^2)).
        self.kernel_precision = (
            np.ascontiguousarray(np.diag(self.precision)[None, :]) if diagonal else self.precision
        )
        self.dim = dim
        #: log of the integral of ``exp(-(x - m)' P (x - m) / 2)``.
        self.log_z = float(0.5 * dim * math.log(2 * math.pi) + np.log(np.diag(self.chol)).sum())

    def __repr__(self) -> str:
        return f"Normal(dim={self.dim})"

    def log_unnormalized_prob(self, x) -> np.ndarray:
        """``-(x - m)' P (x - m) / 2`` for ``x`` of shape ``(n, dim)``."""
        y = np.asarray(x, dtype=np.float64) - self.mean
        return -0.5 * np.einsum("ni,ij,nj->n", y, self.precision, y)

    def grad_log_unnormalized_prob(self, x) -> np.ndarray:
        return -(np.asarray(x, dtype=np.float64) - self.mean) @ self.precision

    def sample_from_normals(self, z: np.ndarray) -> np.ndarray:
        """``mean + z L'``: standard normals ``z`` (n, dim) to draws of this Normal."""
        return self.mean + z @ self.chol.T


@numba.njit(nogil=True, error_model="numpy")
def _rows(log_prob, x):
    out = np.empty(x.shape[0])
    for i in range(x.shape[0]):
        out[i] = log_prob(x[i])
    return out


@numba.njit(nogil=True, error_model="numpy")
def _grad_rows(grad_log_prob, x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        grad_log_prob(x[i], out[i])
    return out


def _in_place(grad):
    """The kernels' gradient convention, ``grad(x, out)``, for a gradient that returns its
    array (``grad(x) -> (dim,)``): one allocation per call, which an in-place gradient
    saves (about 50 ns here, half the cost of a 10-d Gaussian's gradient)."""

    @numba.njit(nogil=True, error_model="numpy")
    def wrapped(x, out):
        out[:] = grad(x)

    return wrapped


def _is_numba_function(f) -> bool:
    return isinstance(f, numba.core.registry.CPUDispatcher)


class LogDensity:
    """An unnormalised log density on ``R^dim``: the continuous model family.

    Parameters
    ----------
    log_prob : callable
        ``log p*(x)``. By default a numba-jitted function (``@numba.njit``) of one point
        ``x`` of shape ``(dim,)`` returning a float: it is compiled into the kernels, so a
        step costs what the density costs. With ``vectorized=True``, a NumPy function of an
        ``(n_chains, dim)`` array returning ``(n_chains,)``.
    grad_log_prob : callable, optional
        Its gradient, in the same form: a numba function of one point returning a ``(dim,)``
        array, or of the point and an output array that it fills (``grad(x, out)``, which
        saves an allocation per call: about half the cost of a 10-d Gaussian's gradient);
        vectorized, ``(n, dim)`` -> ``(n, dim)``. MALA and HMC need it; random-walk
        Metropolis does not.
    dim : int
        The dimension.
    vectorized : bool
        Whether the functions are NumPy functions of all chains at once.
    base : Normal, optional
        The base of the annealing path (default: standard normal). A base close to the
        target (its mean and covariance) shortens the path a schedule must cross.
    log_z : float, optional
        The exact log Z, when known (test systems): :func:`partition.exact_log_z` returns it.
    sampler : callable, optional
        ``sampler(n, rng) -> (n, dim)`` exact draws, when available: reverse AIS, BDMC and
        :func:`partition.bridge` use them.
    name : str, optional
        A label for reports.

    Examples
    --------
    >>> import numba, numpy as np, partition as pt
    >>> @numba.njit
    ... def log_prob(x):
    ...     return -0.5 * np.sum((x - 1.0) ** 2 / 4.0)   # N(1, 4 I) unnormalised
    >>> @numba.njit
    ... def grad(x):
    ...     return -(x - 1.0) / 4.0
    >>> target = pt.LogDensity(log_prob, grad, dim=3)
    >>> est = pt.ais(target, n_chains=200, schedule=100, rng=0)
    >>> exact = 1.5 * np.log(2 * np.pi * 4.0)
    >>> bool(abs(est.log_z - exact) < 4 * est.stderr)
    True
    """

    def __init__(
        self,
        log_prob,
        grad_log_prob=None,
        *,
        dim: int,
        vectorized: bool = False,
        base: Normal | None = None,
        log_z: float | None = None,
        sampler=None,
        name: str | None = None,
    ):
        if not callable(log_prob):
            raise TypeError(f"log_prob must be callable, got {type(log_prob).__name__}")
        if grad_log_prob is not None and not callable(grad_log_prob):
            raise TypeError(
                f"grad_log_prob must be callable or None, got {type(grad_log_prob).__name__}"
            )
        if not isinstance(vectorized, bool):
            raise TypeError(f"vectorized must be True or False, got {vectorized!r}")
        self.dim = check_int(dim, "dim", minimum=1, maximum=100_000)
        if not vectorized:
            for label, f in (("log_prob", log_prob), ("grad_log_prob", grad_log_prob)):
                if f is not None and not _is_numba_function(f):
                    raise TypeError(
                        f"{label} must be a numba-jitted function of one point (decorate it "
                        "with @numba.njit), or pass vectorized=True for a NumPy function of "
                        "an (n_chains, dim) array"
                    )
        self.log_prob = log_prob
        self.grad_log_prob = grad_log_prob
        self._grad_in_place = None
        if grad_log_prob is not None and not vectorized:
            arguments = grad_log_prob.py_func.__code__.co_argcount
            if arguments not in (1, 2):
                raise TypeError(
                    "grad_log_prob must take the point (and return the gradient) or the point "
                    f"and an output array to fill, got a function of {arguments} arguments"
                )
            self._grad_in_place = grad_log_prob if arguments == 2 else _in_place(grad_log_prob)
        self.vectorized = vectorized
        self.base = Normal(np.zeros(self.dim)) if base is None else base
        if not isinstance(self.base, Normal) or self.base.dim != self.dim:
            raise ValueError(f"base must be a pt.Normal of dimension {self.dim}")
        if log_z is not None and not math.isfinite(float(log_z)):
            raise ValueError(f"log_z must be finite, got {log_z}")
        self.known_log_z = None if log_z is None else float(log_z)
        if sampler is not None and not callable(sampler):
            raise TypeError("sampler must be callable: sampler(n, rng) -> (n, dim)")
        self.sampler = sampler
        self.name = name or "LogDensity"
        self.state_shape = (self.dim,)
        self._check_at(self.base.mean[None, :])  # a clear error now, not NaN weights later

    def __repr__(self) -> str:
        kind = "vectorized NumPy" if self.vectorized else "numba"
        grad = ", gradient" if self.grad_log_prob is not None else ""
        return f"LogDensity({self.name!r}, dim={self.dim}, {kind}{grad})"

    # --------------------------------------------------------------- evaluations (NumPy)
    def _check_at(self, x: np.ndarray) -> None:
        values = self._log_prob_rows(x)
        if not np.all(np.isfinite(values)) and np.any(np.isnan(values) | (values == np.inf)):
            raise ValueError(
                f"log_prob returned {values[0]} at the base's mean: it must be finite or -inf"
            )
        if self.grad_log_prob is not None:
            g = self._grad_rows(x)
            if not np.all(np.isfinite(g)):
                raise ValueError("grad_log_prob returned NaN or inf at the base's mean")

    def _rows(self, label: str, function, kernel, x: np.ndarray, shape, what: str):
        """``function`` at every row of ``x``: vectorized, or by the compiled ``kernel``;
        a numba typing error or a wrong shape names ``label``."""
        x = np.ascontiguousarray(x, dtype=np.float64)
        if self.vectorized:
            out = np.asarray(function(x), dtype=np.float64)
        else:
            try:
                out = kernel(function, x)
            except Exception as exc:  # numba's typing errors: say whose function failed
                raise TypeError(
                    f"{label} could not be called on a point of shape ({self.dim},) or did "
                    f"not return {what}: {exc}"
                ) from None
        if out.shape != shape:
            raise ValueError(f"{label} must return {what}, shape {shape}, got {out.shape}")
        return out

    def _log_prob_rows(self, x: np.ndarray) -> np.ndarray:
        n = np.shape(x)[0]
        return self._rows("log_prob", self.log_prob, _rows, x, (n,), "one value per point")

    def _grad_rows(self, x: np.ndarray) -> np.ndarray:
        function = self.grad_log_prob if self.vectorized else self._grad_in_place
        return self._rows("grad_log_prob", function, _grad_rows, x, np.shape(x), "the gradient")

    def log_unnormalized_prob(self, states) -> np.ndarray:
        """``log p*(x)`` for states ``(n, dim)``."""
        return self._log_prob_rows(self.validate_states(states, "states"))

    def grad_log_unnormalized_prob(self, states) -> np.ndarray:
        """The gradient of ``log p*(x)`` for states ``(n, dim)`` (needs ``grad_log_prob``)."""
        if self.grad_log_prob is None:
            raise ValueError(f"{self.name} has no grad_log_prob: give LogDensity(log_prob, "
                             "grad_log_prob, ...)")  # fmt: skip
        return self._grad_rows(self.validate_states(states, "states"))

    # ------------------------------------------------- family protocol (models/base.py)
    def validate_states(self, states, name: str) -> np.ndarray:
        """Real, finite states ``(n, dim)``, ``n >= 1``; errors name ``name``."""
        arr = as_real_array(states, name, ndim=2)
        if arr.shape[1] != self.dim or arr.shape[0] < 1:
            raise ValueError(f"{name} must have shape (n, {self.dim}), got {arr.shape}")
        return arr

    #: The family's name in the test systems' registry (``TestSystem.family``).
    family = "continuous"

    #: What the benchmark counts as a run's cost: evaluations of the log density and of its
    #: gradient, counted over all chains.
    cost_unit = "evaluations"

    @staticmethod
    def transitions() -> dict:
        """The built-in transitions this family takes (random-walk Metropolis, MALA and HMC), by the
        names the benchmark and ``partition bench`` use: name -> a class that makes one."""
        from partition import transitions as t

        return {"rwm": t.RandomWalk, "mala": t.MALA, "hmc": t.HMC}

    def annealing_path(self, *, transition=None, **options):
        """The geometric path from ``base`` to the density.

        ``transition``: a :mod:`partition.transitions` object (or your own), or None for
        ``HMC()`` when ``grad_log_prob`` is given and ``RandomWalk()`` otherwise. No other
        options: the base is set on the family (``base=``).
        """
        from partition import transitions

        options = {key: value for key, value in options.items() if value is not None}
        if options:
            raise TypeError(
                f"a LogDensity's annealing path takes no option {', '.join(map(repr, options))} "
                "(its base is set by LogDensity(base=...); pass transition=)"
            )
        if transition is None:
            transition = transitions.HMC() if self.grad_log_prob else transitions.RandomWalk()
        if isinstance(transition, str):
            raise TypeError(
                "a LogDensity takes a transition object, e.g. pt.transitions.HMC(n_leapfrog=10) "
                f"or pt.transitions.RandomWalk(), got the string {transition!r}"
            )
        for attribute in ("step", "params", "n_uniforms", "needs_gradient", "step_size"):
            if not hasattr(transition, attribute):
                raise TypeError(
                    f"transition lacks {attribute!r}: see partition.transitions for the protocol"
                )
        if callable(getattr(transition, "validate", None)):
            transition.validate()  # its fields may have changed since it was made
        if transition.needs_gradient and self.grad_log_prob is None:
            raise ValueError(
                f"the {getattr(transition, 'name', 'transition')} transition needs "
                "grad_log_prob; give LogDensity(log_prob, grad_log_prob, ...) or use "
                "pt.transitions.RandomWalk()"
            )
        if self.vectorized and not hasattr(transition, "reference"):
            raise TypeError("a vectorized LogDensity runs transitions by their NumPy reference")
        return LogDensityPath(self, transition)

    def compute_exact_log_z(self, *, max_terms: float, progress: bool = False):  # noqa: ARG002
        """The ``log_z`` given at construction (test systems know it)."""
        if self.known_log_z is None:
            raise ValueError(
                f"no exact log Z is known for {self!r}: pass LogDensity(..., log_z=) when you "
                "know it, or estimate it with pt.ais"
            )
        return self.known_log_z, {"source": "given"}

    def can_sample_exactly(self) -> bool:
        return self.sampler is not None

    def sample_exactly(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if self.sampler is None:
            raise ValueError(
                f"no exact sampler is known for {self!r}: pass LogDensity(..., sampler=)"
            )
        return self.validate_states(self.sampler(n, rng), "sampler's draws")


class LogDensityPath:
    """``log f_beta = (1 - beta) log b + beta log p*`` from the Gaussian base ``b``."""

    def __init__(self, model: LogDensity, transition):
        self.model = model
        self.transition = transition
        self.n_units = model.dim
        self.log_z_base = model.base.log_z
        #: Step sizes fixed by a pilot of the whole run (a shard of a sharded run uses them,
        #: not a pilot on its own chains' streams).
        self._step_sizes: np.ndarray | None = None

    def for_shards(self, n_chains: int, n_sweeps: int, betas, streams):  # noqa: ARG002
        """This path with the step sizes the whole run's pilot chooses (on the first of all
        the run's streams), so that every shard of it steps as the whole run would."""
        import copy

        shard = copy.copy(self)
        shard._step_sizes = self._pilot(np.asarray(betas, dtype=np.float64), n_sweeps, streams)
        return shard

    def describe(self) -> dict[str, Any]:
        describe = getattr(self.transition, "describe", None)
        return {
            "base": f"Normal(dim={self.model.dim})",
            "log_z_base": self.log_z_base,
            **(describe() if describe else {"transition": type(self.transition).__name__}),
        }

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        return self.log_f_function(states)(beta)

    def log_f_function(self, states: np.ndarray):
        """``beta -> log_f(states, beta)`` with both log densities evaluated once. At
        ``beta = 0`` it is the base's alone: a density that is ``-inf`` outside its support
        would make ``0 * -inf`` a NaN there."""
        lb = self.model.base.log_unnormalized_prob(states)
        lt = self.model._log_prob_rows(states)
        return lambda beta: lb if beta == 0.0 else (1.0 - beta) * lb + beta * lt

    def validate_states(self, states, name: str) -> np.ndarray:
        return self.model.validate_states(states, name)

    def new_states(self, n_chains: int) -> np.ndarray:
        return np.empty((n_chains, self.model.dim))

    def sample_base(self, states: np.ndarray, streams: np.ndarray) -> None:
        from partition.transitions import normals_from_uniforms

        z = normals_from_uniforms(stream_uniforms(streams, self.model.dim))
        states[:] = self.model.base.sample_from_normals(z)

    # ------------------------------------------------------------------ the runner
    def _parts(self, x):
        return self.model._log_prob_rows(x), self.model.base.log_unnormalized_prob(x)

    def _grad(self, x, beta):
        base = self.model.base.grad_log_unnormalized_prob(x)
        return (1.0 - beta) * base + beta * self.model._grad_rows(x)

    def _kernel_gradient(self):
        """The gradient the kernels call, ``grad(x, out)``; a stand-in when there is none."""
        m = self.model
        return m._grad_in_place if m._grad_in_place is not None else no_gradient

    def _pilot(self, betas, n_sweeps, streams) -> np.ndarray:
        """Step sizes along ``betas`` from a pilot on streams of its own (see
        :mod:`partition.transitions`): fixed before the run's chains start, averaged over
        neighbouring temperatures (:func:`_smoothed`)."""
        return _smoothed(self._tuned(betas, n_sweeps, streams))

    def _tuned(self, betas, n_sweeps, streams) -> np.ndarray:
        t = self.transition
        if not getattr(t, "adapt", False):
            return np.full(len(betas), float(t.step_size))
        n_pilot = min(int(getattr(t, "n_pilot", 32)), streams.shape[0])  # 0: compile only
        pilot = streams[:n_pilot].copy()
        pilot[:, 0] ^= _PILOT_KEY
        # from the start of its own streams, wherever the run's counters stand: in one
        # process the pilot runs after the base draws, for shards before them
        pilot[:, 2] = 0
        states = self.new_states(n_pilot)
        self.sample_base(states, pilot)
        out = np.empty(len(betas))
        m, base = self.model, self.model.base
        target = float(t.target_accept)
        if not m.vectorized:
            grad = self._kernel_gradient()
            adapt_step_sizes(
                t.step, m.log_prob, grad, t.needs_gradient, base.mean, base.kernel_precision, betas,
                t.params(m.dim), n_sweeps, target, float(t.step_size), states, pilot, out,
            )  # fmt: skip
            return out
        params = t.params(m.dim)
        log_eps = math.log(t.step_size)
        out[0] = t.step_size
        for k in range(1, len(betas)):
            params[0] = out[k] = math.exp(log_eps)
            rates = []
            for _ in range(n_sweeps):
                u = stream_uniforms(pilot, t.n_uniforms(m.dim))
                states, accept = t.reference(self._parts, self._grad, states, betas[k], params, u)
                rates.append(np.mean(accept))
            log_eps = min(max(log_eps + 2.0 * (np.mean(rates) - target), -14.0), 7.0)
        return out

    def engine_model(self) -> tuple:
        """The density's ``model`` for the engine's kernels (:meth:`engine_kernels`):
        ``(mean, precision, jitter)`` of the base and the transition."""
        base = self.model.base
        return (base.mean, base.kernel_precision, _jitter(self.transition))

    def engine_kernels(self):
        """``(segment, smc)``, the engine's kernels for this transition's step and the
        density (``partition.kernels.continuous.density_kernels``)."""
        t, m = self.transition, self.model
        return density_kernels(t.step, m.log_prob, self._kernel_gradient(), t.needs_gradient)

    @contextmanager
    def runner(self, n_chains: int, n_sweeps: int, betas):
        """Segments of the compiled driver (or of the NumPy references, vectorized), with
        step sizes from the pilot, which runs at the first segment of the schedule."""
        t, m = self.transition, self.model
        dim = m.dim
        betas = np.asarray(betas, dtype=np.float64)
        params = np.asarray(t.params(dim), dtype=np.float64)
        state: dict[str, Any] = {"position": 0, "step_sizes": self._step_sizes}
        info: dict[str, Any] = {"driver": "vectorized numpy" if m.vectorized else "numba"}

        def step_sizes_for(segment, streams):
            if state["step_sizes"] is None:
                state["step_sizes"] = self._pilot(betas, n_sweeps, streams)
            k0 = state["position"]
            sizes = state["step_sizes"]
            if np.array_equal(segment, betas[k0 : k0 + len(segment)]):  # the next segment
                state["position"] += len(segment) - 1
                return np.ascontiguousarray(sizes[k0 : k0 + len(segment)])
            # temperatures off the schedule (SMC chooses them as it goes): the pilot's log
            # step sizes interpolated in beta, still fixed before the run's chains started
            order = np.argsort(betas, kind="stable")
            return np.exp(np.interp(segment, betas[order], np.log(sizes[order])))

        engine = None
        if m.vectorized:
            stats = np.zeros((n_chains, len(DENSITY_STATS)))  # summed over the run
        else:
            segment_kernel, smc_kernel = self.engine_kernels()
            engine = EngineRunner(
                segment_kernel,
                self.engine_model(),
                (5, dim),
                n_chains,
                n_sweeps,
                len(DENSITY_STATS),
                len(params),
                0,
                info,
                smc_kernel=smc_kernel,
                chain_state=params,
            )
            stats = engine.stats

        def advance(segment, transition_at_end, states, streams, log_w):
            if len(segment) < 2:  # nothing to do (the driver's first call compiles)
                if not m.vectorized:
                    engine.advance(np.zeros(1), False, states[:0], streams[:0], log_w[:0])
                    if getattr(t, "adapt", False):
                        self._pilot(segment, n_sweeps, streams[:0])
                return
            sizes = step_sizes_for(segment, streams)
            if m.vectorized:
                self._numpy_segment(segment, sizes, params, n_sweeps, transition_at_end,
                                    states, streams, log_w, stats)  # fmt: skip
            else:
                engine.advance(segment, transition_at_end, states, streams, log_w, tunes=sizes)

        def smc(segment_betas, segment, states, streams, log_w):
            if segment.t_start == segment.t_stop:  # the driver's first call compiles
                engine.smc(
                    segment_betas,
                    segment,
                    states,
                    streams,
                    log_w,
                    tunes=np.ones(len(segment_betas)),
                )
                if getattr(t, "adapt", False) and state["step_sizes"] is None:
                    self._pilot(segment_betas[:1], n_sweeps, streams[:0])
                return segment.t_start
            if state["step_sizes"] is None:
                state["step_sizes"] = self._pilot(betas, n_sweeps, streams)
            # the step sizes SMC stepping from Python gets for a move at each temperature
            order = np.argsort(betas, kind="stable")
            log_sizes = np.log(state["step_sizes"][order])
            sizes = np.exp(np.interp(segment_betas, betas[order], log_sizes))
            return engine.smc(segment_betas, segment, states, streams, log_w, tunes=sizes)

        length = 200 if m.vectorized else _segment_length(n_chains)
        runner = Runner(advance, length, info, None if m.vectorized else smc)
        yield runner
        steps = stats[:, 1].sum()
        info.update(
            acceptance_rate=float(stats[:, 0].sum() / steps) if steps else float("nan"),
            n_steps=int(steps),
            n_log_prob_evaluations=int(stats[:, 2].sum()),
            n_gradient_evaluations=int(stats[:, 3].sum()),
            step_sizes=state["step_sizes"],
        )

    def _numpy_segment(self, betas, sizes, params, n_sweeps, more, states, streams, log_w, stats):
        t, m = self.transition, self.model
        lp, lb = self._parts(states)
        stats[:, 2] += 1
        if t.needs_gradient:
            stats[:, 3] += 1
        p = params.copy()
        for k in range(1, len(betas)):
            log_w += (betas[k] - betas[k - 1]) * (lp - lb)
            if k == len(betas) - 1 and not more:
                break
            jitter = _jitter(t)
            for _ in range(n_sweeps):
                p[0] = sizes[k]
                step_params = p
                if jitter > 0.0:  # a step size per chain, as a column the references broadcast
                    step_params = list(p)
                    u0 = stream_uniforms(streams, 1)[:, 0]
                    step_params[0] = (sizes[k] * np.exp(-jitter * u0))[:, None]
                u = stream_uniforms(streams, t.n_uniforms(m.dim))
                new, accept = t.reference(self._parts, self._grad, states, betas[k], step_params, u)
                states[:] = new
                stats[:, 0] += accept
                stats[:, 1] += 1
                stats[:, 2] += 1
                stats[:, 3] += t.gradients_per_step() if hasattr(t, "gradients_per_step") else 0
            lp, lb = self._parts(states)


def _jitter(transition) -> float:
    return float(getattr(transition, "step_jitter", 0.0))


def _smoothed(step_sizes: np.ndarray, half_width: int = 5) -> np.ndarray:
    """The pilot's step sizes averaged in log space over up to ``half_width`` temperatures
    on either side (fewer where the schedule has fewer than 20 per side).

    The pilot's rule (``log eps += 2 (acceptance - target)``, one step per temperature)
    oscillates around the step size it seeks, and an overshoot can land past where HMC's
    leapfrog is stable: on the 3-mode mixture's wide base the pilot went 16, 4.4, 8, 9 at
    neighbouring temperatures, and a run moved with 16 rejected every proposal at that
    temperature. Averaging the iterates (Polyak & Juditsky 1992) keeps their centre.
    """
    n = len(step_sizes)
    h = min(half_width, (n - 1) // 20)
    if h < 1 or not np.all(step_sizes > 0.0):
        return step_sizes
    log_eps = np.log(step_sizes)
    padded = np.concatenate([np.full(h, log_eps[0]), log_eps, np.full(h, log_eps[-1])])
    window = np.convolve(padded, np.full(2 * h + 1, 1.0 / (2 * h + 1)), mode="valid")
    return np.exp(window)


def _segment_length(n_chains: int) -> int:
    """About 0.1 s of work per kernel call is unknown ahead (the density's cost is the
    user's): a fixed 100 temperatures keeps Ctrl-C and the progress bar responsive."""
    return 100 if n_chains <= 10_000 else 10
