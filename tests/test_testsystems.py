"""The public registry of test systems: every exact log Z checked by an independent route."""

import csv
import math
import pathlib
import re

import numpy as np
import pytest
from scipy import integrate, optimize
from scipy.special import logsumexp

import partition as pt
from partition.models.ising_exact import brute_force_log_z, transfer_matrix_log_z
from partition.models.testsystems import all_states
from partition.testsystems import FAMILIES, KC, TRANSITIONS

DATA = pathlib.Path(__file__).parent / "data" / "ising_square_lattice.csv"


# ------------------------------------------------------------------ independent routes
def _rbm_by_hidden_states(rbm):
    """log Z = logsumexp_h [c.h + sum_i softplus(b_i + (W h)_i)], in NumPy, in chunks."""
    h_all = all_states(rbm.n_hidden)
    parts = []
    for h in np.array_split(h_all, max(1, h_all.shape[0] // 65536)):
        pre = h @ rbm.weights.T + rbm.visible_bias
        parts.append(logsumexp(h @ rbm.hidden_bias + np.logaddexp(0.0, pre).sum(1)))
    return float(logsumexp(parts))


def _rbm_by_visible_states(rbm):
    v = all_states(rbm.n_visible)
    pre = v @ rbm.weights + rbm.hidden_bias
    return float(logsumexp(v @ rbm.visible_bias + np.logaddexp(0.0, pre).sum(1)))


def _laplace(model, starts):
    """Sum over the modes reached from ``starts`` of the Laplace integral (exact for a
    Gaussian; for modes ``8`` sd apart the overlap is ~exp(-8)), from the density's own
    log density and gradient: the mode by BFGS, the Hessian by central differences."""
    f = lambda x: -float(model.log_unnormalized_prob(x[None])[0])  # noqa: E731
    g = lambda x: -model.grad_log_unnormalized_prob(x[None])[0]  # noqa: E731
    modes = []
    for x0 in starts:
        m = optimize.minimize(f, x0, jac=g, method="BFGS", options={"gtol": 1e-10}).x
        if all(np.linalg.norm(m - other) > 1e-3 for other in modes):
            modes.append(m)
    terms = []
    for m in modes:
        eps, d = 1e-5, m.size
        hess = np.empty((d, d))
        for i in range(d):
            e = np.zeros(d)
            e[i] = eps
            hess[i] = (g(m + e) - g(m - e)) / (2 * eps)
        _, logdet = np.linalg.slogdet(0.5 * (hess + hess.T))
        terms.append(-f(m) + 0.5 * d * math.log(2 * math.pi) - 0.5 * logdet)
    return float(logsumexp(terms)), len(modes)


def _onsager_torus(coupling, n_spins):
    """n_spins times Onsager's free energy per site (quadrature), plus log 2 in the ordered
    phase (two ground states on the torus): finite-size terms ~exp(-L / xi) off K_c."""

    def integrand(t1, t2):
        return math.log(
            math.cosh(2 * coupling) ** 2 - math.sinh(2 * coupling) * (math.cos(t1) + math.cos(t2))
        )

    value, _ = integrate.dblquad(integrand, 0, math.pi, 0, math.pi, epsabs=1e-13, epsrel=1e-13)
    per_site = math.log(2.0) + value / (2 * math.pi**2)
    return n_spins * per_site + (math.log(2.0) if coupling > KC else 0.0)


def _grid_2d(log_density, half_width=20.0, n=1201):
    """Simpson's rule on a square grid for a 2-D density."""
    grid = np.linspace(-half_width, half_width, n)
    xx, yy = np.meshgrid(grid, grid, indexing="ij")
    values = log_density(np.stack([xx.ravel(), yy.ravel()], 1)).reshape(n, n)
    top = values.max()
    inner = integrate.simpson(np.exp(values - top), x=grid, axis=1)
    return float(top + math.log(integrate.simpson(inner, x=grid)))


def _reference_csv(L, coupling):
    with open(DATA) as fh:
        for row in csv.DictReader(fh):
            if int(row["L"]) == L and row["boundary"] == "periodic":
                if abs(float(row["K"]) - coupling) < 1e-12:
                    return float(row["lnZ"])
    raise LookupError


def independent(name, system):
    """``(value, tolerance)``: log Z by a route other than the registry's."""
    model = system.model
    if name.startswith("rbm-digits") or name == "rbm-random-24x12":
        return _rbm_by_hidden_states(model), 1e-9
    if name == "rbm-strong-20x16":
        return _rbm_by_visible_states(model), 1e-9
    if name == "rbm-tiny-10x8":
        return pt.exact_log_z(model).log_z, 1e-9  # Gray-code enumeration of one layer
    if name == "rbm-zero-weights-40x30":  # each unit's two states, summed separately
        biases = np.concatenate([model.visible_bias, model.hidden_bias])
        return float(sum(logsumexp([0.0, b]) for b in biases)), 1e-9
    if name.startswith("ising-16x16-open") or name == "spin-glass-16x16-open":
        return transfer_matrix_log_z(model), 1e-8
    if name == "ising-32x32-kc":
        return _reference_csv(32, KC), 1e-9
    if name.startswith("ising-32x32"):
        return _onsager_torus(float(model.uniform_coupling), model.n_spins), 1e-6
    if name == "ising-ring-20":
        return brute_force_log_z(model), 1e-9
    if name.startswith("gaussian") or name == "regression-5d":
        value, modes = _laplace(model, [np.zeros(model.dim)])
        assert modes == 1
        return value, 1e-5
    if name.startswith("mixture"):
        if model.dim == 2:
            return _grid_2d(model.log_unnormalized_prob), 1e-7
        starts = model.sample_exactly(60, np.random.default_rng(0))
        value, modes = _laplace(model, starts)
        assert modes == {"mixture-6d-3modes": 3, "mixture-10d": 2}[name]
        return value, 1e-5
    if name == "funnel-10d":  # x | v is N(0, e^v I): integrate x exactly, v by quadrature
        d = model.dim

        def mass(v):
            point = np.zeros((1, d))
            point[0, 0] = v
            log_at_zero = float(model.log_unnormalized_prob(point)[0])
            return math.exp(log_at_zero + 0.5 * (d - 1) * (math.log(2 * math.pi) + v))

        value, _ = integrate.quad(mass, -40, 40, epsabs=1e-13, epsrel=1e-12, limit=400)
        return math.log(value), 1e-8
    if name == "many-well-32d":  # 16 identical pairs: a 2-D quadrature of one pair
        pairs = model.dim // 2

        def one_pair(xy):
            x = np.zeros((xy.shape[0], model.dim))
            x[:, :2] = xy
            return model.log_unnormalized_prob(x)

        return pairs * _grid_2d(one_pair, half_width=8.0, n=2401), 1e-6
    if name == "gbrbm-2x6":
        return _grid_2d(model.log_unnormalized_prob, half_width=25.0, n=2001), 1e-7
    if name == "gbrbm-16x8":
        # 1/Z = E_p[q(v) / p*(v)] over exact draws v ~ p, q a normal narrower than p
        # (finite variance): an unbiased Monte Carlo route with its standard error
        gen = np.random.default_rng(2)
        v = model.sample_exactly(200_000, gen)
        mean, sd = v.mean(0), 0.8 * v.std(0)
        log_q = (-0.5 * (((v - mean) / sd) ** 2).sum(1) - np.log(sd).sum()
                 - 0.5 * v.shape[1] * math.log(2 * math.pi))  # fmt: skip
        ratio = np.exp(log_q - model.log_unnormalized_prob(v) + system.log_z)
        se = ratio.std() / math.sqrt(ratio.size) / ratio.mean()
        return float(system.log_z - math.log(ratio.mean())), 4.0 * se
    raise AssertionError(f"no independent route for {name}")


# ------------------------------------------------------------------ the tests
def test_registry_has_every_family_and_twenty_systems():
    names = pt.testsystems.names()
    assert len(names) >= 20 and len(set(names)) == len(names)
    for family in FAMILIES:
        assert pt.testsystems.names(family)
    assert sorted(n for f in FAMILIES for n in pt.testsystems.names(f)) == sorted(names)


@pytest.mark.parametrize("name", pt.testsystems.names())
def test_exact_log_z_agrees_with_an_independent_route(name):
    system = pt.testsystems.get(name)
    assert system.name == name and system.description and system.source
    assert system.family in FAMILIES and system.transitions
    assert set(system.transitions) <= set(TRANSITIONS)
    value, tolerance = independent(name, system)
    assert abs(system.log_z - value) <= tolerance, (system.log_z, value)


def test_systems_are_cached_and_their_options_read_only():
    one = pt.testsystems.get("rbm-digits-64x10")
    assert pt.testsystems.get("rbm-digits-64x10") is one
    with pytest.raises(TypeError):
        one.options["data"] = None


@pytest.mark.parametrize(
    ("name", "accepted", "refused"),
    [
        ("rbm-tiny-10x8", ["block-gibbs"], ["hmc", "heat-bath", "metropolis"]),
        ("ising-ring-20", ["heat-bath", "metropolis"], ["block-gibbs", "rwm"]),
        ("gaussian-10d", ["rwm", "mala", "hmc"], ["block-gibbs", "metropolis"]),
        ("gbrbm-2x6", ["block-gibbs"], ["hmc"]),
    ],
)
def test_transitions_that_apply(name, accepted, refused):
    system = pt.testsystems.get(name)
    assert system.transitions == tuple(accepted)
    assert all(system.accepts(pt.testsystems.make_transition(t)) for t in accepted)
    assert not any(system.accepts(t) for t in refused)
    assert not system.accepts("no-such-transition")


def test_unknown_names_are_refused_with_the_list():
    with pytest.raises(ValueError, match=r"unknown test system 'isng-32x32-kc'.*ising-32x32-kc"):
        pt.testsystems.get("isng-32x32-kc")
    with pytest.raises(ValueError, match="family must be one of"):
        pt.testsystems.names("boltzmann")
    with pytest.raises(ValueError, match=r"unknown transition 'nuts'.*block-gibbs"):
        pt.testsystems.make_transition("nuts")


def test_digits_rbm_sizes():
    assert [pt.datasets.digits_rbm(n).n_hidden for n in (10, 16, 20)] == [10, 16, 20]
    with pytest.raises(ValueError, match="n_hidden must be one of 10, 16, 20"):
        pt.datasets.digits_rbm(12)


def test_a_system_with_a_typo_in_its_options_or_a_wrong_family_is_refused():
    """options={"dat": ...} once made every transition 'not apply', and pt.benchmark ran
    0 runs without a word; family="ising" on an RBM labelled every row wrongly."""
    rbm = pt.BernoulliRBM.random(6, 3, rng=0)
    common = dict(name="mine", description="d", model=rbm, log_z=pt.exact_log_z(rbm).log_z,
                  source="enumeration")  # fmt: skip
    data = np.zeros((4, 6))
    assert pt.testsystems.TestSystem(**common, family="rbm", options={"data": data}).transitions
    with pytest.raises(ValueError, match=r"TestSystem 'mine': options \['dat'\].*dat"):
        pt.testsystems.TestSystem(**common, family="rbm", options={"dat": data})
    wrong = "family='ising' is for IsingModel models, but model is a BernoulliRBM"
    with pytest.raises(ValueError, match=re.escape(wrong)):
        pt.testsystems.TestSystem(**common, family="ising")


def test_the_built_in_transitions_are_read_from_the_families():
    """``TRANSITIONS`` is the union of the families' ``transitions()``; each family takes
    its own on its path and no other's, and the cost unit comes from the family."""
    from partition.testsystems import FAMILIES, TRANSITIONS, _family_class

    systems = {s.family: s for s in map(pt.testsystems.get, pt.testsystems.names())}
    declared = set()
    for family in FAMILIES:
        kind = _family_class(family)
        own = kind.transitions()
        declared |= set(own)
        system = systems[family]
        assert system.cost_unit == kind.cost_unit
        assert set(system.transitions) == set(own)
        for name in TRANSITIONS:
            assert system.accepts(name) == (name in own), (family, name)
    assert declared == set(TRANSITIONS)
