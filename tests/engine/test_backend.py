"""The backend seam: the annealing driver gives a runner's backend the chains once per run
and takes them back once, so a device runner's segments copy nothing."""

import numpy as np
import pytest

import partition as pt
from partition.engine import EngineRunner
from partition.models.base import NUMPY, Backend


class CopyingBackend(Backend):
    """Stands in for device memory: ``put`` hands the runner copies, ``get`` copies back."""

    name = "copies"

    def __init__(self):
        self.puts = 0
        self.gets = 0

    def put(self, array):
        self.puts += 1
        return array.copy()

    def get(self, array, out):
        self.gets += 1
        out[...] = array


@pytest.fixture
def counted(monkeypatch):
    calls = {"advance": 0}
    advance = EngineRunner.advance

    def counting(self, *args, **kwargs):
        calls["advance"] += 1
        return advance(self, *args, **kwargs)

    monkeypatch.setattr(EngineRunner, "advance", counting)
    return calls


def test_the_chains_visit_the_backend_once_per_run_and_come_back_advanced(monkeypatch, counted):
    rbm = pt.BernoulliRBM.random(10, 6, weight_scale=1.5, rng=2)
    run = dict(n_chains=20, schedule=1500, rng=5, driver="engine")
    reference = pt.ais(rbm, **run)
    backend = CopyingBackend()
    monkeypatch.setattr(EngineRunner, "backend", backend)
    counted["advance"] = 0
    moved = pt.ais(rbm, **run)
    assert counted["advance"] > 3  # several segments, one compile call
    assert (backend.puts, backend.gets) == (3, 3)  # states, streams, log weights
    np.testing.assert_array_equal(moved.log_weights, reference.log_weights)
    assert np.all(moved.log_weights != 0.0)


def test_an_interrupted_run_still_brings_the_chains_back(monkeypatch):
    backend = CopyingBackend()
    monkeypatch.setattr(EngineRunner, "backend", backend)

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(EngineRunner, "advance", interrupted)
    rbm = pt.BernoulliRBM.random(6, 4, rng=2)
    with pytest.raises(KeyboardInterrupt):
        pt.ais(rbm, n_chains=4, schedule=10, rng=1, driver="engine")
    assert (backend.puts, backend.gets) == (3, 3)


def test_the_reference_backend_copies_nothing():
    x = np.arange(4.0)
    assert NUMPY.put(x) is x
    y = np.zeros(4)
    NUMPY.get(x, y)
    np.testing.assert_array_equal(y, x)
    assert pt.models.base.Runner(lambda *a: None, 1).backend is NUMPY


def test_a_runner_of_ones_own_without_a_backend_is_named_in_the_error(monkeypatch):
    from contextlib import contextmanager

    class Bare:  # advance, segment_length and info, as runners had before the seam
        def __init__(self):
            self.segment_length = 10
            self.info = {}

        def advance(self, betas, transition_at_end, states, streams, log_w):
            pass

    path_class = type(pt.IsingModel.square_lattice(3, 3, coupling=0.3).annealing_path())

    @contextmanager
    def runner(self, n_chains, n_sweeps, betas=None):
        yield Bare()

    monkeypatch.setattr(path_class, "runner", runner)
    ising = pt.IsingModel.square_lattice(3, 3, coupling=0.3)
    with pytest.raises(TypeError, match=r"Bare .* has no `backend`.*Runner"):
        pt.ais(ising, n_chains=4, schedule=10, rng=1)
