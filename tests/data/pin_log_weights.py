"""Write ``pinned_log_weights.npz``: log weights of fixed seeds, the refactor guard.

Run once, at the commit before a refactor that must change no number (issue 13's public
family and transition protocols were pinned at 4d5c801): ``python3 tests/data/pin_log_weights.py``.
The values are not checked for correctness here (the statistical tests do that); the test
``tests/estimators/test_pinned_log_weights.py`` asserts they stay bit-identical on a machine
whose arithmetic matches the one that pinned them, and within stated rounding elsewhere.

SMC on fixed schedules was re-pinned when it moved into compiled code (issue 28): its
increments now come from the kernels instead of ``path.log_f``, which moved its values by
at most 1.1e-14 (the same particles, moves and resampling steps).

The file also holds :func:`machine` of the machine that wrote it (key ``__machine__``): the
last bits of a run depend on the BLAS kernel OpenBLAS picks for the processor (and
``OPENBLAS_CORETYPE``), the instructions numba compiles for (the host CPU, or
``NUMBA_CPU_NAME``), NumPy's SIMD dispatch and the C library. The values were the same
before the key was added: ``python3 tests/data/pin_log_weights.py --check`` compares a
fresh run with the file and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import platform
import sys

import numpy as np

import partition as pt

PATH = pathlib.Path(__file__).with_name("pinned_log_weights.npz")
MACHINE_KEY = "__machine__"


def machine() -> dict[str, str]:
    """What decides the last bits of a run: the versions and the instruction sets of the
    BLAS, numba's code generation, NumPy's SIMD loops and the C library."""
    import llvmlite
    import llvmlite.binding as llvm
    import numba
    import scipy.linalg  # noqa: F401 - loads SciPy's BLAS, so that both are always listed
    import threadpoolctl
    from numpy._core._multiarray_umath import __cpu_features__

    blas = sorted(
        f"{lib.get('internal_api')} {lib.get('version')} {lib.get('architecture')}"
        for lib in threadpoolctl.threadpool_info()
        if lib.get("user_api") == "blas"
    )
    cpu = numba.config.CPU_NAME or llvm.get_host_cpu_name()
    features = numba.config.CPU_FEATURES or llvm.get_host_cpu_features().flatten()
    simd = ",".join(name for name, on in __cpu_features__.items() if on)
    return {
        "machine": platform.machine(),
        "libc": " ".join(platform.libc_ver()),
        "blas": "; ".join(blas),
        "numpy": f"{np.__version__} simd {hashlib.sha256(simd.encode()).hexdigest()[:16]}",
        "numba": f"{numba.__version__} llvmlite {llvmlite.__version__} cpu {cpu} "
        f"features {hashlib.sha256(features.encode()).hexdigest()[:16]}",
    }


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
    out.update(_more_families())
    pinned = {name: np.asarray(est.log_weights) for name, est in out.items()}
    pinned["raise_per_example"] = np.asarray(raised.per_example)
    for name, est in out.items():  # SMC's log Z is not the log-mean-exp of its final weights
        if name.startswith("smc_"):
            pinned[f"{name}_log_z"] = np.array([est.log_z])
    return pinned


def _more_families() -> dict:
    """Added before the population engine (issue 28): continuous targets with each built-in
    transition, Gaussian-Bernoulli RBMs, SMC on every family (on fixed schedules: an adaptive
    schedule's root search may end a rounding apart on another machine), linked importance
    sampling on an Ising model and BDMC on a continuous target."""
    from partition.models.continuous_systems import correlated_gaussian, gaussian_mixture
    from partition.transitions import HMC, MALA, RandomWalk

    small = pt.BernoulliRBM.random(10, 5, weight_scale=1.0, rng=0)
    ising = pt.IsingModel.square_lattice(6, 6, coupling=0.4)
    gauss, mixture = correlated_gaussian(4), gaussian_mixture(2)
    gb = pt.GaussianBernoulliRBM.random(5, 4, weight_scale=0.5, rng=2)
    hmc = HMC(n_leapfrog=3)
    out = {
        "continuous_rwm": pt.ais(gauss, n_chains=12, schedule=30, transition=RandomWalk(), rng=20),
        "continuous_mala": pt.ais(gauss, n_chains=12, schedule=30, transition=MALA(), rng=21),
        "continuous_hmc": pt.ais(gauss, n_chains=12, schedule=30, transition=hmc, rng=22),
        "continuous_hmc_jitter": pt.ais(mixture, n_chains=12, schedule=30,
                                        transition=HMC(n_leapfrog=3, step_jitter=1.0), rng=23),
        "continuous_reverse_hmc": pt.reverse_ais(gauss, n_chains=10, schedule=25, transition=hmc,
                                                 rng=24),
        "continuous_lis": pt.ais(gauss, n_chains=8, schedule=10, transition=hmc, bridges=True,
                                 rng=25),
        "gbrbm_ais": pt.ais(gb, n_chains=12, schedule=30, rng=26),
        "gbrbm_reverse": pt.reverse_ais(gb, n_chains=10, schedule=25, rng=27),
        "ising_lis": pt.ais(ising, n_chains=8, schedule=10, bridges=True, rng=28),
        "smc_rbm": pt.smc(small, n_particles=40, schedule=20, rng=29),
        "smc_ising": pt.smc(ising, n_particles=40, schedule=20, transition="metropolis", rng=30),
        "smc_continuous": pt.smc(gauss, n_particles=40, schedule=20, transition=hmc, rng=31),
        "smc_gbrbm": pt.smc(gb, n_particles=40, schedule=20, rng=32),
        "smc_rbm_every_step": pt.smc(small, n_particles=40, schedule=20, resample_threshold=1.0,
                                     resampling="multinomial", rng=33),
    }  # fmt: skip
    bounds = pt.bdmc(gauss, n_chains=8, schedule=20, transition=hmc, rng=34)
    out["continuous_bdmc_lower"], out["continuous_bdmc_upper"] = bounds.lower, bounds.upper
    return out


#: The rounding a run may differ by on a machine other than the pinning one, relative to
#: max(1, |log weight|): float64 runs measured at most 4.4e-15 (20 ulp) under another BLAS
#: kernel (OPENBLAS_CORETYPE=Haswell, Zen, Prescott) or numba's generic x86-64 code; the
#: float32 run 3.0e-8 (its products are float32). A Gibbs draw that flips moves a weight by
#: far more, so the bounds still catch every change of the sampled path.
RTOL = 1e-12
RTOL_FLOAT32 = 1e-5
#: Continuous targets: a leapfrog or Langevin step carries a last-bit difference forward
#: through the dynamics and grows it: under numba's generic x86-64 code (no fused
#: multiply-add) HMC-AIS on a 4-d Gaussian differed by up to 9.8e-10, SMC and BDMC by 2e-11.
#: A flipped accept still moves a weight by far more than this.
RTOL_DYNAMICS = 1e-7


def mismatches(
    now: dict[str, np.ndarray], pinned: dict[str, np.ndarray], *, exact: bool
) -> list[str]:
    """The runs of ``pinned`` that ``now`` does not reproduce: bit for bit when ``exact``,
    else within :data:`RTOL` (:data:`RTOL_FLOAT32` for float32 runs)."""
    out = []
    for name, want in sorted(pinned.items()):
        got = np.asarray(now[name])
        if got.shape != want.shape:
            out.append(f"{name}: shape {got.shape}, pinned {want.shape}")
            continue
        if exact:
            if not np.array_equal(got, want):
                out.append(f"{name}: {int((got != want).sum())} of {want.size} values differ")
            continue
        rtol = RTOL_FLOAT32 if "float32" in name else RTOL
        if "continuous" in name:
            rtol = RTOL_DYNAMICS
        error = np.abs(got - want) / np.maximum(1.0, np.abs(want))
        if not error.max() <= rtol:  # NaN fails too
            out.append(f"{name}: relative difference {error.max():.3g} > {rtol:g}")
    return out


def load() -> tuple[dict[str, np.ndarray], dict[str, str] | None]:
    """The pinned runs, and the machine that pinned them (None for a file without it)."""
    with np.load(PATH) as f:
        pinned = {name: f[name] for name in f.files if name != MACHINE_KEY}
        key = json.loads(str(f[MACHINE_KEY])) if MACHINE_KEY in f.files else None
    return pinned, key


def main(argv: list[str]) -> int:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short schedules warn of low ESS: beside the point
        now = runs()
    if "--check" in argv:
        pinned, pinned_on = load()
        exact = pinned_on == machine()
        problems = mismatches(now, pinned, exact=exact)
        how = "bit-identical (the pinning machine's arithmetic)" if exact else "within rounding"
        print(f"{len(pinned) - len(problems)} of {len(pinned)} runs {how}", *problems, sep="\n")
        return 1 if problems else 0
    np.savez(PATH, **now, **{MACHINE_KEY: np.array(json.dumps(machine()))})
    print(f"wrote {PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
