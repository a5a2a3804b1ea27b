"""Exact log Z: brute force, closed forms, symmetry, extreme weights, limits, threads."""

import time

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import logsumexp

import partition as pt
from partition.models.rbm import enumerate_log_z
from partition.models.testsystems import (
    all_states,
    brute_force_log_z,
    independent_spins,
    ising_ring,
    reference_systems,
    zero_weights_rbm,
)


def swapped(model):
    return pt.BernoulliRBM(model.weights.T, model.hidden_bias, model.visible_bias)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    n_visible=st.integers(1, 10),
    n_hidden=st.integers(1, 10),
    scale=st.floats(0.01, 3.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_equals_joint_brute_force(n_visible, n_hidden, scale, seed):
    model = pt.BernoulliRBM.random(n_visible, n_hidden, weight_scale=scale, rng=seed)
    want = brute_force_log_z(model)
    got = pt.exact_log_z(model).log_z
    assert abs(got - want) <= 1e-10 * abs(want)


@pytest.mark.parametrize("system", reference_systems(rng=11), ids=lambda s: s.name)
def test_reference_systems(system):
    assert pt.exact_log_z(system.model).log_z == pytest.approx(system.log_z, rel=1e-12)


@pytest.mark.parametrize(("n", "j", "h"), [(4, 0.1, 0.0), (10, -0.7, 0.3), (24, 1.2, -0.5)])
def test_ising_ring_closed_form(n, j, h):
    system = ising_ring(n, j, h)
    assert pt.exact_log_z(system.model).log_z + system.offset == pytest.approx(
        system.physical_log_z, rel=1e-12
    )
    # and against a direct sum over the 2^n spin configurations
    if n <= 10:
        s = 2 * all_states(n) - 1
        neg_e = j * (s * np.roll(s, -1, axis=1)).sum(1) + h * s.sum(1)
        assert logsumexp(neg_e) == pytest.approx(system.physical_log_z, rel=1e-12)


def test_closed_forms_at_larger_sizes():
    system = zero_weights_rbm(200, 25, rng=2)
    assert pt.exact_log_z(system.model).log_z == pytest.approx(system.log_z, rel=1e-12)
    spins = independent_spins(np.linspace(-2, 2, 30), np.linspace(-1, 3, 22))
    assert pt.exact_log_z(spins.model).log_z == pytest.approx(spins.log_z, rel=1e-12)


@pytest.mark.parametrize(("n_visible", "n_hidden"), [(3, 9), (9, 3), (14, 14), (40, 18)])
def test_symmetric_under_swapping_layers(n_visible, n_hidden):
    model = pt.BernoulliRBM.random(n_visible, n_hidden, weight_scale=0.8, rng=n_visible)
    a = pt.exact_log_z(model)
    b = pt.exact_log_z(swapped(model))
    assert a.log_z == pytest.approx(b.log_z, rel=1e-12)
    assert a.info["enumerated_layer"] == ("hidden" if n_hidden <= n_visible else "visible")
    if max(n_visible, n_hidden) <= 14:  # enumerating the larger layer gives the same number
        other = "visible" if a.info["enumerated_layer"] == "hidden" else "hidden"
        c, _ = enumerate_log_z(model, layer=other)
        assert c == pytest.approx(a.log_z, rel=1e-11)


@pytest.mark.parametrize("magnitude", [50.0, 200.0])
def test_finite_and_exact_with_huge_weights(magnitude):
    rng = np.random.default_rng(int(magnitude))
    w = magnitude * rng.choice([-1.0, 1.0], size=(10, 9)) * rng.uniform(0.5, 1.0, (10, 9))
    model = pt.BernoulliRBM(w, rng.normal(0, magnitude, 10), rng.normal(0, magnitude, 9))
    est = pt.exact_log_z(model)
    assert np.isfinite(est.log_z)
    assert est.log_z == pytest.approx(brute_force_log_z(model), rel=1e-12)


@pytest.mark.parametrize("scale", [0.05, 1.0, 4.0])
def test_forced_modes_agree(scale):
    model = pt.BernoulliRBM.random(40, 11, weight_scale=scale, rng=5)
    add, info_add = enumerate_log_z(model, mode="additive")
    mul, info_mul = enumerate_log_z(model, mode="multiplicative")
    assert (info_add["mode"], info_mul["mode"]) == ("additive", "multiplicative")
    assert add == pytest.approx(mul, rel=1e-12)
    with pytest.raises(ValueError, match="mode"):
        enumerate_log_z(model, mode="fast")
    huge = pt.BernoulliRBM(np.full((40, 11), 100.0), model.visible_bias, model.hidden_bias)
    with pytest.raises(ValueError, match="multiplicative"):
        enumerate_log_z(huge, mode="multiplicative")


def test_both_element_modes_are_exercised_and_agree():
    # same model structure, two scales: small weights use the multiplicative path
    small = pt.BernoulliRBM.random(30, 12, weight_scale=0.5, rng=4)
    big = pt.BernoulliRBM(small.weights * 300, small.visible_bias, small.hidden_bias)
    assert pt.exact_log_z(small).info["mode"] == "multiplicative"
    assert pt.exact_log_z(big).info["mode"] == "additive"
    for model in (small, big):
        h = all_states(12)
        want = logsumexp(-model.free_energy_hidden(h))
        assert pt.exact_log_z(model).log_z == pytest.approx(want, rel=1e-12)


def test_wide_summed_out_layer_uses_several_chunks():
    # 1100 visible units: additive chunks of 512 and several multiplicative chunks
    model = pt.BernoulliRBM.random(1100, 8, weight_scale=0.7, bias_scale=3.0, rng=9)
    h = all_states(8)
    want = logsumexp(-model.free_energy_hidden(h))
    assert pt.exact_log_z(model).log_z == pytest.approx(want, rel=1e-12)
    big = pt.BernoulliRBM(model.weights * 200, model.visible_bias, model.hidden_bias)
    want_big = logsumexp(-big.free_energy_hidden(h))
    assert pt.exact_log_z(big).log_z == pytest.approx(want_big, rel=1e-12)


def test_medium_model_against_numpy_and_thread_count():
    model = pt.BernoulliRBM.random(64, 16, weight_scale=0.5, rng=21)
    h = all_states(16)
    want = logsumexp(-model.free_energy_hidden(h))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = pt.exact_log_z(model).log_z
    finally:
        numba.set_num_threads(threads)
    many = pt.exact_log_z(model).log_z
    assert one == many  # blocks do not depend on the thread count: bit-identical
    assert many == pytest.approx(want, rel=1e-12)


def test_refuses_enumeration_too_large_before_work():
    model = pt.BernoulliRBM.random(200, 40, rng=0)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="max_terms"):
        pt.exact_log_z(model)
    assert time.perf_counter() - start < 1.0  # refused up front, not after a long run
    small = pt.BernoulliRBM.random(64, 12, rng=0)
    with pytest.raises(ValueError, match=r"2\^12 states"):
        pt.exact_log_z(small, max_terms=1000)
    assert np.isfinite(pt.exact_log_z(small, max_terms=2**18).log_z)


def test_bad_arguments():
    with pytest.raises(TypeError, match="exact_log_z needs a model implementing ExactLogZ"):
        pt.exact_log_z(np.zeros((3, 3)))
    model = pt.BernoulliRBM.random(3, 2, rng=0)
    with pytest.raises(ValueError, match="max_terms"):
        pt.exact_log_z(model, max_terms=-1)
    with pytest.raises(ValueError, match="layer"):
        enumerate_log_z(model, layer="middle")


def test_result_fields():
    est = pt.exact_log_z(pt.BernoulliRBM.random(6, 4, rng=0))
    assert est.method == "exact" and est.stderr == 0.0
    assert est.confidence_interval == (est.log_z, est.log_z)
    assert est.info["n_states"] == 16
    assert est.log_weights is None


def test_timing_excludes_compilation():
    # the first demo reported "enumerated in 3.189 s" against 0.185 s warm: compilation is
    # now timed apart, on an empty range of blocks, before the enumeration's own clock starts
    info = pt.exact_log_z(pt.BernoulliRBM.random(30, 14, rng=0)).info
    assert info["compile_seconds"] >= 0.0 and info["seconds"] > 0.0
    assert info["states_per_second"] == pytest.approx(2**14 / info["seconds"])
