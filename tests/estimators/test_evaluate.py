"""pt.evaluate: the test log-likelihood report, its exact value and its input checks."""

import numpy as np
import pytest

import partition as pt
import partition.estimators.evaluate as evaluate_module


@pytest.fixture(scope="module")
def digits():
    train, test = pt.datasets.digits()
    return pt.datasets.digits_rbm(), train, test


@pytest.fixture(scope="module")
def evaluation(digits):
    rbm, train, test = digits
    return pt.evaluate(rbm, test, train_data=train, schedule=1000, exact=True, rng=0)


def test_exact_true_gives_the_exact_log_likelihood(digits, evaluation):
    # exact=True always failed ("max_terms must be finite ... inf") after AIS and BDMC had run
    rbm, _, test = digits
    want = pt.log_likelihood(rbm, test, pt.exact_log_z(rbm)).mean
    assert evaluation.exact is not None
    assert evaluation.exact.mean == pytest.approx(want, abs=1e-12)
    assert evaluation.exact.method == "exact"


def test_ais_and_bdmc_agree_with_the_exact_value(evaluation):
    exact = evaluation.exact.mean
    ais = evaluation.ais
    assert abs(ais.mean - exact) < 4 * ais.stderr + 1e-3
    low, high = evaluation.log_likelihood_bounds
    gap = evaluation.bounds.gap
    assert abs(gap) < 0.1  # a converged sandwich on this small model
    assert low - 4 * evaluation.bounds.upper.stderr <= exact
    assert exact <= high + 4 * evaluation.bounds.lower.stderr
    assert evaluation.n_examples == 297


def test_report_and_dict_hold_the_figures(evaluation):
    text = evaluation.report()
    assert f"{evaluation.exact.mean:.4f}" in text and f"{evaluation.ais.mean:.4f}" in text
    d = evaluation.to_dict()
    assert d["exact"] == evaluation.exact.mean and d["n_examples"] == 297
    assert d["bdmc"]["gap"] == evaluation.bounds.gap


def test_exact_none_includes_it_when_cheap_and_false_skips_it(digits):
    rbm, _, test = digits
    assert pt.evaluate(rbm, test[:20], schedule=100, bdmc=False, rng=0).exact is not None
    assert pt.evaluate(rbm, test[:20], schedule=100, bdmc=False, exact=False, rng=0).exact is None


def test_exact_true_on_a_model_without_an_exact_route_raises_before_ais(monkeypatch):
    big = pt.BernoulliRBM.random(70, 70, weight_scale=0.01, rng=0)  # 2^70 states
    monkeypatch.setattr(pt, "ais", _must_not_run)
    with pytest.raises(ValueError, match="exact enumeration"):
        pt.evaluate(big, np.zeros((3, 70)), exact=True, rng=0)


def _must_not_run(*args, **kwargs):
    raise AssertionError("the work started before the input was checked")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"data": np.full((3, 64), 0.5)}, ValueError, "data must be binary"),
        ({"data": np.zeros((3, 63))}, ValueError, "data must have 64 columns"),
        ({"data": np.zeros(64)}, ValueError, "data must be 2-D"),
        ({"data": None}, TypeError, "data must be an array"),
        ({"train_data": np.full((3, 64), 2.0)}, ValueError, "train_data must be binary"),
        ({"train_data": np.zeros((3, 64)) + 1j}, TypeError, "train_data must hold real"),
        ({"n_chains": 1}, ValueError, "n_chains must be >= 2"),
        ({"schedule": [0.0, 0.7, 0.5, 1.0]}, ValueError, "schedule must be non-decreasing"),
        ({"exact": "yes"}, TypeError, "exact must be True, False or None"),
        ({"bdmc": 1}, TypeError, "bdmc must be True or False"),
    ],
)
def test_bad_input_is_refused_before_ais(digits, monkeypatch, kwargs, error, match):
    rbm, _, test = digits
    monkeypatch.setattr(pt, "ais", _must_not_run)
    monkeypatch.setattr(pt, "exact_log_z", _must_not_run)
    args = {"data": test[:5], **kwargs}
    with pytest.raises(error, match=match):
        pt.evaluate(rbm, args.pop("data"), **args)
    assert evaluate_module.EXACT_MAX_TERMS < 2.0**40
