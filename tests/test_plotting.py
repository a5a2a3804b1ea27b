"""Plotting on real results, rendered to files with Agg."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from matplotlib import pyplot as plt

import partition as pt
from partition import plotting


@pytest.fixture(scope="module")
def rbm():
    return pt.datasets.digits_rbm()


def _saved(fig, tmp_path, name):
    path = tmp_path / f"{name}.png"
    fig.savefig(path, dpi=60)
    plt.close(fig)
    assert path.stat().st_size > 5000  # a real picture, not an empty canvas
    return path


def test_log_weight_histogram(rbm, tmp_path):
    est = pt.ais(rbm, schedule=100, rng=0)
    fig = plotting.plot_log_weights(est)
    ax = fig.axes[0]
    assert sum(p.get_height() for p in ax.patches) == est.n_samples  # every chain counted
    assert f"ESS = {est.ess:.1f}" in ax.get_title() and "Pareto k" in ax.get_title()
    _saved(fig, tmp_path, "log_weights")
    with pytest.raises(ValueError, match="no log weights"):
        plotting.plot_log_weights(pt.exact_log_z(rbm))


def test_bdmc_plot_with_exact(rbm, tmp_path):
    runs = {k: pt.bdmc(rbm, n_chains=30, schedule=k, rng=k) for k in (10, 100)}
    exact = pt.exact_log_z(rbm).log_z
    fig, ax = plt.subplots()
    assert plotting.plot_bdmc(runs, exact=exact, ax=ax) is fig  # draws into the given axes
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["exact", "forward AIS (lower)", "reverse AIS (upper)", "BAR (both)"]
    assert ax.get_xscale() == "log"
    _saved(fig, tmp_path, "bdmc")
    # the README passes the LogZEstimate of exact_log_z itself (it failed: float() of it)
    _, ax2 = plt.subplots()
    plotting.plot_bdmc(runs, exact=pt.exact_log_z(rbm), ax=ax2)
    (line,) = [ln for ln in ax2.get_lines() if ln.get_label() == "exact"]
    assert line.get_ydata()[0] == exact


def test_error_against_cost_from_benchmark_csv(tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(
        "model,n_temperatures,combined_rms_error\na,10,1.0\na,100,0.3\nb,10,0.5\nb,100,0.1\n"
    )
    fig = plotting.plot_error_vs_cost(
        path, cost="n_temperatures", error="combined_rms_error", group="model"
    )
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 2
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [1.0, 0.3])
    _saved(fig, tmp_path, "cost")
    with pytest.raises(ValueError, match="not found"):
        plotting.plot_error_vs_cost(path, cost="seconds")


def test_training_history(tmp_path):
    train, test = pt.datasets.digits()
    fit = pt.fit_rbm(train, 6, n_epochs=4, test_data=test, monitor_every=2, rng=0)
    fig = plotting.plot_training_history(fit)
    ax, reconstruction = fig.axes
    assert reconstruction.get_ylabel() == "reconstruction error"
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[2, 4]] * 3
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), fit.history["test_log_likelihood"])
    assert "exact" in ax.get_ylabel()
    _saved(fig, tmp_path, "history")
    with pytest.raises(ValueError, match="empty"):
        plotting.plot_training_history({"epoch": []})


def test_plot_estimates_marks_each_interval_and_the_share_that_covers():
    log_density = lambda x: -0.5 * np.sum(x**2, axis=1)  # noqa: E731
    runs = [
        pt.bridge_sampling(log_density, np.random.default_rng(r).normal(size=(400, 2)), rng=r)
        for r in range(6)
    ]
    exact = math.log(2 * math.pi)
    cover = np.mean([e.confidence_interval[0] <= exact <= e.confidence_interval[1] for e in runs])
    fig, ax = plt.subplots()
    assert plotting.plot_estimates({"normal": runs, "again": runs}, exact=exact, ax=ax) is fig
    labels = ax.get_legend_handles_labels()[1]
    assert labels[0] == "exact" and labels[1] == f"normal ({cover:.0%} cover)"
    assert len(ax.containers) == 2  # one errorbar series per label
    with pytest.raises(ValueError, match="estimates is empty"):
        plotting.plot_estimates([])
    plt.close("all")
