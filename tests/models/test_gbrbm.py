"""The Gaussian-Bernoulli RBM: exact log Z against quadrature and against an independent
enumeration, exact samples against the exact marginals, the block-Gibbs kernel against its
reference, AIS / reverse AIS / BDMC against the exact value, files and bad input."""

import itertools
import math

import numpy as np
import pytest
from scipy import integrate
from scipy.special import logsumexp

import partition as pt
from partition.kernels._random import seed_streams
from partition.kernels.continuous import stream_uniforms
from partition.transitions import BlockGibbs

SMALL = pt.GaussianBernoulliRBM(
    weights=np.random.default_rng(0).normal(0, 0.7, (5, 4)),
    visible_bias=np.random.default_rng(1).normal(0, 1, 5),
    hidden_bias=np.random.default_rng(2).normal(0, 1, 4),
    sigma=np.array([0.5, 0.8, 1.0, 1.3, 2.0]),
)


def _brute_log_z(model):
    """Enumerate h; the Gaussian integral over v from the energy at its minimiser
    ``v* = b + W h``: ``int exp(-E(v, h)) dv = exp(-E(v*, h)) prod sqrt(2 pi) s_i``."""
    terms = []
    for bits in itertools.product([0.0, 1.0], repeat=model.n_hidden):
        h = np.array(bits)
        v_star = model.visible_bias + model.weights @ h
        terms.append(-model.energy(v_star, h))
    return logsumexp(terms) + np.sum(np.log(np.sqrt(2 * np.pi) * model.sigma))


def test_exact_log_z_matches_an_independent_enumeration():
    for model in (SMALL, pt.GaussianBernoulliRBM.random(7, 9, weight_scale=0.4, rng=5)):
        assert pt.exact_log_z(model).log_z == pytest.approx(_brute_log_z(model), abs=1e-10)


@pytest.mark.parametrize("n_visible", [1, 2])
def test_exact_log_z_matches_quadrature_over_v(n_visible):
    model = pt.GaussianBernoulliRBM.random(n_visible, 3, weight_scale=0.8, sigma=0.7, rng=3)
    centre = model.visible_bias
    width = 12 * model.sigma + np.abs(model.weights).sum(1)
    shift = -model.free_energy(centre[None, :])[0]  # keep the integrand near 1

    def density(*v):
        return math.exp(-model.free_energy(np.array(v)[None, :])[0] - shift)

    if n_visible == 1:
        value, _ = integrate.quad(density, centre[0] - width[0], centre[0] + width[0],
                                  epsabs=0, epsrel=1e-13, limit=200)  # fmt: skip
    else:
        value, _ = integrate.dblquad(
            lambda y, x: density(x, y), centre[0] - width[0], centre[0] + width[0],
            centre[1] - width[1], centre[1] + width[1], epsabs=0, epsrel=1e-12,
        )  # fmt: skip
    assert pt.exact_log_z(model).log_z == pytest.approx(math.log(value) + shift, abs=1e-10)


def test_exact_samples_follow_the_exact_marginals():
    n = 20_000
    v, h = SMALL.sample_joint(n, rng=4)
    log_p = SMALL.hidden_log_marginal()
    states = (np.arange(16)[:, None] >> np.arange(4)) & 1
    p_h = np.exp(log_p)
    mean_h = p_h @ states
    z_h = (h.mean(0) - mean_h) / np.sqrt(mean_h * (1 - mean_h) / n)
    # E[v] = b + W E[h]; Var[v_i] = s_i^2 + Var[(W h)_i]
    wh = states @ SMALL.weights.T
    mean_v = SMALL.visible_bias + p_h @ wh
    var_v = SMALL.sigma**2 + p_h @ (wh**2) - (p_h @ wh) ** 2
    z_v = (v.mean(0) - mean_v) / np.sqrt(var_v / n)
    assert np.max(np.abs(z_h)) < 4 and np.max(np.abs(z_v)) < 4
    # the brute-force marginal: p(h) from the integral of each h's Gaussian
    brute = np.array([-SMALL.energy(SMALL.visible_bias + SMALL.weights @ s, s) for s in states])
    np.testing.assert_allclose(log_p, brute - logsumexp(brute), atol=1e-12)
    assert pt.exact_sample(SMALL, 7, rng=0).shape == (7, 5)


@pytest.mark.parametrize("beta", [0.3, 1.0])
def test_block_gibbs_kernel_matches_its_reference(beta):
    path = SMALL.annealing_path(base="model")
    streams, _ = seed_streams(np.random.default_rng(5), 6)
    states = path.new_states(6)
    path.sample_base(states, streams)
    replay, want = streams.copy(), states.copy()
    for _ in range(3):
        u = stream_uniforms(replay, BlockGibbs().n_uniforms(path))
        want, accept = BlockGibbs().reference(path, want, beta, u)
        log_w = np.zeros(6)
        with path.runner(6, 1, np.array([beta, beta])) as runner:
            runner.advance(np.array([beta, beta]), True, states, streams, log_w)
        np.testing.assert_allclose(states, want, rtol=1e-12, atol=1e-12)
        assert np.all(log_w == 0.0) and np.all(accept == 1.0)
    np.testing.assert_array_equal(streams, replay)


def test_ais_weights_match_the_numpy_path():
    # a few temperatures by hand: each increment is log f_k(x) - log f_{k-1}(x) of the state
    # the kernel held, replayed with the reference sweeps on the same uniforms
    path = SMALL.annealing_path(base="model")
    betas = np.array([0.0, 0.2, 0.5, 1.0])
    streams, _ = seed_streams(np.random.default_rng(6), 4)
    states = path.new_states(4)
    path.sample_base(states, streams)
    replay, x = streams.copy(), states.copy()
    log_w = np.zeros(4)
    with path.runner(4, 1, betas) as runner:
        runner.advance(betas, False, states, streams, log_w)
    want = np.zeros(4)
    for k in range(1, len(betas)):
        want += path.log_f(x, betas[k]) - path.log_f(x, betas[k - 1])
        if k < len(betas) - 1:
            x, _ = BlockGibbs().reference(path, x, betas[k], stream_uniforms(replay, 9))
    np.testing.assert_allclose(log_w, want, rtol=1e-11, atol=1e-11)


def test_ais_reverse_ais_and_bdmc_bracket_the_exact_value():
    exact = pt.exact_log_z(SMALL).log_z
    est = pt.ais(SMALL, n_chains=300, schedule=1000, rng=0)
    assert abs(est.log_z - exact) < 4 * est.stderr
    assert est.info["transition"] == "gibbs" and est.info["n_steps"] == 300 * 999
    up = pt.reverse_ais(SMALL, n_chains=300, schedule=1000, rng=1)
    assert up.info["samples"] == "exact" and abs(up.log_z - exact) < 4 * up.stderr
    b = pt.bdmc(SMALL, n_chains=200, schedule=300, rng=2)
    assert b.lower.log_z - 4 * b.lower.stderr < exact < b.upper.log_z + 4 * b.upper.stderr
    data = SMALL.sample_exactly(500, np.random.default_rng(3))
    from_data = pt.ais(SMALL, n_chains=300, schedule=1000, data=data, rng=4)
    assert from_data.info["base"].startswith("N(data mean")
    assert abs(from_data.log_z - exact) < 4 * from_data.stderr


def test_same_seed_same_weights_at_any_thread_count():
    import numba

    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = pt.ais(SMALL, n_chains=40, schedule=100, rng=7).log_weights
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = pt.ais(SMALL, n_chains=40, schedule=100, rng=7).log_weights
    finally:
        numba.set_num_threads(before)
    np.testing.assert_array_equal(one, two)


def test_log_likelihood_and_evaluate_work_unchanged():
    test = SMALL.sample_exactly(50, np.random.default_rng(8))
    exact = pt.exact_log_z(SMALL).log_z
    ll = pt.log_likelihood(SMALL, test, pt.exact_log_z(SMALL))
    want = np.mean(-SMALL.free_energy(test)) - exact
    assert ll.mean == pytest.approx(want, abs=1e-9)
    ev = pt.evaluate(SMALL, test, n_chains=100, schedule=500, rng=9)
    assert ev.exact is not None and ev.exact.mean == pytest.approx(want, abs=1e-9)
    assert abs(ev.ais.mean - want) < 4 * ev.ais.stderr + 1e-9


def test_files_tell_the_two_kinds_apart(tmp_path):
    gb_path, rbm_path = tmp_path / "gb.npz", tmp_path / "rbm.npz"
    SMALL.save(gb_path)
    pt.BernoulliRBM.random(5, 4, rng=0).save(rbm_path)
    assert pt.load_model(gb_path) == SMALL
    assert isinstance(pt.load_model(rbm_path), pt.BernoulliRBM)
    with pytest.raises(ValueError, match="Gaussian-Bernoulli RBM file"):
        pt.BernoulliRBM.load(gb_path)
    with pytest.raises(ValueError, match="no 'sigma' key: it is a Bernoulli RBM file"):
        pt.GaussianBernoulliRBM.load(rbm_path)
    partial = tmp_path / "partial.npz"
    np.savez(partial, weights=SMALL.weights, sigma=SMALL.sigma)
    with pytest.raises(
        ValueError,
        match=r"lacks the key\(s\) visible_bias, hidden_bias; a "
        r"Gaussian-Bernoulli RBM file needs .*\(found: weights, sigma\)",
    ):
        pt.load_model(partial)


@pytest.mark.parametrize(
    ("make", "error", "match"),
    [
        (lambda: pt.GaussianBernoulliRBM(np.zeros((2, 1)), [0, 0], [0], sigma=0.0), ValueError,
         "sigma must be positive"),
        (lambda: pt.GaussianBernoulliRBM(np.zeros((2, 1)), [0, 0], [0], sigma=-1.0), ValueError,
         "sigma must be positive"),
        (lambda: pt.GaussianBernoulliRBM(np.zeros((2, 1)), [0, 0], [0], sigma=np.inf),
         ValueError, "sigma"),
        (lambda: pt.GaussianBernoulliRBM(np.zeros((2, 1)), [0, 0], [0], sigma=[1, 2, 3]),
         ValueError, r"sigma must be a scalar or have shape \(2,\)"),
        (lambda: pt.GaussianBernoulliRBM(np.zeros((2, 1)), [0, 0, 0], [0]), ValueError,
         "visible_bias must have shape"),
        (lambda: pt.GaussianBernoulliRBM(np.full((2, 1), np.nan), [0, 0], [0]), ValueError,
         "weights"),
        (lambda: SMALL.free_energy(np.full((2, 5), np.nan)), ValueError, "v"),
        (lambda: SMALL.free_energy(np.zeros((2, 4))), ValueError, r"shape \(n, 5\)"),
        (lambda: pt.ais(SMALL, data=np.full((3, 5), np.nan), n_chains=4), ValueError, "data"),
        (lambda: pt.ais(SMALL, base="uniform", n_chains=4), ValueError, "base must be"),
        (lambda: pt.ais(SMALL, transition="metropolis", n_chains=4), ValueError,
         "transition must be"),
        (lambda: pt.exact_log_z(pt.GaussianBernoulliRBM.random(3, 41, rng=0)), ValueError,
         "estimate log Z with pt.ais"),
        (lambda: pt.exact_sample(pt.GaussianBernoulliRBM.random(3, 25, rng=0), 2), ValueError,
         "exact"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make()


def _fitted_to_digits(n_hidden, method, rate):
    train, _ = pt.datasets.digits_continuous()
    fit = pt.fit_rbm(train, n_hidden, visible="gaussian", method=method, n_epochs=30,
                     learning_rate=rate, momentum=0.9, weight_decay=0.0, monitor_every=0,
                     rng=0)  # fmt: skip
    return fit.model, train


def test_default_ais_on_a_gbrbm_fitted_to_the_digits():
    model, _ = _fitted_to_digits(20, "sm", 0.0003)
    exact = pt.exact_log_z(model).log_z
    est = pt.ais(model, rng=1)  # default settings: 100 chains, 14,500 temperatures
    assert abs(est.log_z - exact) < 4 * est.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("n_hidden", "method", "rate"),
                         [(10, "cd", 0.001), (20, "sm", 0.0003), (20, "cd", 0.001)])  # fmt: skip
def test_ais_and_bdmc_on_gbrbms_fitted_to_the_digits(n_hidden, method, rate):
    model, train = _fitted_to_digits(n_hidden, method, rate)
    exact = pt.exact_log_z(model).log_z
    est = pt.ais(model, data=train, rng=3)
    assert abs(est.log_z - exact) < 4 * est.stderr
    b = pt.bdmc(model, rng=2)
    assert b.upper_is_bound
    assert b.lower.log_z - 4 * b.lower.stderr < exact < b.upper.log_z + 4 * b.upper.stderr


def test_raise_and_bridge_work_unchanged():
    test = SMALL.sample_exactly(20, np.random.default_rng(10))
    exact_ll = -SMALL.free_energy(test) - pt.exact_log_z(SMALL).log_z
    raised = pt.raise_log_likelihood(SMALL, test, n_chains=20, schedule=500, rng=11)
    assert abs(raised.mean - exact_ll.mean()) < 4 * raised.stderr + 0.02
    other = pt.GaussianBernoulliRBM(SMALL.weights * 0.8, SMALL.visible_bias, SMALL.hidden_bias,
                                    sigma=SMALL.sigma)  # fmt: skip
    est = pt.bridge(SMALL, other, n_samples=4000, rng=12)
    exact = pt.exact_log_z(other).log_z - pt.exact_log_z(SMALL).log_z
    assert abs(est.log_z - exact) < 4 * est.stderr
    with pytest.raises(ValueError, match="share their states"):
        pt.bridge(SMALL, pt.BernoulliRBM.random(5, 4, rng=0), n_samples=10, rng=0)
