"""Continuous test systems with exact log Z and exact samplers (the continuous side of
:mod:`partition.models.testsystems`).

Each function returns a :class:`~partition.LogDensity` whose ``log_z`` (see
:func:`partition.exact_log_z`) is exact and whose ``sampler`` draws exact samples, with numba
log densities and gradients:

- :func:`correlated_gaussian`: ``N(m, S)`` in any dimension, optionally ill-conditioned;
  ``log Z = d/2 log 2 pi + 1/2 log det S``.
- :func:`gaussian_mixture`: equal-weight mixture of well-separated isotropic Gaussians, the
  normalised density (``log Z = 0``): 4 modes in 2-D, or 2 modes in ``d`` dimensions.
- :func:`funnel`: Neal's funnel, ``v ~ N(0, 9)``, ``x_i | v ~ N(0, e^v)`` (d = 10),
  normalised (``log Z = 0``).
- :func:`many_well`: ``d/2`` independent double wells ``-x1^4 + 6 x1^2 + x1/2 - x2^2/2``
  (d = 32, Midgley et al. 2023); the 1-D factor's integral by a convergent double series
  (:func:`double_well_log_z`), checked against quadrature in the tests.
- :func:`bayesian_regression`: the posterior of a linear regression with known noise and a
  Gaussian prior, unnormalised as prior x likelihood: ``log Z`` is the evidence
  ``log N(y; 0, s^2 I + t^2 X X')``.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np
from scipy.special import gammaln, logsumexp

from partition._validation import check_int, check_positive_float
from partition.models.continuous import LogDensity, Normal

LOG_2PI = math.log(2.0 * math.pi)

#: The densities' decorator: re-association lets LLVM vectorise their sums (NaN and inf
#: semantics kept), as the package's own kernels do.
_jit = numba.njit(fastmath={"reassoc", "contract"}, error_model="numpy")


# Exact samplers: module-level functions with their arrays bound by functools.partial, so
# that the systems pickle (to process pools and Dask workers); a local function would not.
def _gaussian_draws(n, rng, *, mean, chol):
    return mean + rng.normal(size=(n, mean.size)) @ chol.T


def _mixture_draws(n, rng, *, means, scale):
    which = rng.integers(0, means.shape[0], size=n)
    return means[which] + scale * rng.normal(size=(n, means.shape[1]))


def _funnel_draws(count, rng, *, sigma_v, dim):
    v = sigma_v * rng.normal(size=count)
    return np.column_stack([v, np.exp(v / 2)[:, None] * rng.normal(size=(count, dim - 1))])


def _double_well_draws(n, rng, *, envelope_sd, log_m):
    """Rejection draws of ``exp(-x^4 + 6 x^2 + x / 2)`` from a two-normal envelope."""
    out = np.empty(0)
    while out.size < n:
        centre = np.where(rng.random(2 * n) < 0.5, -math.sqrt(3), math.sqrt(3))
        x = centre + envelope_sd * rng.normal(size=2 * n)
        lt = -(x**4) + 6 * x**2 + 0.5 * x
        le = np.logaddexp(-0.5 * ((x + math.sqrt(3)) / envelope_sd) ** 2,
                          -0.5 * ((x - math.sqrt(3)) / envelope_sd) ** 2)  # fmt: skip
        keep = np.log(rng.random(2 * n)) < lt - le - log_m
        out = np.concatenate([out, x[keep]])
    return out[:n]


def _many_well_draws(n, rng, *, dim, envelope_sd, log_m):
    pairs = dim // 2
    x = np.empty((n, dim))
    x[:, 0::2] = _double_well_draws(n * pairs, rng, envelope_sd=envelope_sd,
                                    log_m=log_m).reshape(n, pairs)  # fmt: skip
    x[:, 1::2] = rng.normal(size=(n, pairs))
    return x


def correlated_gaussian(dim: int = 10, *, condition: float = 10.0, seed: int = 0) -> LogDensity:
    """``N(m, S)`` with a random rotation and eigenvalues log-spaced over ``condition``.

    Examples
    --------
    >>> import numpy as np, partition as pt
    >>> from partition.models.continuous_systems import correlated_gaussian
    >>> target = correlated_gaussian(5)
    >>> half_log_det = 0.5 * np.linalg.slogdet(target.info["cov"])[1]
    >>> bool(np.isclose(pt.exact_log_z(target).log_z, 2.5 * np.log(2 * np.pi) + half_log_det))
    True
    """
    dim = check_int(dim, "dim", minimum=1, maximum=10_000)
    condition = check_positive_float(condition, "condition")
    g = np.random.default_rng(seed)
    q, _ = np.linalg.qr(g.normal(size=(dim, dim)))
    eig = np.exp(np.linspace(0.0, math.log(condition), dim)) if dim > 1 else np.ones(1)
    cov = (q * eig) @ q.T
    cov = 0.5 * (cov + cov.T)
    mean = g.normal(size=dim)
    precision = np.linalg.inv(cov)
    precision = 0.5 * (precision + precision.T)
    chol = np.linalg.cholesky(cov)

    @_jit
    def log_prob(x):  # loops, no temporaries: a point costs its d^2 multiply-adds
        total = 0.0
        for i in range(dim):
            row = 0.0
            for j in range(dim):
                row += precision[i, j] * (x[j] - mean[j])
            total += (x[i] - mean[i]) * row
        return -0.5 * total

    @_jit
    def grad(x, out):  # fills out: no allocation per call
        for i in range(dim):
            row = 0.0
            for j in range(dim):
                row += precision[i, j] * (x[j] - mean[j])
            out[i] = -row

    sampler = functools.partial(_gaussian_draws, mean=mean, chol=chol)
    log_z = 0.5 * dim * LOG_2PI + float(np.log(np.diag(chol)).sum())
    target = LogDensity(log_prob, grad, dim=dim, log_z=log_z, sampler=sampler,
                        name=f"gaussian {dim}-d, condition {condition:g}")  # fmt: skip
    target.info = {"mean": mean, "cov": cov}
    return target


def gaussian_mixture(
    dim: int = 2, *, separation: float = 8.0, scale: float = 1.0, n_modes: int | None = None
) -> LogDensity:
    """Equal-weight mixture of isotropic Gaussians ``N(mu_k, scale^2 I)``, normalised.

    In 2-D the four modes sit at ``(+-s/2, +-s/2)``; in ``d`` dimensions two modes sit at
    ``+-(s/2) (1, ..., 1) / sqrt(d)`` (``s`` apart). With ``n_modes=3`` (``d >= 2``) three
    modes sit on a circle in the first two coordinates, each ``s`` from the others. The base
    of its path is ``N(0, s^2 I)``, wide enough to cover every mode.
    """
    dim = check_int(dim, "dim", minimum=1, maximum=10_000)
    separation = check_positive_float(separation, "separation")
    scale = check_positive_float(scale, "scale")
    half = separation / 2.0
    if n_modes is not None and (n_modes != 3 or dim < 2):
        raise ValueError(f"n_modes must be None, or 3 with dim >= 2; got {n_modes} (dim {dim})")
    if n_modes == 3:
        angles = 2.0 * math.pi * np.arange(3) / 3.0
        means = np.zeros((3, dim))
        means[:, 0] = separation / math.sqrt(3.0) * np.cos(angles)
        means[:, 1] = separation / math.sqrt(3.0) * np.sin(angles)
    elif dim == 2:
        means = np.array([[half, half], [half, -half], [-half, half], [-half, -half]])
    else:
        unit = np.ones(dim) / math.sqrt(dim)
        means = np.stack([half * unit, -half * unit])
    k = means.shape[0]
    log_norm = -math.log(k) - 0.5 * dim * (LOG_2PI + 2.0 * math.log(scale))
    inv_var = 1.0 / scale**2

    @_jit
    def _terms(x, terms):
        best = -np.inf
        for j in range(k):
            sq = 0.0
            for i in range(dim):
                sq += (x[i] - means[j, i]) ** 2
            terms[j] = -0.5 * inv_var * sq
            best = max(best, terms[j])
        return best

    @_jit
    def log_prob(x):
        terms = np.empty(k)
        best = _terms(x, terms)
        total = 0.0
        for j in range(k):
            total += math.exp(terms[j] - best)
        return best + math.log(total) + log_norm

    @_jit
    def grad(x, out):
        terms = np.empty(k)
        best = _terms(x, terms)
        total = 0.0
        for j in range(k):
            terms[j] = math.exp(terms[j] - best)
            total += terms[j]
        out[:] = 0.0
        for j in range(k):
            w = terms[j] / total * inv_var
            for i in range(dim):
                out[i] += w * (means[j, i] - x[i])

    sampler = functools.partial(_mixture_draws, means=means, scale=scale)
    base = Normal(np.zeros(dim), separation**2)
    return LogDensity(log_prob, grad, dim=dim, base=base, log_z=0.0, sampler=sampler,
                      name=f"gaussian mixture {dim}-d, {k} modes")  # fmt: skip


def funnel(dim: int = 10, *, sigma_v: float = 3.0) -> LogDensity:
    """Neal's funnel: ``v ~ N(0, sigma_v^2)``, ``x_i | v ~ N(0, e^v)``; normalised."""
    dim = check_int(dim, "dim", minimum=2, maximum=10_000)
    sigma_v = check_positive_float(sigma_v, "sigma_v")
    n = dim - 1
    log_norm_v = -0.5 * LOG_2PI - math.log(sigma_v)

    @_jit
    def log_prob(x):
        v = x[0]
        s = 0.0
        for i in range(1, dim):
            s += x[i] * x[i]
        return (
            log_norm_v - 0.5 * v * v / sigma_v**2 - 0.5 * n * (LOG_2PI + v) - 0.5 * math.exp(-v) * s
        )

    @_jit
    def grad(x, out):
        v = x[0]
        e = math.exp(-v)
        s = 0.0
        for i in range(1, dim):
            s += x[i] * x[i]
            out[i] = -e * x[i]
        out[0] = -v / sigma_v**2 - 0.5 * n + 0.5 * e * s

    sampler = functools.partial(_funnel_draws, sigma_v=sigma_v, dim=dim)
    base = Normal(np.zeros(dim), np.r_[sigma_v**2, np.full(n, 4.0)])
    return LogDensity(log_prob, grad, dim=dim, base=base, log_z=0.0, sampler=sampler,
                      name=f"funnel {dim}-d")  # fmt: skip


def double_well_log_z(terms: int = 200) -> float:
    """``log of the integral of exp(-x^4 + 6 x^2 + x/2)`` over the real line, exactly.

    Expand ``e^{x/2} = sum_m (x/2)^m / m!`` and ``e^{6 x^2} = sum_j 6^j x^{2j} / j!``; odd
    powers integrate to 0 against ``e^{-x^4}`` and ``int x^{2k} e^{-x^4} dx = Gamma((2k +
    1) / 4) / 2``, so ``Z = sum_{m, j} (1/2)^{2m} / (2m)! 6^j / j! Gamma((2m + 2j + 1) / 4) /
    2``: a double series of positive terms that converges (the Gamma grows slower than the
    factorials), summed in log space.
    """
    m = np.arange(terms)[:, None]
    j = np.arange(terms)[None, :]
    log_terms = (
        2 * m * math.log(0.5) - gammaln(2 * m + 1)
        + j * math.log(6.0) - gammaln(j + 1)
        + gammaln((2 * m + 2 * j + 1) / 4.0) - math.log(2.0)
    )  # fmt: skip
    return float(logsumexp(log_terms))


def many_well(dim: int = 32) -> LogDensity:
    """``dim / 2`` independent double wells in ``(x1, x2)`` pairs: ``2^(dim/2)`` modes.

    ``log p*(x) = sum_pairs -x1^4 + 6 x1^2 + x1/2 - x2^2/2``, so ``log Z = dim/2 (log Z_1 +
    log 2 pi / 2)`` with ``Z_1`` from :func:`double_well_log_z`. Exact samples: ``x2`` normal,
    ``x1`` by rejection from a two-normal envelope at the wells (``+-sqrt 3``).
    """
    dim = check_int(dim, "dim", minimum=2, maximum=10_000)
    if dim % 2:
        raise ValueError(f"many_well needs an even dim, got {dim}")
    pairs = dim // 2
    log_z1 = double_well_log_z()

    @_jit
    def log_prob(x):
        total = 0.0
        for i in range(pairs):
            a = x[2 * i]
            b = x[2 * i + 1]
            total += -(a**4) + 6.0 * a * a + 0.5 * a - 0.5 * b * b
        return total

    @_jit
    def grad(x, out):
        for i in range(pairs):
            a = x[2 * i]
            out[2 * i] = -4.0 * a**3 + 12.0 * a + 0.5
            out[2 * i + 1] = -x[2 * i + 1]

    grid = np.linspace(-4.0, 4.0, 40001)
    log_target = -(grid**4) + 6 * grid**2 + 0.5 * grid
    envelope_sd = 0.45
    log_env = logsumexp(
        np.stack([-0.5 * ((grid - s) / envelope_sd) ** 2 for s in (-math.sqrt(3), math.sqrt(3))]),
        axis=0,
    )
    log_m = float(np.max(log_target - log_env)) + 0.05  # the ratio's maximum, with a margin

    sampler = functools.partial(_many_well_draws, dim=dim, envelope_sd=envelope_sd, log_m=log_m)
    base = Normal(np.zeros(dim), np.tile([3.0, 1.0], pairs))
    log_z = pairs * (log_z1 + 0.5 * LOG_2PI)
    return LogDensity(log_prob, grad, dim=dim, base=base, log_z=log_z, sampler=sampler,
                      name=f"many-well {dim}-d")  # fmt: skip


def bayesian_regression(
    n_data: int = 50, dim: int = 5, *, noise: float = 0.5, prior_scale: float = 2.0, seed: int = 0
) -> LogDensity:
    """The posterior of ``y = X b + e`` (``e ~ N(0, noise^2 I)``, ``b ~ N(0, prior_scale^2
    I)``) as prior x likelihood: ``log Z`` is the evidence ``log N(y; 0, noise^2 I +
    prior_scale^2 X X')``; exact samples from the Gaussian posterior."""
    n_data = check_int(n_data, "n_data", minimum=1)
    dim = check_int(dim, "dim", minimum=1, maximum=10_000)
    g = np.random.default_rng(seed)
    X = g.normal(size=(n_data, dim))
    y = X @ g.normal(size=dim) + noise * g.normal(size=n_data)
    s2, t2 = noise**2, prior_scale**2
    cov_y = s2 * np.eye(n_data) + t2 * X @ X.T
    _, logdet = np.linalg.slogdet(cov_y)
    log_z = float(-0.5 * (n_data * LOG_2PI + logdet + y @ np.linalg.solve(cov_y, y)))
    post_prec = X.T @ X / s2 + np.eye(dim) / t2
    post_cov = np.linalg.inv(post_prec)
    post_cov = 0.5 * (post_cov + post_cov.T)
    post_mean = post_cov @ (X.T @ y) / s2
    chol = np.linalg.cholesky(post_cov)
    const = -0.5 * n_data * (LOG_2PI + math.log(s2)) - 0.5 * dim * (LOG_2PI + math.log(t2))

    @_jit
    def log_prob(b):
        rss = 0.0
        for i in range(n_data):
            r = y[i]
            for j in range(dim):
                r -= X[i, j] * b[j]
            rss += r * r
        bb = 0.0
        for j in range(dim):
            bb += b[j] * b[j]
        return const - 0.5 * rss / s2 - 0.5 * bb / t2

    @_jit
    def grad(b, out):
        for j in range(dim):
            out[j] = -b[j] / t2
        for i in range(n_data):
            r = y[i]
            for j in range(dim):
                r -= X[i, j] * b[j]
            for j in range(dim):
                out[j] += X[i, j] * r / s2

    sampler = functools.partial(_gaussian_draws, mean=post_mean, chol=chol)
    base = Normal(np.zeros(dim), t2)  # the prior
    return LogDensity(log_prob, grad, dim=dim, base=base, log_z=log_z, sampler=sampler,
                      name=f"bayesian regression, {n_data} points, {dim} coefficients")  # fmt: skip


def continuous_systems() -> dict[str, LogDensity]:
    """The named continuous test systems (one instance each)."""
    return {
        "gaussian-10d": correlated_gaussian(10),
        "gaussian-100d": correlated_gaussian(100, condition=10.0),
        "mixture-2d": gaussian_mixture(2),
        "mixture-10d": gaussian_mixture(10),
        "funnel-10d": funnel(10),
        "many-well-32d": many_well(32),
        "regression": bayesian_regression(),
    }
