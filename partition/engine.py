"""The population engine: one compiled temperature loop for every family and every step.

A *population* of chains is what every annealing estimator drives: states ``(n_chains,
n_units)``, per-chain random streams ``(n_chains, 3)`` (:mod:`partition.kernels._random`),
per-chain rows of a table of inverse temperatures, log weights, per-chain transition state
and per-chain statistics. :func:`run_chain` is the one loop over temperatures: for ``k = 1 ..
len(betas) - 1`` it adds the weight increment ``log f_{beta_k}(x) - log f_{beta_{k-1}}(x)``,
then makes ``n_sweeps`` steps at ``beta_k`` (not after the last temperature unless
``transition_at_end``). It knows nothing about a family: three numba functions supply it.

A *family* supplies two of them, with its ``model``, a tuple of arrays and numbers (Ising:
its neighbour lists; RBM: weights and biases)::

    init(model, x, scratch, stats) -> cache        # the chain's cache at state x
    increment(model, x, cache, beta_prev, beta, scratch, log_w)
        -> log_w + (log f_beta(x) - log f_beta_prev(x))

and a *step* advances one chain by one transition at ``beta``::

    step(model, x, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats)
        -> counter

The increment adds itself to the running ``log_w`` it is given (so a family sums in the
order of its own fused driver, and the rounding matches it). ``x`` (n_units,) is updated in
place and ``cache`` (what the family's ``init`` returned, e.g. the energy of ``x``) must
follow it. ``tune`` is a per-temperature float at ``beta`` (a step size; 0 for the built-in
discrete steps). Random numbers come from the chain's stream ``(key, gamma)`` at indices
``counter + 1, ...``; the step returns the advanced counter.
``scratch`` is the family's per-chain work space, ``chain_state`` the chain's own row of
transition state (kept between calls: a locally adaptive step size), and ``stats`` the
chain's statistics of this call (the step adds to them: accepted moves, flips, gradient
calls; the step names the columns).

Every chain can sit at its own temperatures: ``betas`` is a table ``(n_rows, n_betas)`` and
chain ``c`` walks row ``rows[c]`` (AIS: one row for all chains; parallel tempering: one row
per rung). A call that advances chains at different rows equals, chain for chain, the calls
of one row each.

:func:`engine_segment` runs a whole population with any three functions (compiled per
step: a step written outside the package plugs in here). The built-in families bind their
own steps in cached kernels of a few lines, each a ``prange`` over chains calling
:func:`run_chain` (which is inlined, so the family's functions are resolved at compile time
and the kernel is cached on disk).

SMC on a fixed schedule runs here too (:func:`run_smc`): temperature-major, a ``prange``
over particles at each temperature (each particle's move, then its weight increments), then
the serial reweighting (:func:`smc_reweight`: the ESS, the conditional ESS, the move's
statistics), until the ESS calls for resampling, which the caller does (a kernel call per
resampling instead of a Python step per temperature). Caches are made once per call and
kept by the steps, so a particle's moves are those of :func:`run_chain`.

Every family runs here: Ising models and RBMs (``driver="engine"``, or a step of the user's)
in kernels bound to their own steps, densities (:class:`~partition.LogDensity`) in
``partition.kernels.continuous.density_segment``, whose step calls the density's transition
(a step of that module's signature, the user's included) with its per-chain ``params`` as
the chain's transition state. The batched-GEMM RBM driver and the fused small-RBM and
GB-RBM AIS drivers are specialised runners behind the same interface.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from partition._numba import jit
from partition.kernels._math import exp_neg
from partition.models.base import NUMPY, sweeps_in_segment, sweeps_in_smc

__all__ = [
    "SMC_COLUMNS",
    "EngineRunner",
    "Population",
    "SMCSegment",
    "Schedule",
    "bind",
    "engine_segment",
    "engine_smc",
    "run_chain",
    "run_smc",
    "smc_reweight",
]


class Schedule(NamedTuple):
    """Where a segment takes the chains: numba takes it as one argument."""

    #: ``(n_rows, n_betas)``: chain ``c`` walks row ``Population.rows[c]``.
    betas: np.ndarray
    #: ``(n_rows, n_betas)``: the per-temperature float each step receives (``tune``).
    tunes: np.ndarray
    #: Steps at each temperature.
    n_sweeps: int
    #: Whether the segment's last temperature gets its steps too.
    transition_at_end: bool


class Population(NamedTuple):
    """The chains a segment moves, every array with a row per chain (updated in place)."""

    #: ``(n_chains, n_units)``.
    states: np.ndarray
    #: ``(n_chains, 3)`` uint64: each chain's ``(key, gamma, counter)``.
    streams: np.ndarray
    #: ``(n_chains,)``: the segment's increments are added.
    log_w: np.ndarray
    #: ``(n_chains,)`` int64: each chain's row of ``Schedule.betas``.
    rows: np.ndarray
    #: ``(n_chains, n_chain_state)``: each chain's transition state, kept between calls.
    chain_state: np.ndarray
    #: ``(n_chains, n_stats)``: each chain's step statistics, summed over calls.
    stats: np.ndarray


#: The columns of :attr:`SMCSegment.table`, a row per temperature an SMC call reaches: the
#: step's log normaliser ``log sum_i W_i w_i`` (its share of log Z), the ESS and conditional
#: ESS as fractions of the particles, and, for the move made at the temperature the step
#: left (NaN at the base), the weighted correlation of the next weight increment before and
#: after the move, the shift of its weighted mean and that shift's standard error, and the
#: fraction of the particles the move left unchanged (:func:`partition.smc` documents each).
SMC_COLUMNS = (
    "log_normaliser",
    "ess",
    "cess",
    "move_correlation",
    "drift",
    "drift_stderr",
    "unchanged",
)


#: Particles are moved in this many blocks at most (each a ``prange`` task with its own work
#: space); which block a particle is in changes no number.
SMC_BLOCKS = 256


class SMCSegment(NamedTuple):
    """What an SMC call (:func:`run_smc`) starts from and records: the sampler's own
    per-particle arrays beside the population."""

    #: The temperature index the particles are at (reweighted to ``betas[t_start]``, and
    #: resampled if due): the call moves them there first, unless at the base (0).
    t_start: int
    #: The call stops at this temperature index at the latest.
    t_stop: int
    #: Resample when the ESS falls below this fraction of the particles: the call stops at
    #: the first temperature (below ``beta = 1``) where it does.
    threshold: float
    #: ``(n,)``: each particle's weight increment to the next temperature, taken before its
    #: move (the mixing checks' "before"); written by the call, permuted with the particles.
    pre: np.ndarray
    #: ``(n,)`` int64: moves in a row that left each particle unchanged.
    still: np.ndarray
    #: ``(t_stop - t_start, len(SMC_COLUMNS))``: a row per temperature reached.
    table: np.ndarray


@jit(inline="always")
def run_chain(init, increment, step, model, schedule, population, c, scratch_shape):
    """Chain ``c`` of ``population`` through its row of ``schedule``; returns the
    log-weight increment and the chain's statistics of the call (its stream's counter is
    advanced in place)."""
    x = population.states[c]
    stream = population.streams[c]
    chain_state = population.chain_state[c]
    r = population.rows[c]
    betas = schedule.betas[r]
    tunes = schedule.tunes[r]
    key = stream[0]
    gamma = stream[1]
    counter = stream[2]
    scratch = np.empty(scratch_shape)
    stats = np.zeros(population.stats.shape[1])
    cache = init(model, x, scratch, stats)
    n_betas = betas.shape[0]
    total = 0.0
    for k in range(1, n_betas):
        total = increment(model, x, cache, betas[k - 1], betas[k], scratch, total)
        if k == n_betas - 1 and not schedule.transition_at_end:
            break
        for _ in range(schedule.n_sweeps):
            counter = step(
                model, x, cache, betas[k], tunes[k], key, gamma, counter, scratch, chain_state,
                stats,
            )  # fmt: skip
    stream[2] = counter
    return total, stats


@numba.njit(parallel=True, nogil=True, error_model="numpy")
def engine_segment(init, increment, step, model, schedule, population, scratch_shape):
    """A segment for every chain of the population (one ``prange`` task per chain): its
    increment is added to ``population.log_w[c]`` and its statistics to
    ``population.stats[c]``. Compiled per ``(init, increment, step)`` and not cached on
    disk (numba does not cache functions passed as arguments)."""
    log_w = population.log_w
    stats = population.stats
    for c in numba.prange(population.states.shape[0]):
        total, s = run_chain(init, increment, step, model, schedule, population, c, scratch_shape)
        log_w[c] += total
        for i in range(s.shape[0]):
            stats[c, i] += s[i]


@jit(inline="always")
def _move_statistics(before, after, log_w, w, row):
    """``row[3:6]``: the weighted correlation of ``before`` and ``after`` (1 when either is
    constant), the shift of their weighted mean and its standard error, over the particles
    where all three are finite, under the normalised weights ``exp(log_w)``; NaN when fewer
    than 2 count (``partition.estimators.smc``'s NumPy version, which the adaptive sampler
    uses, in loops). ``w`` is work space."""
    n = before.shape[0]
    top = -np.inf
    count = 0
    for c in range(n):
        if np.isfinite(before[c]) and np.isfinite(after[c]) and np.isfinite(log_w[c]):
            count += 1
            top = max(top, log_w[c])
            w[c] = 1.0
        else:
            w[c] = 0.0
    if count < 2:
        row[3] = np.nan
        row[4] = np.nan
        row[5] = np.nan
        return
    for c in range(n):  # branch-free, so that it vectorises; the sums stay in order
        w[c] = exp_neg(top - log_w[c]) if w[c] > 0.0 else 0.0
    total = 0.0
    for c in range(n):
        if w[c] > 0.0:
            total += w[c]
    mean_a = 0.0
    mean_b = 0.0
    sum_w2 = 0.0
    for c in range(n):
        if w[c] > 0.0:
            w[c] /= total
            mean_a += w[c] * before[c]
            mean_b += w[c] * after[c]
            sum_w2 += w[c] * w[c]
    var_a = 0.0
    var_b = 0.0
    cov = 0.0
    spread = 0.0
    shift = mean_b - mean_a
    for c in range(n):
        if w[c] > 0.0:
            da = before[c] - mean_a
            db = after[c] - mean_b
            var_a += w[c] * da * da
            var_b += w[c] * db * db
            cov += w[c] * da * db
            d = after[c] - before[c] - shift
            spread += w[c] * d * d
    rho = 1.0
    if var_a > 0.0 and var_b > 0.0:
        rho = min(max(cov / np.sqrt(var_a * var_b), -1.0), 1.0)
    row[3] = rho
    row[4] = shift
    row[5] = np.sqrt(spread * sum_w2)


@jit(inline="always")
def smc_reweight(log_w, inc, nxt, same, moved, segment, row, work):
    """SMC's serial part at one temperature, after every particle's increment ``inc`` (and
    ``nxt``, its increment to the temperature after, before its next move): the move's
    statistics (when the particles ``moved`` there: ``same`` flags the ones it left as they
    were), the conditional ESS, the normalised weights ``log_w``, the ESS; row ``row`` of
    ``segment.table``. Returns the ESS fraction, or -1 when an increment is NaN or +inf or
    all are -inf (nothing is changed then). ``work`` (2, n) is work space."""
    n = log_w.shape[0]
    w = work[0]
    w_2 = work[1]
    any_weight = False
    for c in range(n):
        if np.isnan(inc[c]) or inc[c] == np.inf:
            return -1.0
        if inc[c] != -np.inf:
            any_weight = True
    if not any_weight:
        return -1.0
    # the record's arrays are taken out once: an attribute read in a loop costs a reference
    # count update each time (a third of this function's time)
    table = segment.table
    pre = segment.pre
    still = segment.still
    if moved:
        _move_statistics(pre, inc, log_w, w, table[row])
        unchanged = 0
        for c in range(n):
            if same[c]:
                unchanged += 1
                still[c] += 1
            else:
                still[c] = 0
        table[row, 6] = unchanged / n
    else:
        for i in range(3, 7):
            table[row, i] = np.nan
    top = -np.inf
    top_2 = -np.inf
    for c in range(n):
        top = max(top, log_w[c] + inc[c])
        top_2 = max(top_2, log_w[c] + 2.0 * inc[c])
    # exp_neg(inf) is 3e-308, not 0: zero weights are kept zero. The exponentials are taken
    # in loops of their own, one array each, which LLVM vectorises (together in one loop,
    # they do not); the sums stay in order
    for c in range(n):
        a = log_w[c] + inc[c]
        w[c] = exp_neg(top - a) if a != -np.inf else 0.0
    for c in range(n):
        a = log_w[c] + inc[c]
        w_2[c] = exp_neg(top_2 - a - inc[c]) if a != -np.inf else 0.0
    s = 0.0
    s_2 = 0.0
    for c in range(n):
        s += w[c]
        s_2 += w_2[c]
    step = top + np.log(s)
    squares = 0.0
    for c in range(n):
        log_w[c] = log_w[c] + inc[c] - step
        squares += w[c] * w[c]
        pre[c] = nxt[c]
    ess = s * s / squares / n  # 1 / sum_i W_i^2 with W_i = w_i / s
    table[row, 0] = step
    table[row, 1] = ess
    table[row, 2] = np.exp(2.0 * step - (top_2 + np.log(s_2)))
    return ess


@jit(inline="always")
def smc_close(log_w, inc, nxt, same, moved, segment, t, beta_next, work):
    """The end of SMC's step ``t`` (:func:`smc_reweight`): ``(t + 1, stop)``, ``stop`` when
    the ESS calls for resampling below ``beta = 1``; ``(-(t + 1), True)`` when the
    increments were NaN, +inf or all -inf."""
    ess = smc_reweight(log_w, inc, nxt, same, moved, segment, t - segment.t_start, work)
    if ess < 0.0:
        return -(t + 1), True
    return t + 1, beta_next < 1.0 and ess < segment.threshold


@jit(inline="always")
def smc_arrays(n):
    """An SMC call's per-particle work arrays: increments, the next increments (the next
    move's "before"), the moves' unchanged flags, and :func:`smc_reweight`'s work space."""
    return np.empty(n), np.zeros(n), np.zeros(n, dtype=np.bool_), np.empty((2, n))


@jit(inline="always")
def smc_temperatures(betas, t):
    """SMC's step ``t``: where it moves (``betas[t]``, unless at the base), where its
    increment goes, where the next one goes (the last temperature again at the end), and
    whether there is a next."""
    beta_next = betas[t + 1]
    has_after = t + 2 < betas.shape[0]
    return betas[t], beta_next, betas[t + 2] if has_after else beta_next, has_after


@jit(inline="always")
def run_smc(init, increment, step, model, schedule, population, scratch_shape, segment):
    """A stretch of SMC on a fixed schedule (row 0 of ``schedule.betas``): from temperature
    ``segment.t_start``, every particle is moved there (``n_sweeps`` steps; not at the base),
    then its increments to the next temperature and the one after are taken, then the
    weights are updated (:func:`smc_reweight`); until the ESS calls for resampling or
    ``segment.t_stop``. Returns the temperature index reached (the caller resamples there),
    or ``-(t + 1)`` when the increments from temperature ``t`` were NaN, +inf or all -inf.

    Temperature-major: one ``prange`` over particles per temperature. Each particle's cache
    is made once per call (``init``) and kept by its steps; a particle's steps and stream
    are those of :func:`run_chain`, so its moves are the AIS kernel's."""
    betas = schedule.betas[0]
    tunes = schedule.tunes[0]
    states = population.states
    n, n_units = states.shape
    if n == 0:
        return segment.t_start
    probe = init(model, states[0], np.empty(scratch_shape), np.zeros(population.stats.shape[1]))
    caches = np.empty((n, probe.shape[0]))
    for c in numba.prange(n):
        caches[c, :] = init(model, states[c], np.empty(scratch_shape), population.stats[c])
    inc, nxt, same, work = smc_arrays(n)
    before = np.empty((n, n_units), dtype=states.dtype)
    # work space per block of particles, made once per call: one per particle and
    # temperature cost as much as the serial reweighting (the GB-RBM at 2 threads)
    n_blocks = min(n, SMC_BLOCKS)
    scratches = np.empty((n_blocks, *scratch_shape))
    t = segment.t_start
    while t < segment.t_stop:
        moved = t > 0
        beta, beta_next, beta_after, has_after = smc_temperatures(betas, t)
        for b in numba.prange(n_blocks):
            scratch = scratches[b]
            for c in range(b * n // n_blocks, (b + 1) * n // n_blocks):
                x = states[c]
                cache = caches[c]
                if moved:
                    stream = population.streams[c]
                    before[c, :] = x
                    counter = stream[2]
                    for _ in range(schedule.n_sweeps):
                        counter = step(
                            model,
                            x,
                            cache,
                            beta,
                            tunes[t],
                            stream[0],
                            stream[1],
                            counter,
                            scratch,
                            population.chain_state[c],
                            population.stats[c],
                        )
                    stream[2] = counter
                    unchanged = True
                    for i in range(n_units):
                        if x[i] != before[c, i]:
                            unchanged = False
                            break
                    same[c] = unchanged
                inc[c] = increment(model, x, cache, beta, beta_next, scratch, 0.0)
                if has_after:
                    nxt[c] = increment(model, x, cache, beta_next, beta_after, scratch, 0.0)
        t, stop = smc_close(population.log_w, inc, nxt, same, moved, segment, t, beta_next, work)
        if stop:
            return t
    return t


@numba.njit(parallel=True, nogil=True, error_model="numpy")
def engine_smc(init, increment, step, model, schedule, population, scratch_shape, segment):
    """:func:`run_smc` with any three functions (compiled per step, not cached on disk)."""
    return run_smc(init, increment, step, model, schedule, population, scratch_shape, segment)


def bind(init, increment, step):
    """A kernel with the signature of the families' cached ones, ``kernel(model, schedule,
    population, scratch_shape)``, running :func:`engine_segment` with these functions (a
    step given by the user); its ``smc`` attribute is the SMC kernel (:func:`engine_smc`)
    with the same functions."""

    def kernel(model, schedule, population, scratch_shape):
        engine_segment(init, increment, step, model, schedule, population, scratch_shape)

    def smc_kernel(model, schedule, population, scratch_shape, segment):
        return engine_smc(
            init, increment, step, model, schedule, population, scratch_shape, segment
        )

    kernel.smc = smc_kernel
    return kernel


class EngineRunner:
    """A :class:`~partition.models.base.SegmentRunner` on the engine: every chain walks the
    segment's temperatures (one row), with its transition state and statistics kept here
    for the whole run.

    ``kernel`` is a family's cached kernel or :func:`partition.engine.bind`'s; ``stats``
    (``(n_chains, n_stats)``) and ``chain_state`` (``(n_chains, n_chain_state)``, zeros at
    the start) are summed over and carried through the run's calls; ``n_steps`` counts the
    steps made over all chains. ``smc_kernel`` (default: ``kernel.smc``, which
    :func:`bind`'s kernels have) runs :meth:`smc`; without one ``smc`` is None and
    :func:`partition.smc` steps from Python. Chain state and statistics stay with the
    particle slot (as streams do) when SMC resamples.
    """

    #: The engine's arrays are NumPy arrays in this process.
    backend = NUMPY

    def __init__(
        self,
        kernel,
        model,
        scratch_shape,
        n_chains: int,
        n_sweeps: int,
        n_stats: int,
        n_chain_state: int,
        segment_length: int,
        info: dict,
        smc_kernel=None,
        chain_state=None,
    ):
        self.kernel = kernel
        self.smc_kernel = smc_kernel if smc_kernel is not None else getattr(kernel, "smc", None)
        if self.smc_kernel is None:
            self.smc = None  # SMC then steps from Python (partition.smc checks)
        self.model = model
        self.scratch_shape = tuple(int(n) for n in scratch_shape)
        self.n_sweeps = int(n_sweeps)
        self.stats = np.zeros((n_chains, n_stats))
        self.chain_state = np.zeros((n_chains, n_chain_state))
        if chain_state is not None:  # every chain's transition state starts as this row
            self.chain_state[:] = chain_state
        self.rows = np.zeros(n_chains, dtype=np.int64)
        self.segment_length = segment_length
        self.info = info
        self.n_steps = 0

    @classmethod
    def for_smc(cls, smc_kernel, model, scratch_shape, n_chains: int, n_sweeps: int):
        """A runner for SMC alone (:meth:`smc`, with ``smc_kernel``), beside a family's
        fused AIS driver: no statistics, no transition state, no :meth:`advance`."""
        return cls(None, model, scratch_shape, n_chains, n_sweeps, 0, 0, 1, {}, smc_kernel)

    def report(self, transition) -> dict:
        """What a run with a user's :class:`~partition.transitions.Step` puts in ``info``:
        ``n_steps``, the step's own ``report`` of its statistics, and ``chain_state`` when
        it keeps any."""
        out = {"n_steps": self.n_steps, **transition.report(self.stats, self.n_steps)}
        if self.chain_state.shape[1]:
            out["chain_state"] = self.chain_state
        return out

    def advance(self, betas, transition_at_end, states, streams, log_w, tunes=None) -> None:
        """The segment ``betas`` for every chain (the annealing driver's call; ``tunes``, a
        value per temperature, as :meth:`advance_rows`'s)."""
        n = states.shape[0]
        table = np.asarray(betas, dtype=np.float64)[None, :]
        tunes = None if tunes is None else np.asarray(tunes, dtype=np.float64)[None, :]
        self.advance_rows(table, self.rows[:n], transition_at_end, states, streams, log_w, tunes)

    def advance_rows(
        self, table, rows, transition_at_end, states, streams, log_w, tunes=None
    ) -> None:
        """Chain ``c`` through row ``rows[c]`` of the temperature table ``(n_rows,
        n_betas)``: chains at their own temperatures in one kernel call (parallel
        tempering's rounds; equal, chain for chain, to one call per row). ``tunes`` (the
        table's shape; zeros by default) is what each step receives as ``tune``."""
        table = np.ascontiguousarray(table, dtype=np.float64)
        tunes = np.zeros(table.shape) if tunes is None else np.ascontiguousarray(tunes, "f8")
        if tunes.shape != table.shape:
            raise ValueError(f"tunes must have the table's shape {table.shape}, got {tunes.shape}")
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        n = states.shape[0]
        if table.ndim != 2 or rows.shape != (n,) or np.any((rows < 0) | (rows >= len(table))):
            raise ValueError("rows must give each chain a row of the (n_rows, n_betas) table")
        schedule = Schedule(table, tunes, self.n_sweeps, bool(transition_at_end))
        population = Population(states, streams, log_w, rows, self.chain_state[:n], self.stats[:n])
        self.kernel(self.model, schedule, population, self.scratch_shape)
        self.n_steps += sweeps_in_segment(table[0], transition_at_end, self.n_sweeps, n)

    def smc(self, betas, segment: SMCSegment, states, streams, log_w, tunes=None) -> int:
        """SMC on the fixed schedule ``betas`` from ``segment.t_start`` (:func:`run_smc`;
        ``tunes`` as :meth:`advance_rows`'s, a value per temperature): the temperature index
        reached, or ``-(t + 1)`` on NaN or infinite increments."""
        table = np.ascontiguousarray(betas, dtype=np.float64)[None, :]
        n = states.shape[0]
        tunes = np.zeros(table.shape) if tunes is None else np.asarray(tunes, "f8")[None, :]
        schedule = Schedule(table, np.ascontiguousarray(tunes), self.n_sweeps, True)
        population = Population(
            states, streams, log_w, self.rows[:n], self.chain_state[:n], self.stats[:n]
        )
        reached = int(
            self.smc_kernel(self.model, schedule, population, self.scratch_shape, segment)
        )
        self.n_steps += sweeps_in_smc(segment.t_start, reached, self.n_sweeps, n)
        return reached
