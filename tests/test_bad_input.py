"""Bad input, one table row each: a clear error naming the argument, before any work.

Add a row for each new defect. ``before_work`` rows replace the function that does the work
with one that fails the test if it is reached.
"""

import sys

import numpy as np
import pytest

import partition as pt
from partition.models.ising import Lattice

bdmc_module = sys.modules["partition.estimators.bdmc"]  # the package re-exports bdmc()

RBM = pt.BernoulliRBM.random(6, 4, weight_scale=0.5, rng=0)
V = (np.random.default_rng(0).random((5, 6)) < 0.5).astype(float)
DIGITS_TRAIN = pt.datasets.digits()[0]
DRAWS = np.random.default_rng(0).normal(size=(400, 2))


def log_normal(x):
    return -0.5 * (x**2).sum(1)


# (id, call, error, message) -- the message must name the argument
ROWS = [
    # bdmc and reverse AIS
    (
        "bdmc-samples",
        lambda: pt.bdmc(RBM, samples=np.full((3, 6), 0.5)),
        ValueError,
        "samples must be binary",
    ),
    ("bdmc-n_burnin", lambda: pt.bdmc(RBM, n_burnin=0), ValueError, "n_burnin must be >= 1"),
    (
        "raise-base_data",
        lambda: pt.raise_log_likelihood(RBM, V, base_data=np.full((2, 6), 0.5)),
        ValueError,
        "base_data must be binary",
    ),
    (
        "raise-data-complex",
        lambda: pt.raise_log_likelihood(RBM, V + 0j),
        TypeError,
        "data must hold real",
    ),
    # fit_rbm: checked up front, not at the first checkpoint
    (
        "fit-callbacks",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, callbacks=print),
        TypeError,
        "callbacks must be a tuple of callables",
    ),
    (
        "fit-callbacks-items",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, callbacks=(1,)),
        TypeError,
        "callbacks must be a tuple of callables",
    ),
    (
        "fit-ais_chains",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, ais_chains=1),
        ValueError,
        "ais_chains must be >= 2",
    ),
    (
        "fit-ais_schedule",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, ais_schedule=[0.0, 0.5]),
        ValueError,
        "ais_schedule must start at 0 and end at 1",
    ),
    (
        "fit-test_data-empty",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, test_data=np.zeros((0, 64))),
        ValueError,
        "test_data must hold at least one row",
    ),
    (
        "fit-momentum-str",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, momentum="0.5"),
        TypeError,
        "momentum must be a real number",
    ),
    (  # CD used to ignore tempering silently
        "fit-n_temperatures-cd",
        lambda: pt.fit_rbm(DIGITS_TRAIN, 4, method="cd", n_temperatures=3),
        ValueError,
        "n_temperatures applies to binary PCD only",
    ),
    (
        "fit-data-no-columns",
        lambda: pt.fit_rbm(np.zeros((5, 0)), 4),
        ValueError,
        "data must have at least one column",
    ),
    # bridge and bridge_sampling
    (
        "bridge-n_samples",
        lambda: pt.bridge(RBM, RBM, n_samples=0),
        ValueError,
        "n_samples must be >= 2",
    ),
    (
        "bridge-one-row",
        lambda: pt.bridge(RBM, RBM, V[:1], V),
        ValueError,
        "samples_a must hold at least 2 samples",
    ),
    (
        "bridge-complex",
        lambda: pt.bridge(RBM, RBM, V, V + 0j),
        TypeError,
        "samples_b must hold real",
    ),
    (
        "bridge-level",
        lambda: pt.bridge(RBM, RBM, V, V, confidence_level=1.5),
        ValueError,
        "confidence_level",
    ),
    (
        "bs-level",
        lambda: pt.bridge_sampling(log_normal, DRAWS, confidence_level=7),
        ValueError,
        "confidence_level",
    ),
    (
        "bs-draws-complex",
        lambda: pt.bridge_sampling(log_normal, DRAWS + 0j),
        TypeError,
        "samples must hold real",
    ),
    (
        "bs-bounds-complex",
        lambda: pt.bridge_sampling(log_normal, DRAWS, bounds=(0j, 1.0)),
        TypeError,
        "bounds lower must hold real",
    ),
    (
        "bs-bounds-str",
        lambda: pt.bridge_sampling(log_normal, DRAWS, bounds=("a", 1.0)),
        TypeError,
        "bounds lower must hold real",
    ),
    (
        "bs-bounds-length",
        lambda: pt.bridge_sampling(log_normal, DRAWS, bounds=([0] * 3, 1e9)),
        ValueError,
        "bounds lower must be a scalar or have one value per parameter",
    ),
    # coerced values
    (
        "ais-schedule-complex",
        lambda: pt.ais(RBM, schedule=np.array([0, 0.5, 1]) + 0j),
        TypeError,
        "schedule must hold real",
    ),
    (
        "ais-schedule-str",
        lambda: pt.ais(RBM, schedule=["0", "1"]),
        TypeError,
        "schedule must hold real",
    ),
    (
        "ais-base-complex",
        lambda: pt.ais(RBM, base=np.zeros(6) + 0j),
        TypeError,
        "base must hold real",
    ),
    ("ais-base-str", lambda: pt.ais(RBM, base=["a"] * 6), TypeError, "base must hold real"),
    (
        "bar-complex",
        lambda: pt.bar(np.ones(3) + 1j, np.ones(3)),
        TypeError,
        "log_ratios_a must hold real",
    ),
    ("bar-str", lambda: pt.bar(np.ones(3), ["1", "2"]), TypeError, "log_ratios_b must hold real"),
    (
        "from_log_weights-complex",
        lambda: pt.LogZEstimate.from_log_weights(np.ones(3) + 1j, method="x"),
        TypeError,
        "log_weights must hold real",
    ),
    # raw internal errors before
    (
        "ising-couplings-length",
        lambda: pt.IsingModel(3, [[0, 1], [1, 2]], [1.0, 2.0, 3.0]),
        ValueError,
        "couplings must be a scalar or one value per edge",
    ),
    (
        "ising-lattice-str",
        lambda: pt.IsingModel(4, [[0, 1]], 1.0, lattice="foo"),
        TypeError,
        "lattice must be a Lattice",
    ),
    (
        "ising-lattice-bonds",
        lambda: pt.IsingModel(9, [[0, 4]], 1.0, lattice=Lattice((3, 3), "periodic")),
        ValueError,
        "edges: bond",
    ),
    (
        "log_likelihood-None",
        lambda: pt.log_likelihood(None, V, 1.0),
        TypeError,
        "model must be a model of partition",
    ),
    (
        "ais-huge-chains",
        lambda: pt.ais(RBM, n_chains=10**12),
        ValueError,
        "n_chains must be <= 10,000,000",
    ),
    (
        "ais-huge-schedule",
        lambda: pt.ais(RBM, schedule=10**12),
        ValueError,
        "schedule must be at most",
    ),
    (
        "reverse-huge-chains",
        lambda: pt.reverse_ais(RBM, n_chains=10**12),
        ValueError,
        "n_chains must be <=",
    ),
    (
        "bridge-huge-samples",
        lambda: pt.bridge(RBM, RBM, n_samples=10**12),
        ValueError,
        "n_samples must be <=",
    ),
    (
        "ising_log_z-max_terms",
        lambda: pt.ising_log_z(300, coupling=0.3, boundary="open"),
        ValueError,
        "max_terms",
    ),
]
# huge counts: a MemoryError far from the argument, or minutes of work, before
ROWS += [
    ("exact_sample-huge-n", lambda: pt.exact_sample(RBM, 10**12), ValueError, "n must be <="),
    ("fit-huge-n_hidden", lambda: pt.fit_rbm(DIGITS_TRAIN, 10**9), ValueError,
     "n_visible x n_hidden must be at most"),
    ("fit-huge-n_persistent", lambda: pt.fit_rbm(DIGITS_TRAIN, 4, n_persistent=10**12),
     ValueError, "n_persistent must be <="),
    ("fit-huge-n_temperatures", lambda: pt.fit_rbm(DIGITS_TRAIN, 4, n_temperatures=10**9),
     ValueError, "n_temperatures must be <="),
    ("rbm-random-huge", lambda: pt.BernoulliRBM.random(10**6, 10**6), ValueError,
     "n_visible x n_hidden must be at most"),
    ("ising-lattice-huge", lambda: pt.IsingModel.square_lattice(10**6), ValueError,
     "L x M must be at most"),
    ("ising-n_spins-huge", lambda: pt.IsingModel(10**12, [[0, 1]], 1.0), ValueError,
     "n_spins must be <="),
    ("ais-huge-sweeps", lambda: pt.ais(RBM, n_sweeps=10**12), ValueError, "n_sweeps must be <="),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "match"), [r[1:] for r in ROWS],
                         ids=[r[0] for r in ROWS])  # fmt: skip
def test_bad_input_names_the_argument(call, error, match, monkeypatch):
    monkeypatch.setattr(bdmc_module, "ais", _must_not_run)  # bdmc's forward run
    with pytest.raises(error, match=match):
        call()


def _must_not_run(*args, **kwargs):
    raise AssertionError("the work started before the input was checked")


def test_bar_with_huge_equal_ratios_is_their_value():
    # "bracket invalid (this is a bug)" before: the +-1 of the bracket vanished at 1e300
    est = pt.bar(np.full(10, 1e300), np.full(10, 1e300))
    assert est.log_z == 1e300
    shifted = pt.bar(np.full(10, 1e300) + np.arange(10) * 1e285, np.full(10, 1e300))
    assert 1e300 <= shifted.log_z <= 1e300 + 1e286


def test_bridge_sampling_without_overlap_says_so():
    # ZeroDivisionError before: every proposal draw had zero posterior density
    keys = {tuple(row) for row in DRAWS}

    def only_at_the_draws(x):
        return np.array([0.0 if tuple(row) in keys else -np.inf for row in x])

    with pytest.raises(ValueError, match="do not overlap"):
        pt.bridge_sampling(only_at_the_draws, DRAWS, rng=0)


def test_a_users_model_with_only_log_unnormalized_prob_still_works():
    class Gaussian:  # not a family of partition: duck-typed through log_unnormalized_prob
        def log_unnormalized_prob(self, x):
            return -0.5 * (x**2).sum(1)

    ll = pt.log_likelihood(Gaussian(), np.zeros((3, 2)), 1.0)
    assert ll.mean == -1.0
    with pytest.raises(TypeError, match="data must hold real"):
        pt.log_likelihood(Gaussian(), np.zeros((3, 2)) + 1j, 1.0)


# Every annealing estimator builds one AnnealingConfig, which checks every option (its own,
# the transition's and the family's) before any chain runs: the driver is replaced by one
# that fails the test if it is reached.
_ISING = pt.IsingModel.square_lattice(3, coupling=0.3)
_GAUSS = pt.LogDensity(log_normal, dim=2, vectorized=True)  # no gradient
_COMMON = [  # (id, keywords, error, message)
    ("n_chains", {"n_chains": 1}, ValueError, "n_chains must be >= 2"),
    ("n_sweeps", {"n_sweeps": 0}, ValueError, "n_sweeps must be >= 1"),
    ("schedule", {"schedule": "steep"}, ValueError, "schedule"),
    ("confidence_level", {"confidence_level": 1.5}, ValueError, "confidence_level must lie"),
    ("progress", {"progress": "yes"}, TypeError, "progress must be True or False"),
]
_FAMILY = [
    ("rbm-transition", RBM, {"transition": "metropolis"}, ValueError, "transition must be"),
    ("rbm-dtype", RBM, {"dtype": np.int8}, ValueError, "dtype must be float64 or float32"),
    ("rbm-driver", RBM, {"driver": "gpu"}, ValueError, "driver must be"),
    ("ising-transition", _ISING, {"transition": "hmc"}, ValueError, "transition must be"),
    ("ising-option", _ISING, {"dtype": np.float32}, TypeError, "takes no option 'dtype'"),
    ("density-string", _GAUSS, {"transition": "hmc"}, TypeError, "a LogDensity takes a"),
    ("density-gradient", _GAUSS, {"transition": pt.transitions.MALA()}, ValueError,
     "needs grad_log_prob"),
]  # fmt: skip
_ANNEALERS = {
    "ais": lambda model, kw: pt.ais(model, **kw),
    "reverse_ais": lambda model, kw: pt.reverse_ais(model, **kw),
    "bdmc": lambda model, kw: pt.bdmc(model, **kw),
}
_CONFIG_ROWS = [
    (f"{name}-{fam}-{opt}", call, model, kw, error, match)
    for name, call in _ANNEALERS.items()
    for fam, model in (("rbm", RBM), ("ising", _ISING), ("density", _GAUSS))
    for opt, kw, error, match in _COMMON
] + [
    (f"{name}-{opt}", call, model, kw, error, match)
    for name, call in _ANNEALERS.items()
    for opt, model, kw, error, match in _FAMILY
] + [
    (f"raise-{opt}", lambda model, kw: pt.raise_log_likelihood(model, V, **kw), RBM, kw, error,
     match)
    for opt, kw, error, match in [
        *_COMMON, ("dtype", {"dtype": np.int8}, ValueError, "dtype must be float64 or float32")]
]  # fmt: skip


@pytest.mark.parametrize(
    ("call", "model", "keywords", "error", "match"),
    [r[1:] for r in _CONFIG_ROWS],
    ids=[r[0] for r in _CONFIG_ROWS],
)
def test_annealing_options_are_checked_before_any_chain_runs(
    call, model, keywords, error, match, monkeypatch
):
    annealing = sys.modules["partition.estimators.annealing"]
    monkeypatch.setattr(annealing, "anneal", _must_not_run)
    monkeypatch.setattr(bdmc_module, "anneal", _must_not_run)  # reverse AIS's MCMC samples
    monkeypatch.setattr(bdmc_module, "ais", _must_not_run)  # bdmc's forward run
    with pytest.raises(error, match=match):
        call(model, {"n_chains": 4, "schedule": 5, **keywords})
