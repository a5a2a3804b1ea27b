"""Diagnostics through arviz, and the optional extras missing."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import partition as pt
from partition import diagnostics


def test_ess_and_rhat_of_traces():
    rng = np.random.default_rng(0)
    iid = rng.normal(size=(4, 1000))
    assert 3000 < diagnostics.ess(iid) < 5000
    assert diagnostics.rhat(iid) < 1.01
    ar = np.zeros((4, 1000))
    for t in range(1, 1000):
        ar[:, t] = 0.9 * ar[:, t - 1] + rng.normal(size=4)
    assert diagnostics.ess(ar) < 600  # autocorrelated: far fewer effective draws
    shifted = iid + np.array([0, 0, 0, 3.0])[:, None]
    assert diagnostics.rhat(shifted) > 1.1  # one chain elsewhere
    assert diagnostics.ess(rng.normal(size=(2, 500, 3))).shape == (3,)


def test_pareto_k_flags_heavy_tails():
    rbm = pt.datasets.digits_rbm()
    good = pt.ais(rbm, rng=0)
    poor = pt.ais(rbm, schedule=10, rng=0)
    assert diagnostics.pareto_k(good) < 0.5
    assert diagnostics.pareto_k(poor) > diagnostics.pareto_k(good)
    with pytest.raises(ValueError, match="no log weights"):
        diagnostics.pareto_k(pt.exact_log_z(rbm))


def test_to_inference_data():
    est = pt.ais(pt.BernoulliRBM.random(6, 3, rng=0), n_chains=20, schedule=20, rng=0)
    idata = diagnostics.to_inference_data(est)
    np.testing.assert_array_equal(idata.sample_stats["log_weight"].values[0], est.log_weights)
    idata = diagnostics.to_inference_data({"theta": np.zeros((2, 50, 3))})
    assert idata.posterior["theta"].shape == (2, 50, 3)
    fit = pt.fit_rbm(pt.datasets.digits()[0], 3, n_epochs=2, rng=0)
    assert "train_log_likelihood" in diagnostics.to_inference_data(fit).sample_stats
    with pytest.raises(ValueError, match="chains"):
        diagnostics.to_inference_data(np.zeros(5))


@pytest.mark.parametrize("bad", [np.zeros((2, 2)), np.full((2, 50), np.nan)])
def test_bad_traces(bad):
    with pytest.raises(ValueError, match="traces"):
        diagnostics.ess(bad)


def test_without_matplotlib_and_arviz_import_works_and_errors_name_the_extra():
    code = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("matplotlib", "arviz"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import partition as pt
        from partition import diagnostics, plotting
        rbm = pt.BernoulliRBM.random(4, 2, rng=0)
        est = pt.ais(rbm, n_chains=5, schedule=5, rng=0)
        est_traces = [[0.0, 1.0, 2.0, 3.0, 4.0]]
        print("pareto k without arviz:", diagnostics.pareto_k(est))  # NumPy: no arviz needed
        for call in (lambda: plotting.plot_log_weights(est), lambda: diagnostics.ess(est_traces)):
            try:
                call()
            except ImportError as exc:
                print(exc)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "pip install 'partition[plot]'" in proc.stdout
    assert "pip install 'partition[diagnostics]'" in proc.stdout
    assert "pareto k without arviz: inf" in proc.stdout  # 5 weights: no tail to fit


@pytest.mark.parametrize("phi", [0.0, 0.5, 0.9, -0.3])
def test_internal_ess_agrees_with_arviz(phi):
    # bridge_sampling uses partition._stats.effective_sample_size (no arviz at run time);
    # it must agree with arviz's Geyer estimate ("mean") on AR(1) chains
    az = pytest.importorskip("arviz")
    from partition._stats import effective_sample_size

    rng = np.random.default_rng(1)
    x = np.zeros((4, 2000))
    noise = rng.normal(size=x.shape)
    for t in range(1, x.shape[1]):
        x[:, t] = phi * x[:, t - 1] + noise[:, t]
    ours = effective_sample_size(x)
    theirs = float(az.ess(x, method="mean"))
    assert abs(ours - theirs) / theirs < 0.05
    # and the AR(1) truth n (1 - phi) / (1 + phi), within sampling error
    truth = x.size * (1 - phi) / (1 + phi)
    assert abs(ours - truth) / truth < 0.25


def test_arviz_1_is_refused_with_what_to_install(monkeypatch):
    """arviz 1.0 moved psislw and changed from_dict: a clear error, not an AttributeError."""
    import types

    monkeypatch.setitem(sys.modules, "arviz", types.SimpleNamespace(__version__="1.3.0"))
    with pytest.raises(ImportError, match=r"arviz 0\.x \(found 1\.3\.0.*partition\[diagnostics\]"):
        diagnostics.ess(np.zeros((2, 10)))
