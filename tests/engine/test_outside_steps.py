"""Steps written here, outside the package, run through ``pt.ais``, ``pt.smc`` and
``pt.benchmark`` on the population engine: a Metropolis sweep for Ising models and a Gibbs
variant for RBMs."""

import numba
import numpy as np
import pytest

import partition as pt
from partition.transitions import uniform_at


@numba.njit
def metropolis_in_index_order(model, s, cache, beta, tune, key, gamma, counter, scratch,
                              chain_state, stats):  # fmt: skip
    """Single-site Metropolis, sites in index order (the package sweeps colour classes);
    counts the flips it makes and, in ``chain_state[0]``, every flip of the run."""
    indptr, indices, couplings, fields = model[0], model[1], model[2], model[3]
    n = s.shape[0]
    for i in range(n):
        local = fields[i]
        for p in range(indptr[i], indptr[i + 1]):
            local += couplings[p] * s[indices[p]]
        d_energy = 2.0 * s[i] * local
        counter += np.uint64(1)
        u = uniform_at(key, gamma, counter)
        if d_energy <= 0.0 or u < np.exp(-beta * d_energy):
            s[i] = -s[i]
            cache[0] += d_energy
            stats[0] += 1.0 / n
            chain_state[0] += 1.0
    return counter


def _ising_step():
    return pt.transitions.Step(metropolis_in_index_order, name="index-metropolis",
                               stats=("acceptance",), n_chain_state=1)  # fmt: skip


def _frustrated_ising():
    """A 3 x 4 open lattice with random couplings and fields: exact log Z by enumeration."""
    rng = np.random.default_rng(0)
    n_bonds = pt.models.ising.square_lattice_edges(3, 4, "open").shape[0]
    return pt.IsingModel.square_lattice(
        3, 4, coupling=rng.normal(0, 0.6, n_bonds), field=rng.normal(0, 0.3, 12), boundary="open"
    )


@pytest.mark.parametrize("estimator", ["ais", "smc"])
def test_a_users_ising_metropolis_step_estimates_log_z(estimator):
    model = _frustrated_ising()
    exact = pt.exact_log_z(model).log_z
    step = _ising_step()
    if estimator == "ais":
        est = pt.ais(model, n_chains=400, schedule=300, transition=step, rng=3)
    else:
        est = pt.smc(model, n_particles=400, transition=step, rng=3)
    assert est.info["transition"] == "index-metropolis"
    assert 0.05 < est.info["acceptance_rate"] < 0.95
    assert abs(est.log_z - exact) < 4 * est.stderr, (est.log_z, exact, est.stderr)


def test_a_users_step_equals_the_built_in_one_where_they_agree():
    """On a 2-spin open chain the package's colour classes are {0} and {1}: both steps
    sweep site 0, then site 1, with the same uniforms, so they give the same log weights
    chain for chain (the package decides a class at once; rounding may differ)."""
    model = pt.IsingModel.square_lattice(1, 2, coupling=0.7, field=0.2, boundary="open")
    mine = pt.ais(model, n_chains=50, schedule=40, transition=_ising_step(), rng=5)
    theirs = pt.ais(model, n_chains=50, schedule=40, transition="metropolis", rng=5)
    np.testing.assert_allclose(mine.log_weights, theirs.log_weights, rtol=0, atol=1e-12)
    assert mine.info["acceptance_rate"] == pytest.approx(theirs.info["acceptance_rate"])


def test_a_users_step_keeps_its_chain_state_over_the_run():
    """``chain_state`` persists across temperatures and segments: the step's flip count
    there equals its acceptance statistics summed over the run."""
    model = _frustrated_ising()
    step = _ising_step()
    path = model.annealing_path(transition=step)
    n_chains, n_sweeps = 20, 2
    betas = np.linspace(0.0, 1.0, 501)  # more than one segment of 200 temperatures
    streams, _ = pt.kernels._random.seed_streams(np.random.default_rng(1), n_chains)
    states = path.new_states(n_chains)
    path.sample_base(states, streams)
    log_w = np.zeros(n_chains)
    with path.runner(n_chains, n_sweeps, betas) as runner:
        for k0 in range(0, 500, 200):
            k1 = min(k0 + 200, 500)
            runner.advance(betas[k0 : k1 + 1], k1 < 500, states, streams, log_w)
    info = runner.info
    flips_per_site_step = info["step_stats"]["acceptance"]
    assert info["n_steps"] == n_chains * 499 * n_sweeps
    assert flips_per_site_step > 0.05
    # the acceptance column adds 1/n per flip: the chain states' total flip count matches
    assert info["chain_state"].shape == (n_chains, 1)
    assert info["chain_state"].sum() == pytest.approx(
        flips_per_site_step * info["n_steps"] * model.n_spins
    )


def test_benchmark_runs_a_users_step():
    model = _frustrated_ising()
    system = pt.testsystems.TestSystem(
        name="frustrated-3x4", description="a 3 x 4 open glass", model=model,
        log_z=pt.exact_log_z(model).log_z, source="enumeration", family="ising",
    )  # fmt: skip
    result = pt.benchmark([system], transitions=[_ising_step()], estimators=["ais", "smc"],
                          budgets=[200], n_repeats=2, n_chains=200, progress=False,
                          rng=0)  # fmt: skip
    rows = result.rows
    assert {r["transition"] for r in rows} == {"index-metropolis"}
    assert {r["estimator"] for r in rows} == {"ais", "smc"}
    assert all(abs(r["z_score"]) < 4 for r in rows), rows
    assert all(0.05 < r["acceptance_rate"] < 0.95 for r in rows)


def test_a_step_that_is_not_compiled_is_refused_naming_it():
    with pytest.raises(TypeError, match="function must be a numba function"):
        pt.transitions.Step(metropolis_in_index_order.py_func)
    with pytest.raises(ValueError, match="transition must be"):
        pt.ais(_frustrated_ising(), transition=object(), schedule=10, n_chains=10)


@numba.njit
def gibbs_visible_first_half(model, v, cache, beta, tune, key, gamma, counter, scratch,
                             chain_state, stats):  # fmt: skip
    """A Gibbs variant: ``h | v``, then the visible units one at a time from ``p_beta(v_i |
    h, v_-i)`` in index order with a Metropolis-within-Gibbs flip proposal (a different
    kernel than block Gibbs, with the same invariant law). Counts accepted flips."""
    weights, visible_bias, hidden_bias, base_bias = model[0], model[2], model[3], model[4]
    n_visible, n_hidden = v.shape[0], hidden_bias.shape[0]
    h = scratch[0, :n_hidden]
    for j in range(n_hidden):
        a = hidden_bias[j]
        for i in range(n_visible):
            a += v[i] * weights[i, j]
        counter += np.uint64(1)
        p_on = 1.0 / (1.0 + np.exp(-beta * a))
        h[j] = 1.0 if uniform_at(key, gamma, counter) < p_on else 0.0
    for i in range(n_visible):
        logit = (1.0 - beta) * base_bias[i] + beta * visible_bias[i]
        for j in range(n_hidden):
            logit += beta * weights[i, j] * h[j]
        # propose the flip; accept with min(1, p(flipped) / p(current))
        delta = logit if v[i] == 0.0 else -logit
        counter += np.uint64(1)
        if delta >= 0.0 or uniform_at(key, gamma, counter) < np.exp(delta):
            v[i] = 1.0 - v[i]
            stats[0] += 1.0 / n_visible
    return counter


def _rbm_step():
    return pt.transitions.Step(gibbs_visible_first_half, name="flip-gibbs",
                               stats=("acceptance",))  # fmt: skip


@pytest.mark.parametrize("estimator", ["ais", "smc"])
def test_a_users_rbm_gibbs_variant_estimates_log_z(estimator):
    rbm = pt.BernoulliRBM.random(10, 6, weight_scale=0.8, rng=2)
    exact = pt.exact_log_z(rbm).log_z
    if estimator == "ais":
        est = pt.ais(rbm, n_chains=300, schedule=300, transition=_rbm_step(), rng=4)
    else:
        est = pt.smc(rbm, n_particles=300, transition=_rbm_step(), rng=4)
    assert est.info["transition"] == "flip-gibbs"
    assert est.info["driver"] == "engine"
    assert 0.1 < est.info["acceptance_rate"] < 1.0
    assert abs(est.log_z - exact) < 4 * est.stderr, (est.log_z, exact, est.stderr)


def test_benchmark_runs_a_users_rbm_step():
    result = pt.benchmark(
        ["rbm-tiny-10x8"], transitions=[_rbm_step()], estimators=["ais", "smc"], budgets=[200],
        n_repeats=2, n_chains=200, progress=False, rng=0,
    )  # fmt: skip
    assert {r["transition"] for r in result.rows} == {"flip-gibbs"}
    assert all(abs(r["z_score"]) < 4 for r in result.rows), result.rows


def test_the_engine_runs_block_gibbs_with_the_fused_drivers_draws():
    """``driver="engine"`` makes the fused driver's draws (the same states, chain for
    chain) and its log weights to rounding: the increment is summed in another order."""
    rbm = pt.BernoulliRBM.random(12, 7, weight_scale=1.0, rng=3)
    fused = pt.ais(rbm, n_chains=30, schedule=120, driver="fused", rng=6)
    engine = pt.ais(rbm, n_chains=30, schedule=120, driver="engine", rng=6)
    assert engine.info["driver"] == "engine"
    np.testing.assert_allclose(engine.log_weights, fused.log_weights, rtol=1e-12, atol=1e-10)


def test_an_rbm_step_of_your_own_is_refused_where_it_cannot_run():
    rbm = pt.BernoulliRBM.random(6, 4, rng=0)
    with pytest.raises(ValueError, match="engine driver"):
        pt.ais(rbm, transition=_rbm_step(), driver="batched", schedule=10, n_chains=10)
    with pytest.raises(ValueError, match="float64"):
        pt.ais(rbm, transition=_rbm_step(), dtype=np.float32, schedule=10, n_chains=10)
    with pytest.raises(ValueError, match=r"pt\.transitions\.Step"):
        pt.ais(rbm, transition="metropolis", schedule=10, n_chains=10)


@pytest.mark.parametrize(
    ("model", "options"),
    [(_frustrated_ising(), {}), (pt.BernoulliRBM.random(9, 5, rng=1), {"driver": "engine"})],
    ids=["ising", "rbm"],
)
def test_a_runner_moves_chains_at_their_own_temperatures(model, options):
    """``advance_rows``: each chain on its own row of a temperature table in one call equals
    the calls of one row each, chain for chain (states, streams and log weights)."""
    from partition.kernels._random import seed_streams

    path = model.annealing_path(**options)
    table = np.array([np.linspace(0.0, 0.4, 5), np.linspace(0.4, 0.8, 5), np.linspace(0.8, 1, 5)])
    rows = np.array([1, 2, 0, 0, 2, 1, 1, 0])
    n = rows.size
    streams, _ = seed_streams(np.random.default_rng(2), n)
    states = path.new_states(n)
    path.sample_base(states, streams)
    mixed = (states.copy(), streams.copy(), np.zeros(n))
    with path.runner(n, 2, table[0]) as runner:
        runner.advance_rows(table, rows, True, *mixed)
    for r in range(len(table)):
        mine = np.flatnonzero(rows == r)
        alone = (states[mine].copy(), streams[mine].copy(), np.zeros(mine.size))
        with path.runner(mine.size, 2, table[r]) as runner:
            runner.advance(table[r], True, *alone)
        for got, want in zip(mixed, alone, strict=True):
            np.testing.assert_array_equal(got[mine], want)
    assert len(set(mixed[2].tolist())) == n  # the rows differ: the test can tell them apart
    with path.runner(n, 2, table[0]) as runner, pytest.raises(ValueError, match="rows"):
        runner.advance_rows(table, rows + 1, True, *mixed)


@numba.njit
def gaussian_bernoulli_gibbs(model, v, cache, beta, tune, key, gamma, counter, scratch,
                             chain_state, stats):  # fmt: skip
    """Block Gibbs for a Gaussian-Bernoulli RBM written here: ``h | v`` by uniforms, then
    ``v | h`` by normals (``fill_normals``), as the path's conditionals say."""
    weights, visible_bias, hidden_bias, sigma, base_mean, inv_var = (
        model[0], model[2], model[3], model[4], model[5], model[6]
    )  # fmt: skip
    n_visible, n_hidden = v.shape[0], hidden_bias.shape[0]
    h = scratch[0, :n_hidden]
    for j in range(n_hidden):
        a = hidden_bias[j]
        for i in range(n_visible):
            a += v[i] * inv_var[i] * weights[i, j]
        counter += np.uint64(1)
        h[j] = 1.0 if uniform_at(key, gamma, counter) < 1.0 / (1.0 + np.exp(-beta * a)) else 0.0
    z = scratch[1, :n_visible]
    counter = pt.transitions.fill_normals(key, gamma, counter, z)
    for i in range(n_visible):
        mean = visible_bias[i]
        for j in range(n_hidden):
            mean += weights[i, j] * h[j]
        v[i] = (1.0 - beta) * base_mean[i] + beta * mean + sigma[i] * z[i]
    stats[0] += 1.0
    return counter


def test_a_users_gaussian_bernoulli_gibbs_step_estimates_log_z():
    system = pt.testsystems.get("gbrbm-16x8")
    step = pt.transitions.Step(gaussian_bernoulli_gibbs, name="my-gb-gibbs",
                               stats=("acceptance",))  # fmt: skip
    est = pt.ais(system.model, n_chains=300, schedule=300, transition=step, rng=1,
                 **system.options)  # fmt: skip
    assert est.info["driver"] == "engine" and est.info["acceptance_rate"] == 1.0
    assert abs(est.log_z - system.log_z) < 4 * est.stderr, (est.log_z, system.log_z, est.stderr)
