"""BernoulliRBM: validation, NumPy reference methods, I/O and constructors."""

import numpy as np
import pytest
from scipy.special import logsumexp

import partition as pt
from partition.models.testsystems import all_states


@pytest.fixture
def rbm():
    return pt.BernoulliRBM.random(5, 4, weight_scale=1.5, rng=3)


def test_parameters_are_frozen_float64_copies():
    w = np.ones((3, 2), dtype=np.int32)
    model = pt.BernoulliRBM(w, [0, 1, 2], np.zeros(2, dtype=np.float32))
    for arr in model.params:
        assert arr.dtype == np.float64 and arr.flags.c_contiguous and not arr.flags.writeable
    w[0, 0] = 99
    assert model.weights[0, 0] == 1.0
    with pytest.raises(ValueError):
        model.weights[0, 0] = 5.0
    with pytest.raises(AttributeError):
        model.weights = np.zeros((3, 2))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"weights": np.zeros(3)}, "weights must be 2-D"),
        ({"visible_bias": np.zeros(4)}, r"visible_bias must have shape \(3,\)"),
        ({"hidden_bias": np.zeros((2, 1))}, "hidden_bias must be 1-D"),
        ({"hidden_bias": np.zeros(3)}, r"hidden_bias must have shape \(2,\)"),
        ({"weights": np.array([[0, np.nan]] * 3)}, "weights must be finite"),
        ({"visible_bias": np.array([0, np.inf, 0])}, "visible_bias must be finite"),
        ({"hidden_bias": np.array([-np.inf, 0])}, "hidden_bias must be finite"),
        ({"weights": np.zeros((0, 2)), "visible_bias": np.zeros(0)}, "at least one row"),
    ],
)
def test_bad_parameters_name_the_argument(kwargs, match):
    args = {"weights": np.zeros((3, 2)), "visible_bias": np.zeros(3), "hidden_bias": np.zeros(2)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        pt.BernoulliRBM(**args)


def test_non_numeric_parameters_raise_type_error():
    with pytest.raises(TypeError, match="weights"):
        pt.BernoulliRBM(np.array([["a", "b"]]), np.zeros(1), np.zeros(2))
    with pytest.raises(TypeError, match="visible_bias"):
        pt.BernoulliRBM(np.zeros((1, 2)), np.array([1j]), np.zeros(2))


def test_free_energy_matches_sum_over_hidden_states(rbm):
    v = all_states(rbm.n_visible)
    h = all_states(rbm.n_hidden)
    neg_e = -np.array([[rbm.energy(vi, hj) for hj in h] for vi in v])
    np.testing.assert_allclose(rbm.free_energy(v), -logsumexp(neg_e, axis=1), rtol=1e-13)
    np.testing.assert_allclose(rbm.log_unnormalized_prob(v), logsumexp(neg_e, axis=1), rtol=1e-13)


def test_free_energy_hidden_matches_sum_over_visible_states(rbm):
    v = all_states(rbm.n_visible)
    h = all_states(rbm.n_hidden)
    neg_e = -np.array([[rbm.energy(vi, hj) for vi in v] for hj in h])
    np.testing.assert_allclose(rbm.free_energy_hidden(h), -logsumexp(neg_e, axis=1), rtol=1e-13)


def test_energy_formula_and_batch_shapes(rbm):
    rng = np.random.default_rng(0)
    v = (rng.random((7, 5)) < 0.5).astype(float)
    h = (rng.random((7, 4)) < 0.5).astype(float)
    e = rbm.energy(v, h)
    assert e.shape == (7,)
    for k in range(7):
        want = -(v[k] @ rbm.visible_bias + h[k] @ rbm.hidden_bias + v[k] @ rbm.weights @ h[k])
        assert e[k] == pytest.approx(want, rel=1e-14)
        assert rbm.energy(v[k], h[k]) == pytest.approx(want, rel=1e-14)
    assert isinstance(rbm.free_energy(v[0]), float)
    assert rbm.free_energy(v).shape == (7,)
    assert rbm.free_energy(v.astype(bool)).shape == (7,)


@pytest.mark.parametrize(
    ("v", "match"),
    [
        (np.array([0, 1, 0.5, 0, 1]), "v must be binary"),
        (np.array([0, 1, 2, 0, 1]), "v must be binary"),
        (np.array([-1, 1, 1, 0, 1]), "v must be binary"),
        (np.zeros((2, 4)), "v must have 5 columns"),
        (np.zeros((2, 2, 5)), "v must be 1-D or 2-D"),
        (np.array([0, 1, np.nan, 0, 1]), "v must be finite"),
    ],
)
def test_bad_visible_states(rbm, v, match):
    with pytest.raises(ValueError, match=match):
        rbm.free_energy(v)


def test_energy_rejects_mismatched_batches(rbm):
    with pytest.raises(ValueError, match="v and h"):
        rbm.energy(np.zeros((3, 5)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="h must have 4 columns"):
        rbm.energy(np.zeros(5), np.zeros(3))


def test_save_load_round_trip(tmp_path, rbm):
    path = tmp_path / "model.npz"
    rbm.save(path)
    with np.load(path) as f:
        assert sorted(f.files) == ["hidden_bias", "visible_bias", "weights"]
    assert pt.BernoulliRBM.load(path) == rbm
    assert pt.BernoulliRBM.load(str(path)) == rbm
    with open(path, "rb") as fh:
        assert pt.BernoulliRBM.load(fh) == rbm


def test_load_errors_name_the_problem(tmp_path):
    path = tmp_path / "partial.npz"
    np.savez(path, weights=np.zeros((2, 2)), visible_bias=np.zeros(2))
    with pytest.raises(ValueError, match="hidden_bias"):
        pt.BernoulliRBM.load(path)
    with pytest.raises(FileNotFoundError, match=r"nope\.npz"):
        pt.BernoulliRBM.load(tmp_path / "nope.npz")
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"not a zip file")
    with pytest.raises(ValueError, match="not a NumPy array file"):  # was "...pickled data"
        pt.BernoulliRBM.load(garbage)
    bad = tmp_path / "bad.npz"
    np.savez(bad, weights=np.zeros((2, 2)), visible_bias=np.zeros(3), hidden_bias=np.zeros(2))
    with pytest.raises(ValueError, match="visible_bias must have shape"):
        pt.BernoulliRBM.load(bad)


def test_random_is_seeded_and_validated():
    a = pt.BernoulliRBM.random(6, 3, weight_scale=0.1, rng=5)
    assert a == pt.BernoulliRBM.random(6, 3, weight_scale=0.1, rng=5)
    assert a != pt.BernoulliRBM.random(6, 3, weight_scale=0.1, rng=6)
    assert np.std(pt.BernoulliRBM.random(200, 50, weight_scale=0.1, rng=1).weights) == (
        pytest.approx(0.1, rel=0.05)
    )
    with pytest.raises(ValueError, match="n_hidden"):
        pt.BernoulliRBM.random(3, 0)
    with pytest.raises(ValueError, match="weight_scale"):
        pt.BernoulliRBM.random(3, 2, weight_scale=-1.0)
    with pytest.raises(TypeError, match="rng"):
        pt.BernoulliRBM.random(3, 2, rng="seed")
    with pytest.raises(TypeError, match="RandomState"):
        pt.BernoulliRBM.random(3, 2, rng=np.random.RandomState(0))


def test_from_sklearn_requires_a_fitted_estimator():
    from sklearn.neural_network import BernoulliRBM as SkRBM

    with pytest.raises(ValueError, match="not fitted"):
        pt.BernoulliRBM.from_sklearn(SkRBM(n_components=3))
    with pytest.raises(TypeError, match="components_"):
        pt.BernoulliRBM.from_sklearn(object())
