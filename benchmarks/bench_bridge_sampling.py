"""pt.bridge_sampling on posteriors with exact marginal likelihoods: accuracy and calibration.

For each case, ``n_reps`` independent sets of posterior draws (and proposal seeds) give
``n_reps`` estimates; the table reports the RMS error against the exact log marginal
likelihood, the spread of the estimates, the mean and the root-mean-square of the reported
standard errors, the RMS z-score and the coverage of the 95% interval. Cases: the
beta-binomial of issue 12 (7 of 20, Beta(1, 1) prior) and a skewed Beta(3, 9) posterior under
the probit and the logit map; a Dirichlet-multinomial (simplex); a von Mises mean direction
across the cut at +-pi (circular); 4 AR(1) chains (phi = 0.9) of a correlated 3-d Gaussian;
iid draws of a correlated 20-d Gaussian.
"""

from __future__ import annotations

import math
import time

import numpy as np
from scipy.signal import lfilter
from scipy.special import betaln, gammaln, i0e

import partition as pt


def thread_counts():  # accuracy tables only: no timed cases
    return (1,)


def cases(quick: bool = False):  # noqa: ARG001 - the harness's signature
    return []


def _beta(a, b, n_chains, n_draws):
    def log_density(x):  # the unnormalised Beta(a, b): Z = B(a, b)
        return (a - 1) * np.log(x[:, 0]) + (b - 1) * np.log1p(-x[:, 0])

    def draws(g):
        return g.beta(a, b, size=(n_chains, n_draws, 1))

    return log_density, float(betaln(a, b)), draws, {"bounds": ([0.0], [1.0])}


def _dirichlet(alpha, counts, n_chains, n_draws):
    alpha, counts = np.asarray(alpha, float), np.asarray(counts, float)

    def log_beta(a):
        return gammaln(a).sum(-1) - gammaln(a.sum(-1))

    def log_density(x):
        return ((alpha - 1 + counts) * np.log(x)).sum(1) - log_beta(alpha)

    def draws(g):
        return g.dirichlet(alpha + counts, size=(n_chains, n_draws))

    exact = float(log_beta(alpha + counts) - log_beta(alpha))
    return log_density, exact, draws, {"param_types": ["simplex"] * alpha.size}


def _von_mises(n_chains, n_draws):
    kappa = 1.5
    y = np.random.default_rng(11).vonmises(3.0, kappa, size=8)
    c, s = np.cos(y).sum(), np.sin(y).sum()

    def log_i0(x):
        return np.log(i0e(x)) + x

    norm = y.size * (math.log(2 * math.pi) + log_i0(kappa)) + math.log(2 * math.pi)

    def log_density(x):  # uniform prior on the circle, known concentration
        return kappa * (c * np.cos(x[:, 0]) + s * np.sin(x[:, 0])) - norm

    exact = float(
        log_i0(kappa * math.hypot(c, s)) - y.size * (math.log(2 * math.pi) + log_i0(kappa))
    )
    direction, concentration = math.atan2(s, c), kappa * math.hypot(c, s)

    def draws(g):
        return g.vonmises(direction, concentration, size=(n_chains, n_draws, 1))

    return log_density, exact, draws, {"param_types": ["circular"]}


def _gaussian(d, n_chains, n_draws, phi):
    g0 = np.random.default_rng(7)
    a = g0.normal(size=(d, d))
    cov = a @ a.T / d + 0.5 * np.eye(d)
    precision, chol, mean = np.linalg.inv(cov), np.linalg.cholesky(cov), g0.normal(size=d)
    exact = 0.5 * d * math.log(2 * math.pi) + 0.5 * np.linalg.slogdet(cov)[1]

    def log_density(x):
        y = x - mean
        return -0.5 * np.einsum("ni,ij,nj->n", y, precision, y)

    def draws(g):
        e = g.normal(size=(n_chains, n_draws, d))
        if phi:  # AR(1) chains started in their stationary law
            e[:, 1:] *= math.sqrt(1 - phi**2)
            e = lfilter([1.0], [1.0, -phi], e, axis=1)
        return mean + e @ chol.T

    return log_density, float(exact), draws, {}


def _cases():
    return [
        ("beta-binomial 7/20 (Beta(8, 14))", _beta(8.0, 14.0, 2, 2000), ("probit", "logit")),
        ("Beta(3, 9), 1,000 draws", _beta(3.0, 9.0, 1, 1000), ("probit", "logit")),
        (
            "Dirichlet-multinomial, K = 4",
            _dirichlet([1, 2, 1, 1.5], [12, 5, 3, 8], 2, 1000),
            ("-",),
        ),
        ("von Mises across +-pi", _von_mises(2, 1000), ("probit", "logit")),
        ("Gaussian 3-d, 4 AR(1) chains phi 0.9", _gaussian(3, 4, 2000, 0.9), ("-",)),
        ("Gaussian 20-d, iid", _gaussian(20, 1, 4000, 0.0), ("-",)),
    ]


def tables(quick: bool = False):
    n_reps = 20 if quick else 200
    rows = []
    for name, (log_density, exact, draws, options), maps in _cases():
        for method in ("normal", "warp3"):
            for two_sided in maps:
                kwargs = dict(options)
                if two_sided != "-":
                    kwargs["two_sided"] = two_sided
                est, err, seconds = [], [], 0.0
                for rep in range(n_reps):
                    samples = draws(np.random.default_rng(10_000 + rep))
                    start = time.perf_counter()
                    fit = pt.bridge_sampling(log_density, samples, method=method, rng=rep, **kwargs)
                    seconds += time.perf_counter() - start
                    est.append(fit.log_z)
                    err.append(fit.stderr)
                est, err = np.array(est), np.array(err)
                z = (est - exact) / err
                spread = float(est.std(ddof=1))
                row = {
                    "case": name,
                    "method": method,
                    "map": two_sided,
                    "reps": n_reps,
                    "draws": int(samples.shape[0] * samples.shape[1]),
                    "rms_error": float(np.sqrt(np.mean((est - exact) ** 2))),
                    "spread": spread,
                    "mean_reported": float(err.mean()),
                    "rms_reported": float(np.sqrt(np.mean(err**2))),
                    "spread_over_mean_reported": spread / float(err.mean()),
                    "spread_over_rms_reported": spread / float(np.sqrt(np.mean(err**2))),
                    "rms_z": float(np.sqrt(np.mean(z**2))),
                    "coverage_95": float(np.mean(np.abs(z) < 1.959964)),
                    "ms_per_estimate": 1e3 * seconds / n_reps,
                }
                rows.append(row)
                print(
                    f"  {name:<38} {method:<6} {two_sided:<6} rms {row['rms_error']:.2e} "
                    f"spread/mean {row['spread_over_mean_reported']:.2f} "
                    f"rms z {row['rms_z']:.2f} cover {row['coverage_95']:.2f}",
                    flush=True,
                )
    return [("bridge_sampling", "pt.bridge_sampling against exact marginal likelihoods", rows)]
