"""Data and models shipped inside the package, so nothing needs a download.

``digits()`` is scikit-learn's bundled 8x8 handwritten digits (1,797 images; a copy of the
UCI optical recognition test set), binarised at half intensity (pixel value >= 8 of 16) and
split once with a fixed seed into 1,500 training and 297 test images. ``digits_rbm()`` is a
20-hidden-unit RBM fitted once to the training images with scikit-learn's ``BernoulliRBM``.
Both files are made by ``scripts/make_datasets.py``.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from partition.models.rbm import BernoulliRBM

__all__ = ["DIGITS_RBM_PATH", "digits", "digits_rbm"]


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


def digits_rbm() -> BernoulliRBM:
    """The RBM shipped with the package: 64 visible, 20 hidden units, fitted to ``digits()``.

    Examples
    --------
    >>> import partition as pt
    >>> pt.datasets.digits_rbm()
    BernoulliRBM(n_visible=64, n_hidden=20)
    """
    with DIGITS_RBM_PATH.open("rb") as fh:
        return BernoulliRBM.load(fh)
