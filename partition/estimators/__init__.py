"""Estimators: plain functions generic over the model protocol, no numba code."""

from partition.estimators.ais import ais
from partition.estimators.exact import exact_log_z
from partition.estimators.likelihood import log_likelihood

__all__ = ["ais", "exact_log_z", "log_likelihood"]
