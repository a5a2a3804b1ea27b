"""Data and models shipped inside the package, so nothing needs a download.

``digits()`` is scikit-learn's bundled 8x8 handwritten digits (1,797 images; a copy of the
UCI optical recognition test set), binarised at half intensity (pixel value >= 8 of 16) and
split once with a fixed seed into 1,500 training and 297 test images. ``digits_rbm()`` is a
20-hidden-unit RBM fitted once to the training images with scikit-learn's ``BernoulliRBM``
(``digits_rbm(10)`` and ``digits_rbm(16)``: the same fit with 10 and 16 hidden units).
``digits_continuous()`` is the same images and split as grey levels, dequantised and
standardised, for Gaussian-Bernoulli RBMs; ``known_gbrbm()`` draws data from a known
Gaussian-Bernoulli RBM. The files are made by ``scripts/make_datasets.py``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from partition.models.rbm import BernoulliRBM

__all__ = [
    "DIGITS_RBM_PATH",
    "DIGITS_RBM_SIZES",
    "digits",
    "digits_continuous",
    "digits_rbm",
    "known_gbrbm",
]

#: Seed of the dequantisation noise of :func:`digits_continuous` (fixed: the data set is one).
DEQUANTISATION_SEED = 20261202


def _path(name: str):
    return resources.files(__name__).joinpath(name)


DIGITS_RBM_PATH = _path("digits_rbm.npz")


def digits() -> tuple[np.ndarray, np.ndarray]:
    """The binarised 8x8 digits: ``(train, test)``, float64 arrays of 0/1 with 64 columns.

    Returns
    -------
    train : numpy.ndarray, shape (1500, 64)
    test : numpy.ndarray, shape (297, 64)

    Examples
    --------
    >>> import partition as pt
    >>> train, test = pt.datasets.digits()
    >>> train.shape, test.shape
    ((1500, 64), (297, 64))
    >>> sorted(set(train.ravel().tolist()))
    [0.0, 1.0]
    """
    with _path("digits.npz").open("rb") as fh, np.load(fh) as archive:
        n_train, n_test = (int(x) for x in archive["sizes"])
        bits = np.unpackbits(archive["pixels"], count=(n_train + n_test) * 64)
    images = bits.reshape(n_train + n_test, 64).astype(np.float64)
    return images[:n_train].copy(), images[n_train:].copy()


#: Hidden-layer sizes of the shipped digits RBMs.
DIGITS_RBM_SIZES = (10, 16, 20)


def digits_rbm(n_hidden: int = 20) -> BernoulliRBM:
    """An RBM shipped with the package: 64 visible units, fitted to ``digits()``.

    Parameters
    ----------
    n_hidden : {20, 10, 16}
        Its hidden units: 20 (the default, ``digits_rbm.npz``), or 10 or 16 (fitted the
        same way, for :mod:`partition.testsystems`).

    Examples
    --------
    >>> import partition as pt
    >>> pt.datasets.digits_rbm()
    BernoulliRBM(n_visible=64, n_hidden=20)
    >>> pt.datasets.digits_rbm(10)
    BernoulliRBM(n_visible=64, n_hidden=10)
    """
    if isinstance(n_hidden, bool) or n_hidden not in DIGITS_RBM_SIZES:
        raise ValueError(
            f"n_hidden must be one of {', '.join(map(str, DIGITS_RBM_SIZES))} (the shipped "
            f"digits RBMs), got {n_hidden!r}"
        )
    path = DIGITS_RBM_PATH if n_hidden == 20 else _path(f"digits_rbm_{n_hidden}.npz")
    with path.open("rb") as fh:
        return BernoulliRBM.load(fh)


def digits_continuous() -> tuple[np.ndarray, np.ndarray]:
    """The 8x8 digits as real data: ``(train, test)``, the split of :func:`digits`.

    Each pixel's grey level ``l`` (0 to 16) is dequantised to ``(l + u) / 17`` with ``u ~
    U(0, 1)`` (a fixed seed, so the data set is always the same: the continuous density of
    the dequantised data is a piecewise constant spread of the discrete one, the standard
    treatment of Theis, van den Oord & Bethge 2016), then standardised per pixel by the
    training split's mean and standard deviation (applied to both splits). A log-likelihood
    on this data is a density in the standardised units: add ``sum(log std) + 64 log 17``
    for the density of grey levels.

    Returns
    -------
    train : numpy.ndarray, shape (1500, 64)
    test : numpy.ndarray, shape (297, 64)

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> train, test = pt.datasets.digits_continuous()
    >>> train.shape, test.shape
    ((1500, 64), (297, 64))
    >>> bool(np.allclose(train.mean(0), 0) and np.allclose(train.std(0), 1))
    True
    >>> binary, _ = pt.datasets.digits()  # the same images: bright pixels are the binary ones
    >>> bool(np.all((train > train.min(0)) | (binary == 0)))
    True
    """
    with _path("digits_grey.npz").open("rb") as fh, np.load(fh) as archive:
        levels = archive["levels"].astype(np.float64)
        n_train = int(archive["sizes"][0])
    noise = np.random.default_rng(DEQUANTISATION_SEED).random(levels.shape)
    x = (levels + noise) / 17.0
    mean, std = x[:n_train].mean(0), x[:n_train].std(0)
    x = (x - mean) / std
    return x[:n_train].copy(), x[n_train:].copy()


def known_gbrbm(
    n_visible: int = 16,
    n_hidden: int = 8,
    *,
    n_train: int = 20_000,
    n_test: int = 5_000,
    weight_scale: float = 0.5,
    seed: int = 1,
):
    """A known Gaussian-Bernoulli RBM and exact draws from it: ``(model, train, test)``.

    The model is :meth:`~partition.GaussianBernoulliRBM.random` (unit ``sigma``) with ``seed``; the
    draws are exact (:meth:`~partition.GaussianBernoulliRBM.sample_exactly`). A fit to
    ``train`` can be scored against the true model's exact test log-likelihood.

    Examples
    --------
    >>> import partition as pt
    >>> model, train, test = pt.datasets.known_gbrbm(4, 2, n_train=100, n_test=10)
    >>> model, train.shape, test.shape
    (GaussianBernoulliRBM(n_visible=4, n_hidden=2), (100, 4), (10, 4))
    """
    from partition._validation import check_int
    from partition.models.gbrbm import GaussianBernoulliRBM

    n_train = check_int(n_train, "n_train", minimum=1)
    n_test = check_int(n_test, "n_test", minimum=1)
    model = GaussianBernoulliRBM.random(n_visible, n_hidden, weight_scale=weight_scale, rng=seed)
    gen = np.random.default_rng([seed, 0])
    return model, model.sample_exactly(n_train, gen), model.sample_exactly(n_test, gen)
