"""The RBM family's annealing path (Salakhutdinov & Murray 2008): host-side orchestration.

:meth:`BernoulliRBM.annealing_path` returns an :class:`RBMAnnealingPath`, an
:class:`~partition.models.base.AnnealingPath` that the estimators' one driver
(:func:`partition.estimators.annealing.anneal`) runs; all RBM-specific work lives here and in
:mod:`partition.kernels.rbm`.
"""

from __future__ import annotations

import copy
import math
from contextlib import contextmanager
from typing import Any

import numba
import numpy as np
from threadpoolctl import ThreadpoolController

from partition._validation import as_real_array
from partition.engine import EngineRunner, Population, Schedule, bind
from partition.kernels.rbm import (
    CHUNK,
    ais_batched,
    ais_fused,
    gibbs_engine_segment,
    gibbs_engine_smc,
    rbm_increment,
    rbm_init,
    smc_batched,
)
from partition.kernels.rbm import sample_base as sample_base_kernel
from partition.models.base import Runner, sweeps_in_segment, sweeps_in_smc
from partition.transitions import BlockGibbs

#: ``driver="auto"`` runs the fused per-chain driver when ``n_chains * n_visible * n_hidden``
#: is at most this, else the batched GEMM driver. Measured here (4,000 temperatures, 1 and 2
#: threads, 6x4 to 200x50 models, 4 to 400 chains): the batched driver, one block of chains
#: per thread, is 1.2-2.7x faster than the fused one everywhere except the tiniest runs
#: (6x4 with 4 chains on 2 threads, where either takes a few milliseconds).
FUSED_MAX_WORK = 2**8
_SEGMENT = 500  # temperatures per kernel call at most (progress granularity)
_SEGMENT_WORK = 2.0**29  # multiply-adds per kernel call at most (Ctrl-C is checked between)
_CONTROLLER: ThreadpoolController | None = None
_NO_ROWS = np.zeros(0, dtype=np.int64)  # the batched driver's SMC keeps no per-chain rows,
_NO_STATE = np.zeros((0, 0))  # transition state or statistics


def _blas_single_thread():
    """Context limiting BLAS to one thread; the library scan is done once per process."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def base_visible_bias(model, base, data) -> tuple[np.ndarray, str]:
    """Visible biases of the base model (no couplings) from the ``base`` / ``data`` options."""
    from partition.models.rbm import BernoulliRBM

    if data is not None:
        rows = model.validate_states(data, "data")
    if base is None:
        base = "data" if data is not None else "uniform"
    if isinstance(base, str):
        if base == "uniform":
            return np.zeros(model.n_visible), "uniform"
        if base == "data":
            if data is None:
                raise ValueError("base='data' needs data: the training data of the model")
            p = (rows.sum(0) + 1.0) / (rows.shape[0] + 2.0)
            return np.log(p) - np.log1p(-p), f"data (base rates of {rows.shape[0]} rows)"
        raise ValueError(f"base must be 'uniform', 'data', an RBM or biases, got {base!r}")
    if isinstance(base, BernoulliRBM):
        if base.n_visible != model.n_visible:
            raise ValueError(
                f"base has {base.n_visible} visible units, the model {model.n_visible}"
            )
        if np.any(base.weights != 0.0):
            raise ValueError("base must be an RBM with zero weights (an independent model)")
        return np.array(base.visible_bias), "given RBM with zero weights"
    bias = as_real_array(base, "base")  # refuses strings, complex, NaN and inf
    if bias.shape != (model.n_visible,):
        raise ValueError(
            f"base biases must be finite with shape ({model.n_visible},), got {bias.shape}"
        )
    return bias, "given visible biases"


#: Fewest chains in a block of the batched driver. OpenBLAS computes a row of a product with
#: at least 3 rows (and columns padded to a multiple of ``CHUNK``) bit-identically whatever
#: the row count; 1 or 2 rows take other kernels. Checked by the thread-count tests.
MIN_BLOCK_CHAINS = 4


def chain_blocks(n_chains: int, n_threads: int) -> np.ndarray:
    """Bounds ``(n_blocks + 1,)`` cutting ``n_chains`` chains into one near-equal block per
    thread, each of at least ``MIN_BLOCK_CHAINS`` chains (or all of them)."""
    n_blocks = max(1, min(n_threads, n_chains // MIN_BLOCK_CHAINS))
    return np.linspace(0, n_chains, n_blocks + 1).round().astype(np.int64)


def _padded_columns(matrix: np.ndarray, dtype) -> np.ndarray:
    """``matrix`` with zero columns appended up to a multiple of ``CHUNK`` (see above)."""
    rows, cols = matrix.shape
    out = np.zeros((rows, -(-cols // CHUNK) * CHUNK), dtype=dtype)
    out[:, :cols] = matrix
    return out


def segment_length(work_per_temperature: float) -> int:
    """Temperatures per kernel call: at most ``_SEGMENT``, and about ``_SEGMENT_WORK`` work.

    Python checks for Ctrl-C only between kernel calls, so a call must stay short (~0.1 s)
    whatever the model size; the threads meet once per call, so calls should not be tiny.
    """
    return int(max(1, min(_SEGMENT, _SEGMENT_WORK // max(work_per_temperature, 1.0))))


class RBMAnnealingPath:
    """Geometric path from the base model (visible biases ``b_A``, no couplings) to the RBM.

    ``log_z_base = sum softplus(b_A) + n_hidden log 2`` (the hidden units are uniform at
    beta = 0).
    """

    def __init__(self, model, base_bias: np.ndarray, base_label: str, dtype, driver: str,
                 transition=None):  # fmt: skip
        dtype = np.dtype(dtype)
        if dtype not in (np.float64, np.float32):
            raise ValueError(f"dtype must be float64 or float32, got {dtype}")
        if driver not in ("auto", "fused", "batched", "engine", "cuda"):
            raise ValueError(
                f"driver must be 'auto', 'fused', 'batched' or 'engine', got {driver!r}"
            )
        if driver in ("fused", "engine") and dtype != np.float64:
            raise ValueError(f"the {driver} driver computes in float64; use driver='batched'")
        if transition is not None and not isinstance(transition, BlockGibbs):  # a Step
            if driver not in ("auto", "engine"):
                raise ValueError(
                    f"a step of your own runs on the engine driver, not driver={driver!r}"
                )
            if dtype != np.float64:
                raise ValueError("a step of your own runs in float64: leave dtype=float64")
            driver = "engine"
        self.model = model
        self.base_bias = np.ascontiguousarray(base_bias, dtype=np.float64)
        self.base_label = base_label
        self.dtype = dtype
        self.driver = driver
        if transition is None:
            transition = BlockGibbs()
        self.transition = transition
        self._weights_t = np.ascontiguousarray(model.weights.T)
        self.log_z_base = float(_softplus(self.base_bias).sum() + model.n_hidden * math.log(2.0))
        #: The chain count the driver and the segment length are chosen for (a shard of a
        #: sharded run keeps the whole run's: the fused driver's numbers depend on both).
        self._layout_chains: int | None = None

    def for_shards(self, n_chains: int, n_sweeps: int, betas, streams):  # noqa: ARG002
        """This path with the driver and segment length of an ``n_chains`` run, whatever
        the number of chains each shard of it runs."""
        shard = copy.copy(self)
        shard._layout_chains = int(n_chains)
        return shard

    def describe(self) -> dict[str, Any]:
        return {
            "base": self.base_label,
            "log_z_base": self.log_z_base,
            "dtype": self.dtype.name,
            **self.transition.describe(),
        }

    def resolve_driver(self, n_chains: int) -> str:
        if self.driver != "auto":
            return self.driver
        n_chains = self._layout_chains or n_chains
        work = n_chains * self.model.n_visible * self.model.n_hidden
        return "fused" if work <= FUSED_MAX_WORK and self.dtype == np.float64 else "batched"

    def log_f(self, states: np.ndarray, beta: float) -> np.ndarray:
        """``log p*_beta(v) = ((1 - beta) b_A + beta b) . v + sum_j softplus(beta (c + v W)_j)``."""
        m = self.model
        bias = (1.0 - beta) * self.base_bias + beta * m.visible_bias
        act = beta * (states @ m.weights + m.hidden_bias)
        return states @ bias + _softplus(act).sum(1)

    def log_f_function(self, states: np.ndarray):
        """``beta -> log_f(states, beta)`` with the products done once (SMC's search)."""
        from partition.kernels.rbm import softplus_row_sums

        m = self.model
        act = np.ascontiguousarray(states @ m.weights + m.hidden_bias, dtype=np.float64)
        base, model = states @ self.base_bias, states @ m.visible_bias
        hidden = np.empty(act.shape[0])

        def log_f(beta):
            softplus_row_sums(act, float(beta), hidden)
            return (1.0 - beta) * base + beta * model + hidden

        return log_f

    def validate_states(self, states, name: str) -> np.ndarray:
        """Binary visible states ``(n, n_visible)``, the chains' starting points."""
        return self.model.validate_states(states, name)

    @property
    def n_units(self) -> int:
        return self.model.n_visible

    def new_states(self, n_chains: int) -> np.ndarray:
        return np.empty((n_chains, self.model.n_visible), dtype=self.dtype)

    def sample_base(self, states: np.ndarray, streams: np.ndarray) -> None:
        sample_base_kernel(self.base_bias, states, streams)

    def block_gibbs_reference(self, states, beta, uniforms):
        """One block-Gibbs sweep in NumPy from ``n_hidden + n_visible`` uniforms a chain."""
        from scipy.special import expit

        m = self.model
        nh = m.n_hidden
        h = uniforms[:, :nh] < expit(beta * (states @ m.weights + m.hidden_bias))
        logits = (1.0 - beta) * self.base_bias + beta * (m.visible_bias + h @ m.weights.T)
        v = (uniforms[:, nh:] < expit(logits)).astype(np.float64)
        return v, np.ones(states.shape[0])

    def engine_model(self) -> tuple:
        """The model tuple the engine's functions take (:mod:`partition.kernels.rbm`)."""
        m = self.model
        return (m.weights, self._weights_t, m.visible_bias, m.hidden_bias, self.base_bias)

    @contextmanager
    def runner(self, n_chains: int, n_sweeps: int, betas=None):  # noqa: ARG002 - protocol
        """The fused, the batched or the engine's kernel (``driver``; a step of your own
        runs on the engine); the batched one runs with BLAS held
        to one thread, since numba's threads call it on blocks of chains. ``info`` gets
        ``n_steps`` (Gibbs sweeps over all chains) and ``acceptance_rate`` (1: Gibbs)."""
        m = self.model
        driver = self.resolve_driver(n_chains)
        layout = self._layout_chains or n_chains
        length = segment_length(2.0 * layout * m.n_visible * m.n_hidden * n_sweeps)
        info: dict[str, Any] = {"driver": driver}
        tally = {"sweeps": 0}

        def count(betas, transition_at_end, n):
            tally["sweeps"] += sweeps_in_segment(betas, transition_at_end, n_sweeps, n)

        def count_smc(t_start, reached, n):
            tally["sweeps"] += sweeps_in_smc(t_start, reached, n_sweeps, n)

        if driver == "engine":
            t = self.transition
            builtin = isinstance(t, BlockGibbs)
            kernel = gibbs_engine_segment if builtin else bind(rbm_init, rbm_increment, t.step)
            runner = EngineRunner(
                kernel, self.engine_model(), (3, max(m.n_visible, m.n_hidden)), n_chains,
                n_sweeps, 0 if builtin else len(t.stats), 0 if builtin else t.n_chain_state,
                length, info, gibbs_engine_smc if builtin else None,
            )  # fmt: skip
            yield runner
            if builtin:
                info.update(n_steps=runner.n_steps, acceptance_rate=1.0)
            else:
                info.update(runner.report(t))
            return
        if driver == "cuda":
            from partition.kernels.cuda_rbm import DeviceRunner

            device = DeviceRunner(m, self.base_bias, n_chains, self.dtype)

            def advance(betas, transition_at_end, states, streams, log_w):
                device.advance(betas, n_sweeps, transition_at_end, states, streams, log_w)
                count(betas, transition_at_end, states.shape[0])

            yield Runner(advance, length, info, backend=device.backend)
        elif driver == "fused":

            def advance(betas, transition_at_end, states, streams, log_w):
                ais_fused(
                    m.weights, self._weights_t, m.visible_bias, m.hidden_bias, self.base_bias,
                    betas, n_sweeps, transition_at_end, states, streams, log_w,
                )  # fmt: skip
                count(betas, transition_at_end, states.shape[0])

            # SMC on the engine's block Gibbs: the fused driver's draws
            shape = (3, max(m.n_visible, m.n_hidden))
            model = self.engine_model()
            engine = EngineRunner.for_smc(gibbs_engine_smc, model, shape, n_chains, n_sweeps)

            yield Runner(advance, length, info, engine.smc)
            tally["sweeps"] += engine.n_steps
        else:
            bounds = chain_blocks(n_chains, numba.get_num_threads())
            weights = _padded_columns(m.weights, self.dtype)
            weights_t = _padded_columns(m.weights.T, self.dtype)

            def advance(betas, transition_at_end, states, streams, log_w):
                ais_batched(
                    weights, weights_t, m.visible_bias, m.hidden_bias, self.base_bias, betas,
                    n_sweeps, transition_at_end, bounds, states, streams, log_w,
                )  # fmt: skip
                count(betas, transition_at_end, states.shape[0])

            def smc(betas, segment, states, streams, log_w):
                schedule = Schedule(
                    np.asarray(betas, dtype=np.float64)[None, :],
                    np.zeros((1, len(betas))),
                    n_sweeps,
                    True,
                )
                population = Population(states, streams, log_w, _NO_ROWS, _NO_STATE, _NO_STATE)
                reached = int(smc_batched(model, schedule, population, bounds, segment))
                count_smc(segment.t_start, reached, states.shape[0])
                return reached

            model = (weights, weights_t, m.visible_bias, m.hidden_bias, self.base_bias)
            with _blas_single_thread():
                yield Runner(advance, length, info, smc)
        info.update(n_steps=tally["sweeps"], acceptance_rate=1.0)
