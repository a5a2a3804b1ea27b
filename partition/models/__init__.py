"""Model families: frozen dataclasses holding parameters and NumPy reference methods."""

from partition.models.rbm import BernoulliRBM, RBMParams

__all__ = ["BernoulliRBM", "RBMParams"]
