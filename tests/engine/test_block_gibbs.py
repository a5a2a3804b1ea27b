"""Block Gibbs on the engine (each family's cached step) against the per-chain fused
drivers: each reproduces its family's fused driver bit for bit (the increments add
themselves to the running log weight, in the fused driver's order)."""

import numpy as np
import pytest

import partition as pt
from partition.engine import Population, Schedule, engine_segment
from partition.kernels._random import seed_streams
from partition.kernels.gbrbm import ais_gbrbm, gibbs_increment, gibbs_init, gibbs_step


def test_gbrbm_block_gibbs_on_the_engine_equals_the_fused_driver_bit_for_bit():
    model = pt.GaussianBernoulliRBM.random(9, 5, weight_scale=1.5, rng=7)
    path = model.annealing_path()
    engine_model = path._engine_model()
    n, betas = 40, np.linspace(0.0, 1.0, 60) ** 2
    streams, _ = seed_streams(np.random.default_rng(5), n)
    start = np.random.default_rng(6).normal(size=(n, 9))
    fused = (start.copy(), streams.copy(), np.zeros(n))
    ais_gbrbm(*engine_model[:6], betas, 2, False, *fused)
    engine = (start.copy(), streams.copy(), np.zeros(n))
    population = Population(*engine, np.zeros(n, np.int64), np.zeros((n, 0)), np.zeros((n, 0)))
    schedule = Schedule(betas[None, :], np.zeros((1, len(betas))), 2, False)
    functions = (gibbs_init, gibbs_increment, gibbs_step)
    engine_segment(*functions, engine_model, schedule, population, (3, 9))
    assert np.all(engine[2] != 0.0)
    np.testing.assert_array_equal(engine[2], fused[2])  # log weights, bit for bit
    np.testing.assert_array_equal(engine[0], fused[0])
    np.testing.assert_array_equal(engine[1], fused[1])


@pytest.mark.filterwarnings("ignore::partition.UnreliableEstimateWarning")  # weights compared
@pytest.mark.parametrize("n_sweeps", [1, 3])
def test_rbm_engine_driver_equals_the_fused_driver_bit_for_bit(n_sweeps):
    model = pt.BernoulliRBM.random(40, 37, weight_scale=2.0, rng=3)  # chunks of 32, and a rest
    runs = [
        pt.ais(model, n_chains=30, schedule=80, n_sweeps=n_sweeps, rng=4, driver=d)
        for d in ("fused", "engine")
    ]
    np.testing.assert_array_equal(runs[1].log_weights, runs[0].log_weights)
    assert runs[1].info["driver"] == "engine" and runs[0].info["driver"] == "fused"
