"""Benchmark samplers and estimators on targets with an exact log Z.

:func:`~partition.benchmark` runs every estimator with every transition on every target
(:mod:`partition.testsystems`, or your own systems) at several budgets and repeats, and
returns a :class:`BenchmarkResult`: one row per run, with its error against the exact
value, its z-score against its own reported standard error, whether its interval covered,
its cost and its wall time. ``partition bench`` is the same from the command line.

A *budget* is the number of transitions (temperatures x sweeps) each chain makes: AIS and
SMC run ``budget`` temperatures with one sweep each, BDMC ``budget`` in each direction.
Every chain count, budget and repeat has its own seed, derived from the run's seed and the
run's labels (target, estimator, transition, budget, repeat), so a run gives the same
numbers whatever else is in the benchmark and in whatever order it runs.
"""

from __future__ import annotations

import csv
import json
import math
import time
import warnings
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from partition._progress import Progress
from partition._validation import check_int
from partition.results import LogZBounds, LogZEstimate, Trust
from partition.testsystems import TRANSITIONS, TestSystem, get, make_transition, names

__all__ = ["COLUMNS", "DEFAULT_ESTIMATORS", "ESTIMATORS", "BenchmarkResult", "benchmark"]

#: The built-in estimators, by name.
ESTIMATORS = ("ais", "smc", "bdmc", "reverse-ais", "lis")

#: The estimators :func:`~partition.benchmark` runs when none are named.
DEFAULT_ESTIMATORS = ("ais", "smc", "bdmc")

#: The columns of a row, in order.
COLUMNS = (
    "target", "family", "estimator", "transition", "budget", "repeat", "n_chains",
    "log_z", "stderr", "exact", "error", "z_score", "covered", "warned", "lower", "upper",
    "seconds", "cost", "cost_unit", "n_transitions", "n_gradient_evaluations",
    "n_log_prob_evaluations", "ess", "acceptance_rate", "checks", "warning", "seed",
)  # fmt: skip


def _ais(model, *, budget, n_chains, transition, rng, **options):
    from partition import ais

    return ais(model, n_chains=n_chains, schedule=budget, transition=transition, rng=rng,
               **options)  # fmt: skip


def _smc(model, *, budget, n_chains, transition, rng, **options):
    from partition import smc

    return smc(model, n_particles=n_chains, schedule=budget, transition=transition, rng=rng,
               **options)  # fmt: skip


def _bdmc(model, *, budget, n_chains, transition, rng, **options):
    from partition import bdmc

    return bdmc(model, n_chains=n_chains, schedule=budget, transition=transition, rng=rng,
                **options)  # fmt: skip


def _reverse_ais(model, *, budget, n_chains, transition, rng, **options):
    from partition import reverse_ais

    return reverse_ais(model, n_chains=n_chains, schedule=budget, transition=transition,
                       rng=rng, **options)  # fmt: skip


def _lis(model, *, budget, n_chains, transition, rng, **options):
    """Linked importance sampling: ``budget / 2`` temperatures of 2 transitions each."""
    from partition import ais

    return ais(model, n_chains=n_chains, schedule=max(2, budget // 2), n_sweeps=2,
               bridges=True, transition=transition, rng=rng, **options)  # fmt: skip


_BUILT_IN: dict[str, Callable[..., Any]] = {
    "ais": _ais, "smc": _smc, "bdmc": _bdmc, "reverse-ais": _reverse_ais, "lis": _lis,
}  # fmt: skip


@dataclass(frozen=True)
class BenchmarkResult:
    """The runs of a :func:`~partition.benchmark`: ``rows`` (dicts with
    :data:`~partition.benchmark.COLUMNS`) and
    ``skipped`` (the target, estimator and transition triples that do not apply, with why).

    Examples
    --------
    >>> import partition as pt
    >>> result = pt.benchmark("rbm-tiny-10x8", estimators=["ais"], budgets=[20],
    ...                       n_repeats=2, progress=False, rng=0)
    >>> len(result.rows), sorted(result.rows[0])[:4]
    (2, ['acceptance_rate', 'budget', 'checks', 'cost'])
    """

    rows: tuple[dict[str, Any], ...]
    skipped: tuple[dict[str, str], ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_csv(self, path) -> None:
        """Write the rows as CSV (one line per run, :data:`~partition.benchmark.COLUMNS`)."""
        with open(path, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(self.rows)

    def to_json(self, path=None) -> str:
        """The rows, the skipped triples and the settings as JSON (written to ``path`` if
        given); NaN becomes null."""

        def clean(value):
            if isinstance(value, float) and not math.isfinite(value):
                return None
            return value

        payload = {
            "settings": dict(self.settings),
            "rows": [{k: clean(v) for k, v in row.items()} for row in self.rows],
            "skipped": list(self.skipped),
        }
        text = json.dumps(payload, indent=1)
        if path is not None:
            with open(path, "w") as fh:
                fh.write(text + "\n")
        return text

    def summary(self, goal: float = 0.05) -> list[dict[str, Any]]:
        """One line per target, estimator, transition and budget: ``rms_error``,
        ``mean_error``, ``mean_stderr``, ``coverage`` (of the reported interval),
        ``mean_abs_z``, ``seconds`` and ``cost`` (means over repeats), and
        ``reaches_goal`` (RMS error under ``goal`` nats); see :meth:`time_to_goal`."""
        groups: dict[tuple, list[dict]] = {}
        for row in self.rows:
            key = (row["target"], row["estimator"], row["transition"], row["budget"])
            groups.setdefault(key, []).append(row)
        out = []
        for (target, estimator, transition, budget), runs in groups.items():
            errors = np.array([r["error"] for r in runs], dtype=float)
            z = np.array([r["z_score"] for r in runs], dtype=float)
            rms = float(np.sqrt(np.mean(errors**2)))
            out.append({
                "target": target, "estimator": estimator, "transition": transition,
                "budget": budget, "repeats": len(runs), "rms_error": rms,
                "mean_error": float(errors.mean()),
                "mean_stderr": float(np.mean([r["stderr"] for r in runs])),
                "coverage": float(np.mean([r["covered"] for r in runs])),
                "mean_abs_z": float(np.mean(np.abs(z[np.isfinite(z)]))) if np.isfinite(z).any()
                else float("nan"),
                "seconds": float(np.mean([r["seconds"] for r in runs])),
                "cost": float(np.mean([r["cost"] for r in runs])),
                "cost_unit": runs[0]["cost_unit"],
                "warned": _warned_share(runs),
                "silent_miss_rate": _silent(runs),
                "reaches_goal": rms < goal,
            })  # fmt: skip
        return out

    def trust(self, by: Sequence[str] = ("estimator", "family")) -> list[dict[str, Any]]:
        """How far the runs' own trust signals can be trusted, per group of ``by`` (row
        columns, e.g. ``("estimator", "family", "budget")``): ``runs``, ``coverage`` of the
        reported interval, ``warned`` (the share of runs with an
        :class:`~partition.UnreliableEstimateWarning`), ``silent_miss_rate`` (missed the
        exact value *and* did not warn, of all runs) and ``false_alarm_rate`` (warned
        although the interval covered, of the covered runs; NaN without covered runs).

        Examples
        --------
        >>> import partition as pt
        >>> result = pt.benchmark("rbm-tiny-10x8", estimators=["ais"], budgets=[5, 50],
        ...                       n_repeats=2, progress=False, rng=0)
        >>> [line["runs"] for line in result.trust()]
        [4]
        >>> sorted(result.trust(by=["budget"])[0])[:4]
        ['budget', 'coverage', 'false_alarm_rate', 'runs']
        """
        by = [by] if isinstance(by, str) else list(by)
        unknown = [key for key in by if key not in COLUMNS]
        if unknown:
            raise ValueError(f"by names unknown columns {unknown}; columns are {COLUMNS}")
        groups: dict[tuple, list[dict]] = {}
        for row in self.rows:
            groups.setdefault(tuple(row[key] for key in by), []).append(row)
        out = []
        for key, runs in groups.items():
            covered = [r for r in runs if r["covered"]]
            out.append({
                **dict(zip(by, key, strict=True)), "runs": len(runs),
                "coverage": len(covered) / len(runs),
                "warned": _warned_share(runs),
                "silent_miss_rate": _silent(runs),
                "false_alarm_rate": _warned_share(covered) if covered else float("nan"),
            })  # fmt: skip
        return out

    def time_to_goal(self, goal: float = 0.05) -> list[dict[str, Any]]:
        """Per target, estimator and transition: the smallest budget whose RMS error is
        under ``goal`` nats, with its mean seconds and cost (NaN where none reached it)."""
        best: dict[tuple, dict] = {}
        for line in self.summary(goal):
            key = (line["target"], line["estimator"], line["transition"])
            current = best.setdefault(key, {
                "target": key[0], "estimator": key[1], "transition": key[2], "goal": goal,
                "budget": None, "seconds": float("nan"), "cost": float("nan"),
                "rms_error": float("nan"),
            })  # fmt: skip
            if line["reaches_goal"] and (current["budget"] is None or
                                         line["budget"] < current["budget"]):  # fmt: skip
                current.update(budget=line["budget"], seconds=line["seconds"],
                               cost=line["cost"], rms_error=line["rms_error"])  # fmt: skip
        return list(best.values())

    def plot(self, *, cost: str = "cost", ax=None):
        """Error against cost (log-log), one panel per target, one line per estimator and
        transition: :func:`partition.plotting.plot_benchmark`."""
        from partition.plotting import plot_benchmark

        return plot_benchmark(self, cost=cost, ax=ax)

    def __repr__(self) -> str:
        targets = len({r["target"] for r in self.rows})
        return (f"BenchmarkResult({len(self.rows)} runs on {targets} targets, "
                f"{len(self.skipped)} skipped)")  # fmt: skip


def _warned(row: dict[str, Any]) -> bool:
    """Whether a run warned (rows written before the column existed did not say: False)."""
    return bool(row.get("warned", False))


def _warned_share(runs: list[dict[str, Any]]) -> float:
    return float(np.mean([_warned(r) for r in runs]))


def _silent(runs: list[dict[str, Any]]) -> float:
    """The share of ``runs`` whose interval missed the exact value without a warning."""
    return float(np.mean([not r["covered"] and not _warned(r) for r in runs]))


# ------------------------------------------------------------------ inputs
def _targets(targets) -> list[TestSystem]:
    if isinstance(targets, str | TestSystem):
        targets = [targets]
    if not isinstance(targets, Iterable):
        raise TypeError(f"targets must be names, TestSystem objects or a list of them, got "
                        f"{targets!r}")  # fmt: skip
    systems = []
    for target in targets:
        if isinstance(target, TestSystem):
            systems.append(target)
        elif isinstance(target, str):
            if target == "all":
                systems.extend(get(n) for n in names())
            else:
                systems.append(get(target))
        else:
            raise TypeError(f"targets must be names or TestSystem objects, got {target!r}")
    if not systems:
        raise ValueError("targets is empty")
    return systems


def _label(obj) -> str:
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name and name != "transition":
        return name
    return type(obj).__name__


def _transitions(transitions) -> list[tuple[str, Any]] | None:
    """``[(label, object or name)]``, or None for each target's built-in ones."""
    if transitions is None:
        return None
    if isinstance(transitions, str) or not isinstance(transitions, Iterable | Mapping):
        transitions = [transitions]
    items = transitions.items() if isinstance(transitions, Mapping) else (
        (t if isinstance(t, str) else _label(t), t) for t in transitions)  # fmt: skip
    out = []
    for label, transition in items:
        if isinstance(transition, str):
            make_transition(transition)  # unknown names fail here, before any work
        out.append((str(label), transition))
    if not out:
        raise ValueError("transitions is empty (None runs each target's built-in ones)")
    if len({label for label, _ in out}) != len(out):
        raise ValueError(f"transitions have repeated labels: {[label for label, _ in out]}; "
                         "pass a dict {label: transition}")  # fmt: skip
    return out


def _estimators(estimators) -> list[tuple[str, Callable]]:
    if isinstance(estimators, str) or callable(estimators):
        estimators = [estimators]
    items = estimators.items() if isinstance(estimators, Mapping) else (
        (e if isinstance(e, str) else getattr(e, "__name__", type(e).__name__), e)
        for e in estimators)  # fmt: skip
    out = []
    for label, estimator in items:
        if isinstance(estimator, str):
            if estimator not in _BUILT_IN:
                raise ValueError(f"unknown estimator {estimator!r}; the built-in ones are "
                                 f"{', '.join(ESTIMATORS)}, or pass a callable")  # fmt: skip
            estimator = _BUILT_IN[estimator]
        elif not callable(estimator):
            raise TypeError(f"an estimator must be a name or a callable, got {estimator!r}")
        out.append((str(label), estimator))
    if not out:
        raise ValueError("estimators is empty")
    return out


def _budgets(budgets) -> list[int]:
    if isinstance(budgets, int | np.integer):
        budgets = [budgets]
    out = []
    for b in budgets:
        if isinstance(b, bool) or not isinstance(b, int | np.integer | float) or b != int(b):
            raise TypeError(f"budgets must be whole numbers of transitions per chain, got {b!r}")
        if b <= 0:
            raise ValueError(f"budgets must be > 0, got {b!r}")
        out.append(int(b))
    if not out:
        raise ValueError("budgets is empty")
    return sorted(set(out))


def _seed(root: np.random.SeedSequence, *labels) -> np.random.SeedSequence:
    """A seed that depends on the run's seed and its labels only (not on the order)."""
    key = tuple(zlib.crc32(str(label).encode()) for label in labels)
    return np.random.SeedSequence(root.entropy, spawn_key=key)


def _root_seed(rng) -> np.random.SeedSequence:
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(2**63)))
    if rng is None or (isinstance(rng, int | np.integer) and not isinstance(rng, bool)):
        return np.random.SeedSequence(rng)
    raise TypeError(f"rng must be an int, a SeedSequence, a Generator or None, got {rng!r}")


# ------------------------------------------------------------------ the run
def _row(system, label, transition_label, budget, repeat, n_chains, est, seconds, seed, caught):
    exact = system.log_z
    lower = upper = float("nan")
    checks = "; ".join(f"{c.name}={c.value:.4g}{'' if c.passed else ' FAIL'}"
                       for c in getattr(est, "trust", Trust()).checks)  # fmt: skip
    if isinstance(est, LogZBounds):
        lower, upper = est.lower.log_z, est.upper.log_z
        infos = [est.lower.info, est.upper.info]
        covered = est.lower.confidence_interval[0] <= exact <= est.upper.confidence_interval[1]
        est = est.combined if est.combined is not None else est.lower
    elif isinstance(est, LogZEstimate):
        infos = [est.info]
        low, high = est.confidence_interval
        covered = bool(low <= exact <= high)
    else:
        raise TypeError(f"estimator {label!r} returned {type(est).__name__}, not a "
                        "LogZEstimate or LogZBounds")  # fmt: skip
    n_transitions = float(sum(i.get("n_steps", 0) for i in infos))
    gradients = float(sum(i.get("n_gradient_evaluations", 0) for i in infos))
    densities = float(sum(i.get("n_log_prob_evaluations", 0) for i in infos))
    acceptance = [i["acceptance_rate"] for i in infos if "acceptance_rate" in i]
    error = est.log_z - exact
    return {
        "target": system.name, "family": system.family, "estimator": label,
        "transition": transition_label, "budget": budget, "repeat": repeat,
        "n_chains": n_chains, "log_z": est.log_z, "stderr": est.stderr, "exact": exact,
        "error": error, "z_score": error / est.stderr if est.stderr > 0 else float("nan"),
        "covered": bool(covered),
        "warned": any(kind == "UnreliableEstimateWarning" for kind, _ in caught),
        "lower": lower, "upper": upper, "seconds": seconds,
        "cost": gradients + densities if system.cost_unit == "evaluations" else n_transitions,
        "cost_unit": system.cost_unit, "n_transitions": n_transitions,
        "n_gradient_evaluations": gradients, "n_log_prob_evaluations": densities,
        "ess": float(est.ess),
        "acceptance_rate": float(np.mean(acceptance)) if acceptance else float("nan"),
        "checks": checks,
        "warning": "; ".join(dict.fromkeys(f"{kind}: {message}" for kind, message in caught)),
        "seed": f"{seed.entropy}:{'-'.join(map(str, seed.spawn_key))}",
    }  # fmt: skip


#: The (system, estimator, transition) triples this process has compiled kernels for.
_WARMED: set[str] = set()


def _run(key, method, model, options, transition, budget, n_chains, seed):
    """One run: ``(estimate, seconds, warnings)``. The first run of a triple in a process
    compiles its kernels on a tiny untimed call first, so no run's seconds hold numba's
    compilation (in this process or on a worker)."""
    obj = make_transition(transition) if isinstance(transition, str) else transition
    if key not in _WARMED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            method(model, budget=2, n_chains=2, transition=obj, rng=0, **options)
        _WARMED.add(key)
    with warnings.catch_warnings(record=True) as caught:  # kept in the row
        warnings.simplefilter("always")
        start = time.perf_counter()
        est = method(model, budget=budget, n_chains=n_chains, transition=obj, rng=seed,
                     **options)  # fmt: skip
        seconds = time.perf_counter() - start
    messages = [(w.category.__name__, str(w.message)) for w in caught]
    return est, seconds, messages


def _run_on(executor, tasks, n_chains, bar):
    """The runs on ``executor``, gathered in order; a failed run fails the benchmark."""
    from partition.estimators.sharding import gather, is_dask_client, submit

    dask = is_dask_client(executor)
    models = {}
    futures = []
    for system, label, transition, method_label, method, budget, _, seed in tasks:
        if system.name not in models:  # each model travels to each worker once (Dask)
            models[system.name] = (executor.scatter(system.model, broadcast=True) if dask
                                   else system.model)  # fmt: skip
        futures.append(submit(executor, _run, f"{system.name}|{method_label}|{label}", method,
                              models[system.name], dict(system.options), transition, budget,
                              n_chains, seed))  # fmt: skip

    def describe(k):
        system, label, _, method_label, _, budget, repeat, _ = tasks[k]
        return f"run {system.name} / {method_label} / {label} / budget {budget} / repeat {repeat}"

    return gather(futures, describe, bar)


def benchmark(
    targets,
    transitions=None,
    estimators: Sequence | Mapping = DEFAULT_ESTIMATORS,
    budgets: Sequence[int] = (100, 300, 1000),
    n_repeats: int = 5,
    *,
    n_chains: int = 100,
    progress: bool = True,
    executor=None,
    rng=None,
) -> BenchmarkResult:
    """Run estimators with transitions on targets with an exact log Z, at several budgets.

    Parameters
    ----------
    targets : str, TestSystem or a list of them
        Names from :func:`partition.testsystems.names` (``"all"`` for every one), or your
        own :class:`~partition.testsystems.TestSystem` objects.
    transitions : None, a list or a dict {label: transition}
        None runs each target's built-in transitions (``system.transitions``). Otherwise
        names from :data:`partition.testsystems.TRANSITIONS` and transition objects (your
        own, e.g. a :class:`partition.transitions.Transition` with a numba ``step``), each
        run on the targets whose family accepts it. One that applies to none of the targets
        is an error that lists, per target, the transitions that do apply.
    estimators : a list or a dict {label: estimator}
        Names from :data:`~partition.benchmark.ESTIMATORS` (``"ais"``: forward AIS;
        ``"smc"``: SMC with resampling on the same fixed schedule; ``"bdmc"``: forward and
        reverse AIS, the row's ``log_z`` being their Bennett combination and ``lower``,
        ``upper`` the bounds; ``"reverse-ais"``: reverse AIS alone; ``"lis"``: linked
        importance sampling, ``budget / 2`` temperatures of 2 transitions), or
        callables ``f(model, *, budget, n_chains, transition, rng, **options)`` that return a
        :class:`~partition.LogZEstimate` or :class:`~partition.LogZBounds`. By default
        :data:`~partition.benchmark.DEFAULT_ESTIMATORS`.
    budgets : list of int
        Transitions per chain (temperatures x sweeps), each > 0.
    n_repeats : int
        Runs per target, estimator, transition and budget, each with its own seed.
    n_chains : int
        Chains (SMC: particles) per run.
    progress : bool
        A progress bar over the runs on stderr.
    executor : concurrent.futures.Executor or distributed.Client, optional
        Spread the runs over its workers (each run in one piece, with its own seed): the
        rows are those of the run in this process. With Dask each model travels to each
        worker once; with a process pool, once per run, and your own transitions and
        estimators must be importable there (defined in a module, not in ``__main__``).
    rng : int, SeedSequence, Generator or None
        The benchmark's seed; each run's seed derives from it and the run's labels.

    Returns
    -------
    BenchmarkResult
        ``rows`` (one per run), ``skipped``, ``summary()``, ``time_to_goal()``,
        ``to_csv()``, ``to_json()``, ``plot()``.

    Examples
    --------
    >>> import partition as pt
    >>> result = pt.benchmark(["rbm-tiny-10x8", "ising-ring-20"], estimators=["ais", "smc"],
    ...                       budgets=[50], n_repeats=2, progress=False, rng=1)
    >>> for pair in sorted({(r["target"], r["transition"]) for r in result.rows}):
    ...     print(*pair)
    ising-ring-20 heat-bath
    ising-ring-20 metropolis
    rbm-tiny-10x8 block-gibbs
    >>> all(abs(r["z_score"]) < 5 for r in result.rows)
    True
    """
    systems = _targets(targets)
    chosen = _transitions(transitions)
    methods = _estimators(estimators)
    budgets = _budgets(budgets)
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    n_chains = check_int(n_chains, "n_chains", minimum=2)
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    from partition.estimators.sharding import check_executor

    executor = check_executor(executor)
    root = _root_seed(rng)

    plan, skipped = [], []
    for system in systems:
        if chosen is None:
            pairs = [(t, t) for t in system.transitions]
        else:
            pairs = []
            for label, transition in chosen:
                if system.accepts(transition):
                    pairs.append((label, transition))
                else:
                    skipped.append({"target": system.name, "transition": label,
                                    "reason": f"{system.family} targets take "
                                              f"{', '.join(system.transitions)}"})  # fmt: skip
        for label, transition in pairs:
            for method_label, method in methods:
                plan.append((system, label, transition, method_label, method))
    if chosen is not None:
        used = {label for _, label, *_ in plan}
        unused = [label for label, _ in chosen if label not in used]
        if unused:
            applies = "; ".join(f"{s.name}: {', '.join(s.transitions)}" for s in systems)
            raise ValueError(f"transition {', '.join(map(repr, unused))} applies to none of "
                             f"the targets; those that apply: {applies}")  # fmt: skip

    tasks = [
        (system, label, transition, method_label, method, budget, repeat,
         _seed(root, system.name, method_label, label, budget, repeat))
        for system, label, transition, method_label, method in plan
        for budget in budgets
        for repeat in range(n_repeats)
    ]  # fmt: skip
    bar = Progress(len(tasks), "benchmark", progress, unit="run")
    if executor is None:
        outcomes = []
        for k, task in enumerate(tasks):
            system, label, transition, method_label, method, budget, _, seed = task
            key = f"{system.name}|{method_label}|{label}"
            options = dict(system.options)
            outcomes.append(_run(key, method, system.model, options, transition, budget,
                                 n_chains, seed))  # fmt: skip
            bar.update(k + 1)
    else:
        outcomes = _run_on(executor, tasks, n_chains, bar)
    bar.close()
    rows = [
        _row(system, method_label, label, budget, repeat, n_chains, est, seconds, seed, caught)
        for (system, label, _, method_label, _, budget, repeat, seed), (est, seconds, caught)
        in zip(tasks, outcomes, strict=True)
    ]  # fmt: skip
    settings = {
        "targets": [s.name for s in systems], "estimators": [m for m, _ in methods],
        "transitions": None if chosen is None else [label for label, _ in chosen],
        "budgets": budgets, "n_repeats": n_repeats, "n_chains": n_chains,
        "seed_entropy": root.entropy, "transitions_available": list(TRANSITIONS),
    }  # fmt: skip
    return BenchmarkResult(tuple(rows), tuple(skipped), settings)
