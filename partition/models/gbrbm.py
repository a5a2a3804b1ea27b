"""The Gaussian-Bernoulli restricted Boltzmann machine: real visible units, binary hidden.

Energy (the parametrisation of Cho, Ilin & Raiko 2011, in which ``v / s^2`` couples)::

    E(v, h) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_ij (v_i / s_i^2) W_ij h_j - c.h

so ``p(h_j = 1 | v) = sigmoid(c_j + sum_i v_i W_ij / s_i^2)``, ``v | h ~ N(b + W h, s^2)``,
and the free energy is ``F(v) = sum_i (v_i - b_i)^2 / (2 s_i^2) - sum_j softplus(c_j +
sum_i v_i W_ij / s_i^2)``. ``log Z`` is exact by enumerating the hidden layer, the visible
layer integrated analytically (:mod:`partition.kernels.gbrbm`). The NumPy methods here are
the references the kernels are tested against.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numba
import numpy as np

from partition._io import model_arrays, save_npz_atomic
from partition._progress import Progress
from partition._rng import RNGLike, as_generator
from partition._validation import (
    as_binary_rows,
    as_real_array,
    check_int,
    check_positive_float,
    frozen,
)
from partition.models.base import Runner, sweeps_in_segment
from partition.models.rbm import random_rbm_arrays, rbm_arrays, softplus
from partition.transitions import Step

LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
#: Exact log Z and exact samples enumerate the hidden layer: at most this many units.
MAX_ENUMERATED_HIDDEN = 40
#: Exact sampling keeps one float64 per hidden state.
EXACT_SAMPLE_MAX_HIDDEN = 24
DEFAULT_MAX_TERMS = 2**36
_NPZ_KEYS = ("weights", "visible_bias", "hidden_bias", "sigma")
_PIECE_TERMS = 2.0**30  # terms per kernel call: Ctrl-C is seen between calls
_SEGMENT_WORK = 2.0**28


def _block_bits(m: int) -> int:
    return m if m <= 10 else min(16, max(10, m - 6))


@dataclass(frozen=True, eq=False, repr=False)
class GaussianBernoulliRBM:
    """A restricted Boltzmann machine with Gaussian visible and binary hidden units.

    Parameters
    ----------
    weights : array_like, shape (n_visible, n_hidden)
        Couplings ``W``.
    visible_bias : array_like, shape (n_visible,)
        Visible means ``b`` (the mean of ``v`` given ``h = 0``).
    hidden_bias : array_like, shape (n_hidden,)
        Hidden biases ``c``.
    sigma : float or array_like, shape (n_visible,)
        Standard deviations ``s`` of the visible units (positive; a scalar broadcasts).

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> gb = pt.GaussianBernoulliRBM(np.zeros((2, 1)), np.zeros(2), np.zeros(1), sigma=1.0)
    >>> bool(np.isclose(pt.exact_log_z(gb).log_z, np.log(2 * np.pi) + np.log(2)))
    True
    """

    weights: np.ndarray
    visible_bias: np.ndarray
    hidden_bias: np.ndarray
    sigma: Any = 1.0

    def __post_init__(self) -> None:
        weights, visible_bias, hidden_bias = rbm_arrays(
            self.weights, self.visible_bias, self.hidden_bias
        )
        n_visible = weights.shape[0]
        sigma = as_real_array(self.sigma, "sigma")
        if sigma.ndim == 0:
            sigma = np.full(n_visible, float(sigma))
        if sigma.shape != (n_visible,):
            raise ValueError(
                f"sigma must be a scalar or have shape ({n_visible},), got {sigma.shape}"
            )
        if np.any(sigma <= 0.0):
            raise ValueError(f"sigma must be positive, got a minimum of {sigma.min():g}")
        for name, value in (("weights", weights), ("visible_bias", visible_bias),
                            ("hidden_bias", hidden_bias), ("sigma", sigma)):  # fmt: skip
            object.__setattr__(self, name, frozen(value))

    # ----------------------------------------------------------------- basic properties
    @property
    def n_visible(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_hidden(self) -> int:
        return int(self.weights.shape[1])

    def __repr__(self) -> str:
        return f"GaussianBernoulliRBM(n_visible={self.n_visible}, n_hidden={self.n_hidden})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GaussianBernoulliRBM):
            return NotImplemented
        return all(np.array_equal(getattr(self, k), getattr(other, k)) for k in _NPZ_KEYS)

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------------- NumPy references
    def validate_states(self, states, name: str) -> np.ndarray:
        """Real, finite visible states ``(n, n_visible)`` (a single state becomes one row)."""
        rows = as_real_array(states, name)
        if rows.ndim == 1 and rows.shape[0] == self.n_visible:
            rows = rows[None, :]
        if rows.ndim != 2 or rows.shape[1] != self.n_visible:
            raise ValueError(
                f"{name} must have shape (n, {self.n_visible}) (the model's n_visible), got "
                f"{np.shape(states)}"
            )
        if rows.shape[0] < 1:
            raise ValueError(f"{name} must hold at least one row")
        return np.ascontiguousarray(rows, dtype=np.float64)

    def _rows(self, v, name="v"):
        single = np.ndim(v) == 1
        return self.validate_states(v, name), single

    def hidden_activations(self, v) -> np.ndarray:
        """``c + (v / s^2) W``, shape ``(n, n_hidden)``: ``p(h = 1 | v) = sigmoid(.)``."""
        rows, _ = self._rows(v)
        return self.hidden_bias + (rows / self.sigma**2) @ self.weights

    def visible_mean(self, h) -> np.ndarray:
        """``E[v | h] = b + W h`` for binary hidden states, shape ``(n, n_visible)``."""
        rows, _ = as_binary_rows(h, "h", self.n_hidden, "n_hidden")
        return self.visible_bias + rows @ self.weights.T

    def energy(self, v, h) -> np.ndarray | float:
        """``E(v, h)`` for single states (a float) or batches of equal length."""
        v_rows, v_single = self._rows(v)
        h_rows, h_single = as_binary_rows(h, "h", self.n_hidden, "n_hidden")
        if v_single != h_single or v_rows.shape[0] != h_rows.shape[0]:
            raise ValueError(
                f"v and h must both be single states or batches of equal length, got shapes "
                f"{np.shape(v)} and {np.shape(h)}"
            )
        quad = 0.5 * (((v_rows - self.visible_bias) / self.sigma) ** 2).sum(1)
        coupling = np.einsum("ni,ij,nj->n", v_rows / self.sigma**2, self.weights, h_rows)
        e = quad - coupling - h_rows @ self.hidden_bias
        return float(e[0]) if v_single else e

    def free_energy(self, v) -> np.ndarray | float:
        """``F(v) = sum (v - b)^2 / (2 s^2) - sum_j softplus(c_j + ((v / s^2) W)_j)``.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> gb = pt.GaussianBernoulliRBM(np.zeros((1, 1)), [0.0], [0.0], sigma=2.0)
        >>> round(gb.free_energy([2.0]), 6)  # 1/2 - log 2
        -0.193147
        """
        rows, single = self._rows(v)
        quad = 0.5 * (((rows - self.visible_bias) / self.sigma) ** 2).sum(1)
        f = quad - softplus(self.hidden_bias + (rows / self.sigma**2) @ self.weights).sum(1)
        return float(f[0]) if single else f

    def log_unnormalized_prob(self, v) -> np.ndarray | float:
        """``log p*(v) = -F(v)``."""
        return -self.free_energy(v)

    def score(self, v) -> np.ndarray:
        """``grad_v log p(v) = -(v - b) / s^2 + (W sigmoid(a(v))) / s^2``, ``(n, n_visible)``
        (Z does not appear: what score matching fits)."""
        rows, _ = self._rows(v)
        p_h = 1.0 / (1.0 + np.exp(-(self.hidden_bias + (rows / self.sigma**2) @ self.weights)))
        return (-(rows - self.visible_bias) + p_h @ self.weights.T) / self.sigma**2

    # ----------------------------------------------------------------- constructors & I/O
    @classmethod
    def random(
        cls,
        n_visible: int,
        n_hidden: int,
        *,
        weight_scale: float = 1.0,
        bias_scale: float = 1.0,
        sigma: float = 1.0,
        rng: RNGLike = None,
    ) -> GaussianBernoulliRBM:
        """Independent normal weights ``N(0, weight_scale^2)`` and biases ``N(0,
        bias_scale^2)``, all visible standard deviations ``sigma``; for tests and
        benchmarks.

        Examples
        --------
        >>> import partition as pt
        >>> pt.GaussianBernoulliRBM.random(5, 3, rng=0) == pt.GaussianBernoulliRBM.random(
        ...     5, 3, rng=0)
        True
        """
        sigma = check_positive_float(sigma, "sigma")
        arrays = random_rbm_arrays(n_visible, n_hidden, weight_scale, bias_scale, rng)
        return cls(*arrays, sigma=sigma)

    def save(self, path: str | os.PathLike) -> None:
        """Write an ``.npz`` with keys ``weights``, ``visible_bias``, ``hidden_bias`` and
        ``sigma`` (atomically, as :meth:`BernoulliRBM.save`); :func:`partition.load_model`
        tells it from a Bernoulli RBM file by the ``sigma`` key.

        Examples
        --------
        >>> import os, tempfile, partition as pt
        >>> gb = pt.GaussianBernoulliRBM.random(4, 2, sigma=0.5, rng=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "gb.npz")
        >>> gb.save(path)
        >>> pt.load_model(path) == gb
        True
        """
        save_npz_atomic(path, {k: getattr(self, k) for k in _NPZ_KEYS})

    @classmethod
    def load(cls, path) -> GaussianBernoulliRBM:
        """Read a file written by :meth:`save`; a Bernoulli RBM file (no ``sigma``) is
        refused with a message that says so."""
        from partition._io import read_model_arrays

        return cls._from_arrays(*read_model_arrays(path))

    @classmethod
    def _from_arrays(cls, name: str, arrays: dict) -> GaussianBernoulliRBM:
        if "sigma" not in arrays:
            raise ValueError(
                f"{name} has no 'sigma' key: it is a Bernoulli RBM file; load it with "
                "pt.BernoulliRBM.load or pt.load_model"
            )
        return cls(**model_arrays(name, arrays, _NPZ_KEYS, "a Gaussian-Bernoulli RBM file"))

    # ------------------------------------------------- family protocol (models/base.py)
    @property
    def state_shape(self) -> tuple[int, int, str]:
        """``(n_visible, n_hidden, "gaussian")``: bridged only with another GB-RBM."""
        return (self.n_visible, self.n_hidden, "gaussian")

    def _enumeration_args(self):
        scaled_cols = np.ascontiguousarray((self.weights / self.sigma[:, None]).T)
        scaled_bias = np.ascontiguousarray(self.visible_bias / self.sigma)
        return scaled_cols, scaled_bias, np.ascontiguousarray(self.hidden_bias)

    def _check_enumeration(self, max_terms: float, what: str, limit: int) -> None:
        m, n = self.n_hidden, self.n_visible
        if m > limit or 2.0**m * n > max_terms:
            raise ValueError(
                f"{what} enumerates the hidden layer (2^{m} states) with {n} visible units: "
                f"{2.0**m * n:.3g} terms, more than max_terms={max_terms:.3g}"
                + (f" or more than {limit} hidden units" if m > limit else "")
                + "; estimate log Z with pt.ais instead"
            )

    def compute_exact_log_z(self, *, max_terms: float = DEFAULT_MAX_TERMS, progress=False):
        """``(log Z, info)``: the hidden layer enumerated, the visible layer integrated."""
        from partition._numba import interruptible
        from partition.kernels.gbrbm import gbrbm_log_z_blocks

        self._check_enumeration(max_terms, "exact log Z", MAX_ENUMERATED_HIDDEN)
        args = self._enumeration_args()
        m = self.n_hidden
        bits = _block_bits(m)
        n_blocks = 1 << (m - bits)
        compile_start = time.perf_counter()
        interruptible(gbrbm_log_z_blocks, *args, bits, 0, 0)
        compile_seconds = time.perf_counter() - compile_start
        start = time.perf_counter()
        per_piece = max(1, int(_PIECE_TERMS // (2.0**bits * self.n_visible)))
        bar = Progress(2**m, f"exact log Z (2^{m} hidden states)", progress, unit="state")
        tops, sums = [], []
        for b0 in range(0, n_blocks, per_piece):
            b1 = min(b0 + per_piece, n_blocks)
            t, s = interruptible(gbrbm_log_z_blocks, *args, bits, b0, b1)
            tops.append(t)
            sums.append(s)
            bar.update(b1 << bits)
        bar.close()
        tops_all, sums_all = np.concatenate(tops), np.concatenate(sums)
        top = float(tops_all.max())
        log_sum = top + math.log(float(np.sum(sums_all * np.exp(tops_all - top))))
        r = args[1]
        log_z = log_sum + float(np.sum(LOG_SQRT_2PI + np.log(self.sigma))) - 0.5 * float(r @ r)
        if not math.isfinite(log_z):
            raise FloatingPointError(f"exact enumeration produced a non-finite log Z ({log_z})")
        seconds = time.perf_counter() - start
        return log_z, {
            "enumerated_layer": "hidden",
            "n_enumerated_units": m,
            "n_states": 2**m,
            "seconds": seconds,
            "states_per_second": 2**m / seconds if seconds > 0 else float("inf"),
            "compile_seconds": compile_seconds,
        }

    def can_sample_exactly(self) -> bool:
        return self.n_hidden <= EXACT_SAMPLE_MAX_HIDDEN

    def hidden_log_marginal(self) -> np.ndarray:
        """``log p(h)`` of every hidden state, ``h`` the bits of the index (exact)."""
        from partition._numba import interruptible
        from partition.kernels.gbrbm import gbrbm_log_values

        self._check_enumeration(float("inf"), "exact sampling", EXACT_SAMPLE_MAX_HIDDEN)
        m = self.n_hidden
        bits = _block_bits(m)
        out = np.empty(2**m)
        interruptible(gbrbm_log_values, *self._enumeration_args(), bits, 0, 1 << (m - bits), out)
        top = out.max()
        return out - (top + math.log(np.sum(np.exp(out - top))))

    def sample_exactly(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` exact draws of ``v``: ``h`` from its exact marginal, then ``v | h``."""
        return self.sample_joint(n, rng)[0]

    def sample_joint(self, n: int, rng: RNGLike = None) -> tuple[np.ndarray, np.ndarray]:
        """Exact joint draws ``(v, h)``: ``h`` by inverting the cumulative distribution of
        its marginal (all ``2^n_hidden`` states), ``v ~ N(b + W h, s^2)``."""
        n = check_int(n, "n", minimum=0)
        gen = as_generator(rng)
        log_p = self.hidden_log_marginal()
        cdf = np.cumsum(np.exp(log_p))
        index = np.minimum(np.searchsorted(cdf, gen.random(n) * cdf[-1], side="right"),
                           cdf.size - 1)  # fmt: skip
        h = ((index[:, None] >> np.arange(self.n_hidden)) & 1).astype(np.float64)
        v = (
            self.visible_bias
            + h @ self.weights.T
            + self.sigma * gen.standard_normal((n, self.n_visible))
        )
        return v, h

    #: The family's name in the test systems' registry (``TestSystem.family``).
    family = "gbrbm"

    #: What the benchmark counts as a run's cost: transitions (a sweep over the units each),
    #: counted over all chains.
    cost_unit = "sweeps"

    @staticmethod
    def transitions() -> dict:
        """The built-in transitions this family takes (block Gibbs), by the
        names the benchmark and ``partition bench`` use: name -> a class that makes one."""
        from partition import transitions as t

        return {"block-gibbs": t.BlockGibbs}

    def annealing_path(self, *, transition=None, base=None, data=None):
        """The path from the base ``N(b_A, s^2)`` (no couplings, hidden units uniform) to
        the model, run by block Gibbs (:class:`~partition.transitions.BlockGibbs`).

        Parameters
        ----------
        transition : {"gibbs"}, BlockGibbs, Step or None
            Block Gibbs (the built-in transition), or a step of your own
            (:class:`~partition.transitions.Step`, run on the population engine). A step
            receives ``model = (weights, weights.T, visible_bias, hidden_bias, sigma,
            base_mean, 1 / sigma^2)`` (the path is ``log f_beta(v) = -(1 - beta) q_A(v) -
            beta q_B(v) + sum_j softplus(beta a_j(v))``, see
            :mod:`partition.kernels.gbrbm`), the chain's visible units ``v`` (updated in
            place), an empty ``cache`` and ``scratch`` ``(3, max(n_visible, n_hidden))``.
        base : {"model", "data"} or array_like, optional
            The base's mean ``b_A``: the model's visible bias ``b`` (``"model"``), the mean
            of ``data`` (``"data"``, the default when ``data`` is given), or a vector.
        data : array_like, optional
            Real training data ``(n, n_visible)``, for ``base="data"``.
        """
        from partition.transitions import block_gibbs

        transition = block_gibbs(transition, "Gaussian-Bernoulli RBMs")
        if data is not None:
            data = self.validate_states(data, "data")
        if base is None:
            base = "data" if data is not None else "model"
        if isinstance(base, str):
            if base == "model":
                mean, label = np.array(self.visible_bias), "N(b, sigma^2)"
            elif base == "data":
                if data is None:
                    raise ValueError("base='data' needs data: the training data of the model")
                mean, label = data.mean(0), f"N(data mean of {data.shape[0]} rows, sigma^2)"
            else:
                raise ValueError(f"base must be 'model', 'data' or a mean vector, got {base!r}")
        else:
            mean = as_real_array(base, "base")
            if mean.shape != (self.n_visible,):
                raise ValueError(
                    f"base must be a mean vector of shape ({self.n_visible},), got {mean.shape}"
                )
            label = "N(given mean, sigma^2)"
        return GBRBMAnnealingPath(self, np.ascontiguousarray(mean, dtype=np.float64), label,
                                  transition)  # fmt: skip


class GBRBMAnnealingPath:
    """``log f_beta(v) = -(1 - beta) q_A(v) - beta q_B(v) + sum_j softplus(beta a_j(v))``
    (see :mod:`partition.kernels.gbrbm`); ``log Z_0 = sum log(sqrt(2 pi) s_i) + n_hidden
    log 2``."""

    def __init__(self, model: GaussianBernoulliRBM, base_mean, base_label, transition):
        self.model = model
        self.base_mean = base_mean
        self.base_label = base_label
        self.transition = transition
        self._weights_t = np.ascontiguousarray(model.weights.T)
        self.log_z_base = float(
            np.sum(LOG_SQRT_2PI + np.log(model.sigma)) + model.n_hidden * math.log(2.0)
        )

    def describe(self) -> dict[str, Any]:
        return {"base": self.base_label, "log_z_base": self.log_z_base,
                **self.transition.describe()}  # fmt: skip

    @property
    def n_units(self) -> int:
        return self.model.n_visible

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        m = self.model
        inv_var = 1.0 / m.sigma**2
        q_a = 0.5 * ((states - self.base_mean) ** 2 * inv_var).sum(1)
        q_b = 0.5 * ((states - m.visible_bias) ** 2 * inv_var).sum(1)
        act = m.hidden_bias + (states * inv_var) @ m.weights
        return -(1.0 - beta) * q_a - beta * q_b + softplus(beta * act).sum(1)

    def log_f_function(self, states: np.ndarray):
        """``beta -> log_f(states, beta)`` with the products done once (SMC's search)."""
        m = self.model
        inv_var = 1.0 / m.sigma**2
        q_a = 0.5 * ((states - self.base_mean) ** 2 * inv_var).sum(1)
        q_b = 0.5 * ((states - m.visible_bias) ** 2 * inv_var).sum(1)
        act = m.hidden_bias + (states * inv_var) @ m.weights
        return lambda beta: -(1.0 - beta) * q_a - beta * q_b + softplus(beta * act).sum(1)

    def validate_states(self, states, name: str) -> np.ndarray:
        return self.model.validate_states(states, name)

    def new_states(self, n_chains: int) -> np.ndarray:
        return np.empty((n_chains, self.model.n_visible))

    def sample_base(self, states: np.ndarray, streams: np.ndarray) -> None:
        from partition.kernels.gbrbm import sample_base

        sample_base(self.base_mean, self.model.sigma, states, streams)

    def block_gibbs_reference(self, states, beta, uniforms):
        """One block-Gibbs sweep in NumPy from ``n_hidden + n_visible`` uniforms a chain."""
        from partition.transitions import normals_from_uniforms

        m = self.model
        nh = m.n_hidden
        act = m.hidden_bias + (states / m.sigma**2) @ m.weights
        h = (uniforms[:, :nh] < 1.0 / (1.0 + np.exp(-beta * act))).astype(np.float64)
        mean = (1.0 - beta) * self.base_mean + beta * (m.visible_bias + h @ m.weights.T)
        return mean + m.sigma * normals_from_uniforms(uniforms[:, nh:]), np.ones(len(states))

    @contextmanager
    def runner(self, n_chains: int, n_sweeps: int, betas=None):  # noqa: ARG002 - protocol
        """The fused per-chain kernel (block Gibbs), or the population engine with a step
        of your own; ``info`` gets ``n_steps`` and ``acceptance_rate`` (a step of yours:
        what its ``report`` gives, and its ``chain_state``)."""
        from partition.kernels.gbrbm import ais_gbrbm

        m = self.model
        work = 2.0 * n_chains * m.n_visible * m.n_hidden * n_sweeps
        length = int(max(1, min(500, _SEGMENT_WORK // max(work, 1.0))))
        t = self.transition
        if isinstance(t, Step):
            yield from self._engine_runner(n_chains, n_sweeps, length)
            return
        info: dict[str, Any] = {"driver": "fused"}
        tally = {"sweeps": 0}

        def advance(betas, transition_at_end, states, streams, log_w):
            ais_gbrbm(
                m.weights, self._weights_t, m.visible_bias, m.hidden_bias, m.sigma,
                self.base_mean, betas, n_sweeps, transition_at_end, states, streams, log_w,
            )  # fmt: skip
            tally["sweeps"] += sweeps_in_segment(betas, transition_at_end, n_sweeps,
                                                 states.shape[0])  # fmt: skip

        from partition.engine import EngineRunner
        from partition.kernels.gbrbm import gibbs_smc

        # SMC on the engine, block Gibbs with the fused driver's draws (AIS keeps ais_gbrbm)
        shape = (3, max(m.n_visible, m.n_hidden))
        engine = EngineRunner.for_smc(gibbs_smc, self._engine_model(), shape, n_chains, n_sweeps)
        yield Runner(advance, length, info, engine.smc)
        steps = tally["sweeps"] + engine.n_steps
        info.update(n_steps=steps, acceptance_rate=1.0, threads=numba.get_num_threads())

    def _engine_model(self) -> tuple:
        """The model tuple the engine's functions take (:mod:`partition.kernels.gbrbm`)."""
        m = self.model
        return (
            m.weights,
            self._weights_t,
            m.visible_bias,
            m.hidden_bias,
            m.sigma,
            self.base_mean,
            1.0 / (m.sigma * m.sigma),
        )

    def _engine_runner(self, n_chains: int, n_sweeps: int, length: int):
        from partition.engine import EngineRunner, bind
        from partition.kernels.gbrbm import gbrbm_increment, gbrbm_init

        m, t = self.model, self.transition
        model = self._engine_model()
        info: dict[str, Any] = {"driver": "engine"}
        runner = EngineRunner(
            bind(gbrbm_init, gbrbm_increment, t.step), model,
            (3, max(m.n_visible, m.n_hidden)), n_chains, n_sweeps, len(t.stats),
            t.n_chain_state, length, info,
        )  # fmt: skip
        yield runner
        info.update(runner.report(t))
