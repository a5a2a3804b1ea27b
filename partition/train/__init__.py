"""Training methods that confront the partition function: CD, PCD, PL, ratio matching, NCE."""

from partition.train.fit import FitResult, TrainingDivergedError, fit_rbm

__all__ = ["FitResult", "TrainingDivergedError", "fit_rbm"]
