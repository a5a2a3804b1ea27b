"""Training objectives that avoid the partition function, with exact gradients (NumPy).

All are built from the free-energy change of flipping one visible unit,

    d_i(v) = F(v^(i)) - F(v) = -s_i b_i - sum_j [softplus(a_j + s_i W_ij) - softplus(a_j)],

with ``a = c + v W``, ``s_i = 1 - 2 v_i`` and ``v^(i)`` the state with unit ``i`` flipped, so
``log p(v_i | v_-i) = log sigmoid(d_i)`` and ``p(v) / p(v^(i)) = exp(d_i)``.

Gradients are returned as ``(dW, db, dc)`` of the *sum* over the batch.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit


def _flip_terms(model, v):
    """``d (B, n_v)``, and ``a``, ``s``, ``sigma(a)``, ``sigma(a + s_i W_i)`` for gradients."""
    w, b, c = model.weights, model.visible_bias, model.hidden_bias
    a = v @ w + c  # (B, n_h)
    s = 1.0 - 2.0 * v  # (B, n_v)
    flipped = a[:, None, :] + s[:, :, None] * w[None, :, :]  # (B, n_v, n_h)
    soft = np.logaddexp(0.0, flipped) - np.logaddexp(0.0, a)[:, None, :]
    d = -s * b - soft.sum(2)
    return d, a, s, expit(a), expit(flipped)


def _d_gradients(v, s, sig_a, sig_flipped, coef):
    """``sum_{n,i} coef[n, i] * grad d_i(v_n)`` as ``(dW, db, dc)``."""
    # d d_i / d b_k = -s_i delta_ik
    db = -(coef * s).sum(0)
    # d d_i / d c_j = -(sigma(a_j + s_i W_ij) - sigma(a_j))
    diff = sig_flipped - sig_a[:, None, :]  # (B, n_v, n_h)
    dc = -np.einsum("bi,bij->j", coef, diff)
    # d d_i / d W_kj = -(sigma(a_j + s_i W_ij) (v_k + s_i delta_ik) - sigma(a_j) v_k)
    dw = -np.einsum("bk,bi,bij->kj", v, coef, diff)
    dw -= np.einsum("bi,bi,bij->ij", coef, s, sig_flipped)
    return dw, db, dc


def pseudo_log_likelihood(model, v) -> np.ndarray:
    """Exact pseudo-log-likelihood of each row: ``sum_i log p(v_i | v_-i)`` (all units).

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> from partition.train.objectives import pseudo_log_likelihood
    >>> rbm = pt.BernoulliRBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    >>> np.allclose(pseudo_log_likelihood(rbm, np.eye(3)), 3 * np.log(0.5))
    True
    """
    d = _flip_terms(model, np.asarray(v, dtype=np.float64))[0]
    return log_expit(d).sum(1)


def pseudo_likelihood_gradient(model, v):
    """Gradient of ``sum_n PL(v_n)`` (to be maximised): ``sum sigmoid(-d_i) grad d_i``."""
    v = np.asarray(v, dtype=np.float64)
    d, _, s, sig_a, sig_flipped = _flip_terms(model, v)
    return _d_gradients(v, s, sig_a, sig_flipped, expit(-d))


def ratio_matching_objective(model, v) -> np.ndarray:
    """Hyvarinen's (2007) ratio matching for binary data, per row (to be minimised).

    ``J(v) = sum_i g(p(v) / p(v^(i)))^2`` with ``g(u) = 1 / (1 + u)``, i.e.
    ``sum_i sigmoid(-d_i)^2``.
    """
    d = _flip_terms(model, np.asarray(v, dtype=np.float64))[0]
    return (expit(-d) ** 2).sum(1)


def ratio_matching_gradient(model, v):
    """Gradient of ``sum_n J(v_n)``: ``-2 sum sigmoid(-d)^2 sigmoid(d) grad d``."""
    v = np.asarray(v, dtype=np.float64)
    d, _, s, sig_a, sig_flipped = _flip_terms(model, v)
    return _d_gradients(v, s, sig_a, sig_flipped, -2.0 * expit(-d) ** 2 * expit(d))


def free_energy_gradient(model, v):
    """Gradient of ``sum_n -F(v_n)`` (the unnormalised log probability) as (dW, db, dc)."""
    v = np.asarray(v, dtype=np.float64)
    h = expit(v @ model.weights + model.hidden_bias)
    return v.T @ h, v.sum(0), h.sum(0)


def nce_objective(model, log_z, data, noise, log_noise_data, log_noise_noise) -> float:
    """Noise-contrastive estimation (Gutmann & Hyvarinen 2010), to be maximised.

    ``G(x) = -F(x) - log_z - log p_n(x) - log nu`` with ``nu = len(noise) / len(data)``;
    ``J = sum_data log sigmoid(G) + sum_noise log sigmoid(-G)``.
    """
    log_nu = np.log(noise.shape[0] / data.shape[0])
    g_data = -model.free_energy(data) - log_z - log_noise_data - log_nu
    g_noise = -model.free_energy(noise) - log_z - log_noise_noise - log_nu
    return float(log_expit(g_data).sum() + log_expit(-g_noise).sum())


def nce_gradient(model, log_z, data, noise, log_noise_data, log_noise_noise):
    """Gradient of :func:`nce_objective` as ``((dW, db, dc), d log_z)``."""
    log_nu = np.log(noise.shape[0] / data.shape[0])
    g_data = -model.free_energy(data) - log_z - log_noise_data - log_nu
    g_noise = -model.free_energy(noise) - log_z - log_noise_noise - log_nu
    w_data = expit(-g_data)  # d/dG log sigmoid(G)
    w_noise = -expit(g_noise)  # d/dG log sigmoid(-G)
    grads = []
    for x, weight in ((data, w_data), (noise, w_noise)):
        h = expit(x @ model.weights + model.hidden_bias)
        grads.append(((x * weight[:, None]).T @ h, weight @ x, weight @ h))
    dw, db, dc = (grads[0][k] + grads[1][k] for k in range(3))
    return (dw, db, dc), float(-(w_data.sum() + w_noise.sum()))
