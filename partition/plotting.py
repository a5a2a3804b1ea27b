"""Figures of the suite at work (matplotlib, an optional extra imported on first use).

Every function takes ``ax=`` (a matplotlib Axes to draw into; a new figure otherwise) and
returns the figure. Install with ``pip install 'partition[plot]'``.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "plot_bdmc",
    "plot_benchmark",
    "plot_error_vs_cost",
    "plot_estimates",
    "plot_log_weights",
    "plot_training_history",
]

EXTRA_MESSAGE = (
    "partition.plotting needs matplotlib, an optional extra: pip install 'partition[plot]'"
)


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError that says which extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(EXTRA_MESSAGE) from exc
    return plt


def _axes(ax):
    plt = _pyplot()
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.0, 4.0), layout="constrained")  # labels not clipped
        return fig, ax
    return ax.figure, ax


def plot_log_weights(estimate, *, ax=None, bins: int = 40):
    """Histogram of an estimate's log weights relative to their maximum.

    ESS (Kish) and the Pareto ``k`` of the weights (the ``pareto_k`` trust check's) are
    marked in the title; a long left tail with a few dominant weights is what to look for.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import partition as pt
    >>> from partition.plotting import plot_log_weights
    >>> est = pt.ais(pt.BernoulliRBM.random(8, 4, rng=0), schedule=50, rng=0)
    >>> fig = plot_log_weights(est)
    """
    from partition._trust import pareto_k

    lw = getattr(estimate, "log_weights", None)
    if lw is None:
        raise ValueError("estimate carries no log weights (exact values have none)")
    fig, ax = _axes(ax)
    rel = np.asarray(lw) - np.max(lw)
    ax.hist(rel, bins=bins, color="#4C72B0", alpha=0.85)
    ax.axvline(0.0, color="black", lw=0.8)
    title = f"{estimate.method}: log Z = {estimate.log_z:.4f} ± {estimate.stderr:.4f}"
    k_text = f", Pareto k = {pareto_k(lw):.2f}"
    ax.set_title(f"{title}\nESS = {estimate.ess:.1f} of {estimate.n_samples}{k_text}", fontsize=10)
    ax.set_xlabel("log weight - max log weight")
    ax.set_ylabel("chains")
    return fig


def plot_bdmc(
    runs: Mapping[int, Any] | Sequence[tuple[int, Any]],
    *,
    exact=None,
    ax=None,
):
    """BDMC bounds against the number of temperatures.

    ``runs`` maps a number of temperatures to a :class:`~partition.LogZBounds` (or is a
    sequence of such pairs). Lower (forward AIS) and upper (reverse AIS) bounds with 2
    standard errors, the BAR combination when present, and ``exact`` (a float or the
    :class:`~partition.LogZEstimate` of :func:`partition.exact_log_z`) as a line.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import partition as pt
    >>> from partition.plotting import plot_bdmc
    >>> rbm = pt.BernoulliRBM.random(8, 4, rng=0)
    >>> runs = {k: pt.bdmc(rbm, n_chains=20, schedule=k, rng=k) for k in (10, 100)}
    >>> fig = plot_bdmc(runs, exact=pt.exact_log_z(rbm))
    """
    items = sorted(runs.items() if isinstance(runs, Mapping) else runs)
    if not items:
        raise ValueError("runs is empty")
    fig, ax = _axes(ax)
    ks = np.array([k for k, _ in items], dtype=float)
    for side, colour, label in (
        ("lower", "#4C72B0", "forward AIS (lower)"),
        ("upper", "#C44E52", "reverse AIS (upper)"),
        ("combined", "#55A868", "BAR (both)"),
    ):
        ests = [getattr(b, side) for _, b in items]
        if any(e is None for e in ests):
            continue
        y = np.array([e.log_z for e in ests])
        err = 2 * np.array([e.stderr for e in ests])
        ax.errorbar(ks, y, yerr=err, marker="o", ms=4, capsize=3, color=colour, label=label)
    if exact is not None:
        value = exact.log_z if hasattr(exact, "log_z") else float(exact)
        ax.axhline(value, color="black", ls="--", lw=1, label="exact")
    ax.set_xscale("log")
    ax.set_xlabel("number of temperatures")
    ax.set_ylabel("log Z")
    ax.set_title("BDMC: the sandwich closes as the schedule grows", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def plot_estimates(
    estimates: Mapping[str, Sequence[Any]] | Sequence[Any],
    *,
    exact=None,
    ax=None,
):
    """Repeated estimates with their confidence intervals, against the exact value.

    ``estimates`` is a sequence of :class:`~partition.LogZEstimate` (one series) or a
    mapping from a label to such a sequence (several series side by side, e.g. two methods
    over the same repetitions). Each estimate is a point with its interval;
    ``exact`` (a float or a :class:`~partition.LogZEstimate`) is drawn as a line, and the
    legend gives each series' share of intervals that cover it.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import numpy as np, partition as pt
    >>> from partition.plotting import plot_estimates
    >>> log_density = lambda x: -0.5 * np.sum(x**2, axis=1)   # log Z = log 2 pi
    >>> runs = [pt.bridge_sampling(log_density, np.random.default_rng(r).normal(size=(500, 2)),
    ...                            rng=r) for r in range(5)]
    >>> fig = plot_estimates({"normal": runs}, exact=np.log(2 * np.pi))
    """
    series = dict(estimates) if isinstance(estimates, Mapping) else {"estimates": estimates}
    if not series or not all(len(v) for v in series.values()):
        raise ValueError("estimates is empty")
    fig, ax = _axes(ax)
    value = None
    if exact is not None:
        value = exact.log_z if hasattr(exact, "log_z") else float(exact)
        ax.axhline(value, color="black", ls="--", lw=1, label="exact")
    width = 0.6 / len(series)
    colours = ("#4C72B0", "#C44E52", "#55A868", "#8172B2", "#CCB974")
    for i, (label, ests) in enumerate(series.items()):
        x = np.arange(len(ests)) + (i - (len(series) - 1) / 2) * width
        y = np.array([e.log_z for e in ests])
        low = np.array([e.confidence_interval[0] for e in ests])
        high = np.array([e.confidence_interval[1] for e in ests])
        text = str(label)
        if value is not None:
            text += f" ({np.mean((low <= value) & (value <= high)):.0%} cover)"
        ax.errorbar(x, y, yerr=[y - low, high - y], fmt="o", ms=3, capsize=2,
                    color=colours[i % len(colours)], label=text)  # fmt: skip
    level = next(iter(series.values()))[0].confidence_level
    ax.set_xlabel("repetition")
    ax.set_ylabel("log Z")
    ax.set_title(f"estimates with their {level:.0%} intervals", fontsize=10)
    ax.legend(fontsize=8)
    return fig


def _read_rows(rows_or_path) -> list[dict[str, Any]]:
    if isinstance(rows_or_path, str | os.PathLike):
        with open(rows_or_path, newline="") as fh:
            return list(csv.DictReader(fh))
    return [dict(r) for r in rows_or_path]


def plot_error_vs_cost(
    rows_or_csv,
    *,
    cost: str = "seconds_per_run",
    error: str = "rms_error",
    group: str | None = None,
    ax=None,
):
    """Estimator error against cost, from a benchmark CSV (or its rows).

    E.g. ``benchmarks/results/ising_ais_error.csv`` (``cost="seconds_per_run"``,
    ``error="rms_error"``) or ``bdmc_gap.csv`` (``cost="n_temperatures"``,
    ``error="combined_rms_error"``, ``group="model"``). Both axes are logarithmic.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> from partition.plotting import plot_error_vs_cost
    >>> rows = [{"seconds_per_run": 0.1, "rms_error": 1.0},
    ...         {"seconds_per_run": 1.0, "rms_error": 0.2}]
    >>> fig = plot_error_vs_cost(rows)
    """
    rows = _read_rows(rows_or_csv)
    if not rows:
        raise ValueError("no rows to plot")
    missing = [c for c in (cost, error) if c not in rows[0]]
    if missing:
        raise ValueError(f"columns {missing} not found; available: {sorted(rows[0])}")
    fig, ax = _axes(ax)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(str(row[group]) if group else "", []).append(row)
    for label, members in groups.items():
        x = np.array([float(r[cost]) for r in members])
        y = np.abs(np.array([float(r[error]) for r in members]))
        order = np.argsort(x)
        ax.plot(x[order], y[order], marker="o", label=label or None)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(cost.replace("_", " "))
    ax.set_ylabel(error.replace("_", " "))
    if group:
        ax.legend(fontsize=8)
    ax.set_title("error against cost", fontsize=10)
    return fig


def plot_benchmark(result, *, cost: str = "cost", goal: float = 0.05, ax=None):
    """RMS error against cost for a :class:`~partition.benchmark.BenchmarkResult`: one
    panel per target (all in ``ax`` when it is given), one line per estimator and
    transition, both axes logarithmic, the ``goal`` error dashed; hollow markers where the
    reported intervals covered the exact value in fewer than 80 % of the repeats.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import partition as pt
    >>> result = pt.benchmark("rbm-tiny-10x8", estimators=["ais"], budgets=[10, 40],
    ...                       n_repeats=2, progress=False, rng=0)
    >>> fig = pt.plotting.plot_benchmark(result)
    """
    summary = result.summary(goal) if hasattr(result, "summary") else list(result)
    if not summary:
        raise ValueError("no runs to plot")
    if cost not in ("cost", "seconds"):
        raise ValueError(f"cost must be 'cost' or 'seconds', got {cost!r}")
    targets = list(dict.fromkeys(line["target"] for line in summary))
    if ax is None:
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError(EXTRA_MESSAGE) from exc
        cols = min(3, len(targets))
        rows = -(-len(targets) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.3 * rows),
                                 layout="constrained", squeeze=False)  # fmt: skip
        panels = list(axes.ravel())
        for extra in panels[len(targets) :]:
            extra.set_visible(False)
    else:
        fig, ax = _axes(ax)
        panels = [ax] * len(targets)
    for panel, target in zip(panels, targets, strict=False):
        lines = [line for line in summary if line["target"] == target]
        groups: dict[str, list] = {}
        for line in lines:
            groups.setdefault(f"{line['estimator']}, {line['transition']}", []).append(line)
        for label, members in groups.items():
            members.sort(key=lambda m: m[cost])
            x = np.array([m[cost] for m in members], dtype=float)
            y = np.array([max(m["rms_error"], 1e-12) for m in members], dtype=float)
            (drawn,) = panel.plot(x, y, label=label if ax is None else f"{target}: {label}")
            for xi, yi, m in zip(x, y, members, strict=True):
                hollow = m["coverage"] < 0.8
                panel.plot(xi, yi, "o", color=drawn.get_color(),
                           markerfacecolor="none" if hollow else drawn.get_color())  # fmt: skip
        panel.axhline(goal, color="grey", linestyle="--", linewidth=0.8)
        panel.set_xscale("log")
        panel.set_yscale("log")
        from matplotlib.ticker import NullFormatter

        panel.xaxis.set_minor_formatter(NullFormatter())  # the minor labels overlap
        panel.yaxis.set_minor_formatter(NullFormatter())
        unit = lines[0]["cost_unit"] if cost == "cost" else "seconds"
        panel.set_xlabel(unit)
        panel.set_ylabel("RMS error (nats)")
        panel.set_title(target, fontsize=9)
        panel.legend(fontsize=7)
    return fig


def plot_training_history(
    history,
    *,
    ax=None,
    quantities: Iterable[str] = (
        "train_log_likelihood",
        "test_log_likelihood",
        "pseudo_log_likelihood",
    ),
):
    """Training curves: log-likelihoods (exact or AIS) and pseudo-log-likelihood per epoch,
    reconstruction error on a second axis. ``history`` is a ``FitResult`` or its history.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import partition as pt
    >>> from partition.plotting import plot_training_history
    >>> train, test = pt.datasets.digits()
    >>> fit = pt.fit_rbm(train, 4, n_epochs=3, test_data=test, rng=0)
    >>> fig = plot_training_history(fit)
    """
    history = getattr(history, "history", history)
    if not history or not history.get("epoch"):
        raise ValueError("history is empty: train for at least one checkpoint")
    fig, ax = _axes(ax)
    epochs = history["epoch"]
    for name in quantities:
        values = np.asarray(history.get(name, []), dtype=float)
        if values.size and not np.all(np.isnan(values)):
            ax.plot(epochs, values, marker="o", ms=3, label=name.replace("_", " "))
    method = (history.get("log_likelihood_method") or ["?"])[-1]
    ax.set_xlabel("epoch")
    ax.set_ylabel(f"nats per example (log-likelihood: {method})")
    recon = np.asarray(history.get("reconstruction_error", []), dtype=float)
    if recon.size:
        twin = ax.twinx()
        twin.plot(epochs, recon, color="grey", ls=":", label="reconstruction error")
        twin.set_ylabel("reconstruction error", color="grey")
        lines = ax.get_legend_handles_labels()
        extra = twin.get_legend_handles_labels()
        ax.legend(lines[0] + extra[0], lines[1] + extra[1], fontsize=8, loc="center right")
    else:
        ax.legend(fontsize=8)
    ax.set_title("training history", fontsize=10)
    return fig
