"""The discrete transitions as objects: each family's compiled sweep against the transition's
own NumPy reference on the same uniforms, the statistics they leave in ``info``, the strings
that still name them, and the errors for a transition a family does not take."""

import numpy as np
import pytest

import partition as pt
from partition.kernels._random import seed_streams
from partition.kernels.continuous import stream_uniforms
from partition.models.ising import square_lattice_edges
from partition.transitions import BlockGibbs, HeatBath, Metropolis

RBM = pt.BernoulliRBM.random(7, 5, weight_scale=1.0, rng=3)
_GLASS_BONDS = square_lattice_edges(3, 4, "open").shape[0]
ISING = {
    "torus": pt.IsingModel.square_lattice(4, coupling=0.4, field=0.1),
    "glass": pt.IsingModel.square_lattice(
        3, 4, coupling=np.random.default_rng(0).normal(0, 1, _GLASS_BONDS),
        field=np.random.default_rng(1).normal(0, 1, 12), boundary="open",
    ),
    "odd_ring": pt.IsingModel.ring(7, -0.6, 0.2),  # three colour classes
}  # fmt: skip


def _one_sweep(path, states, streams, beta):
    """A sweep at ``beta`` by the family's kernel: a segment ``[beta, beta]`` (a zero
    increment, then the transition)."""
    log_w = np.zeros(states.shape[0])
    with path.runner(states.shape[0], 1, np.array([beta, beta])) as runner:
        runner.advance(np.array([beta, beta]), True, states, streams, log_w)
    assert np.all(log_w == 0.0)
    return runner.info


def _start(path, n_chains, seed):
    streams, _ = seed_streams(np.random.default_rng(seed), n_chains)
    states = path.new_states(n_chains)
    path.sample_base(states, streams)
    return states, streams


@pytest.mark.parametrize("driver", ["fused", "batched"])
@pytest.mark.parametrize("beta", [0.4, 1.0])
def test_rbm_block_gibbs_kernel_matches_its_reference(driver, beta):
    path = RBM.annealing_path(transition=BlockGibbs(), driver=driver)
    states, streams = _start(path, 6, seed=4)
    replay, before = streams.copy(), states.copy()
    for _ in range(3):
        u = stream_uniforms(replay, path.transition.n_uniforms(path))
        before, accept = path.transition.reference(path, before, beta, u)
        _one_sweep(path, states, streams, beta)
        np.testing.assert_array_equal(states, before)
        assert np.all(accept == 1.0)
    np.testing.assert_array_equal(streams, replay)  # the same uniforms were used


@pytest.mark.parametrize("transition", [HeatBath(), Metropolis()], ids=["heat_bath", "metropolis"])
@pytest.mark.parametrize("name", sorted(ISING))
def test_ising_site_updates_match_their_reference(name, transition):
    path = ISING[name].annealing_path(transition=transition)
    states, streams = _start(path, 5, seed=5)
    replay, before = streams.copy(), states.copy()
    flipped = 0.0
    for _ in range(3):
        u = stream_uniforms(replay, transition.n_uniforms(path))
        before, fraction = transition.reference(path, before, 0.8, u)
        info = _one_sweep(path, states, streams, 0.8)
        np.testing.assert_array_equal(states, before)
        flipped = fraction.mean()
        assert info["flip_rate"] == pytest.approx(flipped, rel=1e-12)
    np.testing.assert_array_equal(streams, replay)


def test_statistics_in_info_follow_from_the_updates():
    free = pt.IsingModel.square_lattice(4, coupling=0.0)  # no couplings, no field: dE = 0
    metro = pt.ais(free, n_chains=40, schedule=30, transition=Metropolis(), rng=0)
    assert metro.info["acceptance_rate"] == 1.0 and metro.info["flip_rate"] == 1.0
    heat = pt.ais(free, n_chains=400, schedule=30, transition=HeatBath(), rng=0)
    # heat bath on free spins: each update a fair coin, so half flip
    n_updates = 400 * 29 * 16
    assert abs(heat.info["flip_rate"] - 0.5) < 4 * np.sqrt(0.25 / n_updates)
    assert heat.info["acceptance_rate"] == 1.0 and heat.info["n_steps"] == 400 * 29
    rbm = pt.ais(RBM, n_chains=30, schedule=20, n_sweeps=2, rng=0)
    assert rbm.info["n_steps"] == 30 * 19 * 2 and rbm.info["acceptance_rate"] == 1.0
    assert rbm.info["transition"] == "gibbs"
    cold = pt.ais(ISING["torus"], n_chains=40, schedule=30, transition="metropolis", rng=0)
    assert 0.0 < cold.info["acceptance_rate"] < 1.0


@pytest.mark.parametrize(
    ("model", "name", "obj"),
    [
        (RBM, "gibbs", BlockGibbs()),
        (ISING["glass"], "gibbs", HeatBath()),
        (ISING["glass"], "metropolis", Metropolis()),
    ],
)
def test_strings_and_objects_give_the_same_numbers(model, name, obj):
    by_name = pt.ais(model, n_chains=20, schedule=40, transition=name, rng=9)
    by_object = pt.ais(model, n_chains=20, schedule=40, transition=obj, rng=9)
    np.testing.assert_array_equal(by_name.log_weights, by_object.log_weights)
    assert by_name.info["transition"] == by_object.info["transition"] == name


@pytest.mark.parametrize(
    ("model", "transition", "message"),
    [
        (RBM, Metropolis(), "'gibbs', pt.transitions.BlockGibbs() or a pt.transitions.Step"),
        (RBM, "metropolis", "'gibbs', pt.transitions.BlockGibbs() or a pt.transitions.Step"),
        (ISING["torus"], BlockGibbs(), "pt.transitions.HeatBath"),
        (ISING["torus"], "heat bath", "pt.transitions.HeatBath"),
        (ISING["torus"], pt.transitions.HMC(), "pt.transitions.Metropolis"),
    ],
)
def test_a_transition_the_family_does_not_take_is_refused_by_name(model, transition, message):
    for estimator in (pt.ais, pt.reverse_ais):
        with pytest.raises(ValueError, match="transition must be") as info:
            estimator(model, n_chains=4, schedule=5, transition=transition, rng=0)
        assert message in str(info.value)


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [("n_leapfrog", 0, "n_leapfrog"), ("step_size", -1.0, "step_size"),
     ("target_accept", 1.5, "target_accept"), ("step_jitter", 50.0, "step_jitter")],
)  # fmt: skip
def test_a_field_changed_after_construction_is_refused_before_any_work(field, value, match):
    """Transitions are plain dataclasses: `t.n_leapfrog = 0` once ran HMC-AIS with no
    leapfrog step and came out 2 nats low without a word."""
    from partition.models.continuous_systems import correlated_gaussian

    target = correlated_gaussian(3, condition=2.0, seed=0)
    t = pt.transitions.HMC(n_leapfrog=3)
    setattr(t, field, value)
    with pytest.raises(ValueError, match=match):
        pt.ais(target, n_chains=10, schedule=5, transition=t, rng=0)
