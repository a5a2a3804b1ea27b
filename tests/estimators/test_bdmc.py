"""Exact sampling, reverse AIS, BDMC, BAR combination and RAISE."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

import partition as pt
from partition.models.ising_exact import ring_log_z
from partition.models.testsystems import all_states, reference_systems


def test_exact_sample_matches_the_marginal():
    for model in (pt.BernoulliRBM.random(5, 3, rng=0), pt.BernoulliRBM.random(3, 6, rng=1)):
        v = pt.exact_sample(model, 100_000, rng=2)
        index = (v @ (1 << np.arange(model.n_visible))).astype(int)
        counts = np.bincount(index, minlength=2**model.n_visible)
        log_p = -model.free_energy(all_states(model.n_visible))
        p = np.exp(log_p - logsumexp(log_p))
        z = (counts - 100_000 * p) / np.sqrt(100_000 * p * (1 - p))
        assert np.max(np.abs(z)) < 4.5


def test_exact_sample_ising_small_and_via_rbm():
    small = pt.IsingModel.square_lattice(3, coupling=0.4, field=0.1)  # 9 spins: enumeration
    s = pt.exact_sample(small, 50_000, rng=0)
    all_s = 2 * all_states(9) - 1
    e = small.energy(all_s)
    p = np.exp(-e - logsumexp(-e))
    assert abs(small.energy(s).mean() - p @ e) < 4 * small.energy(s).std() / np.sqrt(50_000)
    big = pt.IsingModel.square_lattice(6, coupling=0.3, boundary="open")  # 36 spins: via RBM
    s = pt.exact_sample(big, 20_000, rng=1)
    assert set(np.unique(s)) == {-1.0, 1.0}
    # mean energy by exact sampling against d log Z / d beta from the exact log Z
    eps = 1e-5
    lz = [pt.ising_log_z(6, 6, 0.3 * (1 + d), "open") for d in (-eps, eps)]
    mean_energy = -(lz[1] - lz[0]) / (2 * eps)  # dlogZ/dbeta = -<E>, E linear in K
    assert abs(big.energy(s).mean() - mean_energy) < 4 * big.energy(s).std() / np.sqrt(20_000)


def test_exact_sample_of_a_bipartite_ising_over_16_spins_enumerates_one_colour(monkeypatch):
    ring = pt.IsingModel.ring(20, coupling=0.5, field=0.1)
    energy = type(ring).energy

    def counted(self, s):
        assert np.shape(s)[0] < 2**16, "enumerated all 2^20 spin states"
        return energy(self, s)

    monkeypatch.setattr(type(ring), "energy", counted)
    s = pt.exact_sample(ring, 20_000, rng=3)
    eps = 1e-5  # <E> = -d log Z / d beta, E linear in (J, h) together
    lz = [ring_log_z(20, 0.5 * (1 + d), 0.1 * (1 + d)) for d in (-eps, eps)]
    mean_energy = -(lz[1] - lz[0]) / (2 * eps)
    e = ring.energy(s)
    assert abs(e.mean() - mean_energy) < 4 * e.std() / np.sqrt(20_000)


def test_exact_sample_errors():
    with pytest.raises(ValueError, match="exact sampling"):
        pt.exact_sample(pt.BernoulliRBM.random(30, 30, rng=0), 2)
    with pytest.raises(ValueError, match="n must be"):
        pt.exact_sample(pt.BernoulliRBM.random(3, 3, rng=0), 0)
    with pytest.raises(TypeError, match="ExactSampler"):
        pt.exact_sample(object(), 3)


def _transition_matrix(model, base_bias, beta):
    """Exact visible-to-visible block-Gibbs kernel at beta (hidden summed over)."""
    v = all_states(model.n_visible)
    h = all_states(model.n_hidden)
    p_h_given_v = np.prod(
        np.where(h[None], 1, 0) * expit(beta * (v @ model.weights + model.hidden_bias))[:, None]
        + np.where(h[None], 0, 1)
        * (1 - expit(beta * (v @ model.weights + model.hidden_bias)))[:, None],
        axis=2,
    )  # (v, h)
    logits = (1 - beta) * base_bias + beta * (h @ model.weights.T + model.visible_bias)  # (h, nv)
    q = expit(logits)
    p_v_given_h = np.prod(np.where(v[None], q[:, None], 1 - q[:, None]), axis=2)  # (h, v')
    return p_h_given_v @ p_v_given_h


def test_forward_and_reverse_weights_are_unbiased_for_the_ratio():
    model = pt.BernoulliRBM.random(4, 3, weight_scale=1.0, rng=3)
    betas = np.array([0.0, 0.3, 0.7, 1.0])  # short: weights spread, bias visible
    log_z = pt.exact_log_z(model).log_z
    fwd = pt.ais(model, n_chains=200_000, schedule=betas, rng=0)
    rev = pt.reverse_ais(model, n_chains=200_000, schedule=betas, rng=1)
    log_z0 = fwd.info["log_z_base"]
    for weights, ratio in ((fwd.log_weights, log_z - log_z0), (rev.log_weights, log_z0 - log_z)):
        w = np.exp(weights - ratio)  # mean 1 if unbiased
        assert abs(w.mean() - 1) < 4 * w.std() / np.sqrt(w.size)
    # in the exponent the weights are unbiased; in log space each side's bias is Jensen's
    assert fwd.log_weights.mean() < log_z - log_z0 < -rev.log_weights.mean()


def test_raise_is_unbiased_for_the_annealing_model():
    model = pt.BernoulliRBM.random(3, 2, weight_scale=1.5, rng=4)
    base = np.array([0.5, -1.0, 0.2])
    betas = np.array([0.0, 0.4, 0.8, 1.0])
    p0 = np.prod(np.where(all_states(3), expit(base), 1 - expit(base)), axis=1)
    p_ann = p0.copy()
    for beta in betas[1:]:
        p_ann = p_ann @ _transition_matrix(model, base, beta)
    v = all_states(3)
    est = pt.raise_log_likelihood(model, v, n_chains=40_000, schedule=betas, base=base, rng=5)
    z = (np.exp(est.per_example) - p_ann) / (p_ann * est.info["per_example_stderr"])
    assert np.max(np.abs(z)) < 4.5, z
    exact = np.exp(-model.free_energy(v) - pt.exact_log_z(model).log_z)
    assert np.max(np.abs(p_ann - exact)) > 1e-3  # the annealing model differs from the RBM


@pytest.mark.parametrize("system", reference_systems(rng=5)[:5], ids=lambda s: s.name)
def test_sandwich_on_reference_systems_over_seeds(system):
    lows, highs = [], []
    for seed in range(8):
        b = pt.bdmc(system.model, n_chains=50, schedule=200, rng=seed)
        lows.append(b.lower.log_z)
        highs.append(b.upper.log_z)
        assert b.upper.info["exact_samples"]
    lows, highs = np.array(lows), np.array(highs)
    se = lambda x: x.std(ddof=1) / np.sqrt(x.size)  # noqa: E731
    assert lows.mean() <= system.log_z + 3 * se(lows)
    assert highs.mean() >= system.log_z - 3 * se(highs)


def test_sandwich_on_digits_rbm_and_gap_shrinks():
    rbm = pt.datasets.digits_rbm()
    exact = pt.exact_log_z(rbm).log_z
    gaps = []
    for n_temps in (100, 1000):
        b = pt.bdmc(rbm, n_chains=100, schedule=n_temps, rng=n_temps)
        gaps.append(b.gap)
        assert b.lower.log_z - 4 * b.lower.stderr <= exact <= b.upper.log_z + 4 * b.upper.stderr
        assert abs(b.combined.log_z - exact) < 4 * b.combined.stderr
    assert gaps[1] < gaps[0] / 3


def test_sandwich_on_ising_lattice():
    model = pt.IsingModel.square_lattice(6, coupling=0.44)
    exact = pt.ising_log_z(6, 6, 0.44)
    lows, highs = [], []
    for seed in range(12):
        b = pt.bdmc(model, n_chains=50, schedule=10, rng=seed)  # short: the bias shows
        assert b.upper.info["exact_samples"]  # exact samples through the 18 + 18 RBM mapping
        lows.append(b.lower.log_z)
        highs.append(b.upper.log_z)
    lows, highs = np.array(lows), np.array(highs)
    se = lambda x: x.std(ddof=1) / np.sqrt(x.size)  # noqa: E731
    assert lows.mean() + 2 * se(lows) < exact  # forward: clearly below
    assert highs.mean() > exact - 2 * se(highs)  # reverse: not below
    assert highs.mean() > lows.mean()


@pytest.mark.slow
def test_bar_combination_beats_each_side_over_seeds():
    rbm = pt.datasets.digits_rbm()
    exact = pt.exact_log_z(rbm).log_z
    errors = {"lower": [], "upper": [], "combined": []}
    for seed in range(40):
        b = pt.bdmc(rbm, n_chains=50, schedule=300, rng=seed)
        for side in errors:
            errors[side].append(getattr(b, side).log_z - exact)
    rms = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errors.items()}
    assert rms["combined"] <= min(rms["lower"], rms["upper"]), rms


def test_bar_combination_beats_each_side_on_a_few_seeds():
    rbm = pt.BernoulliRBM.random(20, 10, weight_scale=1.0, rng=8)
    exact = pt.exact_log_z(rbm).log_z
    errors = {"lower": [], "upper": [], "combined": []}
    for seed in range(12):
        b = pt.bdmc(rbm, n_chains=40, schedule=100, rng=seed)
        for side in errors:
            errors[side].append(getattr(b, side).log_z - exact)
    rms = {k: float(np.sqrt(np.mean(np.square(v)))) for k, v in errors.items()}
    assert rms["combined"] <= min(rms["lower"], rms["upper"]), rms


def test_raise_is_conservative_and_ais_is_near_exact_on_digits():
    rbm = pt.datasets.digits_rbm()
    _, test = pt.datasets.digits()
    test = test[:60]
    exact = pt.log_likelihood(rbm, test, pt.exact_log_z(rbm)).mean
    raise_means = []
    for seed in range(4):  # a short schedule, where RAISE's conservatism is visible
        r = pt.raise_log_likelihood(rbm, test, n_chains=5, schedule=20, rng=seed)
        raise_means.append(r.mean)
    raise_means = np.array(raise_means)
    assert raise_means.mean() < exact - 3 * raise_means.std(ddof=1) / 2  # below, clearly
    longer = pt.raise_log_likelihood(rbm, test, n_chains=5, schedule=300, rng=9)
    assert raise_means.mean() < longer.mean  # and it closes in as the schedule grows
    ais_ll = pt.log_likelihood(rbm, test, pt.ais(rbm, rng=1))
    assert abs(ais_ll.mean - exact) < 4 * ais_ll.stderr + 0.01


def test_approximate_samples_are_marked():
    rbm = pt.BernoulliRBM.random(40, 40, weight_scale=0.1, rng=0)  # too big to sample exactly
    est = pt.reverse_ais(rbm, n_chains=10, schedule=50, n_burnin=20, rng=0)
    assert not est.info["exact_samples"]
    assert est.info["samples"].startswith("approximate")
    given = pt.reverse_ais(rbm, samples=np.zeros((3, 40)), schedule=50, rng=0)
    assert given.info["samples"] == "given" and given.n_samples == 3


@pytest.mark.parametrize(
    ("call", "err", "match"),
    [
        (lambda m: pt.reverse_ais(m, samples=np.zeros((4, 5))), ValueError, "samples must have 6"),
        (lambda m: pt.reverse_ais(m, samples=np.full((4, 6), 0.5)), ValueError, "binary"),
        (
            lambda m: pt.reverse_ais(m, samples=np.zeros((1, 6)), schedule=10),
            ValueError,
            "at least 2",
        ),
        (lambda m: pt.reverse_ais(m, n_chains=1), ValueError, "n_chains"),
        (lambda m: pt.reverse_ais(m, schedule=[0.0, 0.5]), ValueError, "end at 1"),
        (lambda m: pt.bdmc(m, n_chains=1), ValueError, "n_chains"),
        (lambda m: pt.bdmc(m, schedule=[1.0, 0.0]), ValueError, "start at 0"),
        (lambda m: pt.raise_log_likelihood(m, np.zeros((3, 7))), ValueError, "data must have 6"),
        (lambda m: pt.raise_log_likelihood(m, np.full((3, 6), 2.0)), ValueError, "binary"),
        (
            lambda m: pt.raise_log_likelihood(m, np.zeros((3, 6)), n_chains=1),
            ValueError,
            "n_chains",
        ),
    ],
)
def test_bad_input(call, err, match):
    with pytest.raises(err, match=match):
        call(pt.BernoulliRBM.random(6, 3, rng=0))


def test_ising_reverse_ais_rejects_non_spins():
    model = pt.IsingModel.ring(6, 0.3)
    with pytest.raises(ValueError, match="-1 or \\+1"):
        pt.reverse_ais(model, samples=np.zeros((3, 6)))


def test_a_broken_exact_sampler_fails_before_the_forward_run(monkeypatch):
    """pt.bdmc drew the reverse chains' exact samples only after the whole forward run."""
    import importlib

    import numba

    module = importlib.import_module("partition.estimators.bdmc")  # not the function

    @numba.njit
    def log_prob(x):
        return -0.5 * (x[0] * x[0] + x[1] * x[1])

    def wrong_width(n, rng):
        return rng.normal(size=(n, 3))

    def too_few(n, rng):
        return rng.normal(size=(max(n - 1, 1), 2))

    def forward(*args, **kwargs):
        raise AssertionError("the forward run started")

    monkeypatch.setattr(module, "ais", forward)
    for sampler, match in ((wrong_width, "draws must have shape"), (too_few, "1 draws when asked")):
        target = pt.LogDensity(log_prob, dim=2, sampler=sampler)
        with pytest.raises(ValueError, match=match):
            pt.bdmc(target, n_chains=10, schedule=10, rng=0)
