"""The public family protocols (partition/models/base.py): the built-in families implement
them, and a family written here, outside the package, runs through every estimator."""

import math
from contextlib import contextmanager

import numpy as np
import pytest

import partition as pt
from partition.models.base import (
    AnnealingPath,
    ExactLogZ,
    ExactSampler,
    ModelFamily,
    Runner,
    SegmentRunner,
)


def test_built_in_families_implement_the_protocols():
    rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    ising = pt.IsingModel.square_lattice(4, coupling=0.3)
    for model in (rbm, ising):
        for protocol in (ModelFamily, ExactLogZ, ExactSampler):
            assert isinstance(model, protocol), (model, protocol)
        path = model.annealing_path()
        assert isinstance(path, AnnealingPath)
        with path.runner(4, 1, np.linspace(0, 1, 5)) as runner:
            assert isinstance(runner, SegmentRunner) and runner.segment_length >= 1
    assert rbm.state_shape == (6, 4) and ising.state_shape == (16,)
    assert not pt.BernoulliRBM.random(30, 30, rng=0).can_sample_exactly()
    odd = pt.IsingModel.square_lattice(7, coupling=0.3)  # 49 spins, not bipartite
    assert not odd.can_sample_exactly()
    assert pt.IsingModel.square_lattice(6, coupling=0.3).can_sample_exactly()  # 18 + 18 sites


class Gaussians:
    """Independent Gaussians ``log p*(x) = -tau/2 (x - m)^2`` per coordinate: a family
    written outside the package. The path runs from N(0, 1) and every tempered density is
    Gaussian, so the transition is an exact draw at beta (a valid, if perfect, kernel)."""

    def __init__(self, mean, precision):
        self.mean = np.asarray(mean, float)
        self.precision = np.asarray(precision, float)
        self.state_shape = (self.mean.size,)

    def log_unnormalized_prob(self, x):
        return -0.5 * np.sum(self.precision * (np.asarray(x) - self.mean) ** 2, axis=-1)

    def validate_states(self, states, name):
        arr = np.asarray(states, float)
        if arr.ndim != 2 or arr.shape[1] != self.mean.size:
            raise ValueError(f"{name} must have shape (n, {self.mean.size})")
        return arr

    def annealing_path(self, *, transition=None, **options):
        if transition not in (None, "exact") or options:
            raise ValueError("Gaussians take transition='exact' and no options")
        return GaussianPath(self)

    def compute_exact_log_z(self, *, max_terms, progress):
        d = self.mean.size
        return 0.5 * d * math.log(2 * math.pi) - 0.5 * np.log(self.precision).sum(), {}

    def can_sample_exactly(self):
        return True

    def sample_exactly(self, n, rng):
        return self.mean + rng.normal(size=(n, self.mean.size)) / np.sqrt(self.precision)


class GaussianPath:
    def __init__(self, model):
        self.model = model
        self.n_units = model.mean.size
        self.log_z_base = 0.5 * self.n_units * math.log(2 * math.pi)

    def describe(self):
        return {"base": "N(0, 1)", "log_z_base": self.log_z_base}

    def log_f(self, x, beta):
        base = -0.5 * np.sum(x**2, axis=-1)
        return (1 - beta) * base + beta * self.model.log_unnormalized_prob(x)

    def validate_states(self, states, name):
        return self.model.validate_states(states, name)

    def new_states(self, n_chains):
        return np.empty((n_chains, self.n_units))

    def _draw(self, states, streams, beta):
        # one NumPy generator per chain, keyed by the chain's stream: any thread count
        m = self.model
        precision = (1 - beta) + beta * m.precision
        mean = beta * m.precision * m.mean / precision
        for c in range(states.shape[0]):
            gen = np.random.default_rng([int(streams[c, 0]), int(streams[c, 2])])
            states[c] = mean + gen.normal(size=self.n_units) / np.sqrt(precision)
            streams[c, 2] += np.uint64(1)

    def sample_base(self, states, streams):
        self._draw(states, streams, 0.0)

    @contextmanager
    def runner(self, n_chains, n_sweeps, betas):
        def advance(betas, transition_at_end, states, streams, log_w):
            for k in range(1, len(betas)):
                log_w += self.log_f(states, betas[k]) - self.log_f(states, betas[k - 1])
                if k < len(betas) - 1 or transition_at_end:
                    for _ in range(n_sweeps):
                        self._draw(states, streams, betas[k])

        yield Runner(advance, 100, {"driver": "numpy (a test's own family)"})


def test_a_family_from_outside_the_package_runs_through_every_estimator():
    model = Gaussians([0.5, -1.0, 2.0], [4.0, 0.25, 9.0])
    assert isinstance(model, ModelFamily) and isinstance(model.annealing_path(), AnnealingPath)
    exact = pt.exact_log_z(model)
    assert exact.log_z == pytest.approx(1.5 * math.log(2 * math.pi) - 0.5 * math.log(9.0))
    est = pt.ais(model, n_chains=200, schedule=50, rng=0)
    assert abs(est.log_z - exact.log_z) < 4 * est.stderr
    assert est.info["driver"] == "numpy (a test's own family)" and est.info["base"] == "N(0, 1)"
    up = pt.reverse_ais(model, n_chains=200, schedule=50, rng=1)
    assert up.info["samples"] == "exact" and abs(up.log_z - exact.log_z) < 4 * up.stderr
    bounds = pt.bdmc(model, n_chains=100, schedule=50, rng=2)
    assert bounds.upper_is_bound and abs(bounds.combined.log_z - exact.log_z) < 4 * (
        bounds.combined.stderr + 1e-3
    )
    other = Gaussians([0.0, 0.0, 0.0], [1.0, 1.0, 1.0])
    diff = pt.bridge(other, model, n_samples=4000, rng=3)
    truth = exact.log_z - pt.exact_log_z(other).log_z
    assert abs(diff.log_z - truth) < 4 * diff.stderr
    assert pt.exact_sample(model, 5, rng=4).shape == (5, 3)
    # the same seed gives the same weights; the family's options are its own
    again = pt.ais(model, n_chains=200, schedule=50, rng=0)
    np.testing.assert_array_equal(est.log_weights, again.log_weights)
    with pytest.raises(ValueError, match="no options"):
        pt.ais(model, n_chains=4, schedule=5, data=np.zeros((2, 3)))


def test_evaluate_skips_what_a_family_cannot_do():
    class NoExact(Gaussians):
        compute_exact_log_z = None  # a family without exact log Z (None: not implemented)
        sample_exactly = None

    model = NoExact([0.5, -1.0, 2.0], [4.0, 0.25, 9.0])
    assert not isinstance(model, ExactLogZ) and not isinstance(model, ExactSampler)
    data = Gaussians([0.5, -1.0, 2.0], [4.0, 0.25, 9.0]).sample_exactly(
        20, np.random.default_rng(0)
    )
    ev = pt.evaluate(model, data, n_chains=50, schedule=20, rng=0)
    assert ev.exact is None and ev.bounds is None and np.isfinite(ev.ais.mean)
