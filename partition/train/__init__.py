"""Training methods that confront the partition function: CD, PCD, PL, ratio matching, NCE."""

from partition.train.fit import FitResult, TrainingDivergedError, TrainingWarning, fit_rbm

__all__ = ["FitResult", "TrainingDivergedError", "TrainingWarning", "fit_rbm"]
