"""Estimators: plain functions generic over the model protocol, no numba code."""

from partition.estimators.ais import ais
from partition.estimators.bdmc import bdmc, raise_log_likelihood, reverse_ais
from partition.estimators.bridge import bar, bridge
from partition.estimators.bridge_sampling import bridge_sampling
from partition.estimators.exact import exact_log_z, exact_sample
from partition.estimators.likelihood import log_likelihood
from partition.estimators.smc import adaptive_schedule, smc

__all__ = [
    "adaptive_schedule",
    "ais",
    "bar",
    "bdmc",
    "bridge",
    "bridge_sampling",
    "exact_log_z",
    "exact_sample",
    "log_likelihood",
    "raise_log_likelihood",
    "reverse_ais",
    "smc",
]
