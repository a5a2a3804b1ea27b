"""AIS on Ising lattices against Kaufman's exact values; the RBM route agrees."""

import numpy as np
import pytest

import partition as pt
from partition.models.ising import critical_coupling

KC = critical_coupling()


@pytest.mark.parametrize("coupling", [0.3, 0.4, KC])
@pytest.mark.parametrize("transition", ["gibbs", "metropolis"])
def test_ais_16x16_within_reported_error(coupling, transition):
    model = pt.IsingModel.square_lattice(16, coupling=coupling)
    exact = pt.ising_log_z(16, 16, coupling)
    est = pt.ais(model, n_chains=50, schedule=2000, transition=transition, rng=7)
    assert abs(est.log_z - exact) < 4 * est.stderr
    assert est.info["n_colour_classes"] == 2 and est.info["transition"] == transition
    assert est.info["log_z_base"] == pytest.approx(256 * np.log(2))


def test_ais_32x32_critical_within_reported_error():
    model = pt.IsingModel.square_lattice(32, coupling=KC)
    est = pt.ais(model, n_chains=50, schedule=3000, rng=8)
    assert abs(est.log_z - pt.ising_log_z(32, 32, KC)) < 4 * est.stderr


@pytest.mark.slow
@pytest.mark.parametrize("coupling", [0.3, 0.4, KC])
def test_ais_32x32_default_schedule(coupling):
    model = pt.IsingModel.square_lattice(32, coupling=coupling)
    est = pt.ais(model, rng=9)  # 100 chains, the 14,500-step schedule
    assert abs(est.log_z - pt.ising_log_z(32, 32, coupling)) < 4 * est.stderr


def test_ais_through_to_rbm_agrees_with_native():
    model = pt.IsingModel.square_lattice(16, coupling=0.4)
    exact = pt.ising_log_z(16, 16, 0.4)
    native = pt.ais(model, n_chains=100, schedule=2000, rng=1)
    rbm, offset = model.to_rbm()
    via_rbm = pt.ais(rbm, n_chains=100, schedule=2000, rng=2)
    both = np.hypot(native.stderr, via_rbm.stderr)
    assert abs(native.log_z - (via_rbm.log_z + offset)) < 4 * both
    assert abs(via_rbm.log_z + offset - exact) < 4 * via_rbm.stderr


def test_ais_non_lattice_ising_and_reproducibility():
    rng = np.random.default_rng(0)
    dense = np.triu(rng.normal(0, 0.3, (12, 12)) * (rng.random((12, 12)) < 0.4), 1)
    model = pt.IsingModel.from_couplings(dense + dense.T, rng.normal(0, 0.2, 12))
    exact = pt.exact_log_z(model).log_z  # brute force
    a = pt.ais(model, n_chains=40, schedule=500, transition="metropolis", rng=3)
    b = pt.ais(model, n_chains=40, schedule=500, transition="metropolis", rng=3)
    np.testing.assert_array_equal(a.log_weights, b.log_weights)
    assert abs(a.log_z - exact) < 4 * a.stderr


@pytest.mark.parametrize(
    ("model", "kwargs", "match"),
    [
        (pt.IsingModel.ring(6, 0.3), {"transition": "wolff"}, "transition"),
        (pt.BernoulliRBM.random(4, 3, rng=0), {"transition": "metropolis"}, "gibbs"),
    ],
)
def test_bad_input(model, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pt.ais(model, n_chains=4, schedule=10, **kwargs)


@pytest.mark.parametrize(
    "kwargs",
    [{"data": np.zeros((2, 6))}, {"base": "data"}, {"dtype": np.float32}, {"driver": "fused"}],
)
def test_rbm_options_are_refused_by_the_ising_family(kwargs):
    # the RBM family's options are not generic estimator arguments: the Ising path, which
    # has none, refuses each by name (it used to take them only to refuse them)
    (name,) = kwargs
    with pytest.raises(TypeError, match=f"Ising annealing path takes no option '{name}'"):
        pt.ais(pt.IsingModel.ring(6, 0.3), n_chains=4, schedule=10, **kwargs)
    pt.ais(pt.IsingModel.ring(6, 0.3), n_chains=4, schedule=10, **{name: None}, rng=0)
