"""Model families: frozen dataclasses holding parameters and NumPy reference methods."""

from __future__ import annotations

import os

from partition.models.gbrbm import GaussianBernoulliRBM
from partition.models.ising import IsingModel, IsingParams, Lattice
from partition.models.rbm import BernoulliRBM, RBMParams

__all__ = [
    "BernoulliRBM",
    "GaussianBernoulliRBM",
    "IsingModel",
    "IsingParams",
    "Lattice",
    "RBMParams",
    "load_model",
]


def load_model(path: str | os.PathLike) -> BernoulliRBM | GaussianBernoulliRBM:
    """An RBM from an ``.npz`` written by ``save``: a Gaussian-Bernoulli RBM when the file
    has a ``sigma`` key, else a Bernoulli RBM.

    Examples
    --------
    >>> import os, tempfile, partition as pt
    >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
    >>> pt.BernoulliRBM.random(3, 2, rng=0).save(path)
    >>> pt.load_model(path)
    BernoulliRBM(n_visible=3, n_hidden=2)
    """
    from partition._io import read_model_arrays

    name, arrays = read_model_arrays(path)
    kind = GaussianBernoulliRBM if "sigma" in arrays else BernoulliRBM
    return kind._from_arrays(name, arrays)
