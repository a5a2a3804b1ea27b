"""Ctrl-C stops a long run within about a second with a plain KeyboardInterrupt.

Each case starts a run in a subprocess, sends SIGINT once the kernel is running, and checks
that the process ends soon, with a KeyboardInterrupt and no SystemError.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

# (warm-up that compiles the kernels, the long run)
CASES = {
    # 2^30 states x 34 units: 11-21 s in one call before the fix, then a SystemError
    "exact_log_z": (
        "pt.exact_log_z(pt.BernoulliRBM.random(34, 12, rng=0))",
        "pt.exact_log_z(pt.BernoulliRBM.random(34, 30, rng=0))",
    ),
    # 1,000 chains at 784x500: a 500-temperature kernel call took 11-15 s before the fix
    "ais": (
        "pt.ais(pt.BernoulliRBM.random(784, 500, rng=0), n_chains=8, schedule=2, rng=0)",
        "pt.ais(pt.BernoulliRBM.random(784, 500, weight_scale=0.05, rng=0), "
        "n_chains=1000, schedule=2000, rng=0)",
    ),
}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("name", sorted(CASES))
def test_ctrl_c_stops_a_long_run_within_about_a_second(name):
    warm_up, run = CASES[name]
    code = (
        # the test process may hand down SIGINT ignored (since this suite's Dask and
        # process-pool tests, something in the pytest process leaves SIGHUP, SIGINT and
        # SIGQUIT ignored, and a child inherits that); a user's shell does not
        "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
        "import sys, partition as pt\n"
        f"{warm_up}\n"
        "print('started', flush=True)\n"
        f"{run}\n"
        "print('finished', flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ,  # the session's fresh numba cache (conftest.py): compiled once
    )
    try:
        assert proc.stdout.readline().strip() == "started"
        time.sleep(2.0)  # into the long kernel run (compiled by the warm-up)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        sent = time.perf_counter()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
        stopped = time.perf_counter() - sent
    finally:
        proc.kill()
    assert "KeyboardInterrupt" in err
    assert "SystemError" not in err
    assert stopped < 2.5, f"took {stopped:.1f} s to stop"
