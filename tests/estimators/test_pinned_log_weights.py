"""Refactors change no number: log weights of fixed seeds stay bit-identical.

``tests/data/pinned_log_weights.npz`` was written by ``tests/data/pin_log_weights.py`` at
the commit before the family/transition protocols (issue 13); forward, reverse, linked and
RAISE runs of RBMs (fused, batched, float32, data base, exact and MCMC starts) and Ising
models (heat bath, Metropolis, a spin glass) must reproduce it.

Bit for bit on a machine whose arithmetic is the pinning machine's (the same BLAS kernel,
numba target, NumPy SIMD loops and C library: ``pin_log_weights.machine()``, stored with the
values); elsewhere within the rounding that ``pin_log_weights.RTOL`` states, since another
processor's BLAS kernel or instruction set moves the last bits of a product. A change of the
sampled path moves a weight by far more than that, so both modes guard a refactor.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"
sys.path.insert(0, str(DATA))
import pin_log_weights as pins  # noqa: E402

PINNED, PINNED_ON = pins.load()


@pytest.fixture(scope="module")
def now():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short schedules warn of low ESS: beside the point
        return pins.runs()


@pytest.mark.parametrize("name", sorted(PINNED))
def test_log_weights_reproduce_the_pinned_ones(now, name):
    exact = PINNED_ON == pins.machine()  # bit for bit where the arithmetic is the same
    problems = pins.mismatches({name: now[name]}, {name: PINNED[name]}, exact=exact)
    assert not problems, f"{problems} (pinned on {PINNED_ON}, running on {pins.machine()})"


def test_the_file_says_which_machine_pinned_it():
    assert PINNED_ON is not None and set(PINNED_ON) >= {"blas", "numba", "numpy"}
    assert "raise_per_example" in PINNED and len(PINNED) == 34


def test_the_comparison_catches_a_change_in_either_mode():
    pinned = {"a": np.array([3.0, -40.0]), "rbm_float32": np.array([60.0])}
    one_ulp = {"a": np.nextafter(pinned["a"], 0.0), "rbm_float32": pinned["rbm_float32"]}
    assert pins.mismatches(pinned, pinned, exact=True) == []
    assert pins.mismatches(one_ulp, pinned, exact=True) == ["a: 2 of 2 values differ"]
    assert pins.mismatches(one_ulp, pinned, exact=False) == []  # rounding: allowed elsewhere
    flipped = {"a": pinned["a"] + [0.0, 40.0 * 1e-11], "rbm_float32": pinned["rbm_float32"]}
    (problem,) = pins.mismatches(flipped, pinned, exact=False)
    assert problem.startswith("a: relative difference 1e-11")
    f32 = {"a": pinned["a"], "rbm_float32": pinned["rbm_float32"] * (1 + 1e-6)}
    assert pins.mismatches(f32, pinned, exact=False) == []  # float32 products round coarser
    dynamics = {"continuous_hmc": np.array([2.0])}  # a leapfrog carries rounding forward
    assert pins.mismatches({"continuous_hmc": np.array([2.0 + 2e-8])}, dynamics, exact=False) == []
    assert len(pins.mismatches({"continuous_hmc": np.array([2.0 + 2e-6])}, dynamics,
                               exact=False)) == 1  # fmt: skip
    nan = {"a": np.array([np.nan, -40.0]), "rbm_float32": pinned["rbm_float32"]}
    assert len(pins.mismatches(nan, pinned, exact=False)) == 1


def test_they_reproduce_under_another_blas_kernel_and_instruction_set(tmp_path):
    """Another processor, as far as one machine can play it: OpenBLAS's Haswell kernels (or
    its default ones where this machine was told Haswell) and numba's generic x86-64 code,
    compiled afresh. The runs then match within rounding, not bit for bit."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_L2_SIZE"}
    if env.pop("OPENBLAS_CORETYPE", None) is None:
        env["OPENBLAS_CORETYPE"] = "Haswell"
    env["NUMBA_CPU_NAME"] = "generic"
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")
    proc = subprocess.run(
        [sys.executable, str(DATA / "pin_log_weights.py"), "--check"],
        capture_output=True, text=True, timeout=600, env=env,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr[-3000:]
    assert f"{len(PINNED)} of {len(PINNED)} runs within rounding" in proc.stdout, proc.stdout
