"""Estimators: plain functions generic over the model protocol, no numba code."""

from partition.estimators.exact import exact_log_z

__all__ = ["exact_log_z"]
