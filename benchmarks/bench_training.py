"""Training methods side by side on the shipped digits (accuracy table).

RBMs with 20 hidden units fitted to the 1,500 training images with the same budget of
parameter updates (50 epochs x 75 mini-batches of 20 = 3,750 updates), judged by the exact
test log-likelihood (297 images). Each method gets its best learning rate from
{0.02, 0.05, 0.1} (mean of 2 seeds); scikit-learn's BernoulliRBM gets the same budget
(batch 20, 50 iterations) and its best rate from {0.005, 0.01, 0.02, 0.05, 0.1}. NCE uses
10 noise samples per data point; the table also gives its learned log Z minus the exact one.
``training_speed`` times PCD and CD-1 (training alone, monitoring apart) against
scikit-learn's ``fit`` at the same budget, in the same run.
"""

from __future__ import annotations

import time

import numpy as np

import partition as pt
from benchmarks.bench_exact import thread_counts  # noqa: F401 - same thread settings

RATES = (0.02, 0.05, 0.1)
SK_RATES = (0.005, 0.01, 0.02, 0.05, 0.1)
METHODS = {
    "CD-1": {"method": "cd", "k": 1},
    "CD-10": {"method": "cd", "k": 10},
    "PCD": {"method": "pcd"},
    "PCD + tempering (4)": {"method": "pcd", "n_temperatures": 4},
    "pseudo-likelihood": {"method": "pl"},
    "ratio matching": {"method": "rm"},
    "NCE": {"method": "nce"},
}


def cases(quick: bool = False):  # noqa: ARG001 - the runner's interface
    """No timed comparison here: this benchmark is an accuracy table."""
    return []


def _exact_test_ll(model, test):
    return pt.log_likelihood(model, test, pt.exact_log_z(model)).mean


def tables(quick: bool = False):
    from sklearn.neural_network import BernoulliRBM as SkRBM

    train, test = pt.datasets.digits()
    epochs = 5 if quick else 50
    seeds = (0,) if quick else (0, 1)
    rows = []
    for name, options in METHODS.items():
        best = None
        for rate in RATES:
            lls, log_z_errors, seconds = [], [], []
            for seed in seeds:
                start = time.perf_counter()
                fit = pt.fit_rbm(
                    train, 20, n_epochs=epochs, batch_size=20, learning_rate=rate,
                    monitor_every=0, rng=seed, **options,
                )  # fmt: skip
                seconds.append(time.perf_counter() - start)
                lls.append(_exact_test_ll(fit.model, test))
                if options["method"] == "nce":
                    log_z_errors.append(fit.info["nce_log_z"] - pt.exact_log_z(fit.model).log_z)
            row = {
                "method": name,
                "best_learning_rate": rate,
                "exact_test_ll_mean": float(np.mean(lls)),
                "exact_test_ll_sd": float(np.std(lls, ddof=1)) if len(lls) > 1 else float("nan"),
                "updates": epochs * 75,
                "seconds_per_fit": float(np.mean(seconds)),
                "nce_log_z_minus_exact": float(np.mean(log_z_errors)) if log_z_errors else None,
            }
            if best is None or row["exact_test_ll_mean"] > best["exact_test_ll_mean"]:
                best = row
        rows.append(best)
        print(f"  {name:<22} {best}", flush=True)
    best = None
    for rate in SK_RATES:
        lls, seconds = [], []
        for seed in seeds:
            start = time.perf_counter()
            sk = SkRBM(
                n_components=20, learning_rate=rate, batch_size=20, n_iter=epochs, random_state=seed
            ).fit(train)
            seconds.append(time.perf_counter() - start)
            lls.append(_exact_test_ll(pt.BernoulliRBM.from_sklearn(sk), test))
        row = {
            "method": "scikit-learn BernoulliRBM",
            "best_learning_rate": rate,
            "exact_test_ll_mean": float(np.mean(lls)),
            "exact_test_ll_sd": float(np.std(lls, ddof=1)) if len(lls) > 1 else float("nan"),
            "updates": epochs * 75,
            "seconds_per_fit": float(np.mean(seconds)),
            "nce_log_z_minus_exact": None,
        }
        if best is None or row["exact_test_ll_mean"] > best["exact_test_ll_mean"]:
            best = row
    rows.append(best)
    print(f"  {'scikit-learn':<22} {best}", flush=True)
    return [
        ("training", "Exact test log-likelihood by training method, digits, 20 hidden", rows),
        (
            "training_speed",
            "PCD and CD-1 against scikit-learn at the same budget",
            _speed(train, epochs),
        ),
    ]


def _speed(train, epochs):
    """Seconds of training alone (``info["seconds"] - info["monitor_seconds"]``: the one
    checkpoint at the end is left out) against scikit-learn's ``fit``, best of 5, same run."""
    from sklearn.neural_network import BernoulliRBM as SkRBM

    def best_of(call):
        return min(call() for _ in range(5))

    def ours(method):
        def run():
            fit = pt.fit_rbm(train, 20, method=method, n_epochs=epochs, batch_size=20,
                             learning_rate=0.05, monitor_every=0, rng=0)  # fmt: skip
            return fit.info["seconds"] - fit.info["monitor_seconds"]

        return run

    def sklearn():
        start = time.perf_counter()
        SkRBM(n_components=20, learning_rate=0.05, batch_size=20, n_iter=epochs,
              random_state=0).fit(train)  # fmt: skip
        return time.perf_counter() - start

    ours("pcd")()  # compile
    sk = best_of(sklearn)
    rows = [{"implementation": "scikit-learn BernoulliRBM (PCD-1)", "updates": epochs * 75,
             "seconds": sk, "speedup_vs_sklearn": 1.0}]  # fmt: skip
    for name, method in (("pt.fit_rbm pcd", "pcd"), ("pt.fit_rbm cd", "cd")):
        sec = best_of(ours(method))
        rows.append({"implementation": name, "updates": epochs * 75, "seconds": sec,
                     "speedup_vs_sklearn": sk / sec})  # fmt: skip
    for row in rows:
        print(f"  {row}", flush=True)
    return rows
