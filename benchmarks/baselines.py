"""Plain NumPy implementations that the numba kernels are measured against.

They are fair baselines, not straw men: vectorised over many states at once, with the matrix
product done by BLAS and the elementwise work in NumPy's SIMD loops.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def exact_log_z_numpy(weights, visible_bias, hidden_bias, chunk: int = 2**14) -> float:
    """Exact log Z of an RBM, enumerating the smaller layer in chunks of states.

    For each chunk of ``chunk`` states: one matrix product for the activations, softplus as
    ``max(a, 0) + log1p(exp(-|a|))`` in place (faster here than ``np.logaddexp(0, a)``), a
    row sum and a log-sum-exp; the chunks' results are combined at the end.
    """
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape[1] <= weights.shape[0]:
        rows, enum_bias, other_bias = weights.T, hidden_bias, visible_bias
    else:
        rows, enum_bias, other_bias = weights, visible_bias, hidden_bias
    m = rows.shape[0]
    bits = np.arange(m)
    partial = []
    for start in range(0, 2**m, chunk):
        index = np.arange(start, min(start + chunk, 2**m))
        states = ((index[:, None] >> bits) & 1).astype(np.float64)
        act = states @ rows
        act += other_bias
        value = states @ enum_bias + np.maximum(act, 0.0).sum(1)
        np.abs(act, out=act)
        np.negative(act, out=act)
        np.exp(act, out=act)
        np.log1p(act, out=act)
        value += act.sum(1)
        partial.append(logsumexp(value))
    return float(logsumexp(partial))
