"""What training needs to know of the visible units: binary (Bernoulli RBM) or Gaussian
(Gaussian-Bernoulli RBM, parameters with ``log s``).

A kind gives the initial parameters, the model they make, the gradient of ``sum_n log p*(v_n)``
(``-F``), block-Gibbs sweeps for the negative phases, start states for persistent chains,
and the measures recorded at checkpoints.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from partition.models.gbrbm import GaussianBernoulliRBM
from partition.models.rbm import BernoulliRBM
from partition.train import gaussian as gb
from partition.train.objectives import free_energy_gradient, pseudo_log_likelihood

EXACT_MONITOR_MAX_UNITS = 20


def sample_bernoulli(p: np.ndarray, gen: np.random.Generator) -> np.ndarray:
    return (gen.random(p.shape) < p).astype(np.float64)


def _reconstruction_error(model, v):
    h = expit(v @ model.weights + model.hidden_bias)
    v_rec = expit(h @ model.weights.T + model.visible_bias)
    return float(np.mean(np.sum((v - v_rec) ** 2, axis=1)))


class Binary:
    """Bernoulli visible units: parameters ``(W, b, c)``."""

    name = "binary"
    n_params = 3
    measures = ("pseudo_log_likelihood", "reconstruction_error", "nce_log_z")
    frozen: tuple[int, ...] = ()  # parameters held fixed

    def __init__(self, rows, n_hidden, init_scale, gen):
        p = (rows.sum(0) + 1.0) / (rows.shape[0] + 2.0)
        self.initial = [
            gen.normal(0.0, init_scale, (rows.shape[1], n_hidden)),
            np.log(p) - np.log1p(-p),  # visible biases at the base rates (Hinton 2010)
            np.zeros(n_hidden),
        ]

    def model(self, params) -> BernoulliRBM:
        return BernoulliRBM(*params[:3])

    def exact_monitor(self, model) -> bool:
        return min(model.n_visible, model.n_hidden) <= EXACT_MONITOR_MAX_UNITS

    def log_prob_gradient(self, params, v):
        return free_energy_gradient(self.model(params), v)

    def gibbs(self, params, v, steps, gen, beta=1.0):
        """``steps`` block-Gibbs sweeps at inverse temperature ``beta`` from ``v``."""
        w, b, c = params[:3]
        for _ in range(steps):
            h = sample_bernoulli(expit(beta * (v @ w + c)), gen)
            v = sample_bernoulli(expit(beta * (h @ w.T + b)), gen)
        return v

    def start_states(self, params, n, gen):
        """Chains drawn from the base-rate model (the initial visible biases)."""
        b = params[1]
        return sample_bernoulli(np.broadcast_to(expit(b), (n, b.size)), gen)

    def measure(self, model, params, rows, method) -> dict:
        log_z = getattr(method, "log_z", None)
        return {
            "pseudo_log_likelihood": float(pseudo_log_likelihood(model, rows).mean()),
            "reconstruction_error": _reconstruction_error(model, rows),
            "nce_log_z": float(log_z(params)) if log_z is not None else float("nan"),
        }

    def info(self, params, method) -> dict:
        log_z = getattr(method, "log_z", None)
        return {"nce_log_z": float(log_z(params)) if log_z is not None else None}


class Gaussian:
    """Gaussian visible units: parameters ``(W, b, c, log s)``; ``s`` learned from the data's
    standard deviations, or fixed at ``sigma``."""

    name = "gaussian"
    n_params = 4
    measures = ("score_matching_loss",)

    def __init__(self, rows, n_hidden, init_scale, gen, sigma=None):
        self.learn_sigma = sigma is None
        self.frozen = () if self.learn_sigma else (3,)  # log s held fixed
        self.sigma = np.maximum(rows.std(0), 1e-3) if sigma is None else sigma
        self.initial = [
            gen.normal(0.0, init_scale, (rows.shape[1], n_hidden)),
            rows.mean(0),
            np.zeros(n_hidden),
            np.log(self.sigma),
        ]

    def model(self, params) -> GaussianBernoulliRBM:
        return GaussianBernoulliRBM(params[0], params[1], params[2], np.exp(params[3]))

    def exact_monitor(self, model) -> bool:
        return model.n_hidden <= EXACT_MONITOR_MAX_UNITS

    def log_prob_gradient(self, params, v):
        return gb.neg_free_energy_gradient(*params[:4], v)

    def gibbs(self, params, v, steps, gen, beta=1.0):
        if beta != 1.0:
            raise ValueError("tempered Gibbs sweeps apply to binary visible units only")
        return gb.gibbs(*params[:4], v, steps, gen)

    def start_states(self, params, n, gen):
        """Chains drawn from the initial model without couplings, ``N(b, s^2)``."""
        return params[1] + self.sigma * gen.standard_normal((n, params[1].size))

    def measure(self, model, params, rows, method) -> dict:
        return {"score_matching_loss": float(gb.sm_objective(*params[:4], rows).mean())}

    def info(self, params, method) -> dict:
        return {"visible": "gaussian", "learn_sigma": self.learn_sigma}
