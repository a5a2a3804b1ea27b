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


def test_continuous_digits_are_the_binary_digits_dequantised_and_standardised():
    train, test = pt.datasets.digits_continuous()
    binary_train, binary_test = pt.datasets.digits()
    assert train.shape == binary_train.shape and test.shape == binary_test.shape
    np.testing.assert_allclose(train.mean(0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train.std(0), 1.0, rtol=1e-12)
    # undo the standardisation with the training statistics of the grey levels: the integer
    # part is the level, which is >= 8 exactly where the binary digits are 1
    with pt.datasets._path("digits_grey.npz").open("rb") as fh, np.load(fh) as archive:
        levels = archive["levels"]
    noise = np.random.default_rng(pt.datasets.DEQUANTISATION_SEED).random(levels.shape)
    x = (levels + noise) / 17.0
    mean, std = x[:1500].mean(0), x[:1500].std(0)
    np.testing.assert_allclose(test * std + mean, x[1500:], atol=1e-12)
    np.testing.assert_array_equal(np.floor(17 * (train * std + mean) + 1e-9) >= 8, binary_train)
    again, _ = pt.datasets.digits_continuous()
    np.testing.assert_array_equal(again, train)  # one fixed data set


def test_known_gbrbm_draws_from_its_model():
    model, train, test = pt.datasets.known_gbrbm(6, 3, n_train=4000, n_test=100, seed=2)
    assert train.shape == (4000, 6) and test.shape == (100, 6)
    v, _ = model.sample_joint(200_000, rng=0)
    z = (train.mean(0) - v.mean(0)) / (v.std(0) / np.sqrt(4000))
    assert np.max(np.abs(z)) < 4
