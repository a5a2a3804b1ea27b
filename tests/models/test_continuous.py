"""The continuous family: LogDensity, its kernels against their NumPy references, the
transitions' invariance, AIS accuracy on test systems with exact log Z, and bad input.

Each (transition, density) pair compiles the AIS kernel once per process (numba does not
cache kernels that take functions as arguments), so the default run shares one target.
"""

import math
import warnings

import numba
import numpy as np
import pytest
from scipy import stats

import partition as pt
from partition.engine import Population, Schedule
from partition.estimators.annealing import anneal
from partition.kernels._random import seed_streams, uniform_at
from partition.kernels.continuous import (
    HALF_BIN,
    fill_normals,
    inverse_normal_cdf,
    log_base,
    stream_uniforms,
)
from partition.models.continuous_systems import (
    continuous_systems,
    correlated_gaussian,
    double_well_log_z,
    many_well,
)
from partition.transitions import normals_from_uniforms

TARGET = correlated_gaussian(3, condition=5.0, seed=1)  # shared: one compilation per step
EXACT = TARGET.known_log_z
MEAN, COV = TARGET.info["mean"], TARGET.info["cov"]


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pt.UnreliableEstimateWarning)
        return call(*args, **kwargs)


def test_normals_of_the_streams_are_standard_normal_and_replayable():
    streams, _ = seed_streams(np.random.default_rng(0), 4)
    replay = streams.copy()
    z = np.empty(5000)
    counter = fill_normals(streams[0, 0], streams[0, 1], streams[0, 2], z)
    assert counter == streams[0, 2] + np.uint64(5000)
    # the same uniforms through scipy's inverse normal CDF give the same normals
    u = np.array([uniform_at(replay[0, 0], replay[0, 1], np.uint64(i + 1)) for i in range(5000)])
    np.testing.assert_allclose(normals_from_uniforms(u), z, rtol=1e-14, atol=1e-14)
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_inverse_normal_cdf_matches_scipy_in_every_region():
    # the central region, both tail formulas (r <= 5 and beyond), the region edges and the
    # extreme uniforms 0 and 1 - 2^-53 (shifted to their bins' midpoints)
    p = np.concatenate([
        np.random.default_rng(3).random(20_000),
        [0.075, 0.0749999999, 0.925, 0.9250000001, 0.5, 1e-11, 1e-12, 0.0, 1.0 - 2.0**-53],
        np.logspace(-16, -1, 200), 1.0 - np.logspace(-15, -1, 200),
    ])  # fmt: skip
    u = np.floor(p * 2.0**53) * 2.0**-53  # uniforms as the streams give them: k 2^-53
    z = _normals_of(u)
    q = (u - 0.5) + HALF_BIN  # exact; u + HALF_BIN would round to 1 at the top
    reference = np.where(q < 0, stats.norm.ppf(0.5 + q), -stats.norm.ppf(0.5 - q))
    np.testing.assert_allclose(z, reference, rtol=4e-15, atol=4e-15)
    extremes = _normals_of(np.array([0.0, 1.0 - 2.0**-53]))
    np.testing.assert_allclose(extremes, [-8.2924, 8.2924], atol=1e-4)  # -+Phi^-1(2^-54)
    np.testing.assert_allclose(normals_from_uniforms(u), z, rtol=4e-15, atol=4e-15)


@numba.njit
def _normals_of(u):
    out = np.empty_like(u)
    for i in range(u.shape[0]):
        out[i] = inverse_normal_cdf((u[i] - 0.5) + HALF_BIN)
    return out


@pytest.mark.parametrize(
    "transition",
    [
        pt.transitions.RandomWalk(step_size=0.8, adapt=False),
        pt.transitions.MALA(step_size=0.6, adapt=False),
        pt.transitions.HMC(step_size=0.3, n_leapfrog=4, adapt=False),
    ],
    ids=["rwm", "mala", "hmc"],
)
@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_each_kernel_step_matches_its_numpy_reference(transition, beta):
    path = TARGET.annealing_path(transition=transition)
    n = 64
    streams, _ = seed_streams(np.random.default_rng(1), n)
    x = np.empty((n, 3))
    path.sample_base(x, streams)
    before, replay = x.copy(), streams.copy()
    params = transition.params(3)
    log_w, tallies = np.zeros(n), np.zeros((n, 4))
    schedule = Schedule(np.full((1, 2), beta), np.full((1, 2), transition.step_size), 1, True)
    rows, chain_state = np.zeros(n, dtype=np.int64), np.tile(params, (n, 1))
    population = Population(x, streams, log_w, rows, chain_state, tallies)
    segment_kernel, _ = path.engine_kernels()
    segment_kernel(path.engine_model(), schedule, population, (5, 3))
    u = stream_uniforms(replay, transition.n_uniforms(3))
    want, accept = transition.reference(path._parts, path._grad, before, beta, params, u)
    np.testing.assert_allclose(x, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tallies[:, 0], accept, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(streams, replay)  # the same count of uniforms, in order
    assert 0 < np.mean(np.any(x != before, axis=1)) < 1  # some moved, some stayed
    assert np.all(tallies[:, 3] == transition.gradients_per_step() + transition.needs_gradient)


@pytest.mark.parametrize(
    "transition",
    [pt.transitions.MALA(step_size=0.7, adapt=False),
     pt.transitions.HMC(step_size=0.4, n_leapfrog=5, adapt=False)],
    ids=["mala", "hmc"],
)  # fmt: skip
def test_mala_and_hmc_leave_a_gaussian_invariant(transition):
    # 4,000 exact draws, 25 steps at beta = 1: the moments stay within 4 standard errors
    path = TARGET.annealing_path(transition=transition)
    start = TARGET.sample_exactly(4000, np.random.default_rng(2))
    _, end, info = anneal(
        path, np.ones(26), n_chains=4000, n_sweeps=1, rng=np.random.default_rng(3),
        progress=False, initial=start, transition_at_end=True,
    )  # fmt: skip
    assert 0.3 < info["acceptance_rate"] < 1.0
    assert np.mean(np.any(end != start, axis=1)) > 0.9  # the chains did move
    sd = np.sqrt(np.diag(COV))
    z_mean = (end.mean(0) - MEAN) / (sd / math.sqrt(4000))
    var = end.var(0, ddof=1)
    z_var = (var - np.diag(COV)) / (np.diag(COV) * math.sqrt(2 / 3999))
    assert np.all(np.abs(z_mean) < 4) and np.all(np.abs(z_var) < 4), (z_mean, z_var)


@pytest.mark.parametrize(
    "transition",
    [pt.transitions.RandomWalk(), pt.transitions.MALA(), pt.transitions.HMC(n_leapfrog=5)],
    ids=["rwm", "mala", "hmc"],
)
def test_ais_is_within_4_standard_errors_and_reports_its_cost(transition):
    est = _quiet(pt.ais, TARGET, n_chains=200, schedule=200, transition=transition, rng=4)
    assert abs(est.log_z - EXACT) < 4 * est.stderr
    info = est.info
    assert info["transition"] == transition.name and info["driver"] == "numba"
    # the pilot's aim, or above it: its step sizes are averaged over neighbouring
    # temperatures, which errs towards smaller steps where acceptance falls off a cliff (HMC)
    assert transition.target_accept - 0.15 < info["acceptance_rate"] < 0.9
    steps = 200 * 199
    assert info["n_steps"] == steps
    # every kernel call (segment) starts with one gradient per chain, then each step's own
    from partition.models.continuous import _segment_length

    segments = -(-200 // _segment_length(200))
    assert info["n_gradient_evaluations"] == 200 * segments * transition.needs_gradient + (
        steps * transition.gradients_per_step()
    )
    assert info["step_sizes"].shape == (201,) and np.all(info["step_sizes"] > 0)


def test_same_seed_same_weights_at_1_and_2_threads():
    results = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            results.append(_quiet(pt.ais, TARGET, n_chains=40, schedule=30, rng=5).log_weights)
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(results[0], results[1])


def _vectorized_gaussian():
    """The test Gaussian as a vectorized NumPy density (the references run it)."""
    precision = np.linalg.inv(COV)
    return pt.LogDensity(
        lambda x: -0.5 * np.einsum("ni,ij,nj->n", x - MEAN, precision, x - MEAN),
        lambda x: -(x - MEAN) @ precision,
        dim=3, vectorized=True, log_z=EXACT,
    )  # fmt: skip


def test_a_vectorized_numpy_density_runs_on_the_references():
    target = _vectorized_gaussian()
    est = _quiet(pt.ais, target, n_chains=100, schedule=100, rng=6)
    assert abs(est.log_z - EXACT) < 4 * est.stderr
    assert est.info["driver"] == "vectorized numpy" and est.info["transition"] == "hmc"


@pytest.mark.parametrize("transition", ["rwm", "hmc"])
def test_step_jitter_runs_the_same_in_the_kernel_and_the_references(transition):
    vectorized = _vectorized_gaussian()
    make = {
        "rwm": lambda: pt.transitions.RandomWalk(step_size=0.8, adapt=False, step_jitter=2.0),
        "hmc": lambda: pt.transitions.HMC(step_size=0.4, n_leapfrog=3, adapt=False,
                                          step_jitter=2.0),
    }[transition]  # fmt: skip
    runs = [_quiet(pt.ais, model, n_chains=30, schedule=20, transition=make(), rng=4)
            for model in (TARGET, vectorized)]  # fmt: skip
    np.testing.assert_allclose(runs[0].log_weights, runs[1].log_weights, rtol=1e-9, atol=1e-9)
    still = pt.transitions.HMC(step_size=0.4, n_leapfrog=3, adapt=False)
    plain = _quiet(pt.ais, TARGET, n_chains=30, schedule=20, rng=4, transition=still)
    assert not np.array_equal(plain.log_weights, runs[0].log_weights)
    assert runs[0].info["step_jitter"] == 2.0
    with pytest.raises(ValueError, match="step_jitter must lie in"):
        pt.transitions.HMC(step_jitter=-1.0)


@numba.njit
def _my_step(
    log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params, key, gamma, counter,
    scratch,
):  # fmt: skip
    """A random walk with uniform (box) proposals: written here, outside the package."""
    y = scratch[0]
    for i in range(x.shape[0]):
        y[i] = x[i] + params[0] * (2.0 * uniform_at(key, gamma, counter + np.uint64(i + 1)) - 1.0)
    counter += np.uint64(x.shape[0])
    lp = log_prob(y)
    lb = log_base(y, mean, precision)
    log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])
    counter += np.uint64(1)
    accept = min(1.0, math.exp(min(log_ratio, 0.0)))
    if uniform_at(key, gamma, counter) < accept:
        x[:] = y
        cache[0] = lp
        cache[1] = lb
    return counter, accept, 0


class BoxWalk:
    """The least a transition needs: the step and a few attributes."""

    name = "box walk"
    step = staticmethod(_my_step)
    needs_gradient = False
    step_size = 1.0
    adapt = False

    def params(self, dim):
        return np.array([self.step_size])

    def n_uniforms(self, dim):
        return dim + 1


def test_a_transition_written_outside_the_package_plugs_into_ais():
    est = _quiet(pt.ais, TARGET, n_chains=200, schedule=200, transition=BoxWalk(), rng=7)
    assert abs(est.log_z - EXACT) < 4 * est.stderr
    assert est.info["transition"] == "BoxWalk" and 0.2 < est.info["acceptance_rate"] < 0.95


def test_reverse_ais_bdmc_bridge_and_exact_sample_use_the_exact_sampler():
    transition = pt.transitions.RandomWalk()
    up = _quiet(pt.reverse_ais, TARGET, n_chains=100, schedule=100, transition=transition, rng=8)
    assert up.info["samples"] == "exact" and abs(up.log_z - EXACT) < 4 * up.stderr
    assert pt.exact_sample(TARGET, 7, rng=0).shape == (7, 3)
    assert pt.exact_log_z(TARGET).log_z == EXACT
    other = correlated_gaussian(3, condition=2.0, seed=2)
    diff = pt.bridge(TARGET, other, n_samples=4000, rng=9)
    truth = other.known_log_z - EXACT
    assert abs(diff.log_z - truth) < 4 * diff.stderr
    assert diff.info["samples"] == {"a": "exact", "b": "exact"}


def test_double_well_series_matches_quadrature_and_many_well_sampler():
    from scipy.integrate import quad

    z, _ = quad(lambda x: math.exp(-(x**4) + 6 * x**2 + 0.5 * x), -np.inf, np.inf, epsrel=1e-13)
    assert double_well_log_z() == pytest.approx(math.log(z), abs=1e-12)
    target = many_well(4)
    draws = target.sample_exactly(20_000, np.random.default_rng(0))[:, 0]
    grid = np.linspace(-3.5, 3.5, 7001)
    density = np.exp(-(grid**4) + 6 * grid**2 + 0.5 * grid - double_well_log_z())
    mean, second = np.trapezoid(grid * density, grid), np.trapezoid(grid**2 * density, grid)
    assert abs(draws.mean() - mean) < 4 * math.sqrt((second - mean**2) / draws.size)
    assert np.mean(draws > 0) > 0.5  # the +x/2 tilt favours the right well


def test_three_mode_mixture_is_normalised_with_modes_equally_far_apart():
    from scipy.spatial.distance import pdist

    from partition.models.continuous_systems import gaussian_mixture

    target = gaussian_mixture(6, separation=8.0, n_modes=3)
    draws = target.sample_exactly(30_000, np.random.default_rng(1))
    # importance sampling from a wide normal: an independent route to Z = 1
    gen = np.random.default_rng(2)
    x = 6.0 * gen.standard_normal((400_000, 6))
    log_q = -0.5 * (x**2).sum(1) / 36.0 - 3.0 * math.log(2 * math.pi * 36.0)
    w = np.exp(target.log_unnormalized_prob(x) - log_q)
    assert abs(w.mean() - 1.0) < 4 * w.std() / math.sqrt(w.size)
    # each exact draw labelled by its nearest mode direction; the modes' means s apart
    labels = np.argmax(draws[:, :2] @ np.array([[1, -0.5, -0.5], [0, 0.866, -0.866]]), axis=1)
    means = np.array([draws[labels == k].mean(0) for k in range(3)])
    np.testing.assert_allclose(pdist(means), 8.0, atol=0.1)
    with pytest.raises(ValueError, match="n_modes must be None, or 3"):
        gaussian_mixture(6, n_modes=4)


@pytest.mark.parametrize(
    ("make", "match", "error"),
    [
        (lambda: pt.LogDensity(3.0, dim=2), "log_prob must be callable", TypeError),
        (lambda: pt.LogDensity(lambda x: 0.0, dim=2), "numba-jitted", TypeError),
        (lambda: pt.LogDensity(lambda x: np.zeros(5), dim=2, vectorized=True),
         "one value per point", ValueError),
        (lambda: pt.LogDensity(lambda x: np.full(len(x), np.nan), dim=2, vectorized=True),
         "must be finite or -inf", ValueError),
        (lambda: pt.LogDensity(lambda x: np.zeros(len(x)), lambda x: np.zeros((len(x), 5)),
                               dim=2, vectorized=True), "grad_log_prob must return", ValueError),
        (lambda: pt.LogDensity(lambda x: np.zeros(len(x)), dim=0, vectorized=True), "dim",
         ValueError),
        (lambda: pt.LogDensity(lambda x: np.zeros(len(x)), dim=2, vectorized=True,
                               base=pt.Normal(np.zeros(3))), "base must be", ValueError),
        (lambda: pt.Normal(np.zeros(2), [[1.0, 2.0], [2.0, 1.0]]), "positive definite",
         ValueError),
    ],
)  # fmt: skip
def test_bad_densities_are_refused_when_made(make, match, error):
    with pytest.raises(error, match=match):
        make()


def test_bad_transitions_and_options_are_refused_before_any_run():
    no_grad = pt.LogDensity(lambda x: -0.5 * np.sum(x**2, 1), dim=2, vectorized=True)
    with pytest.raises(ValueError, match="needs grad_log_prob"):
        pt.ais(no_grad, n_chains=4, schedule=5, transition=pt.transitions.HMC())
    with pytest.raises(TypeError, match="transition object"):
        pt.ais(no_grad, n_chains=4, schedule=5, transition="hmc")
    with pytest.raises(TypeError, match="takes no option 'data'"):
        pt.ais(no_grad, n_chains=4, schedule=5, data=np.zeros((3, 2)))
    with pytest.raises(TypeError, match="lacks 'step'"):
        pt.ais(no_grad, n_chains=4, schedule=5, transition=object())
    with pytest.raises(ValueError, match="step_size"):
        pt.transitions.HMC(step_size=-1.0)
    with pytest.raises(ValueError, match="n_leapfrog"):
        pt.transitions.HMC(n_leapfrog=0)
    with pytest.raises(ValueError, match="target_accept"):
        pt.transitions.MALA(target_accept=1.5)
    with pytest.raises(ValueError, match="no exact log Z is known"):
        pt.exact_log_z(no_grad)
    assert no_grad.annealing_path().transition.name == "rwm"  # no gradient: random walk


_FUNNEL_NECK = pytest.mark.xfail(
    strict=True,
    reason="HMC at one step size per temperature cannot enter the funnel's neck: forward AIS "
    "is low by 0.13-0.3 nats with an overconfident stderr (8 of 8 seeds at 1,000 and 5,000 "
    "temperatures); test_bdmc_exposes_the_funnel_neck shows how a user sees it, and "
    "test_step_jitter_lets_hmc_ais_into_the_funnel_neck what reduces it",
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=_FUNNEL_NECK) if n.startswith("funnel") else n
     for n in sorted(continuous_systems())],
)  # fmt: skip
def test_hmc_ais_on_every_continuous_test_system(name):
    target = continuous_systems()[name]
    est = _quiet(pt.ais, target, n_chains=300, schedule=1000,
                 transition=pt.transitions.HMC(n_leapfrog=5), rng=11)  # fmt: skip
    assert abs(est.log_z - target.known_log_z) < 4 * est.stderr, (est.log_z, target.known_log_z)


@pytest.mark.slow
def test_bdmc_sandwich_holds_on_average_over_seeds():
    target = correlated_gaussian(5, condition=20.0, seed=3)
    lows, highs = [], []
    for seed in range(60):  # a short schedule: both biases stand out of the noise
        b = _quiet(pt.bdmc, target, n_chains=20, schedule=10,
                   transition=pt.transitions.HMC(n_leapfrog=3), rng=seed)  # fmt: skip
        lows.append(b.lower.log_z)
        highs.append(b.upper.log_z)
    exact = target.known_log_z
    assert np.mean(lows) < exact < np.mean(highs)
    assert np.mean(np.array(lows) < exact) > 0.7  # forward AIS: mostly below


@pytest.mark.slow
def test_step_jitter_lets_hmc_ais_into_the_funnel_neck():
    # over 12 seeds (benchmark run): mean error -0.176 -> -0.057 nats, |z| < 4 in 7 -> 11;
    # here 6 seeds: the bias at least halves and every run lies within 4 s.e.
    target = continuous_systems()["funnel-10d"]
    errors = {0.0: [], 3.0: []}
    inside = 0
    for jitter, found in errors.items():
        for seed in range(6):
            hmc = pt.transitions.HMC(n_leapfrog=5, step_jitter=jitter)
            est = _quiet(pt.ais, target, n_chains=300, schedule=1000, transition=hmc, rng=seed)
            found.append(est.log_z - target.known_log_z)
            inside += jitter > 0 and abs(found[-1]) < 4 * est.stderr
    assert abs(np.mean(errors[3.0])) < 0.5 * abs(np.mean(errors[0.0]))
    assert inside == 6


@pytest.mark.slow
def test_bdmc_exposes_the_funnel_neck():
    # forward AIS misses the neck and reports a small error; the reverse run, from exact
    # samples (some in the neck), lands above the truth: the sandwich holds and its gap is
    # several times the forward stderr, the warning a user needs
    target = continuous_systems()["funnel-10d"]
    b = _quiet(pt.bdmc, target, n_chains=300, schedule=1000,
               transition=pt.transitions.HMC(n_leapfrog=5), rng=0)  # fmt: skip
    assert b.lower.log_z < target.known_log_z < b.upper.log_z + 4 * b.upper.stderr
    assert b.upper.log_z - b.lower.log_z > 3 * b.lower.stderr


@numba.njit
def _half_normal(x):  # x0 > 0 only, scale 2 along x0: Z = (sqrt(8 pi) / 2) sqrt(2 pi) = 2 pi
    if x[0] <= 0.0:
        return -np.inf
    return -0.5 * (0.25 * x[0] * x[0] + x[1] * x[1])


@pytest.mark.parametrize("estimator", ["ais", "smc"])
def test_a_density_that_is_minus_inf_outside_its_support(estimator):
    """Documented as allowed, yet AIS refused it after the run ('non-finite log weights')
    and SMC failed in scipy (0 * -inf = NaN at beta = 0)."""
    half = pt.LogDensity(_half_normal, dim=2)
    walk = pt.transitions.RandomWalk()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pt.UnreliableEstimateWarning)
        if estimator == "ais":
            est = pt.ais(half, n_chains=400, schedule=200, transition=walk, rng=3)
        else:
            est = pt.smc(half, n_particles=400, transition=walk, rng=3)
    assert np.isneginf(est.log_weights).any() or estimator == "smc"
    assert abs(est.log_z - np.log(2 * np.pi)) < 4 * est.stderr


@pytest.mark.parametrize("seed", [10, 34])
def test_the_tuned_step_sizes_leave_no_temperature_where_hmc_cannot_move(seed):
    # The pilot's one-step-per-temperature adaptation overshot into HMC's unstable region on
    # the wide base of the 3-mode mixture (step sizes 16, 4.4, 8, ... at neighbouring
    # temperatures): at such a temperature every proposal was rejected, which an SMC move
    # shows as weight increments exactly unchanged (correlation 1.0) across the move.
    s = pt.testsystems.get("mixture-6d-3modes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", pt.UnreliableEstimateWarning)
        est = pt.smc(s.model, n_particles=2500, target_ess=0.97, resample_threshold=0.8,
                     rng=seed, **s.options)  # fmt: skip
    assert np.max(est.info["move_autocorrelation"]) < 0.999


def test_a_density_compiles_without_numba_experimental_warnings():
    """The density's functions are constants of its engine kernels, not members of a tuple
    (which numba turns into first-class function values, with a warning to the user)."""

    @numba.njit
    def log_prob(x):
        return -0.5 * np.sum(x * x) - 0.25 * x[0] ** 4

    @numba.njit
    def grad(x):
        g = -x.copy()
        g[0] -= x[0] ** 3
        return g

    density = pt.LogDensity(log_prob, dim=2, grad_log_prob=grad)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        transition = pt.transitions.HMC(n_leapfrog=2)
        pt.ais(density, n_chains=8, schedule=10, transition=transition, rng=1)
        pt.smc(density, n_particles=8, schedule=10, transition=transition, rng=1)
    experimental = [
        w for w in caught if issubclass(w.category, numba.NumbaExperimentalFeatureWarning)
    ]
    assert experimental == []
