"""An RBM fitted by scikit-learn on the shipped digits: conversion, free energy, exact log Z."""

import numpy as np
import pytest
from scipy.special import logsumexp

import partition as pt
from partition.models.testsystems import all_states


@pytest.fixture(scope="module")
def fitted():
    from sklearn.neural_network import BernoulliRBM as SkRBM

    train, _ = pt.datasets.digits()
    sk = SkRBM(n_components=12, learning_rate=0.05, batch_size=10, n_iter=10, random_state=0)
    sk.fit(train)
    return sk, pt.BernoulliRBM.from_sklearn(sk)


def test_layout_is_transposed(fitted):
    sk, rbm = fitted
    assert rbm.weights.shape == (64, 12)
    np.testing.assert_array_equal(rbm.weights, sk.components_.T)
    np.testing.assert_array_equal(rbm.visible_bias, sk.intercept_visible_)
    np.testing.assert_array_equal(rbm.hidden_bias, sk.intercept_hidden_)


def test_free_energy_matches_brute_force_over_hidden_states(fitted):
    _, rbm = fitted
    _, test = pt.datasets.digits()
    v = test[:25]
    h = all_states(rbm.n_hidden)  # 4096 hidden states
    neg_energy = (
        (v @ rbm.visible_bias)[:, None] + (h @ rbm.hidden_bias)[None, :] + v @ rbm.weights @ h.T
    )
    np.testing.assert_allclose(rbm.free_energy(v), -logsumexp(neg_energy, axis=1), rtol=1e-12)


def test_free_energy_matches_sklearn(fitted):
    sk, rbm = fitted
    _, test = pt.datasets.digits()
    np.testing.assert_allclose(rbm.free_energy(test), sk._free_energy(test), rtol=1e-12)


def test_exact_log_z_matches_hidden_brute_force(fitted):
    _, rbm = fitted
    h = all_states(rbm.n_hidden)
    want = logsumexp(-rbm.free_energy_hidden(h))
    est = pt.exact_log_z(rbm)
    assert est.info["enumerated_layer"] == "hidden"
    assert est.log_z == pytest.approx(want, rel=1e-12)
    _, test = pt.datasets.digits()
    ll = pt.log_likelihood(rbm, test, est)
    assert -64 * np.log(2) < ll.mean < 0
