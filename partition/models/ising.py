"""Ising models: spins ``s_i in {-1, +1}`` with pairwise couplings and fields.

``E(s) = -sum_{<ij>} J_ij s_i s_j - sum_i h_i s_i``. Couplings are stored as an edge list
(``i < j``, duplicates merged by summing), so a 256 x 256 lattice costs O(number of bonds),
never a dense matrix; kernels see CSR neighbour lists. Exact log Z lives in
:mod:`partition.models.ising_exact`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from partition._validation import MAX_SPINS, as_real_array, check_int

BOUNDARIES = ("periodic", "open")


class Lattice(NamedTuple):
    """Where a model came from :meth:`~partition.IsingModel.square_lattice`: sites ``r * M + c``."""

    shape: tuple[int, int]
    boundary: str


class IsingParams(NamedTuple):
    """CSR neighbour lists and fields: what kernels see."""

    indptr: np.ndarray  # (n_spins + 1,) int64
    indices: np.ndarray  # (2 * n_edges,) int64
    couplings: np.ndarray  # (2 * n_edges,) float64
    fields: np.ndarray  # (n_spins,) float64


def square_lattice_edges(L: int, M: int | None = None, boundary: str = "periodic") -> np.ndarray:
    """Bonds of an ``L x M`` square lattice, sites numbered ``r * M + c``.

    Each site bonds to its right and lower neighbour (wrapping around when periodic), so a
    periodic lattice has ``2 L M`` bonds; on a periodic side of length 2 the two bonds
    between a pair are both listed (they act as one bond of twice the coupling). Returns
    ``(n_bonds, 2)`` int64: first the horizontal bonds row by row, then the vertical ones.

    Examples
    --------
    >>> from partition.models.ising import square_lattice_edges
    >>> square_lattice_edges(2, 3, "open").tolist()
    [[0, 1], [1, 2], [3, 4], [4, 5], [0, 3], [1, 4], [2, 5]]
    """
    L = check_int(L, "L", minimum=1)
    M = L if M is None else check_int(M, "M", minimum=1)
    if L * M > MAX_SPINS:
        raise ValueError(f"L x M must be at most {MAX_SPINS:,} spins, got {L} x {M}")
    if boundary not in BOUNDARIES:
        raise ValueError(f"boundary must be 'periodic' or 'open', got {boundary!r}")
    periodic = boundary == "periodic"
    if periodic and (L < 2 or M < 2):
        raise ValueError(f"a periodic lattice needs both sides >= 2, got {L} x {M}")
    r, c = np.meshgrid(np.arange(L), np.arange(M), indexing="ij")
    site = r * M + c
    if periodic:
        horizontal = np.stack([site.ravel(), (r * M + (c + 1) % M).ravel()], 1)
        vertical = np.stack([site.ravel(), (((r + 1) % L) * M + c).ravel()], 1)
    else:
        horizontal = np.stack([site[:, :-1].ravel(), site[:, 1:].ravel()], 1)
        vertical = np.stack([site[:-1, :].ravel(), site[1:, :].ravel()], 1)
    return np.concatenate([horizontal, vertical]).astype(np.int64)


def _merge_edges(n_spins: int, edges, couplings) -> tuple[np.ndarray, np.ndarray]:
    edges = np.asarray(edges)
    if edges.ndim != 2 or edges.shape[1] != 2:
        raise ValueError(f"edges must have shape (n_edges, 2), got {edges.shape}")
    if edges.size and not np.issubdtype(edges.dtype, np.integer):
        raise TypeError(f"edges must hold integer site indices, got dtype {edges.dtype}")
    edges = edges.astype(np.int64)
    couplings = as_real_array(couplings, "couplings", ndim=(0, 1))
    if couplings.ndim == 1 and couplings.shape != (edges.shape[0],):
        raise ValueError(
            f"couplings must be a scalar or one value per edge ({edges.shape[0]}), got shape "
            f"{couplings.shape}"
        )
    couplings = np.broadcast_to(couplings, (edges.shape[0],)).astype(np.float64)
    if edges.size and (edges.min() < 0 or edges.max() >= n_spins):
        raise ValueError(f"edges must index sites 0 .. {n_spins - 1}")
    if np.any(edges[:, 0] == edges[:, 1]):
        k = int(np.argmax(edges[:, 0] == edges[:, 1]))
        raise ValueError(
            f"self-coupling on site {edges[k, 0]} (edge {k}): spins cannot couple to themselves"
        )
    lo = np.minimum(edges[:, 0], edges[:, 1])
    hi = np.maximum(edges[:, 0], edges[:, 1])
    keys, inverse = np.unique(lo * n_spins + hi, return_inverse=True)
    merged = np.zeros(keys.size)
    np.add.at(merged, inverse, couplings)
    pairs = np.stack([keys // n_spins, keys % n_spins], 1)
    return pairs, merged


def _check_lattice(lattice, n_spins: int, edges: np.ndarray) -> None:
    """``lattice`` must describe the model: ``L * M == n_spins`` and every bond a lattice
    bond, so that the lattice formulas (which read the lattice) see the model's bonds."""
    if not isinstance(lattice, Lattice):
        raise TypeError(f"lattice must be a Lattice((L, M), boundary) or None, got {lattice!r}")
    shape, boundary = lattice
    if (
        not isinstance(shape, tuple)
        or len(shape) != 2
        or not all(isinstance(x, int | np.integer) and x >= 1 for x in shape)
    ):
        raise ValueError(f"lattice shape must be two positive integers (L, M), got {shape!r}")
    if boundary not in BOUNDARIES:
        raise ValueError(f"lattice boundary must be 'periodic' or 'open', got {boundary!r}")
    L, M = int(shape[0]), int(shape[1])
    if L * M != n_spins:
        raise ValueError(f"lattice {L}x{M} has {L * M} sites, the model {n_spins} spins")
    allowed, _ = _merge_edges(n_spins, square_lattice_edges(L, M, boundary), 0.0)
    keys = edges[:, 0] * n_spins + edges[:, 1]
    outside = ~np.isin(keys, allowed[:, 0] * n_spins + allowed[:, 1])
    if np.any(outside):
        a, b = edges[np.argmax(outside)]
        raise ValueError(
            f"edges: bond ({a}, {b}) is not a bond of the {L}x{M} {boundary} lattice given as "
            "lattice; drop lattice= for a model on another graph"
        )


@dataclass(frozen=True, eq=False, repr=False)
class IsingModel:
    """An Ising model on any graph: ``E(s) = -sum_edges J s_i s_j - sum_i h_i s_i``.

    Parameters
    ----------
    n_spins : int
    edges : array_like of int, shape (n_edges, 2)
        Coupled pairs; duplicates are merged (couplings summed), order within a pair is free.
    couplings : float or array_like, shape (n_edges,)
        ``J`` of each edge.
    fields : float or array_like, shape (n_spins,)
        ``h``.
    lattice : Lattice, optional
        Set by :meth:`square_lattice`; enables the exact lattice formulas.

    Examples
    --------
    >>> import partition as pt
    >>> m = pt.IsingModel(3, [[0, 1], [1, 2]], 0.5, fields=[0.1, 0.0, -0.1])
    >>> m.energy([1, 1, -1])
    -0.2
    """

    n_spins: int
    edges: np.ndarray
    couplings: np.ndarray
    fields: np.ndarray = 0.0  # type: ignore[assignment]
    lattice: Lattice | None = None

    def __post_init__(self) -> None:
        n = check_int(self.n_spins, "n_spins", minimum=1, maximum=MAX_SPINS)
        edges, couplings = _merge_edges(n, self.edges, self.couplings)
        fields = as_real_array(self.fields, "fields", ndim=(0, 1))
        if fields.ndim == 1 and fields.shape != (n,):
            if self.lattice is not None and fields.size == n:
                fields = fields.ravel()
            else:
                raise ValueError(
                    f"fields must be a scalar or have shape ({n},), got {fields.shape}"
                )
        fields = np.broadcast_to(fields, (n,)).astype(np.float64)
        if self.lattice is not None:
            _check_lattice(self.lattice, n, edges)
        for name, arr in (("edges", edges), ("couplings", couplings), ("fields", fields)):
            arr = np.ascontiguousarray(arr)
            arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "n_spins", n)

    # ----------------------------------------------------------------- constructors
    @classmethod
    def square_lattice(
        cls,
        L: int,
        M: int | None = None,
        *,
        coupling=1.0,
        field=0.0,
        boundary: str = "periodic",
    ) -> IsingModel:
        """An ``L x M`` square lattice (``M = L`` by default), sites numbered ``r * M + c``.

        ``coupling`` is a scalar or one value per bond in the order of
        :func:`~partition.models.ising.square_lattice_edges` (e.g. random couplings for a
        spin glass); ``field`` is a scalar or ``(L, M)``/``(L*M,)``.

        Examples
        --------
        >>> import partition as pt
        >>> m = pt.IsingModel.square_lattice(4, coupling=0.44)
        >>> m.n_spins, m.edges.shape[0], m.lattice.boundary
        (16, 32, 'periodic')
        """
        M = L if M is None else M
        edges = square_lattice_edges(L, M, boundary)
        coupling = as_real_array(coupling, "coupling", ndim=(0, 1))
        if coupling.ndim == 1 and coupling.shape != (edges.shape[0],):
            raise ValueError(
                f"coupling must be a scalar or one value per bond ({edges.shape[0]}), got "
                f"{coupling.shape}"
            )
        field = as_real_array(field, "field", ndim=(0, 1, 2))
        if field.ndim >= 1:
            if field.size != L * M:
                raise ValueError(f"field must be a scalar or have L*M = {L * M} values")
            field = field.ravel()
        return cls(L * M, edges, coupling, field, Lattice((int(L), int(M)), boundary))

    @classmethod
    def from_couplings(cls, couplings, fields=0.0) -> IsingModel:
        """From a symmetric coupling matrix (dense array or ``scipy.sparse``), zero diagonal.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> J = np.array([[0, 1.0], [1.0, 0]])
        >>> pt.IsingModel.from_couplings(J).edges.tolist()
        [[0, 1]]
        """
        import scipy.sparse as sp

        matrix = sp.coo_matrix(couplings) if sp.issparse(couplings) else None
        if matrix is None:
            dense = as_real_array(couplings, "couplings", ndim=2)
            matrix = sp.coo_matrix(dense)
        else:
            if not np.all(np.isfinite(matrix.data)):
                raise ValueError("couplings must be finite")
        n, m = matrix.shape
        if n != m:
            raise ValueError(f"couplings must be square, got shape {matrix.shape}")
        csr = matrix.tocsr()
        if np.any(csr.diagonal() != 0):
            raise ValueError("couplings must have a zero diagonal (no self-coupling)")
        if abs(csr - csr.T).max() > 0:
            raise ValueError("couplings must be symmetric")
        upper = sp.triu(csr, k=1).tocoo()
        edges = np.stack([upper.row, upper.col], 1)
        return cls(n, edges, upper.data, fields)

    @classmethod
    def ring(cls, n_spins: int, coupling: float = 1.0, field: float = 0.0) -> IsingModel:
        """The periodic 1-D chain ``s_0 - s_1 - ... - s_{n-1} - s_0`` (``n_spins >= 3``)."""
        n = check_int(n_spins, "n_spins", minimum=3)
        edges = np.stack([np.arange(n), (np.arange(n) + 1) % n], 1)
        return cls(n, edges, coupling, field)

    # ----------------------------------------------------------------- properties
    @property
    def n_edges(self) -> int:
        return int(self.edges.shape[0])

    @property
    def params(self) -> IsingParams:
        """CSR neighbour lists (each bond appears from both ends) and fields."""
        i, j = self.edges[:, 0], self.edges[:, 1]
        rows = np.concatenate([i, j])
        cols = np.concatenate([j, i])
        vals = np.concatenate([self.couplings, self.couplings])
        order = np.lexsort((cols, rows))
        indptr = np.zeros(self.n_spins + 1, dtype=np.int64)
        np.add.at(indptr, rows + 1, 1)
        return IsingParams(
            np.cumsum(indptr), cols[order].astype(np.int64), vals[order], self.fields.copy()
        )

    @property
    def uniform_coupling(self) -> float | None:
        """The common coupling of every bond, or None."""
        if self.n_edges and np.all(self.couplings == self.couplings[0]):
            return float(self.couplings[0])
        return None

    def __repr__(self) -> str:
        where = (
            f"{self.lattice.shape[0]}x{self.lattice.shape[1]} {self.lattice.boundary}"
            if self.lattice
            else f"{self.n_spins} spins"
        )
        k = self.uniform_coupling
        coupling = "varied" if k is None else k
        return f"IsingModel({where}, {self.n_edges} bonds, coupling={coupling})"

    # ----------------------------------------------------------------- NumPy references
    def energy(self, s) -> np.ndarray | float:
        """``E(s)`` for spins in {-1, +1}: shape ``(n, n_spins)`` or ``(n_spins,)``.

        Examples
        --------
        >>> import partition as pt
        >>> pt.IsingModel.ring(4, coupling=1.0).energy([1, 1, 1, 1])
        -4.0
        """
        arr = as_real_array(s, "s", ndim=(1, 2))
        single = arr.ndim == 1
        rows = arr[None, :] if single else arr
        if rows.shape[1] != self.n_spins:
            raise ValueError(f"s must have {self.n_spins} columns (spins), got shape {arr.shape}")
        if np.any(np.abs(rows) != 1.0):
            raise ValueError("s must hold spins -1 or +1")
        e = -(rows[:, self.edges[:, 0]] * rows[:, self.edges[:, 1]]) @ self.couplings
        e -= rows @ self.fields
        return float(e[0]) if single else e

    def validate_states(self, states, name: str) -> np.ndarray:
        """Spin states ``(n, n_spins)`` of +-1, ``n >= 1``; errors name ``name``."""
        arr = as_real_array(states, name, ndim=2)
        if arr.shape[1] != self.n_spins or arr.shape[0] < 1:
            raise ValueError(f"{name} must have shape (n, {self.n_spins}), got {arr.shape}")
        if np.any(np.abs(arr) != 1.0):
            raise ValueError(f"{name} must hold spins -1 or +1")
        return arr

    def log_unnormalized_prob(self, s) -> np.ndarray | float:
        """``-E(s)``."""
        return -self.energy(s)

    # ----------------------------------------------------------------- mapping to an RBM
    def two_coloring(self) -> np.ndarray | None:
        """A 0/1 colour per site with every bond joining different colours, or None."""
        p = self.params
        colour = np.full(self.n_spins, -1, dtype=np.int64)
        for start in range(self.n_spins):
            if colour[start] >= 0:
                continue
            colour[start] = 0
            stack = [start]
            while stack:
                u = stack.pop()
                for v in p.indices[p.indptr[u] : p.indptr[u + 1]]:
                    if colour[v] < 0:
                        colour[v] = 1 - colour[u]
                        stack.append(int(v))
                    elif colour[v] == colour[u]:
                        return None
        return colour

    def to_rbm(self) -> tuple[Any, float]:
        """The exact checkerboard mapping to a :class:`~partition.BernoulliRBM`.

        Sites of colour 0 become visible units, colour 1 hidden units (``s = 2x - 1``). A bond
        gives ``J s_i s_j = 4 J x_i x_j - 2 J (x_i + x_j) + J``, so ``W = 4J`` between the two
        sublattices, biases ``2 h_i - 2 sum_{j ~ i} J_ij``, and
        ``log Z_ising = log Z_rbm + offset`` with ``offset = sum_bonds J - sum_i h_i``.

        Returns ``(rbm, offset)``; the visible units are the colour-0 sites in increasing
        order, the hidden units the colour-1 sites. Raises ``ValueError`` when the graph is not
        bipartite (an odd periodic side, a ring of odd length, ...).

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> ising = pt.IsingModel.square_lattice(4, coupling=0.3, boundary="open")
        >>> rbm, offset = ising.to_rbm()
        >>> bool(np.isclose(pt.exact_log_z(rbm).log_z + offset, pt.exact_log_z(ising).log_z))
        True
        """
        from partition.models.rbm import BernoulliRBM

        colour = self.two_coloring()
        if colour is None:
            raise ValueError(
                "to_rbm needs a bipartite lattice: this graph has an odd cycle"
                + (
                    " (an odd periodic side)"
                    if self.lattice and self.lattice.boundary == "periodic"
                    else ""
                )
            )
        visible = np.flatnonzero(colour == 0)
        hidden = np.flatnonzero(colour == 1)
        if hidden.size == 0:  # no bonds at all: put one site on the hidden side
            visible, hidden = visible[:-1], visible[-1:]
        pos = np.empty(self.n_spins, dtype=np.int64)
        pos[visible] = np.arange(visible.size)
        pos[hidden] = np.arange(hidden.size)
        weights = np.zeros((visible.size, hidden.size))
        degree_sum = np.zeros(self.n_spins)
        np.add.at(degree_sum, self.edges[:, 0], self.couplings)
        np.add.at(degree_sum, self.edges[:, 1], self.couplings)
        a, b = self.edges[:, 0], self.edges[:, 1]
        vis_end = np.where(colour[a] == 0, a, b)
        hid_end = np.where(colour[a] == 0, b, a)
        np.add.at(weights, (pos[vis_end], pos[hid_end]), 4.0 * self.couplings)
        bias = 2.0 * self.fields - 2.0 * degree_sum
        offset = float(self.couplings.sum() - self.fields.sum())
        return BernoulliRBM(weights, bias[visible], bias[hidden]), offset

    # ------------------------------------------------- family protocol (models/base.py)
    @property
    def state_shape(self) -> tuple[int]:
        """``(n_spins,)``: two Ising models can be bridged when these agree."""
        return (self.n_spins,)

    def can_sample_exactly(self) -> bool:
        """Up to 24 spins by enumeration, or a bipartite graph whose smaller colour class
        has at most 24 sites (through :meth:`to_rbm`)."""
        from partition.models.ising_exact import BRUTE_FORCE_MAX_SPINS
        from partition.models.rbm import EXACT_SAMPLE_MAX_UNITS

        if self.n_spins <= BRUTE_FORCE_MAX_SPINS:
            return True
        colour = self.two_coloring()
        if colour is None:
            return False
        return int(min(np.sum(colour == 0), np.sum(colour == 1))) <= EXACT_SAMPLE_MAX_UNITS

    def sample_exactly(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Exact spin samples: through ``to_rbm`` (one colour class enumerated) when the
        graph is bipartite and has more than 16 spins, else by enumerating all spins (up
        to 24). A 20-spin ring took 1.4 s by full enumeration, 2^20 energies."""
        from partition.models.ising_exact import BRUTE_FORCE_MAX_SPINS
        from partition.models.rbm import EXACT_SAMPLE_MAX_UNITS, exact_sample_layers

        colour = self.two_coloring() if self.n_spins > FULL_ENUMERATION_SPINS else None
        through_rbm = (
            colour is not None
            and int(min(np.sum(colour == 0), np.sum(colour == 1))) <= EXACT_SAMPLE_MAX_UNITS
        )
        if self.n_spins <= BRUTE_FORCE_MAX_SPINS and not through_rbm:
            index = np.arange(1 << self.n_spins)
            spins_bits = np.arange(self.n_spins)
            log_p = np.empty(index.size)
            chunk = 1 << min(self.n_spins, 16)
            for start in range(0, index.size, chunk):
                s = 2.0 * ((index[start : start + chunk, None] >> spins_bits) & 1) - 1.0
                log_p[start : start + chunk] = -self.energy(s)
            cdf = np.cumsum(np.exp(log_p - log_p.max()))
            drawn = np.minimum(
                np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), cdf.size - 1
            )
            return 2.0 * ((drawn[:, None] >> spins_bits) & 1) - 1.0
        colour = self.two_coloring()
        if colour is None:
            raise ValueError(
                f"exact sampling of {self.n_spins} spins needs enumeration (up to 24) or a "
                "bipartite graph"
            )
        rbm, _ = self.to_rbm()
        visible, hidden = exact_sample_layers(rbm, n, rng)
        spins = np.empty((n, self.n_spins))
        spins[:, np.flatnonzero(colour == 0)] = 2.0 * visible - 1.0
        spins[:, np.flatnonzero(colour == 1)] = 2.0 * hidden - 1.0
        return spins

    def compute_exact_log_z(self, *, max_terms: float, progress: bool = False):
        """``(log Z, info)`` by Kaufman, the transfer matrix, Kac-Ward or enumeration."""
        from partition.models.ising_exact import exact_ising_log_z

        return exact_ising_log_z(self, max_terms=max_terms, progress=progress)

    #: The family's name in the test systems' registry (``TestSystem.family``).
    family = "ising"

    #: What the benchmark counts as a run's cost: transitions (a sweep over the units each),
    #: counted over all chains.
    cost_unit = "sweeps"

    @staticmethod
    def transitions() -> dict:
        """The built-in transitions this family takes (heat bath and Metropolis), by the
        names the benchmark and ``partition bench`` use: name -> a class that makes one."""
        from partition import transitions as t

        return {"heat-bath": t.HeatBath, "metropolis": t.Metropolis}

    def annealing_path(self, *, transition=None, **options):
        """``exp(-beta E(s))`` from independent fair spins at ``beta = 0``.

        Parameters
        ----------
        transition : {"gibbs", "metropolis"}, HeatBath, Metropolis, Step or None
            Heat-bath (Gibbs, the default: :class:`~partition.transitions.HeatBath`) or
            Metropolis (:class:`~partition.transitions.Metropolis`) sweeps, colour class by
            colour class, or a step of your own (:class:`~partition.transitions.Step`). The
            path has no other option: its base is fixed.

        A step of your own receives ``model = (indptr, indices, couplings, fields, order,
        class_ptr)`` (the CSR neighbour lists of :attr:`params`, and the sites in colour
        classes, ``order[class_ptr[k]:class_ptr[k + 1]]`` the ``k``-th), ``cache[0]`` the
        energy ``E(s)`` of the chain's spins ``s`` (keep it true: add ``2 s_i l_i`` when
        ``s_i`` flips), and ``scratch`` ``(2, largest class)`` of work space.
        """
        from partition.models._ising_ais import IsingAnnealingPath
        from partition.transitions import HeatBath, Metropolis, Step

        options = {key: value for key, value in options.items() if value is not None}
        if options:
            raise TypeError(
                f"the Ising annealing path takes no option {', '.join(map(repr, options))} "
                "(its base is independent fair spins; only transition= applies)"
            )
        named = {None: HeatBath(), "gibbs": HeatBath(), "metropolis": Metropolis()}
        if isinstance(transition, (HeatBath, Metropolis, Step)):
            return IsingAnnealingPath(self, transition)
        if isinstance(transition, str) or transition is None:
            if transition in named:
                return IsingAnnealingPath(self, named[transition])
        raise ValueError(
            "transition must be 'gibbs', 'metropolis', pt.transitions.HeatBath(), "
            "pt.transitions.Metropolis() or a pt.transitions.Step for Ising models, got "
            f"{transition!r}"
        )


#: Exact sampling enumerates all spins up to this many, even on a bipartite graph.
FULL_ENUMERATION_SPINS = 16


def critical_coupling() -> float:
    """``K_c = log(1 + sqrt 2) / 2``, the critical coupling of the square lattice."""
    return 0.5 * math.log1p(math.sqrt(2.0))
