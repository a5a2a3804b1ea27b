"""The shipped digits and RBM: shapes, values, and the documented recipe."""

import numpy as np

import partition as pt


def test_digits_shapes_and_values():
    train, test = pt.datasets.digits()
    assert train.shape == (1500, 64) and test.shape == (297, 64)
    assert train.dtype == np.float64
    assert set(np.unique(np.concatenate([train, test]))) == {0.0, 1.0}
    a, _ = pt.datasets.digits()
    a[0, 0] = 7.0  # callers get copies
    assert pt.datasets.digits()[0][0, 0] in (0.0, 1.0)


def test_digits_follow_the_documented_recipe():
    from sklearn.datasets import load_digits

    images = (load_digits().data >= 8).astype(np.float64)
    order = np.random.default_rng(20261121).permutation(images.shape[0])
    train, test = pt.datasets.digits()
    np.testing.assert_array_equal(train, images[order[:1500]])
    np.testing.assert_array_equal(test, images[order[1500:]])


def test_shipped_rbm_is_better_than_independent_pixels():
    train, test = pt.datasets.digits()
    rbm = pt.datasets.digits_rbm()
    assert (rbm.n_visible, rbm.n_hidden) == (64, 20)
    ll = pt.log_likelihood(rbm, test, pt.exact_log_z(rbm)).mean
    # baseline: independent Bernoulli pixels with smoothed training means
    p = (train.sum(0) + 1) / (train.shape[0] + 2)
    baseline = (test * np.log(p) + (1 - test) * np.log1p(-p)).sum(1).mean()
    assert ll > baseline + 1.0  # the sklearn fit gains ~1.7 nats/image
