"""Linked importance sampling (AIS with bridged steps): unbiased, lower variance, generic."""

import numpy as np
import pytest

import partition as pt


def test_weights_are_unbiased_and_less_spread_than_ais():
    model = pt.BernoulliRBM.random(4, 3, weight_scale=1.0, rng=3)
    betas = np.array([0.0, 0.3, 0.7, 1.0])
    log_z = pt.exact_log_z(model).log_z
    lis = pt.ais(model, n_chains=50_000, schedule=betas, n_sweeps=2, bridges=True, rng=0)
    assert lis.method == "ais (linked bridges)"
    w = np.exp(lis.log_weights - (log_z - lis.info["log_z_base"]))
    assert abs(w.mean() - 1) < 4 * w.std() / np.sqrt(w.size)
    plain = pt.ais(model, n_chains=50_000, schedule=betas, n_sweeps=2, rng=0)
    assert lis.log_weights.var() < 0.8 * plain.log_weights.var()


def test_on_digits_rbm_and_ising():
    rbm = pt.datasets.digits_rbm()
    est = pt.ais(rbm, n_chains=100, schedule=200, n_sweeps=2, bridges=True, rng=1)
    assert abs(est.log_z - pt.exact_log_z(rbm).log_z) < 4 * est.stderr
    ising = pt.IsingModel.square_lattice(6, coupling=0.4)
    est = pt.ais(ising, n_chains=100, schedule=100, n_sweeps=2, bridges=True, rng=2)
    assert abs(est.log_z - pt.ising_log_z(6, 6, 0.4)) < 4 * est.stderr


def test_reproducible():
    rbm = pt.BernoulliRBM.random(8, 4, rng=0)
    a = pt.ais(rbm, n_chains=20, schedule=20, bridges=True, rng=5)
    b = pt.ais(rbm, n_chains=20, schedule=20, bridges=True, rng=5)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"n_sweeps": 0}, "n_sweeps"), ({"n_chains": 1}, "n_chains")]
)
def test_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        pt.ais(pt.BernoulliRBM.random(4, 3, rng=0), bridges=True, **kwargs)
