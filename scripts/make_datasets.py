"""Build the data files shipped in ``partition/datasets`` (run once; the outputs are committed).

    python scripts/make_datasets.py

1. ``digits.npz``: scikit-learn's bundled 8x8 digits, binarised at half intensity
   (pixel >= 8 of 16), shuffled with seed 20261121 and split 1,500 train / 297 test, stored
   bit-packed (``pixels``) with the split sizes (``sizes``).
2. ``digits_grey.npz``: the same images, shuffled and split the same way, as grey levels
   0..16 (``levels``, uint8) with the split sizes; ``pt.datasets.digits_continuous()``
   dequantises and standardises them.
3. ``digits_rbm.npz``: scikit-learn's ``BernoulliRBM`` with 20 hidden units fitted to the
   training images (learning rate 0.05, batch size 10, 200 epochs, random_state 0), saved with
   ``BernoulliRBM.save``; ``digits_rbm_10.npz`` and ``digits_rbm_16.npz`` the same with 10
   and 16 hidden units (test systems of :mod:`partition.testsystems`).

Needs scikit-learn (a test extra of this package), nothing from the network.
"""

from __future__ import annotations

import pathlib

import numpy as np
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM as SklearnRBM

import partition as pt

OUT = pathlib.Path(__file__).resolve().parents[1] / "partition" / "datasets"
SEED = 20261121
N_TRAIN = 1500
#: Hidden-layer sizes of the digits RBMs besides the 20 of ``digits_rbm.npz``.
EXTRA_SIZES = (10, 16)


def main() -> None:
    images = load_digits().data  # (1797, 64), integers 0..16
    binary = (images >= 8).astype(np.uint8)
    order = np.random.default_rng(SEED).permutation(binary.shape[0])
    binary = binary[order]
    n_test = binary.shape[0] - N_TRAIN
    np.savez_compressed(
        OUT / "digits.npz",
        pixels=np.packbits(binary.ravel()),
        sizes=np.array([N_TRAIN, n_test], dtype=np.int64),
    )
    train, test = pt.datasets.digits()
    assert np.array_equal(train, binary[:N_TRAIN]) and np.array_equal(test, binary[N_TRAIN:])
    np.savez_compressed(
        OUT / "digits_grey.npz",
        levels=images[order].astype(np.uint8),
        sizes=np.array([N_TRAIN, n_test], dtype=np.int64),
    )

    print(f"digits: {train.shape[0]} train, {test.shape[0]} test")
    for n_hidden in (20, *EXTRA_SIZES):
        fit_digits_rbm(train, test, n_hidden)


def fit_digits_rbm(train, test, n_hidden: int) -> None:
    """Fit, save and report the digits RBM with ``n_hidden`` hidden units."""
    sk = SklearnRBM(
        n_components=n_hidden, learning_rate=0.05, batch_size=10, n_iter=200, random_state=0
    )
    sk.fit(train)
    rbm = pt.BernoulliRBM.from_sklearn(sk)
    name = "digits_rbm.npz" if n_hidden == 20 else f"digits_rbm_{n_hidden}.npz"
    rbm.save(OUT / name)
    log_z = pt.exact_log_z(rbm)
    print(f"{name}: log Z = {log_z.log_z:.6f}")
    print(f"  train LL = {pt.log_likelihood(rbm, train, log_z).mean:.4f} nats")
    print(f"  test  LL = {pt.log_likelihood(rbm, test, log_z).mean:.4f} nats")


if __name__ == "__main__":
    main()
