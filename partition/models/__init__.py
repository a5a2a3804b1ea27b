"""Model families: frozen dataclasses holding parameters and NumPy reference methods."""

from partition.models.ising import IsingModel, IsingParams, Lattice
from partition.models.rbm import BernoulliRBM, RBMParams

__all__ = ["BernoulliRBM", "IsingModel", "IsingParams", "Lattice", "RBMParams"]
