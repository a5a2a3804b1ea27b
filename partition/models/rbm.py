"""The Bernoulli-Bernoulli restricted Boltzmann machine.

Energy ``E(v, h) = -b.v - c.h - v W h`` with binary ``v`` (``n_visible``) and ``h``
(``n_hidden``); ``W`` has shape ``(n_visible, n_hidden)``. The NumPy methods here are the
references that the numba kernels are tested against.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Any, NamedTuple

import numba
import numpy as np

from partition._io import model_arrays, save_npz_atomic
from partition._progress import Progress
from partition._rng import RNGLike, as_generator
from partition._validation import (
    as_binary_rows,
    as_real_array,
    check_int,
    check_positive_float,
    check_weight_count,
    frozen,
)

#: Default cap on the work of exact enumeration: states of the enumerated layer times units of
#: the summed-out layer. 2**36 terms take roughly 10 to 40 seconds on two cores.
DEFAULT_MAX_TERMS = 2**36
#: Hard cap on the number of enumerated units, whatever ``max_terms`` says.
MAX_ENUMERATED_UNITS = 48
_NPZ_KEYS = ("weights", "visible_bias", "hidden_bias")


class RBMParams(NamedTuple):
    """The arrays that kernels see: C-contiguous, read-only float64."""

    weights: np.ndarray
    visible_bias: np.ndarray
    hidden_bias: np.ndarray


def softplus(x: np.ndarray) -> np.ndarray:
    """``log(1 + exp(x))``, accurate for any finite ``x``."""
    return np.logaddexp(0.0, x)


def rbm_arrays(weights, visible_bias, hidden_bias):
    """The three parameter arrays of an RBM, real and finite, with matching shapes (both RBM
    kinds check their parameters here); errors name the argument."""
    weights = as_real_array(weights, "weights", ndim=2)
    visible_bias = as_real_array(visible_bias, "visible_bias", ndim=1)
    hidden_bias = as_real_array(hidden_bias, "hidden_bias", ndim=1)
    n_visible, n_hidden = weights.shape
    if n_visible == 0 or n_hidden == 0:
        raise ValueError(f"weights must have at least one row and column, got {weights.shape}")
    if visible_bias.shape != (n_visible,):
        raise ValueError(
            f"visible_bias must have shape ({n_visible},) to match weights "
            f"{weights.shape}, got {visible_bias.shape}"
        )
    if hidden_bias.shape != (n_hidden,):
        raise ValueError(
            f"hidden_bias must have shape ({n_hidden},) to match weights "
            f"{weights.shape}, got {hidden_bias.shape}"
        )
    return weights, visible_bias, hidden_bias


def random_rbm_arrays(n_visible, n_hidden, weight_scale, bias_scale, rng):
    """Checked sizes and scales, then ``W ~ N(0, weight_scale^2)``, ``b, c ~ N(0,
    bias_scale^2)`` drawn in that order (``random`` of both RBM kinds)."""
    n_visible = check_int(n_visible, "n_visible", minimum=1)
    n_hidden = check_int(n_hidden, "n_hidden", minimum=1)
    check_weight_count(n_visible, n_hidden)
    weight_scale = check_positive_float(weight_scale, "weight_scale")
    bias_scale = check_positive_float(bias_scale, "bias_scale")
    gen = as_generator(rng)
    return (
        gen.normal(0.0, weight_scale, (n_visible, n_hidden)),
        gen.normal(0.0, bias_scale, n_visible),
        gen.normal(0.0, bias_scale, n_hidden),
    )


@dataclass(frozen=True, eq=False, repr=False)
class BernoulliRBM:
    """A binary restricted Boltzmann machine.

    Parameters
    ----------
    weights : array_like, shape (n_visible, n_hidden)
        Couplings ``W``.
    visible_bias : array_like, shape (n_visible,)
        Visible biases ``b``.
    hidden_bias : array_like, shape (n_hidden,)
        Hidden biases ``c``.

    The arrays are copied to read-only C-contiguous float64; non-finite values and shape
    mismatches raise ``ValueError``.

    Examples
    --------
    >>> import numpy as np
    >>> import partition as pt
    >>> rbm = pt.BernoulliRBM(np.zeros((3, 2)), np.zeros(3), np.zeros(2))
    >>> rbm.n_visible, rbm.n_hidden
    (3, 2)
    >>> bool(np.isclose(rbm.free_energy(np.array([1, 0, 1])), -2 * np.log(2)))
    True
    """

    weights: np.ndarray
    visible_bias: np.ndarray
    hidden_bias: np.ndarray

    def __post_init__(self) -> None:
        arrays = rbm_arrays(self.weights, self.visible_bias, self.hidden_bias)
        for name, value in zip(("weights", "visible_bias", "hidden_bias"), arrays, strict=True):
            object.__setattr__(self, name, frozen(value))

    # ----------------------------------------------------------------- basic properties
    @property
    def n_visible(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_hidden(self) -> int:
        return int(self.weights.shape[1])

    @property
    def params(self) -> RBMParams:
        """The parameter arrays as a NamedTuple, for kernels."""
        return RBMParams(self.weights, self.visible_bias, self.hidden_bias)

    def __repr__(self) -> str:
        return f"BernoulliRBM(n_visible={self.n_visible}, n_hidden={self.n_hidden})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BernoulliRBM):
            return NotImplemented
        return (
            np.array_equal(self.weights, other.weights)
            and np.array_equal(self.visible_bias, other.visible_bias)
            and np.array_equal(self.hidden_bias, other.hidden_bias)
        )

    __hash__ = None  # type: ignore[assignment]

    # ----------------------------------------------------------------- NumPy references
    def energy(self, v, h) -> np.ndarray | float:
        """Joint energy ``E(v, h) = -b.v - c.h - v W h``.

        ``v`` and ``h`` are binary, either single states (1-D, returns a float) or batches of
        equal length (2-D, returns shape ``(n,)``).

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> rbm = pt.BernoulliRBM(np.ones((2, 1)), np.zeros(2), np.zeros(1))
        >>> rbm.energy([1, 1], [1])
        -2.0
        """
        v_rows, v_single = as_binary_rows(v, "v", self.n_visible, "n_visible")
        h_rows, h_single = as_binary_rows(h, "h", self.n_hidden, "n_hidden")
        if v_single != h_single or v_rows.shape[0] != h_rows.shape[0]:
            raise ValueError(
                f"v and h must both be single states or batches of equal length, got shapes "
                f"{np.shape(v)} and {np.shape(h)}"
            )
        e = -(
            v_rows @ self.visible_bias
            + h_rows @ self.hidden_bias
            + np.einsum("ni,ij,nj->n", v_rows, self.weights, h_rows)
        )
        return float(e[0]) if v_single else e

    def free_energy(self, v) -> np.ndarray | float:
        """Free energy of visible states, the hidden layer summed out.

        ``F(v) = -b.v - sum_j softplus(c_j + (v W)_j)``, so ``p(v) = exp(-F(v)) / Z``.

        Parameters
        ----------
        v : array_like, shape (n, n_visible) or (n_visible,)
            Binary visible states.

        Returns
        -------
        numpy.ndarray of shape (n,), or float for a single state.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> rbm = pt.BernoulliRBM(np.zeros((2, 1)), np.array([1.0, 0.0]), np.zeros(1))
        >>> round(rbm.free_energy([1, 0]), 6)  # -1 - log 2
        -1.693147
        """
        rows, single = as_binary_rows(v, "v", self.n_visible, "n_visible")
        f = -(rows @ self.visible_bias) - softplus(rows @ self.weights + self.hidden_bias).sum(1)
        return float(f[0]) if single else f

    def free_energy_hidden(self, h) -> np.ndarray | float:
        """Free energy of hidden states, the visible layer summed out.

        ``F(h) = -c.h - sum_i softplus(b_i + (W h)_i)``.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> rbm = pt.BernoulliRBM(np.zeros((1, 2)), np.zeros(1), np.array([1.0, 0.0]))
        >>> round(rbm.free_energy_hidden([1, 0]), 6)
        -1.693147
        """
        rows, single = as_binary_rows(h, "h", self.n_hidden, "n_hidden")
        f = -(rows @ self.hidden_bias) - softplus(rows @ self.weights.T + self.visible_bias).sum(1)
        return float(f[0]) if single else f

    def log_unnormalized_prob(self, v) -> np.ndarray | float:
        """``log p*(v) = -F(v)``, the unnormalised log probability of visible states.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> rbm = pt.BernoulliRBM(np.zeros((2, 1)), np.zeros(2), np.zeros(1))
        >>> round(rbm.log_unnormalized_prob([0, 1]), 6)
        0.693147
        """
        f = self.free_energy(v)
        return -f

    # ----------------------------------------------------------------- constructors & I/O
    @classmethod
    def random(
        cls,
        n_visible: int,
        n_hidden: int,
        *,
        weight_scale: float = 1.0,
        bias_scale: float = 1.0,
        rng: RNGLike = None,
    ) -> BernoulliRBM:
        """An RBM with independent normal parameters, for tests and benchmarks.

        Weights are ``N(0, weight_scale**2)``, biases ``N(0, bias_scale**2)``.

        Examples
        --------
        >>> import partition as pt
        >>> a = pt.BernoulliRBM.random(5, 3, rng=0)
        >>> a == pt.BernoulliRBM.random(5, 3, rng=0)
        True
        """
        return cls(*random_rbm_arrays(n_visible, n_hidden, weight_scale, bias_scale, rng))

    @classmethod
    def from_sklearn(cls, estimator: Any) -> BernoulliRBM:
        """Convert a fitted ``sklearn.neural_network.BernoulliRBM``.

        scikit-learn stores ``components_`` as ``(n_hidden, n_visible)``; it is transposed.
        scikit-learn is not imported: any object with ``components_``, ``intercept_visible_``
        and ``intercept_hidden_`` works.

        Examples
        --------
        >>> import numpy as np, partition as pt
        >>> from sklearn.neural_network import BernoulliRBM as SkRBM
        >>> X = (np.random.default_rng(0).random((50, 6)) < 0.5).astype(float)
        >>> sk = SkRBM(n_components=3, n_iter=2, random_state=0).fit(X)
        >>> pt.BernoulliRBM.from_sklearn(sk).weights.shape
        (6, 3)
        """
        missing = [
            name
            for name in ("components_", "intercept_visible_", "intercept_hidden_")
            if not hasattr(estimator, name)
        ]
        if missing:
            if hasattr(estimator, "fit") and hasattr(estimator, "n_components"):
                raise ValueError(
                    "estimator is not fitted: it lacks " + ", ".join(missing) + "; call fit first"
                )
            raise TypeError(
                "estimator must be a fitted sklearn.neural_network.BernoulliRBM (missing "
                + ", ".join(missing)
                + f"), got {type(estimator).__name__}"
            )
        components = as_real_array(estimator.components_, "estimator.components_", ndim=2)
        return cls(
            weights=components.T,
            visible_bias=estimator.intercept_visible_,
            hidden_bias=estimator.intercept_hidden_,
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write the parameters to an ``.npz`` file (keys ``weights``, ``visible_bias``,
        ``hidden_bias``), through a temporary file renamed into place: a failed write never
        leaves a truncated file or loses the old one.

        Examples
        --------
        >>> import os, tempfile, partition as pt
        >>> rbm = pt.BernoulliRBM.random(4, 2, rng=1)
        >>> path = os.path.join(tempfile.mkdtemp(), "m.npz")
        >>> rbm.save(path)
        >>> pt.BernoulliRBM.load(path) == rbm
        True
        """
        save_npz_atomic(path, dict(zip(_NPZ_KEYS, self.params, strict=True)))

    @classmethod
    def load(cls, path: str | os.PathLike | Any) -> BernoulliRBM:
        """Read an RBM written by :meth:`save` (or any ``.npz`` with the same three keys).

        ``path`` is a file name or an open binary file. A missing key raises ``ValueError``
        naming it; a Gaussian-Bernoulli RBM file (with ``sigma``) is refused by name
        (:func:`partition.load_model` reads either kind).
        """
        from partition._io import read_model_arrays

        return cls._from_arrays(*read_model_arrays(path))

    @classmethod
    def _from_arrays(cls, name: str, arrays: dict) -> BernoulliRBM:
        if "sigma" in arrays:
            raise ValueError(
                f"{name} has a 'sigma' key: it is a Gaussian-Bernoulli RBM file; load it with "
                "pt.GaussianBernoulliRBM.load or pt.load_model"
            )
        return cls(**model_arrays(name, arrays, _NPZ_KEYS, "an RBM file"))

    # ------------------------------------------------- family protocol (models/base.py)
    @property
    def state_shape(self) -> tuple[int, int]:
        """``(n_visible, n_hidden)``: two RBMs can be bridged when these agree."""
        return (self.n_visible, self.n_hidden)

    def compute_exact_log_z(self, *, max_terms: float, progress: bool = False):
        """``(log Z, info)``, the smaller layer enumerated (:func:`partition.exact_log_z`)."""
        return enumerate_log_z(self, max_terms=max_terms, progress=progress)

    def can_sample_exactly(self) -> bool:
        """Whether a layer is small enough (``EXACT_SAMPLE_MAX_UNITS``) to sample exactly."""
        return min(self.n_visible, self.n_hidden) <= EXACT_SAMPLE_MAX_UNITS

    def sample_exactly(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` exact visible samples (see :func:`partition.exact_sample`)."""
        return exact_sample_layers(self, n, rng)[0]

    def validate_states(self, states, name: str) -> np.ndarray:
        """Binary visible states ``(n, n_visible)``, ``n >= 1``; errors name ``name``."""
        rows, single = as_binary_rows(states, name, self.n_visible, "n_visible")
        if single:
            raise ValueError(
                f"{name} must be 2-D (n, {self.n_visible}), got one row of shape "
                f"{np.shape(states)}: pass [row]"
            )
        if rows.shape[0] < 1:
            raise ValueError(f"{name} must hold at least one row")
        return rows

    #: The family's name in the test systems' registry (``TestSystem.family``).
    family = "rbm"

    #: What the benchmark counts as a run's cost: transitions (a sweep over the units each),
    #: counted over all chains.
    cost_unit = "sweeps"

    @staticmethod
    def transitions() -> dict:
        """The built-in transitions this family takes (block Gibbs), by the
        names the benchmark and ``partition bench`` use: name -> a class that makes one."""
        from partition import transitions as t

        return {"block-gibbs": t.BlockGibbs}

    def annealing_path(
        self, *, transition=None, base=None, data=None, dtype=np.float64, driver="auto",
        device="cpu",
    ):  # fmt: skip
        """The path of Salakhutdinov & Murray (2008), with the RBM family's options.

        Parameters
        ----------
        transition : {"gibbs"}, BlockGibbs, Step or None
            Block Gibbs (:class:`~partition.transitions.BlockGibbs`, the built-in
            transition; None means it), or a step of your own
            (:class:`~partition.transitions.Step`, run on ``driver="engine"`` in float64).
            A step receives ``model = (weights, weights.T, visible_bias, hidden_bias,
            base_bias)`` (float64; the path's ``p*_beta(v)`` has visible biases ``(1 - beta)
            base_bias + beta visible_bias`` and couplings ``beta weights``), the chain's
            visible units ``v`` (float64 0/1, updated in place), an empty ``cache`` and
            ``scratch`` ``(3, max(n_visible, n_hidden))`` of work space.
        base : {"uniform", "data"}, BernoulliRBM or array_like, optional
            The base model: uniform, the base rates of ``data`` (smoothed logits of its
            means), an RBM with zero weights, or visible biases. Default: ``"data"`` when
            ``data`` is given, else ``"uniform"``.
        data : array_like, optional
            Binary training data, for ``base="data"``.
        dtype : {numpy.float64, numpy.float32}
            Precision of the matrix products (float32 runs the batched driver).
        driver : {"auto", "fused", "batched", "engine"}
            The kernel: one fused loop per chain (small layers), or GEMMs over blocks of
            chains (large ones); "auto" picks by size. "engine" runs block Gibbs as a step of
            the population engine (:mod:`partition.engine`), as a step of your own runs: the
            fused driver's draws, weights equal to rounding.
        device : {"cpu", "cuda"}
            "cuda" runs the chains on a CUDA GPU, one thread per chain
            (:mod:`partition.kernels.cuda_rbm`, same streams as the CPU); refused before
            any work when numba.cuda finds no device.

        Every estimator that anneals (``ais``, ``reverse_ais``, ``bdmc``,
        ``raise_log_likelihood``, ``evaluate``) passes these through: ``pt.ais(rbm,
        data=train, dtype=np.float32)``.
        """
        from partition.models._rbm_ais import RBMAnnealingPath, base_visible_bias
        from partition.transitions import block_gibbs

        transition = block_gibbs(transition, "RBMs")
        bias, label = base_visible_bias(self, base, data)
        if not isinstance(device, str) or device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        if device == "cuda":
            from partition.kernels.cuda_rbm import check_device

            if driver != "auto":
                raise ValueError("device='cuda' runs its own kernel: leave driver='auto'")
            check_device()
            driver = "cuda"
        return RBMAnnealingPath(self, bias, label, dtype, driver, transition)


# --------------------------------------------------------------------- exact enumeration
_MULTIPLICATIVE_LIMIT = 600.0  # |activation| bound under which y = exp(x) stays normal
_CHUNK_LOG_LIMIT = 650.0  # each product chunk stays below exp(650)
_ADDITIVE_CHUNK = 512  # factors in [1, 2]: 2**512 is far from overflow
_PIECE_TERMS = 2.0**31  # terms per kernel call (~0.3-1 s): Ctrl-C is seen between calls


def _enumeration_plan(rows: np.ndarray, other_bias: np.ndarray, mode: str = "auto") -> dict:
    """Choose the element mode and product chunks for :func:`rbm_log_z_blocks`."""
    n = other_bias.shape[0]
    upper = other_bias + np.clip(rows, 0.0, None).sum(0)
    lower = other_bias + np.clip(rows, None, 0.0).sum(0)
    bounded = bool(upper.max() <= _MULTIPLICATIVE_LIMIT and lower.min() >= -_MULTIPLICATIVE_LIMIT)
    if mode == "multiplicative" and not bounded:
        raise ValueError(
            "mode='multiplicative' needs every activation within +-600 over all states; "
            "use mode='auto' or 'additive'"
        )
    if mode not in ("auto", "additive", "multiplicative"):
        raise ValueError(f"mode must be 'auto', 'additive' or 'multiplicative', got {mode!r}")
    multiplicative = bounded and mode != "additive"
    if multiplicative:
        ends = []
        running = 0.0
        for i, log_factor in enumerate(softplus(upper)):
            if running + log_factor > _CHUNK_LOG_LIMIT and running > 0.0:
                ends.append(i)
                running = 0.0
            running += log_factor
        ends.append(n)
        up, down = np.exp(rows), np.exp(-rows)
    else:
        ends = [*range(_ADDITIVE_CHUNK, n, _ADDITIVE_CHUNK), n]
        up, down = rows, np.ascontiguousarray(-rows)
    return {
        "multiplicative": multiplicative,
        "ends": np.asarray(ends, dtype=np.int64),
        "up": np.ascontiguousarray(up),
        "down": np.ascontiguousarray(down),
    }


def _block_bits(m: int) -> int:
    """States per parallel block: at least 64 blocks once there are 2**16 states."""
    if m <= 10:
        return m
    return min(16, max(10, m - 6))


def _enumeration_setup(model: BernoulliRBM, layer: str | None, max_terms: float, mode: str):
    """Choose the enumerated layer, check the work bound, and plan the kernel call."""
    if layer is None:
        layer = "hidden" if model.n_hidden <= model.n_visible else "visible"
    if layer == "hidden":
        rows = np.ascontiguousarray(model.weights.T)
        enum_bias, other_bias = model.hidden_bias, model.visible_bias
    elif layer == "visible":
        rows = np.ascontiguousarray(model.weights)
        enum_bias, other_bias = model.visible_bias, model.hidden_bias
    else:
        raise ValueError(f"layer must be 'hidden', 'visible' or None, got {layer!r}")
    m, n = rows.shape
    n_terms = 2.0**m * n
    if m > MAX_ENUMERATED_UNITS or n_terms > max_terms:
        raise ValueError(
            f"exact enumeration of the {layer} layer ({m} units, 2^{m} states) with {n} units "
            f"summed out needs {n_terms:.3g} terms, more than max_terms={max_terms:.3g}"
            + (f" (and more than {MAX_ENUMERATED_UNITS} units)" if m > MAX_ENUMERATED_UNITS else "")
            + "; raise max_terms if you can wait, or estimate log Z with AIS"
        )
    plan = _enumeration_plan(rows, other_bias, mode)
    args = (
        rows,
        np.ascontiguousarray(enum_bias),
        np.ascontiguousarray(other_bias),
        plan["up"],
        plan["down"],
        plan["ends"],
        plan["multiplicative"],
        _block_bits(m),
    )
    return layer, args, plan


def enumerate_log_z(
    model: BernoulliRBM,
    *,
    max_terms: float = DEFAULT_MAX_TERMS,
    layer: str | None = None,
    mode: str = "auto",
    progress: bool = False,
) -> tuple[float, dict[str, Any]]:
    """Exact log Z of an RBM by enumerating one layer (the smaller one unless ``layer`` says).

    ``mode`` picks the element update (see :mod:`partition.kernels.enumeration`): "auto"
    uses the multiplicative one when every activation is bounded by 600 in absolute value,
    else the additive one. Returns ``(log_z, info)``. Raises ``ValueError`` before any work
    when ``2**m * n > max_terms`` (``m`` enumerated units, ``n`` summed-out units).
    """
    from partition._numba import interruptible
    from partition.kernels.enumeration import rbm_log_z_blocks

    layer, args, plan = _enumeration_setup(model, layer, max_terms, mode)
    m, n = args[0].shape
    block_bits = args[-1]
    n_blocks = 1 << (m - block_bits)
    # pieces of ~_PIECE_TERMS terms, a whole number of blocks per thread: Python sees Ctrl-C
    # between kernel calls only
    threads = numba.get_num_threads()
    per_piece = int(_PIECE_TERMS // (2.0**block_bits * max(n, 1)))
    per_piece = max(threads, per_piece - per_piece % threads)
    # compile first, on an empty range of blocks (same argument types): the timing below is
    # the enumeration's alone, and the compilation is reported apart
    compile_start = time.perf_counter()
    interruptible(rbm_log_z_blocks, *args, 0, 0)
    compile_seconds = time.perf_counter() - compile_start
    start = time.perf_counter()
    bar = Progress(2**m, f"exact log Z (2^{m} states)", progress, unit="state")
    pieces = []
    for b0 in range(0, n_blocks, per_piece):
        b1 = min(b0 + per_piece, n_blocks)
        pieces.append(interruptible(rbm_log_z_blocks, *args, b0, b1))
        bar.update(b1 << block_bits)
    bar.close()
    m_blocks = np.concatenate([p[0] for p in pieces])
    s_blocks = np.concatenate([p[1] for p in pieces])
    top = float(m_blocks.max())
    log_z = top + math.log(float(np.sum(s_blocks * np.exp(m_blocks - top))))
    seconds = time.perf_counter() - start
    info = {
        "enumerated_layer": layer,
        "n_enumerated_units": m,
        "n_states": 2**m,
        "mode": "multiplicative" if plan["multiplicative"] else "additive",
        "n_blocks": int(m_blocks.size),
        "seconds": seconds,
        "states_per_second": 2**m / seconds if seconds > 0 else float("inf"),
        "compile_seconds": compile_seconds,
    }
    if not math.isfinite(log_z):
        raise FloatingPointError(f"exact enumeration produced a non-finite log Z ({log_z})")
    return log_z, info


#: Exact sampling keeps one float64 per state of the enumerated layer.
EXACT_SAMPLE_MAX_UNITS = 24


def exact_sample_layers(
    model: BernoulliRBM, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Exact joint samples ``(v, h)``: the smaller layer from its marginal, the other given it.

    The marginal of every state of the enumerated layer is computed (Gray-code kernel), states
    are drawn by inverting the cumulative distribution, and the other layer is drawn from its
    factorised conditional.
    """
    from partition._numba import interruptible
    from partition.kernels.enumeration import rbm_state_log_values

    m = min(model.n_visible, model.n_hidden)
    if m > EXACT_SAMPLE_MAX_UNITS:
        raise ValueError(
            f"exact sampling enumerates 2^{m} states of the smaller layer; allowed up to "
            f"{EXACT_SAMPLE_MAX_UNITS} units. Use MCMC samples (reverse_ais(samples=None) "
            "draws approximate ones and marks them so)"
        )
    layer, args, _ = _enumeration_setup(model, None, float("inf"), "auto")
    log_values = interruptible(rbm_state_log_values, *args)
    weights = np.exp(log_values - log_values.max())
    cdf = np.cumsum(weights)
    index = np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right")
    index = np.minimum(index, cdf.size - 1)
    enumerated = ((index[:, None] >> np.arange(m)) & 1).astype(np.float64)
    if layer == "hidden":
        p_visible = 1.0 / (1.0 + np.exp(-(enumerated @ model.weights.T + model.visible_bias)))
        visible = (rng.random(p_visible.shape) < p_visible).astype(np.float64)
        return visible, enumerated
    p_hidden = 1.0 / (1.0 + np.exp(-(enumerated @ model.weights + model.hidden_bias)))
    return enumerated, (rng.random(p_hidden.shape) < p_hidden).astype(np.float64)
