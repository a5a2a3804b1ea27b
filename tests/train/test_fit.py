"""fit_rbm: each method learns, NCE's log Z, tempering, callbacks, divergence, bad input."""

import numpy as np
import pytest

import partition as pt


@pytest.fixture(scope="module")
def digits():
    return pt.datasets.digits()


@pytest.mark.parametrize("method", ["cd", "pcd", "pl", "rm", "nce"])
def test_each_method_improves_the_exact_likelihood(digits, method):
    train, test = digits
    fit = pt.fit_rbm(
        train, 12, method=method, n_epochs=8, learning_rate=0.1 if method == "rm" else 0.05,
        test_data=test, monitor_every=4, rng=0,
    )  # fmt: skip
    h = fit.history
    assert h["epoch"] == [4, 8]
    assert h["log_likelihood_method"] == ["exact", "exact"]
    p = (train.sum(0) + 1) / (train.shape[0] + 2)  # independent-pixel model
    baseline = (test * np.log(p) + (1 - test) * np.log1p(-p)).sum(1).mean()
    assert h["test_log_likelihood"][-1] > baseline + 1.0
    assert all(np.isfinite(h["pseudo_log_likelihood"])) and all(
        np.isfinite(h["reconstruction_error"])
    )
    assert fit.info["n_updates"] == 8 * 75


def test_reproducible_and_seed_dependent(digits):
    train, _ = digits
    a = pt.fit_rbm(train, 5, n_epochs=2, monitor_every=0, rng=4).model
    assert a == pt.fit_rbm(train, 5, n_epochs=2, monitor_every=0, rng=4).model
    assert a != pt.fit_rbm(train, 5, n_epochs=2, monitor_every=0, rng=5).model


def test_nce_learns_log_z_when_well_specified():
    teacher = pt.BernoulliRBM.random(16, 8, weight_scale=0.7, rng=1)
    data = pt.exact_sample(teacher, 20000, rng=2)
    fit = pt.fit_rbm(data, 8, method="nce", n_epochs=10, batch_size=50, monitor_every=0, rng=0)
    assert abs(fit.info["nce_log_z"] - pt.exact_log_z(fit.model).log_z) < 0.1


def test_nce_log_z_on_digits_within_half_a_nat(digits):
    train, _ = digits
    fit = pt.fit_rbm(
        train, 20, method="nce", n_epochs=100, learning_rate=0.02, nce_noise_ratio=20,
        monitor_every=0, rng=0,
    )  # fmt: skip
    assert abs(fit.info["nce_log_z"] - pt.exact_log_z(fit.model).log_z) < 0.5
    assert fit.history["nce_log_z"][-1] == fit.info["nce_log_z"]


def test_pcd_with_parallel_tempering(digits):
    train, test = digits
    # 5 epochs: a rate above the PCD default (0.01, chosen for 50 epochs)
    fit = pt.fit_rbm(train, 12, method="pcd", n_temperatures=4, n_epochs=5, learning_rate=0.05,
                     test_data=test, rng=1)  # fmt: skip
    # beat the independent-pixel model (-25.37 nats), which an RBM that learns nothing matches
    p = (train.sum(0) + 1) / (train.shape[0] + 2)
    baseline = (test * np.log(p) + (1 - test) * np.log1p(-p)).sum(1).mean()
    assert fit.history["test_log_likelihood"][-1] > baseline + 1.0


def test_replica_swaps_keep_each_tempered_distribution():
    # exact tempered marginals of a tiny RBM; one swap sweep over 40,000 replica pairs drawn
    # from them must leave each replica's histogram within 4 standard errors of its marginal
    from partition.models.testsystems import all_states
    from partition.train.pcd import swap_replicas as _swap_replicas
    from partition.train.pcd import tempered_log_prob as _tempered_log_prob

    model = pt.BernoulliRBM.random(3, 2, weight_scale=1.5, bias_scale=1.0, rng=5)
    states = all_states(3)
    betas = np.array([0.3, 0.65, 1.0])
    probs = []
    for beta in betas:  # independent formula: sum over the hidden states explicitly
        h = all_states(2)
        joint = beta * (
            (states @ model.weights) @ h.T + (states @ model.visible_bias)[:, None]
            + (h @ model.hidden_bias)[None, :]
        )  # fmt: skip
        p = np.exp(joint).sum(1)
        probs.append(p / p.sum())
        np.testing.assert_allclose(
            _tempered_log_prob(model, states, beta) - np.log(np.exp(joint).sum(1)), 0, atol=1e-12
        )
    gen = np.random.default_rng(0)
    n = 40000
    replicas = [states[gen.choice(8, n, p=p)] for p in probs]
    before = [r.copy() for r in replicas]
    _swap_replicas(model, replicas, betas, gen)
    swapped = np.mean(np.any(replicas[0] != before[0], axis=1))
    assert 0.05 < swapped < 0.95  # swaps happen, and not always
    codes = 2 ** np.arange(3)
    for r, p in zip(replicas, probs, strict=True):
        freq = np.bincount((r @ codes).astype(int), minlength=8) / n
        z = (freq - p) / np.sqrt(p * (1 - p) / n)
        assert np.max(np.abs(z)) < 4.5


def test_callbacks_see_each_checkpoint_and_can_stop(digits):
    train, _ = digits
    seen = []

    def stop_at_three(epoch, model, history):
        seen.append((epoch, model.n_hidden, len(history["epoch"])))
        return epoch >= 3

    fit = pt.fit_rbm(train, 4, n_epochs=10, monitor_every=1, callbacks=(stop_at_three,), rng=0)
    assert seen == [(1, 4, 1), (2, 4, 2), (3, 4, 3)]
    assert fit.history["epoch"] == [1, 2, 3]


def test_monitoring_falls_back_to_ais_for_large_models():
    rng = np.random.default_rng(0)
    data = (rng.random((60, 30)) < 0.3).astype(float)
    fit = pt.fit_rbm(data, 25, n_epochs=1, ais_chains=10, ais_schedule=50, rng=0)
    assert fit.history["log_likelihood_method"] == ["ais"]


def test_divergence_stops_with_the_last_finite_model(digits):
    train, _ = digits
    with pytest.raises(pt.TrainingDivergedError, match="non-finite") as caught:
        pt.fit_rbm(train, 5, method="pl", n_epochs=5, learning_rate=1e300, init_scale=1.0, rng=0)
    last = caught.value.model
    assert isinstance(last, pt.BernoulliRBM)
    assert all(np.all(np.isfinite(p)) for p in last.params)


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"data": np.full((10, 4), 0.5)}, ValueError, "data must be binary"),
        ({"data": np.zeros(4)}, ValueError, "data must be 2-D"),
        ({"data": np.array([[0, np.nan], [1, 0]])}, ValueError, "data must be finite"),
        ({"data": np.zeros((1, 4))}, ValueError, "at least 2 rows"),
        ({"test_data": np.zeros((3, 5))}, ValueError, "test_data must have 4"),
        ({"method": "adam"}, ValueError, "method"),
        ({"n_hidden": 0}, ValueError, "n_hidden"),
        ({"learning_rate": -1.0}, ValueError, "learning_rate"),
        ({"momentum": 1.0}, ValueError, "momentum"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"k": 0}, ValueError, "k must be"),
        ({"rng": "seed"}, TypeError, "rng"),
    ],
)
def test_bad_input(kwargs, err, match):
    args = {"data": (np.random.default_rng(0).random((10, 4)) < 0.5).astype(float), "n_hidden": 3}
    args.update(kwargs)
    with pytest.raises(err, match=match):
        pt.fit_rbm(args.pop("data"), args.pop("n_hidden"), n_epochs=1, **args)
