"""partition: estimate log Z of energy-based models, and say how far to trust it."""

from partition import datasets, testsystems, transitions
from partition.benchmark import BenchmarkResult, benchmark
from partition.estimators.ais import ais
from partition.estimators.bdmc import bdmc, raise_log_likelihood, reverse_ais
from partition.estimators.bridge import bar, bridge
from partition.estimators.bridge_sampling import (
    ConvergenceError,
    ConvergenceWarning,
    bridge_sampling,
)
from partition.estimators.evaluate import Evaluation, evaluate
from partition.estimators.exact import exact_log_z, exact_sample
from partition.estimators.likelihood import log_likelihood
from partition.estimators.model_comparison import (
    BayesFactor,
    ModelProbabilities,
    bayes_factor,
    posterior_model_probabilities,
)
from partition.estimators.smc import adaptive_schedule, smc
from partition.models import load_model
from partition.models.continuous import LogDensity, Normal
from partition.models.gbrbm import GaussianBernoulliRBM
from partition.models.ising import IsingModel
from partition.models.ising_exact import ising_log_z
from partition.models.rbm import BernoulliRBM
from partition.results import (
    ConfidenceInterval,
    LogLikelihoodEstimate,
    LogZBounds,
    LogZEstimate,
    Trust,
    TrustCheck,
    UnreliableEstimateWarning,
)
from partition.train import FitResult, TrainingDivergedError, TrainingWarning, fit_rbm

__version__ = "0.1.0"

__all__ = [
    "BayesFactor",
    "BenchmarkResult",
    "BernoulliRBM",
    "ConfidenceInterval",
    "ConvergenceError",
    "ConvergenceWarning",
    "Evaluation",
    "FitResult",
    "GaussianBernoulliRBM",
    "IsingModel",
    "LogDensity",
    "LogLikelihoodEstimate",
    "LogZBounds",
    "LogZEstimate",
    "ModelProbabilities",
    "Normal",
    "TrainingDivergedError",
    "TrainingWarning",
    "Trust",
    "TrustCheck",
    "UnreliableEstimateWarning",
    "adaptive_schedule",
    "ais",
    "bar",
    "bayes_factor",
    "bdmc",
    "benchmark",
    "bridge",
    "bridge_sampling",
    "datasets",
    "evaluate",
    "exact_log_z",
    "exact_sample",
    "fit_rbm",
    "ising_log_z",
    "load_model",
    "log_likelihood",
    "posterior_model_probabilities",
    "raise_log_likelihood",
    "reverse_ais",
    "smc",
    "testsystems",
    "transitions",
]
