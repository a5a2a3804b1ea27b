"""Ising sweeps and the engine's AIS segments against NumPy references with the same uniforms;
chains at their own temperatures; a step written here."""

import numpy as np
import pytest
from scipy.special import expit, logsumexp

import partition as pt
from partition._numba import jit
from partition.engine import Population, Schedule, engine_segment
from partition.kernels._random import fill_uniform, seed_streams
from partition.kernels.ising import (
    heat_bath_segment,
    ising_increment,
    ising_init,
    metropolis_segment,
    sample_uniform_spins,
)
from partition.models._ising_ais import sweep_order
from partition.models.ising import square_lattice_edges
from partition.models.testsystems import all_states


@jit
def _take(state, chain, n):
    out = np.empty(n)
    fill_uniform(state, chain, out)
    return out


def _segment(model, betas, n_sweeps, transition_at_end, metropolis, spins, state, rows=None):
    """The engine's cached Ising kernel on ``betas`` (a schedule, or a table ``(n_rows,
    n_betas)`` with each chain's row in ``rows``); returns the log-weight increments and the
    flips per chain."""
    order, class_ptr = sweep_order(model)
    p = model.params
    table = np.atleast_2d(np.asarray(betas, dtype=np.float64))
    n = spins.shape[0]
    rows = np.zeros(n, dtype=np.int64) if rows is None else rows
    log_w, stats = np.zeros(n), np.zeros((n, 1))
    kernel = metropolis_segment if metropolis else heat_bath_segment
    kernel(
        (p.indptr, p.indices, p.couplings, p.fields, order, class_ptr),
        Schedule(table, np.zeros(table.shape), n_sweeps, transition_at_end),
        Population(spins, state, log_w, rows, np.zeros((n, 0)), stats),
        (2, int(np.max(np.diff(class_ptr)))),
    )
    return log_w, stats[:, 0]


def sweeps(model, beta, n_sweeps, metropolis, spins, state):
    """``n_sweeps`` sweeps at ``beta``: a segment of two equal temperatures (a zero weight
    increment) with the transition at its end."""
    log_w, _ = _segment(model, [beta, beta], n_sweeps, True, metropolis, spins, state)
    assert np.all(log_w == 0.0)


def reference_sweep(model, s, beta, order, metropolis, u):
    """One sweep in plain Python/NumPy; returns the new spins."""
    s = s.copy()
    dense = np.zeros((model.n_spins, model.n_spins))
    np.add.at(dense, (model.edges[:, 0], model.edges[:, 1]), model.couplings)
    dense = dense + dense.T
    for t, i in enumerate(order):
        local = model.fields[i] + dense[i] @ s
        if metropolis:
            d_energy = 2 * s[i] * local
            if d_energy <= 0 or u[t] < np.exp(-beta * d_energy):
                s[i] = -s[i]
        else:
            s[i] = 1.0 if u[t] < expit(2 * beta * local) else -1.0
    return s


def _models():
    rng = np.random.default_rng(0)
    n_bonds = square_lattice_edges(3, 4, "open").shape[0]
    return [
        pt.IsingModel.square_lattice(4, coupling=0.4, field=0.1),  # bipartite: checkerboard
        pt.IsingModel.square_lattice(
            3, 4, coupling=rng.normal(0, 1, n_bonds), field=rng.normal(0, 1, 12), boundary="open"
        ),
        pt.IsingModel.ring(7, -0.6, 0.2),  # odd ring: three colour classes
    ]


@pytest.mark.parametrize("metropolis", [False, True])
@pytest.mark.parametrize("model", _models(), ids=["torus", "glass", "odd_ring"])
def test_sweeps_match_reference(model, metropolis):
    order, _ = sweep_order(model)
    state, _ = seed_streams(np.random.default_rng(1), 3)
    spins = np.empty((3, model.n_spins))
    sample_uniform_spins(spins, state)
    start_spins, start_state = spins.copy(), state.copy()
    sweeps(model, 0.8, 3, metropolis, spins, state)
    for c in range(3):
        s = start_spins[c]
        uniforms = _take(start_state, c, 3 * model.n_spins).reshape(3, -1)
        for k in range(3):
            s = reference_sweep(model, s, 0.8, order, metropolis, uniforms[k])
        np.testing.assert_array_equal(spins[c], s)


@pytest.mark.parametrize("metropolis", [False, True])
def test_ais_driver_matches_reference(metropolis):
    model = _models()[1]
    order, _ = sweep_order(model)
    betas = np.linspace(0.0, 1.0, 12)
    state, _ = seed_streams(np.random.default_rng(2), 2)
    spins = np.empty((2, model.n_spins))
    sample_uniform_spins(spins, state)
    s0, st0 = spins.copy(), state.copy()
    log_w, flips = _segment(model, betas, 2, False, metropolis, spins, state)
    for c in range(2):
        s = s0[c]
        u = _take(st0, c, 2 * 10 * model.n_spins).reshape(-1, model.n_spins)
        want = 0.0
        n_flipped = 0
        for k in range(1, len(betas)):
            want -= (betas[k] - betas[k - 1]) * model.energy(s)
            if k == len(betas) - 1:
                break
            for sweep in range(2):
                new = reference_sweep(model, s, betas[k], order, metropolis, u[2 * (k - 1) + sweep])
                n_flipped += int(np.sum(new != s))
                s = new
        assert log_w[c] == pytest.approx(want, rel=1e-12, abs=1e-12)
        np.testing.assert_array_equal(spins[c], s)
        assert flips[c] == n_flipped  # the flip count behind info["flip_rate"]


@pytest.mark.parametrize("metropolis", [False, True])
def test_sweeps_sample_the_boltzmann_distribution(metropolis):
    """Long runs on a 3x3 torus reproduce exact <E> and <M^2> within 5 standard errors."""
    model = pt.IsingModel.square_lattice(3, coupling=0.35, field=0.05)
    s_all = 2 * all_states(9) - 1
    energy = model.energy(s_all)
    log_p = -energy - logsumexp(-energy)
    p = np.exp(log_p)
    mag2 = s_all.sum(1) ** 2
    exact = np.array([p @ energy, p @ mag2])
    state, _ = seed_streams(np.random.default_rng(3), 400)
    spins = np.empty((400, 9))
    sample_uniform_spins(spins, state)
    samples = []
    for _ in range(60):
        sweeps(model, 1.0, 3, metropolis, spins, state)
        samples.append(np.stack([model.energy(spins), spins.sum(1) ** 2], 1))
    samples = np.array(samples[10:])  # (draws, chains, 2), chains independent
    per_chain = samples.mean(0)
    mean = per_chain.mean(0)
    stderr = per_chain.std(0, ddof=1) / np.sqrt(per_chain.shape[0])
    assert np.all(np.abs(mean - exact) < 5 * stderr), (mean, exact, stderr)


def test_colour_classes_are_independent_sets():
    for model in [*_models(), pt.IsingModel.square_lattice(5, coupling=0.3)]:
        order, class_ptr = sweep_order(model)
        assert sorted(order.tolist()) == list(range(model.n_spins))
        colour = np.empty(model.n_spins, dtype=int)
        for k in range(class_ptr.size - 1):
            colour[order[class_ptr[k] : class_ptr[k + 1]]] = k
        assert np.all(colour[model.edges[:, 0]] != colour[model.edges[:, 1]])
    assert sweep_order(_models()[0])[1].size - 1 == 2  # the torus: checkerboard


@pytest.mark.parametrize("metropolis", [False, True])
def test_chains_at_their_own_temperatures_equal_the_calls_per_temperature(metropolis):
    """One call with each chain on its own row of a temperature table (as parallel tempering
    runs its rungs) equals, chain for chain, one call per row: states, streams, log weights
    and flips."""
    model = _models()[0]
    table = np.array([np.linspace(0.0, 0.3, 6), np.linspace(0.2, 0.9, 6), np.full(6, 1.1)])
    rows = np.array([2, 0, 1, 1, 0, 2, 2], dtype=np.int64)
    state, _ = seed_streams(np.random.default_rng(4), rows.size)
    spins = np.empty((rows.size, model.n_spins))
    sample_uniform_spins(spins, state)
    mixed_spins, mixed_state = spins.copy(), state.copy()
    mixed = _segment(model, table, 2, True, metropolis, mixed_spins, mixed_state, rows)
    for r in range(table.shape[0]):
        mine = np.flatnonzero(rows == r)
        s, st = spins[mine].copy(), state[mine].copy()
        log_w, flips = _segment(model, table[r], 2, True, metropolis, s, st)
        np.testing.assert_array_equal(mixed_spins[mine], s)
        np.testing.assert_array_equal(mixed_state[mine], st)
        np.testing.assert_array_equal(mixed[0][mine], log_w)
        np.testing.assert_array_equal(mixed[1][mine], flips)
    assert len(set(mixed[0].tolist())) > 3  # the rows differ: the test can tell them apart


def test_the_generic_engine_runs_the_built_in_step_bit_for_bit():
    """The uncached engine with the heat-bath step passed as a function gives the cached
    kernel's numbers exactly: the families' kernels are bindings of the one loop."""
    from partition.kernels.ising import heat_bath_step

    model = _models()[1]
    order, class_ptr = sweep_order(model)
    p = model.params
    betas = np.linspace(0.0, 1.0, 9)
    state, _ = seed_streams(np.random.default_rng(5), 5)
    spins = np.empty((5, model.n_spins))
    sample_uniform_spins(spins, state)
    s1, st1 = spins.copy(), state.copy()
    log_w, flips = _segment(model, betas, 3, True, False, s1, st1)
    log_w2, stats = np.zeros(5), np.zeros((5, 1))
    engine_segment(
        ising_init,
        ising_increment,
        heat_bath_step,
        (p.indptr, p.indices, p.couplings, p.fields, order, class_ptr),
        Schedule(betas[None, :], np.zeros((1, betas.size)), 3, True),
        Population(spins, state, log_w2, np.zeros(5, dtype=np.int64), np.zeros((5, 0)), stats),
        (2, int(np.max(np.diff(class_ptr)))),
    )
    np.testing.assert_array_equal(spins, s1)
    np.testing.assert_array_equal(state, st1)
    np.testing.assert_array_equal(log_w2, log_w)
    np.testing.assert_array_equal(stats[:, 0], flips)
