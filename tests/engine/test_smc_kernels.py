"""SMC on a fixed schedule in compiled code (:func:`partition.engine.run_smc` and the RBM's
batched driver): the same run, particle for particle, as the sampler stepping from Python
(one kernel call a move, increments from ``path.log_f``), and the same statistics."""

import dataclasses
import warnings
from contextlib import contextmanager

import numba
import numpy as np
import pytest

import partition as pt
from partition.engine import (
    SMC_COLUMNS,
    Population,
    Schedule,
    SMCSegment,
    engine_smc,
    smc_reweight,
)
from partition.estimators.smc import _criterion, _lse, _move_statistics
from partition.models._ising_ais import IsingAnnealingPath
from partition.models._rbm_ais import RBMAnnealingPath
from partition.models.base import Runner
from partition.models.continuous import LogDensityPath
from partition.models.continuous_systems import gaussian_mixture
from partition.models.gbrbm import GBRBMAnnealingPath
from partition.transitions import HMC, MALA, RandomWalk, uniform_at

ISING = pt.IsingModel.square_lattice(6, 6, coupling=0.45)
RBM = pt.BernoulliRBM.random(12, 7, weight_scale=2.0, rng=3)
TINY = pt.BernoulliRBM.random(4, 3, weight_scale=2.0, rng=3)
GBRBM = pt.GaussianBernoulliRBM.random(6, 4, weight_scale=1.5, rng=3)
MIXTURE = gaussian_mixture(2)


@contextmanager
def stepping_from_python(path_class):
    """Runs of ``path_class`` without their compiled SMC: ``partition.smc`` then steps from
    Python, as before the population engine."""
    original = path_class.runner

    @contextmanager
    def runner(self, *args, **kwargs):
        with original(self, *args, **kwargs) as r:
            if isinstance(r, Runner):
                yield dataclasses.replace(r, smc=None)
            else:
                r.smc = None
                yield r

    path_class.runner = runner
    try:
        yield
    finally:
        path_class.runner = original


@numba.njit
def _index_metropolis(
    model, s, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats
):
    indptr, indices, couplings, fields = model[0], model[1], model[2], model[3]
    for i in range(s.shape[0]):
        local = fields[i]
        for p in range(indptr[i], indptr[i + 1]):
            local += couplings[p] * s[indices[p]]
        d_energy = 2.0 * s[i] * local
        counter += np.uint64(1)
        if d_energy <= 0.0 or uniform_at(key, gamma, counter) < np.exp(-beta * d_energy):
            s[i] = -s[i]
            cache[0] += d_energy
            stats[0] += 1.0
    return counter


CASES = {
    "ising heat bath": (ISING, IsingAnnealingPath, {}),
    "ising metropolis, 2 sweeps": (
        ISING,
        IsingAnnealingPath,
        {"transition": "metropolis", "n_sweeps": 2},
    ),
    "ising, a user's step": (
        ISING,
        IsingAnnealingPath,
        {
            "transition": pt.transitions.Step(
                _index_metropolis, name="index-metropolis", stats=("flips",)
            )
        },
    ),
    "rbm batched": (RBM, RBMAnnealingPath, {"driver": "batched"}),
    "rbm batched, 3 sweeps, always resampling": (
        RBM,
        RBMAnnealingPath,
        {"driver": "batched", "n_sweeps": 3, "resample_threshold": 1.0},
    ),
    "rbm engine": (RBM, RBMAnnealingPath, {"driver": "engine"}),
    "rbm fused (a tiny run)": (TINY, RBMAnnealingPath, {"n_particles": 20}),
    "gaussian-bernoulli rbm": (GBRBM, GBRBMAnnealingPath, {}),
    "density, hmc": (MIXTURE, LogDensityPath, {"transition": HMC(n_leapfrog=3)}),
    "density, mala with jitter, 2 steps": (
        MIXTURE,
        LogDensityPath,
        {"transition": MALA(step_jitter=1.0), "n_sweeps": 2},
    ),
    "density, random walk": (MIXTURE, LogDensityPath, {"transition": RandomWalk()}),
}


#: In the default run (each case compiles both loops' kernels, 10-25 s): one case of each
#: compiled loop, the engine's, the batched RBM's and the density's; the rest are slow.
DEFAULT_CASES = ("ising heat bath", "rbm batched", "density, hmc")


@pytest.mark.parametrize(
    "case",
    [c if c in DEFAULT_CASES else pytest.param(c, marks=pytest.mark.slow) for c in CASES],
)
def test_compiled_smc_is_the_python_stepped_run(case):
    model, path_class, options = CASES[case]
    kwargs = {"n_particles": 64, "schedule": 40, "rng": 5, **options}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compiled = pt.smc(model, **kwargs)
        with stepping_from_python(path_class):
            stepped = pt.smc(model, **kwargs)
    a, b = compiled.info, stepped.info
    assert a.get("driver") == b.get("driver") and ("fused" not in case or a["driver"] == "fused")
    # the same particles: the same moves, the same resampling steps, the same unchanged ones
    np.testing.assert_array_equal(a["resampled"], b["resampled"])
    np.testing.assert_array_equal(a["unchanged"], b["unchanged"])
    np.testing.assert_array_equal(a["betas"], b["betas"])
    assert a["n_steps"] == b["n_steps"] > 0
    if "acceptance_rate" in b:
        assert a["acceptance_rate"] == pytest.approx(b["acceptance_rate"], rel=1e-12)
    # the increments come from the kernel instead of path.log_f: equal to rounding
    assert compiled.log_z == pytest.approx(stepped.log_z, abs=1e-11)
    np.testing.assert_allclose(compiled.log_weights, stepped.log_weights, atol=1e-11)
    for key in ("ess", "cess", "move_autocorrelation", "drift"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-9, atol=1e-11, err_msg=key)
    assert a["lag_bias"] == pytest.approx(b["lag_bias"], rel=1e-8, abs=1e-11)
    assert (a["stuck"] is None) == (b["stuck"] is None)
    if b["stuck"] is not None:  # final weight on particles stuck for 8 moves, and its null
        assert a["stuck"] == pytest.approx(b["stuck"], rel=1e-10, abs=1e-14)
    assert a["n_resampling"] > 0 and a["n_temperatures"] == 40


def _reference_row(log_w, inc, pre, moved):
    """The NumPy sampler's statistics of one step: log normaliser, ESS, CESS, move."""
    step = _lse(log_w + inc)
    new = log_w + inc - step
    ess = float(np.exp(-_lse(2.0 * new)) / log_w.size)
    move = _move_statistics(pre, inc, log_w) if moved else (np.nan,) * 3
    return np.array([step, ess, _criterion(log_w, inc, "cess"), *move]), new


@numba.njit
def _reweight(log_w, inc, nxt, same, moved, segment, row):
    return smc_reweight(log_w, inc, nxt, same, moved, segment, row, np.empty((2, log_w.size)))


@pytest.mark.parametrize("moved", [True, False])
def test_the_kernels_step_statistics_are_the_numpy_samplers(moved):
    rng = np.random.default_rng(0)
    n = 50
    log_w = rng.normal(0, 1.5, n)
    log_w -= _lse(log_w)
    log_w[3] = -np.inf  # a particle of zero weight
    inc = rng.normal(0.1, 0.7, n)
    inc[7] = -np.inf  # one that leaves the support
    pre = inc + rng.normal(0, 0.2, n)
    same = rng.random(n) < 0.3
    segment = SMCSegment(
        0, 1, 0.5, pre.copy(), np.ones(n, dtype=np.int64), np.empty((1, len(SMC_COLUMNS)))
    )
    nxt = rng.normal(size=n)
    expected, new = _reference_row(log_w, inc, pre, moved)
    ess = _reweight(log_w, inc, nxt, same, moved, segment, 0)
    np.testing.assert_allclose(segment.table[0, :6], expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(log_w, new, rtol=1e-13, atol=1e-14)
    assert ess == segment.table[0, 1]
    np.testing.assert_array_equal(segment.pre, nxt)  # the next move's "before"
    if moved:
        assert segment.table[0, 6] == same.mean()
        np.testing.assert_array_equal(segment.still, np.where(same, 2, 0))
    else:
        assert np.isnan(segment.table[0, 6]) and np.all(segment.still == 1)


@numba.njit
def _init(model, x, scratch, stats):
    return np.zeros(1)


@numba.njit
def _nan_after_half(model, x, cache, beta_prev, beta, scratch, log_w):
    return log_w + (np.nan if beta > 0.5 else -beta * x[0])


@numba.njit
def _no_move(model, x, cache, beta, tune, key, gamma, counter, scratch, chain_state, stats):
    return counter


def test_a_nan_increment_stops_the_call_and_names_the_temperature():
    n, betas = 6, np.linspace(0.0, 1.0, 5)
    schedule = Schedule(betas[None, :], np.zeros((1, 5)), 1, True)
    log_w = np.full(n, -np.log(n))
    none = np.zeros((n, 0))
    population = Population(
        np.ones((n, 2)),
        np.zeros((n, 3), dtype=np.uint64),
        log_w,
        np.zeros(n, dtype=np.int64),
        none,
        none,
    )
    segment = SMCSegment(
        0, 4, 0.0, np.zeros(n), np.zeros(n, dtype=np.int64), np.empty((4, len(SMC_COLUMNS)))
    )
    reached = engine_smc(
        _init, _nan_after_half, _no_move, (0.0,), schedule, population, (1,), segment
    )
    assert reached == -(2 + 1)  # the increments from betas[2] = 0.5 to 0.75
    assert np.all(np.isfinite(log_w))  # the bad step changed no weight
