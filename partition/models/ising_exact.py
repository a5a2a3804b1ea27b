"""Exact log Z of Ising models: Kaufman, transfer matrix, Kac-Ward, enumeration, 1-D ring.

Each route is independent of the others, so they check one another (``tests/models``):

- :func:`kaufman_log_z`: the ``L x M`` torus with uniform coupling and no field, any size
  (Kaufman 1949), summed in signed log space;
- :func:`transfer_matrix_log_z`: square lattices with any couplings and fields, row by row
  over the ``2**W`` states of the narrower side (``W <= 20`` open, ``W <= 12`` when the
  transfer direction is periodic);
- :func:`kac_ward_log_z`: planar graphs (the open grid) with zero field and any couplings,
  spin glasses included (Kac & Ward 1952): ``Z = 2^N prod cosh J_e sqrt(det(I - Lambda))``;
- :func:`brute_force_log_z`: every configuration, for up to 24 spins;
- :func:`ring_log_z`: the 1-D ring from its 2x2 transfer matrix.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np
from scipy.special import logsumexp

from partition._validation import check_int, check_positive_float, check_real
from partition.models.rbm import DEFAULT_MAX_TERMS

BRUTE_FORCE_MAX_SPINS = 24
TRANSFER_MAX_WIDTH = 20
TRANSFER_PERIODIC_MAX_WIDTH = 12
METHODS = ("auto", "kaufman", "transfer_matrix", "kac_ward", "brute_force")
_KAUFMAN_LOG_SPACE = 40.0  # 2K above this: cosh gamma_k in log space (sinh 2K > 1e17)


def _log_2cosh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    return a + np.log1p(np.exp(-2.0 * a))


def _log_abs_2sinh(x: np.ndarray) -> np.ndarray:
    a = np.abs(x)
    with np.errstate(divide="ignore"):
        return a + np.log(-np.expm1(-2.0 * a))


def _check_coupling(coupling) -> float:
    return check_real(coupling, "coupling")


def kaufman_log_z(L: int, M: int | None = None, coupling: float = 1.0) -> float:
    """log Z of the periodic ``L x M`` square lattice, coupling ``K``, zero field (Kaufman 1949).

    ``Z = 1/2 (2 sinh 2K)^{LM/2} (Z1 + Z2 + Z3 + Z4)`` with ``Z1, Z2 = prod 2 cosh, 2 sinh
    (M g_{2r+1} / 2)`` and ``Z3, Z4 = prod 2 cosh, 2 sinh (M g_{2r} / 2)``, ``r = 0..L-1``,
    ``cosh g_k = cosh 2K coth 2K - cos(pi k / L)`` and ``g_0 = 2K + log tanh K``, which is
    negative below the critical coupling: ``Z4`` then is negative, and the four terms are
    combined with their signs (taking ``|Z4|`` is the classic error, up to ``log 2``).
    Antiferromagnetic ``K < 0`` is mapped to ``|K|`` when both sides are even.

    Examples
    --------
    >>> from partition.models.ising_exact import kaufman_log_z
    >>> round(kaufman_log_z(4, 4, 0.2), 12)  # reference/ising_square_lattice.csv
    11.771470358542
    """
    L = check_int(L, "L", minimum=2)
    M = L if M is None else check_int(M, "M", minimum=2)
    k = _check_coupling(coupling)
    if k < 0:
        if L % 2 or M % 2:
            raise ValueError(
                "kaufman_log_z: K < 0 needs both sides even (a bipartite torus); "
                "use the transfer matrix (ising_log_z does so by itself)"
            )
        k = -k  # flipping one sublattice maps K to -K on a bipartite torus
    if k == 0.0:
        return L * M * math.log(2.0)
    idx = np.arange(2 * L)
    cos_term = np.cos(np.pi * idx / L)
    if 2.0 * k < _KAUFMAN_LOG_SPACE:
        s2k = math.sinh(2.0 * k)
        # delta_k = cosh(gamma_k) - 1 = (f - 2) + 2 sin^2(pi k / 2L), f = cosh 2K coth 2K,
        # with f - 2 = (1 - sinh 2K)^2 / sinh 2K: no cancellation, 0 at the critical point
        f_minus_2 = (1.0 - s2k) ** 2 / s2k
        delta = f_minus_2 + 2.0 * np.sin(np.pi * idx / (2.0 * L)) ** 2
        gamma = np.log1p(delta + np.sqrt(delta * (2.0 + delta)))
    else:
        # cosh gamma_k = f - cos(pi k / L) overflows: gamma = log c + log(1 + sqrt(1 - c^-2))
        # with log c = log f + log1p(-cos / f), log f = log cosh 2K + log coth 2K
        e = math.exp(-4.0 * k)
        log_f = 2.0 * k + 2.0 * math.log1p(e) - math.log1p(-e) - math.log(2.0)
        log_c = log_f + np.log1p(-cos_term * math.exp(-log_f))
        gamma = log_c + np.log1p(np.sqrt(-np.expm1(-2.0 * log_c)))
    gamma[0] = 2.0 * k + math.log1p(-math.exp(-2.0 * k)) - math.log1p(math.exp(-2.0 * k))
    odd = 0.5 * M * gamma[1::2]
    even = 0.5 * M * gamma[0::2]
    logs = np.array(
        [
            _log_2cosh(odd).sum(),
            _log_abs_2sinh(odd).sum(),
            _log_2cosh(even).sum(),
            _log_abs_2sinh(even).sum(),
        ]
    )
    signs = np.array([1.0, 1.0, 1.0, np.sign(gamma[0])])
    keep = signs != 0
    total, sign = logsumexp(logs[keep], b=signs[keep], return_sign=True)
    if sign <= 0:
        raise FloatingPointError("Kaufman's sum came out non-positive")
    log_2sinh_2k = 2.0 * k + math.log1p(-math.exp(-4.0 * k))
    return float(-math.log(2.0) + 0.5 * L * M * log_2sinh_2k + total)


def ring_log_z(n_spins: int, coupling: float, field: float = 0.0) -> float:
    """log Z of the periodic 1-D chain: ``Z = lambda_+^N + lambda_-^N``.

    ``lambda_+- = e^J cosh h +- sqrt(e^{2J} sinh^2 h + e^{-2J})``.

    Examples
    --------
    >>> import math
    >>> from partition.models.ising_exact import ring_log_z
    >>> z = (2 * math.cosh(0.5)) ** 4 + (2 * math.sinh(0.5)) ** 4
    >>> abs(ring_log_z(4, 0.5) - math.log(z)) < 1e-12
    True
    """
    n = check_int(n_spins, "n_spins", minimum=1)
    j, h = _check_coupling(coupling), float(field)
    root = math.sqrt(math.exp(2 * j) * math.sinh(h) ** 2 + math.exp(-2 * j))
    lam_plus = math.exp(j) * math.cosh(h) + root
    lam_minus = math.exp(j) * math.cosh(h) - root
    return n * math.log(lam_plus) + math.log1p((lam_minus / lam_plus) ** n)


def brute_force_log_z(model, *, max_spins: int = BRUTE_FORCE_MAX_SPINS) -> float:
    """log Z by summing ``exp(-E(s))`` over all ``2**n`` configurations, in chunks."""
    n = model.n_spins
    if n > max_spins:
        raise ValueError(f"brute force enumerates 2^{n} states; allowed up to {max_spins} spins")
    i, j = model.edges[:, 0], model.edges[:, 1]
    bits = np.arange(n)
    chunk = 1 << min(n, 16)
    partial = []
    for start in range(0, 1 << n, chunk):
        index = np.arange(start, start + chunk)
        spins = 2.0 * ((index[:, None] >> bits) & 1) - 1.0
        neg_energy = (spins[:, i] * spins[:, j]) @ model.couplings + spins @ model.fields
        partial.append(logsumexp(neg_energy))
    return float(logsumexp(partial))


def _lattice_terms(model):
    """Per-row fields and in-row bonds, and the vertical bonds of each transfer step.

    Rows run along the wider side, so a row has ``W = min(L, M)`` sites. Returns ``(W, R,
    fields (R, W), row_bonds list of (a, b, J) per row, step_bonds list of (c, J) per step,
    wrap)`` where step ``r`` joins row ``r`` to row ``r + 1`` (and ``R - 1`` to 0 when wrap).
    """
    L, M = model.lattice.shape
    transpose = M > L
    R, W = (M, L) if transpose else (L, M)

    def row_col(site):
        r, c = divmod(int(site), M)
        return (c, r) if transpose else (r, c)

    fields = np.zeros((R, W))
    for site in range(model.n_spins):
        r, c = row_col(site)
        fields[r, c] = model.fields[site]
    row_bonds: list[list[tuple[int, int, float]]] = [[] for _ in range(R)]
    step_bonds: list[list[tuple[int, float]]] = [[] for _ in range(R)]
    for (a, b), coupling in zip(model.edges, model.couplings, strict=True):
        (ra, ca), (rb, cb) = row_col(a), row_col(b)
        if ra == rb:
            row_bonds[ra].append((ca, cb, float(coupling)))
        else:
            if ca != cb:
                raise ValueError("transfer matrix: a bond joins sites of different columns")
            lo, hi = (ra, rb) if (rb - ra) % R == 1 else (rb, ra)
            if (hi - lo) % R != 1:
                raise ValueError("transfer matrix: a bond skips a row")
            step_bonds[lo].append((ca, float(coupling)))
    wrap = (model.lattice.boundary == "periodic" and R > 2) or (
        model.lattice.boundary == "periodic" and R == 2 and len(step_bonds[1]) > 0
    )
    return W, R, fields, row_bonds, step_bonds, wrap


def _row_log_weights(W: int, fields_row, bonds) -> np.ndarray:
    """``sum h s + sum J s_a s_b`` of a row, for all ``2**W`` states (bit c = site c up)."""
    index = np.arange(1 << W)
    out = np.zeros(1 << W)
    spin = [2.0 * ((index >> c) & 1) - 1.0 for c in range(W)]
    for c in range(W):
        if fields_row[c] != 0.0:
            out += fields_row[c] * spin[c]
    for a, b, coupling in bonds:
        out += coupling * spin[a] * spin[b]
    return out


def _column_couplings(W: int, bonds) -> np.ndarray:
    couplings = np.zeros(W)
    for c, coupling in bonds:
        couplings[c] += coupling
    return couplings


def _vertical(psi: np.ndarray, couplings: np.ndarray) -> tuple[np.ndarray, float]:
    """Apply the bonds between two rows to ``psi`` (row state on axis 0), in linear space.

    ``psi'(s') = sum_s prod_c exp(J_c s_c s'_c) psi(s) / exp(sum_c |J_c|)``: each column's
    2x2 factor is divided by ``exp(|J_c|)``, so its entries are 1 and ``exp(-2 |J_c|)``.
    Returns the new ``psi`` and ``sum_c |J_c|``.
    """
    W = couplings.shape[0]
    trailing = psi.shape[1:]
    for c in range(W):
        j = couplings[c]
        small = math.exp(-2.0 * abs(j))
        same, other = (1.0, small) if j >= 0 else (small, 1.0)
        t2 = np.array([[same, other], [other, same]])
        view = psi.reshape((1 << (W - c - 1), 2, 1 << c, *trailing))
        psi = np.einsum("ab,ibj...->iaj...", t2, view).reshape(psi.shape)
    return psi, float(np.abs(couplings).sum())


#: Linear-space transfer steps are exact when no step's bonds span more than this in log
#: weight (``2 sum_c |J_c|``): a row state's future weight then differs from another's by at
#: most ``exp(LINEAR_MAX_STEP_RANGE)``, so the partial sums that underflow (``< e^-744`` of a
#: column's largest) can never matter. Steps with larger couplings run in log space.
LINEAR_MAX_STEP_RANGE = 600.0


def _transfer_linear(W, R, fields, row_bonds, steps, wrap) -> float:
    """Scaled linear-space iteration: one log scale per column of ``psi`` (per start state
    when ``wrap``), each column divided by its largest entry after every row."""
    first = _row_log_weights(W, fields[0], row_bonds[0])
    if wrap:  # column s0: the paths that start at row state s0, scale exp(first[s0])
        psi = np.eye(1 << W)
        log_scale = first.copy()
    else:
        psi = np.exp(first - first.max())[:, None]
        log_scale = np.array([first.max()])
    for r in range(1, R):
        psi, log_bonds = _vertical(psi, steps[r - 1])
        row = _row_log_weights(W, fields[r], row_bonds[r])
        psi *= np.exp(row - row.max())[:, None]
        top = psi.max(axis=0)
        psi /= top
        log_scale += log_bonds + row.max() + np.log(top)
    if wrap:
        psi, log_bonds = _vertical(psi, steps[R - 1])
        with np.errstate(divide="ignore"):
            return float(logsumexp(np.log(np.diagonal(psi)) + log_scale) + log_bonds)
    return float(log_scale[0] + math.log(psi.sum()))


def _transfer_log(W, R, fields, row_bonds, steps, wrap) -> float:
    """Log-space iteration (a log-add-exp per element, :mod:`partition.kernels.transfer`)."""
    from partition.kernels.transfer import log_apply_bond

    def vertical(log_psi, couplings):
        for c in range(W):
            log_apply_bond(log_psi, c, float(couplings[c]))

    first = _row_log_weights(W, fields[0], row_bonds[0])
    if wrap:  # column s0: the paths that start at row state s0
        log_psi = np.full((1 << W, 1 << W), -np.inf)
        np.fill_diagonal(log_psi, first)
    else:
        log_psi = np.ascontiguousarray(first[:, None])
    for r in range(1, R):
        vertical(log_psi, steps[r - 1])
        log_psi += _row_log_weights(W, fields[r], row_bonds[r])[:, None]
    if wrap:
        vertical(log_psi, steps[R - 1])
        return float(logsumexp(np.diagonal(log_psi)))
    return float(logsumexp(log_psi))


def transfer_matrix_log_z(model) -> float:
    """log Z of a square-lattice :class:`IsingModel` by the row transfer matrix.

    Any couplings and fields; rows run along the longer side. Open boundaries in the
    transfer direction iterate a vector (width up to 20); periodic ones take the trace of the
    product of row matrices (width up to 12). Steps run in scaled linear space, or in log
    space when a step's couplings are too large for it (``LINEAR_MAX_STEP_RANGE``), so any
    coupling, frustrated or not, gives the exact value.
    """
    if model.lattice is None:
        raise ValueError("transfer_matrix_log_z needs a square-lattice model")
    W, R, fields, row_bonds, step_bonds, wrap = _lattice_terms(model)
    if W > TRANSFER_MAX_WIDTH or (wrap and W > TRANSFER_PERIODIC_MAX_WIDTH):
        limit = TRANSFER_PERIODIC_MAX_WIDTH if wrap else TRANSFER_MAX_WIDTH
        raise ValueError(f"transfer matrix over 2^{W} row states: width above {limit}")
    steps = [_column_couplings(W, bonds) for bonds in step_bonds]
    widest = max(2.0 * np.abs(c).sum() for c in steps)
    run = _transfer_linear if widest <= LINEAR_MAX_STEP_RANGE else _transfer_log
    return run(W, R, fields, row_bonds, steps, wrap)


def kac_ward_log_z(model, positions: np.ndarray | None = None) -> float:
    """log Z of a planar Ising model with zero field (Kac-Ward determinant).

    ``Z = 2^N prod_e cosh J_e sqrt(det(I - Lambda))`` where ``Lambda`` acts on directed
    edges: ``Lambda[e, f] = tanh(J_e) exp(i (theta_f - theta_e) / 2)`` when ``f`` leaves the
    head of ``e`` and is not ``e`` reversed, ``theta`` the direction of an edge in the planar
    embedding ``positions`` (default: the open square lattice's grid). Works for any signs of
    couplings. The determinant comes from a sparse LU.
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import splu

    if np.any(model.fields != 0.0):
        raise ValueError("kac_ward_log_z needs zero field")
    if positions is None:
        if model.lattice is None or model.lattice.boundary != "open":
            raise ValueError("kac_ward_log_z needs a planar embedding: an open square lattice")
        _, M = model.lattice.shape
        site = np.arange(model.n_spins)
        positions = np.stack([site % M, -(site // M)], 1).astype(float)
    n_edges = model.n_edges
    if n_edges == 0:
        return model.n_spins * math.log(2.0)
    tail = np.concatenate([model.edges[:, 0], model.edges[:, 1]])
    head = np.concatenate([model.edges[:, 1], model.edges[:, 0]])
    coupling = np.concatenate([model.couplings, model.couplings])
    delta = positions[head] - positions[tail]
    theta = np.arctan2(delta[:, 1], delta[:, 0])
    n_dir = 2 * n_edges
    reverse = np.concatenate([np.arange(n_edges, n_dir), np.arange(n_edges)])
    # successors of e: directed edges f with tail(f) == head(e), f != reverse(e)
    order = np.argsort(tail, kind="stable")
    starts = np.searchsorted(tail[order], np.arange(model.n_spins + 1))
    rows, cols, vals = [], [], []
    for e in range(n_dir):
        v = head[e]
        for f in order[starts[v] : starts[v + 1]]:
            if f == reverse[e]:
                continue
            turn = (theta[f] - theta[e] + np.pi) % (2 * np.pi) - np.pi
            rows.append(e)
            cols.append(f)
            vals.append(math.tanh(coupling[e]) * np.exp(0.5j * turn))
    lam = sp.csc_matrix((vals, (rows, cols)), shape=(n_dir, n_dir), dtype=complex)
    lu = splu((sp.identity(n_dir, dtype=complex, format="csc") - lam).tocsc())
    log_det = float(np.sum(np.log(np.abs(lu.U.diagonal()))))
    return float(
        model.n_spins * math.log(2.0)
        + np.sum(_log_2cosh(model.couplings) - math.log(2.0))
        + 0.5 * log_det
    )


#: Cost of the Kac-Ward sparse LU in enumeration "terms" per ``n_directed_edges ** 1.5``,
#: so that ``max_terms`` means about the same wait for every route. Measured here: an open
#: 120 x 120 lattice (57,000 directed edges) took 3.3 s, 60 x 60 0.5 s; RBM enumeration runs
#: ~2-7e9 terms a second. The default ``max_terms`` then allows about 150 x 150 (~6 s) and
#: refuses 300 x 300 (9-546 s and 2.5 GiB).
KAC_WARD_COST = 2000.0


#: Cost of the transfer matrix in enumeration terms per element update (``R W 2^W`` open,
#: ``R W 4^W`` periodic). Measured here: 18 x 18 open (8.5e7 updates) took 2.3 s, 10 x 10
#: periodic 0.4 s, so an update costs ~25 terms of RBM enumeration; the log-space steps (huge
#: couplings) cost more, but only on small lattices in practice.
TRANSFER_COST = 25.0


def _routes(model) -> list[tuple[float, str, Any]]:
    """Every exact route that applies to ``model``, as ``(cost in terms, name, run)``."""
    lattice = model.lattice
    zero_field = not np.any(model.fields != 0.0)
    n, n_edges = model.n_spins, model.n_edges
    routes: list[tuple[float, str, Any]] = []
    k = model.uniform_coupling
    if lattice is not None and lattice.boundary == "periodic" and zero_field and k is not None:
        L, M = lattice.shape
        if _plain_torus(model) and (k >= 0.0 or (L % 2 == 0 and M % 2 == 0)):
            routes.append((float(L * M), "kaufman", lambda: kaufman_log_z(L, M, k)))
    if lattice is not None and lattice.boundary == "open" and zero_field:
        cost = KAC_WARD_COST * (2.0 * n_edges) ** 1.5
        routes.append((cost, "kac_ward", lambda: kac_ward_log_z(model)))
    if lattice is not None:
        W, R = min(lattice.shape), max(lattice.shape)
        periodic = lattice.boundary == "periodic"
        if W <= (TRANSFER_PERIODIC_MAX_WIDTH if periodic else TRANSFER_MAX_WIDTH):
            cost = TRANSFER_COST * R * W * (4.0**W if periodic else 2.0**W)
            routes.append((cost, "transfer_matrix", lambda: transfer_matrix_log_z(model)))
    if n <= BRUTE_FORCE_MAX_SPINS:
        routes.append((2.0**n * (n + n_edges), "brute_force", lambda: brute_force_log_z(model)))
    colour = model.two_coloring()
    if colour is not None:
        m = int(min(np.sum(colour == 0), np.sum(colour == 1)))
        routes.append((math.ldexp(1.0, min(m, 1023)) * (n - m), "rbm_enumeration", None))
    return routes


def exact_ising_log_z(
    model, *, max_terms: float, progress: bool = False
) -> tuple[float, dict[str, Any]]:
    """Run the cheapest exact route for ``model`` (see the module docstring).

    Each route has a cost in the units of ``max_terms`` (RBM enumeration terms); the
    cheapest runs, and when even it costs more than ``max_terms`` a ``ValueError`` says so
    before any work.
    """
    routes = _routes(model)
    if not routes:
        raise ValueError(
            f"no exact method for this Ising model ({model.n_spins} spins): not a square "
            "lattice with a known formula, too large to enumerate; estimate log Z with pt.ais"
        )
    cost, name, run = min(routes, key=lambda route: route[0])
    if cost > max_terms:
        listed = ", ".join(f"{n} {c:.3g}" for c, n, _ in sorted(routes, key=lambda r: r[0]))
        raise ValueError(
            f"exact log Z of this Ising model ({model.n_spins} spins) costs more than "
            f"max_terms={max_terms:.3g} by every route ({listed} terms); raise max_terms if "
            "you can wait, or estimate log Z with pt.ais"
        )
    if name == "rbm_enumeration":
        from partition.models.rbm import enumerate_log_z

        rbm, offset = model.to_rbm()
        log_z, info = enumerate_log_z(rbm, max_terms=max_terms, progress=progress)
        return log_z + offset, {"exact_method": name, **info}
    return run(), {"exact_method": name, "cost_terms": cost}


def _plain_torus(model) -> bool:
    """True when the bonds are all the ``2 L M`` bonds of a periodic lattice with sides >= 3
    (a side of 2 doubles bonds, which the uniform check already sees as 2K)."""
    L, M = model.lattice.shape
    return L >= 3 and M >= 3 and model.n_edges == 2 * L * M


def ising_log_z(
    L: int,
    M: int | None = None,
    coupling: float = 1.0,
    boundary: str = "periodic",
    *,
    field: float = 0.0,
    method: str = "auto",
    max_terms: float = DEFAULT_MAX_TERMS,
) -> float:
    """Exact log Z of the ``L x M`` square-lattice Ising model with uniform coupling and field.

    ``method="auto"`` runs the cheapest route that applies: Kaufman's formula for the
    periodic lattice without field (any size; ferromagnetic, or antiferromagnetic with both
    sides even), Kac-Ward for the open lattice without field, the transfer matrix (narrow side
    up to 20 open, 12 periodic; any coupling sign and field), enumeration for up to 24 spins.
    Every route works in log space, so couplings of any size give a finite value. When even
    the cheapest route costs more than ``max_terms`` (in the units of
    :func:`partition.exact_log_z`: about 10-40 s for the default ``2**36``), a ``ValueError``
    says so before any work; ``method=`` forces a route and skips that check.

    Parameters
    ----------
    L, M : int
        Sides of the lattice (``M = L`` by default).
    coupling : float
        Uniform coupling ``K`` (any sign and size).
    boundary : {"periodic", "open"}
    field : float
        Uniform field ``h``.
    method : {"auto", "kaufman", "transfer_matrix", "kac_ward", "brute_force"}
        The route; "auto" takes the cheapest that applies.
    max_terms : float
        The cost bound of "auto" (see above).

    Returns
    -------
    float
        log Z.

    Examples
    --------
    >>> import partition as pt
    >>> round(pt.ising_log_z(32, 32, 0.4406867935097715), 9)  # reference table
    952.648079549
    >>> round(pt.ising_log_z(10, coupling=0.4, boundary="open"), 9)
    85.623736653
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if boundary not in ("periodic", "open"):
        raise ValueError(f"boundary must be 'periodic' or 'open', got {boundary!r}")
    M = L if M is None else M
    k = _check_coupling(coupling)
    if isinstance(field, bool) or not isinstance(field, numbers.Real) or not math.isfinite(field):
        raise ValueError(f"field must be a finite real number, got {field!r}")
    max_terms = check_positive_float(max_terms, "max_terms")
    torus = boundary == "periodic" and field == 0.0
    sides = min(check_int(L, "L", minimum=1), check_int(M, "M", minimum=1))
    if method == "auto" and torus and sides >= 3:
        if k >= 0.0 or (L % 2 == 0 and M % 2 == 0):  # Kaufman, without building the model
            return kaufman_log_z(L, M, k)
    if method == "kaufman":
        if not torus:
            raise ValueError("Kaufman's formula is for the periodic lattice without field")
        return kaufman_log_z(L, M, k)
    from partition.models.ising import IsingModel

    model = IsingModel.square_lattice(L, M, coupling=k, field=field, boundary=boundary)
    if method == "transfer_matrix":
        return transfer_matrix_log_z(model)
    if method == "kac_ward":
        return kac_ward_log_z(model)
    if method == "brute_force":
        return brute_force_log_z(model)
    return exact_ising_log_z(model, max_terms=max_terms)[0]
