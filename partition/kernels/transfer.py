"""Log-space transfer-matrix kernel for square-lattice Ising models.

The row transfer matrix of :func:`partition.models.ising_exact.transfer_matrix_log_z` acts
column by column: the bond ``J_c`` between the spin of column ``c`` in one row and in the
next is the 2x2 factor ``exp(J s s')``. Here the state vector holds logarithms, and each
factor is applied with a log-add-exp, so no partial sum overflows or underflows whatever the
couplings (a frustrated torus at ``|J| = 1000`` is exact).
"""

from __future__ import annotations

import math

import numba

from partition._numba import jit


@jit(inline="always")
def _log_add_exp(x, y):
    top = max(x, y)
    if top == -math.inf:
        return top
    return top + math.log1p(math.exp(-abs(x - y)))


@jit(parallel=True)
def log_apply_bond(log_psi, column, coupling):
    """In place: ``psi'(.., s'_c, ..) = sum_{s_c} exp(J s_c s'_c) psi(.., s_c, ..)`` in logs.

    ``log_psi`` has shape ``(2**W, T)``: row states (bit ``c`` is the spin of column ``c``,
    set = up) by ``T`` independent columns (1 for a vector, ``2**W`` for the periodic
    product). States with bit ``column`` clear are paired with the state that has it set.
    """
    n_states, n_cols = log_psi.shape
    low = 1 << column
    for p in numba.prange(n_states // 2):
        i0 = ((p >> column) << (column + 1)) | (p & (low - 1))
        i1 = i0 | low
        for t in range(n_cols):
            a = log_psi[i0, t]
            b = log_psi[i1, t]
            log_psi[i0, t] = _log_add_exp(coupling + a, b - coupling)
            log_psi[i1, t] = _log_add_exp(a - coupling, coupling + b)
