"""Write ``pinned_log_weights.npz``: log weights of fixed seeds, the refactor guard.

Run once, at the commit before a refactor that must change no number (issue 13's public
family and transition protocols were pinned at 4d5c801): ``python3 tests/data/pin_log_weights.py``.
The values are not checked for correctness here (the statistical tests do that); the test
``tests/estimators/test_pinned_log_weights.py`` asserts they stay bit-identical.
"""

from __future__ import annotations

import pathlib

import numpy as np

import partition as pt


def runs() -> dict[str, np.ndarray]:
    """Every run of the pinned set, by name."""
    small = pt.BernoulliRBM.random(10, 5, weight_scale=1.0, rng=0)
    mid = pt.BernoulliRBM.random(64, 20, weight_scale=0.5, rng=1)
    large = pt.BernoulliRBM.random(200, 100, weight_scale=0.1, rng=2)
    data = np.random.default_rng(3).integers(0, 2, (50, 64)).astype(float)
    ising = pt.IsingModel.square_lattice(6, 6, coupling=0.4)
    upper = np.triu(np.random.default_rng(4).normal(0, 0.5, (12, 12)), 1)
    glass = pt.IsingModel.from_couplings(upper + upper.T, fields=0.1)
    out = {
        "rbm_fused": pt.ais(small, n_chains=33, schedule=50, n_sweeps=2, driver="fused", rng=1),
        "rbm_batched": pt.ais(mid, n_chains=33, schedule=60, driver="batched", rng=2),
        "rbm_data_base": pt.ais(mid, n_chains=20, schedule=40, data=data, rng=3),
        "rbm_float32": pt.ais(large, n_chains=16, schedule=30, dtype=np.float32, rng=4),
        "rbm_reverse_exact": pt.reverse_ais(small, n_chains=20, schedule=40, rng=5),
        "rbm_reverse_mcmc": pt.reverse_ais(large, n_chains=8, schedule=20, n_burnin=5, rng=6),
        "rbm_lis": pt.ais(small, n_chains=10, schedule=10, n_sweeps=2, bridges=True, rng=7),
        "ising_gibbs": pt.ais(ising, n_chains=20, schedule=40, rng=8),
        "ising_metropolis": pt.ais(ising, n_chains=20, schedule=40, transition="metropolis", rng=9),
        "ising_glass_reverse": pt.reverse_ais(glass, n_chains=10, schedule=30, rng=10),
    }
    bounds = pt.bdmc(small, n_chains=12, schedule=25, rng=11)
    out["bdmc_lower"], out["bdmc_upper"] = bounds.lower, bounds.upper
    raised = pt.raise_log_likelihood(small, np.eye(10)[:4], n_chains=6, schedule=15, rng=12)
    pinned = {name: np.asarray(est.log_weights) for name, est in out.items()}
    pinned["raise_per_example"] = np.asarray(raised.per_example)
    return pinned


if __name__ == "__main__":
    path = pathlib.Path(__file__).with_name("pinned_log_weights.npz")
    np.savez(path, **runs())
    print(f"wrote {path}")
