"""RBM AIS on CUDA: the kernel on numba's CUDA simulator against the CPU fused driver."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

import partition as pt

#: Runs in a fresh interpreter: the simulator must be chosen before numba.cuda is imported.
SCRIPT = textwrap.dedent(
    """
    import json, os
    os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    import warnings
    import numpy as np
    np.seterr(over="ignore")  # uint64 products wrap, as on the device
    warnings.simplefilter("ignore")
    import partition as pt

    rbm = pt.BernoulliRBM.random(5, 3, weight_scale=1.5, bias_scale=0.5, rng=0)
    out = {}
    common = dict(n_chains=6, schedule=12, rng=1)
    cpu = pt.ais(rbm, driver="fused", **common)
    gpu = pt.ais(rbm, device="cuda", **common)
    out["ais"] = float(np.max(np.abs(cpu.log_weights - gpu.log_weights)))
    out["driver"] = gpu.info["driver"]
    out["n_steps"] = [cpu.info["n_steps"], gpu.info["n_steps"]]
    two = dict(n_chains=4, schedule=6, n_sweeps=2, rng=2)
    out["sweeps"] = float(np.max(np.abs(pt.ais(rbm, driver="fused", **two).log_weights
                                        - pt.ais(rbm, device="cuda", **two).log_weights)))
    up_cpu = pt.reverse_ais(rbm, driver="fused", **common)
    up_gpu = pt.reverse_ais(rbm, device="cuda", **common)
    out["reverse"] = float(np.max(np.abs(up_cpu.log_weights - up_gpu.log_weights)))
    g32 = pt.ais(rbm, device="cuda", dtype=np.float32, **common)
    out["float32"] = float(np.max(np.abs(cpu.log_weights - g32.log_weights)))
    # a different seed draws other units: the comparison can fail
    other = pt.ais(rbm, device="cuda", n_chains=6, schedule=12, rng=9)
    out["other_seed"] = float(np.max(np.abs(cpu.log_weights - other.log_weights)))
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def simulated():
    env = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}
    done = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_simulated_kernel_matches_the_cpu_driver_on_the_same_streams(simulated):
    assert simulated["driver"] == "cuda"
    assert simulated["n_steps"][0] == simulated["n_steps"][1]
    assert simulated["ais"] < 1e-12
    assert simulated["sweeps"] < 1e-12  # two sweeps per temperature
    assert simulated["reverse"] < 1e-12  # from exact samples, a transition at the end
    assert simulated["float32"] < 1e-4
    assert simulated["other_seed"] > 1e-3


def test_no_device_is_a_clear_error_before_any_work():
    from numba import cuda

    if cuda.is_available():
        pytest.skip("a CUDA device is present")
    rbm = pt.BernoulliRBM.random(5, 3, rng=0)
    with pytest.raises(ValueError, match="no CUDA device was found"):
        pt.ais(rbm, device="cuda")
    with pytest.raises(ValueError, match="device must be 'cpu' or 'cuda'"):
        pt.ais(rbm, device="gpu")


def test_import_partition_does_not_import_numba_cuda():
    code = "import sys, partition; print('numba.cuda' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "False", done.stderr
