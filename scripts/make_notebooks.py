"""Write the notebooks in notebooks/ and execute them with outputs (full settings).

    python scripts/make_notebooks.py            # write and execute (outputs committed)
    python scripts/make_notebooks.py --no-run   # write only
    python scripts/make_notebooks.py --only=05  # only the notebooks whose names start 05

The notebooks import partition and hold no logic of their own; PARTITION_QUICK=1 shrinks
chains and temperatures (the setting CI executes them in, tests/test_notebooks.py).
"""

from __future__ import annotations

import pathlib
import sys
from collections.abc import Sequence

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

OUT = pathlib.Path(__file__).resolve().parents[1] / "notebooks"


def setup(*extra: str, numpy: bool = True, modules: str = "plotting") -> str:
    """The first code cell: only the imports a notebook uses, grouped and sorted as ruff wants."""
    stdlib = sorted(["import os", *(e for e in extra if e in ("import math", "import time"))])
    third = [e for e in extra if e not in stdlib]
    if numpy:
        third.append("import numpy as np")
    third.sort(key=lambda line: line.split()[1])
    first = ["import partition as pt"] + ([f"from partition import {modules}"] if modules else [])
    groups = [g for g in (stdlib, third, first) if g]
    body = "\n\n".join("\n".join(g) for g in groups)
    return (
        body
        + '\n\n%matplotlib inline\nQUICK = os.environ.get("PARTITION_QUICK") == "1"  # CI: shrunken'
    )


NOTEBOOKS = {
    "01_quickstart.ipynb": [
        (
            "md",
            "# Quickstart: exact log Z, AIS and BDMC on a digits RBM\n\n"
            "The package ships binarised 8x8 digits and an RBM fitted to them (64 visible, 20 hidden "
            "units): small enough to enumerate, so every estimate below can be checked.",
        ),
        ("code", setup()),
        (
            "code",
            "train, test = pt.datasets.digits()\nrbm = pt.datasets.digits_rbm()\n"
            "exact = pt.exact_log_z(rbm)\nexact",
        ),
        (
            "md",
            "## Annealed importance sampling\n\nAIS anneals 100 chains from a tractable base "
            "model to the RBM. Its estimate comes with a standard error and an interval computed "
            "in log space, and the effective sample size of the weights.",
        ),
        (
            "code",
            "schedule = 1000 if QUICK else 'salakhutdinov_murray'\n"
            "ais = pt.ais(rbm, n_chains=100, schedule=schedule, data=train, rng=0)\n"
            "print(ais)\nprint('error:', ais.log_z - exact.log_z)",
        ),
        ("code", "fig = plotting.plot_log_weights(ais)"),
        (
            "md",
            "## What the error bar means\n\nRepeat the run with other seeds: the spread of the "
            "estimates should match the reported standard error, and about 95% of the intervals "
            "should contain the exact value.",
        ),
        (
            "code",
            "runs = [pt.ais(rbm, n_chains=100, schedule=300 if QUICK else 1000, data=train, rng=s)\n"
            "        for s in range(10 if QUICK else 40)]\n"
            "estimates = np.array([r.log_z for r in runs])\n"
            "print('spread of estimates :', estimates.std(ddof=1))\n"
            "print('mean reported stderr:', np.mean([r.stderr for r in runs]))\n"
            "covered = [r.confidence_interval.low <= exact.log_z <= r.confidence_interval.high\n"
            "           for r in runs]\nprint('intervals covering the exact value:', np.mean(covered))",
        ),
        (
            "md",
            "## Sandwich bounds (BDMC)\n\nForward AIS is biased low in log Z, reverse AIS from exact "
            "samples biased high: together they bound the error, and their BAR combination uses both.",
        ),
        (
            "code",
            "bounds = pt.bdmc(rbm, n_chains=100, schedule=300, data=train, rng=1)\n"
            "print(bounds)\nprint('BAR:', bounds.combined)",
        ),
        ("code", "ll = pt.log_likelihood(rbm, test, ais)\nll"),
    ],
    "02_validating_a_trained_rbm.ipynb": [
        (
            "md",
            "# Validating a trained RBM\n\nTrain an RBM by persistent contrastive divergence, then "
            "report its test log-likelihood the way a paper should: AIS with its interval, the BDMC "
            "sandwich, and the exact value when a layer is small enough.",
        ),
        ("code", setup(numpy=False, modules="diagnostics, plotting")),
        (
            "code",
            "train, test = pt.datasets.digits()\n"
            "fit = pt.fit_rbm(train, 20, method='pcd', n_epochs=10 if QUICK else 60, test_data=test,\n"
            "                 monitor_every=2 if QUICK else 5, rng=0)\n"
            "fig = plotting.plot_training_history(fit)",
        ),
        (
            "code",
            "evaluation = pt.evaluate(fit.model, test, train_data=train,\n"
            "                         schedule=1000 if QUICK else 'salakhutdinov_murray', rng=0)\n"
            "print(evaluation.report())",
        ),
        (
            "md",
            "## Too few temperatures\n\nWith very few temperatures forward AIS is far too low and reverse "
            "AIS too high, while each reports an error bar that looks fine on its own: the gap between "
            "them is what gives it away. This trained model is easy to anneal, so the bounds meet within "
            "their noise from a few dozen temperatures on; the Ising lattice of notebook 3 needs thousands.",
        ),
        (
            "code",
            "exact = pt.exact_log_z(fit.model).log_z\n"
            "lengths = (10, 30, 100, 300) if QUICK else (10, 30, 100, 300, 1000, 3000)\n"
            "runs = {k: pt.bdmc(fit.model, n_chains=100, schedule=k, data=train, rng=k) for k in lengths}\n"
            "for k, b in runs.items():\n"
            "    print(f'{k:5d} temperatures: AIS {b.lower.log_z - exact:+.3f} +- {b.lower.stderr:.3f}, '\n"
            "          f'reverse {b.upper.log_z - exact:+.3f}, gap {b.gap:.3f}')\n"
            "fig = plotting.plot_bdmc(runs, exact=exact)",
        ),
        (
            "code",
            "print('Pareto k of the shortest run:', diagnostics.pareto_k(runs[lengths[0]].lower))\n"
            "print('Pareto k of the longest run: ', diagnostics.pareto_k(runs[lengths[-1]].lower))",
        ),
    ],
    "03_ising_critical.ipynb": [
        (
            "md",
            "# Ising at the critical coupling\n\nThe 2-D Ising model has an exact log Z at any size "
            "(Kaufman 1949), which makes it the standard testbed for samplers. Here: AIS error against "
            "cost for heat-bath Gibbs and Metropolis sweeps, at K_c, against the exact value.",
        ),
        ("code", setup("import time")),
        (
            "code",
            "K_c = 0.5 * np.log1p(np.sqrt(2))\nL = 16 if QUICK else 32\n"
            "model = pt.IsingModel.square_lattice(L, coupling=K_c)\n"
            "exact = pt.ising_log_z(L, L, K_c)\nprint(model, exact)",
        ),
        (
            "code",
            "for transition in ('gibbs', 'metropolis'):  # compile first: time sampling, not numba\n"
            "    pt.ais(model, n_chains=2, schedule=2, transition=transition, rng=0)\n"
            "rows = []\n"
            "for transition in ('gibbs', 'metropolis'):\n"
            "    for n_temps in ((100, 300, 1000) if QUICK else (100, 300, 1000, 3000, 10000)):\n"
            "        start = time.perf_counter()\n"
            "        runs = [pt.ais(model, n_chains=50, schedule=n_temps, transition=transition, rng=s)\n"
            "                for s in range(2 if QUICK else 3)]\n"
            "        errors = np.array([r.log_z - exact for r in runs])\n"
            "        rows.append({'transition': transition, 'n_temperatures': n_temps,\n"
            "                     'seconds_per_run': (time.perf_counter() - start) / len(runs),\n"
            "                     'rms_error': float(np.sqrt(np.mean(errors**2))),\n"
            "                     'mean_stderr': float(np.mean([r.stderr for r in runs]))})\n"
            "        print(rows[-1])\n"
            "fig = plotting.plot_error_vs_cost(\n    rows, cost='seconds_per_run', error='rms_error', group='transition'\n)",
        ),
        (
            "md",
            "With few temperatures the error is several times the reported standard error: "
            "forward AIS underestimates log Z while its error bar looks tight. The sandwich below shows it.",
        ),
        (
            "code",
            "b = pt.bdmc(pt.IsingModel.square_lattice(6, coupling=K_c), n_chains=100, schedule=30, rng=0)\n"
            "print(b, 'exact:', pt.ising_log_z(6, 6, K_c))",
        ),
    ],
    "04_bridge_sampling.ipynb": [
        (
            "md",
            "# Marginal likelihood by bridge sampling\n\nBayesian linear regression with the "
            "conjugate normal-inverse-gamma prior has a closed-form marginal likelihood, so bridge "
            "sampling (as R's bridgesampling package does it) can be checked. The posterior draws "
            "come in an arviz InferenceData with four chains; the noise variance is bounded below by 0.",
        ),
        ("code", setup("import arviz as az", "from scipy.special import gammaln", modules="")),
        (
            "code",
            "rng = np.random.default_rng(0)\nn, d = 50, 3\nX = rng.normal(size=(n, d))\n"
            "y = X @ np.array([1.0, -0.5, 0.25]) + rng.normal(0, 0.7, n)\n"
            "V0, a0, b0 = np.eye(d) * 4.0, 2.0, 1.0   # beta | s2 ~ N(0, s2 V0), s2 ~ InvGamma(a0, b0)\n"
            "Vn = np.linalg.inv(np.linalg.inv(V0) + X.T @ X)\nmn = Vn @ X.T @ y\n"
            "an, bn = a0 + n / 2, b0 + 0.5 * (y @ y - mn @ np.linalg.solve(Vn, mn))\n"
            "exact = (-n / 2 * np.log(2 * np.pi) + 0.5 * (np.linalg.slogdet(Vn)[1] - np.linalg.slogdet(V0)[1])\n"
            "         + a0 * np.log(b0) - an * np.log(bn) + gammaln(an) - gammaln(a0))\n"
            "print('exact log marginal likelihood:', exact)",
        ),
        (
            "code",
            "def log_density(theta):\n"
            '    """log prior + log likelihood; theta = (beta_1..beta_d, s2)."""\n'
            "    beta, s2 = theta[:, :d], theta[:, d]\n"
            "    resid = y[None, :] - beta @ X.T\n"
            "    loglik = -0.5 * n * np.log(2 * np.pi * s2) - 0.5 * np.sum(resid**2, 1) / s2\n"
            "    prec0 = np.linalg.inv(V0)\n"
            "    logprior_beta = (-0.5 * d * np.log(2 * np.pi * s2) - 0.5 * np.linalg.slogdet(V0)[1]\n"
            "                     - 0.5 * np.einsum('ni,ij,nj->n', beta, prec0, beta) / s2)\n"
            "    logprior_s2 = a0 * np.log(b0) - gammaln(a0) - (a0 + 1) * np.log(s2) - b0 / s2\n"
            "    return loglik + logprior_beta + logprior_s2",
        ),
        (
            "code",
            "chains, draws = 4, 500 if QUICK else 2000\n"
            "s2 = bn / rng.gamma(an, size=(chains, draws))\n"
            "noise = rng.normal(size=(chains, draws, d)) @ np.linalg.cholesky(Vn).T\n"
            "beta = mn + noise * np.sqrt(s2)[..., None]  # beta | s2 ~ N(mn, s2 Vn)\n"
            "idata = az.from_dict(posterior={'beta': beta, 's2': s2})\nidata",
        ),
        (
            "code",
            "bounds = (np.r_[np.full(d, -np.inf), 0.0], np.full(d + 1, np.inf))\n"
            "results = {m: pt.bridge_sampling(log_density, idata, method=m, bounds=bounds, rng=1)\n"
            "           for m in ('normal', 'warp3')}\n"
            "for m, r in results.items():\n"
            "    print(f'{m:7s} {r.log_z:.5f} +- {r.stderr:.5f} (error {r.log_z - exact:+.5f}, '\n"
            '          f\'{r.info["percentage_error"]:.2f}% error, {r.info["iterations"]} iterations)\')\n'
            "print('layout:', results['normal'].info['layout'])",
        ),
        (
            "md",
            "Both proposals agree with the exact value within their reported errors; warp-3, "
            "which also matches the skew of the posterior, usually has the smaller error.",
        ),
    ],
    "05_benchmarking_your_sampler.ipynb": [
        (
            "md",
            "# Benchmarking your sampler\n\n`partition.testsystems` holds models whose log Z is "
            "known exactly, and `pt.benchmark` runs estimators with transitions on them at several "
            "budgets and repeats. Here we write a transition of our own, a random walk with "
            "heavy-tailed (Cauchy) proposals that can jump between modes, and compare it with the "
            "built-in HMC on a multi-modal mixture and on Neal's funnel.",
        ),
        ("code", setup("import math", "import numba", modules="")),
        (
            "code",
            "print(len(pt.testsystems.names()), 'systems, e.g.')\n"
            "for name in ('mixture-6d-3modes', 'funnel-10d', 'ising-32x32-kc'):\n"
            "    s = pt.testsystems.get(name)\n"
            "    print(f'{name:18s} log Z = {s.log_z:9.4f}  {s.transitions}  {s.source}')",
        ),
        (
            "md",
            "A transition is a numba step with the signature of `partition.kernels.continuous` and "
            "an object that carries it. Subclassing `pt.transitions.Transition` gives it the step-"
            "size adaptation (a pilot run on streams of its own, so the AIS weights stay valid).",
        ),
        (
            "code",
            "from partition.transitions import log_base, uniform_at\n\n\n"
            "@numba.njit\n"
            "def cauchy_step(\n"
            "    log_prob,\n"
            "    grad_log_prob,  # noqa: ARG001 - every step has this signature\n"
            "    x,\n"
            "    cache,\n"
            "    grad,  # noqa: ARG001\n"
            "    beta,\n"
            "    mean,\n"
            "    precision,\n"
            "    params,\n"
            "    key,\n"
            "    gamma,\n"
            "    counter,\n"
            "    scratch,\n"
            "):\n"
            '    """Random walk with Cauchy proposals, one per coordinate, scale params[0]."""\n'
            "    y = scratch[0]\n"
            "    for i in range(x.shape[0]):\n"
            "        u = uniform_at(key, gamma, counter + np.uint64(i + 1))\n"
            "        y[i] = x[i] + params[0] * math.tan(math.pi * (u - 0.5))\n"
            "    counter += np.uint64(x.shape[0])\n"
            "    lp, lb = log_prob(y), log_base(y, mean, precision)\n"
            "    log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])\n"
            "    counter += np.uint64(1)\n"
            "    accept = min(1.0, math.exp(min(log_ratio, 0.0)))\n"
            "    if uniform_at(key, gamma, counter) < accept:\n"
            "        x[:] = y\n"
            "        cache[0], cache[1] = lp, lb\n"
            "    return counter, accept, 0\n\n\n"
            "class CauchyWalk(pt.transitions.Transition):\n"
            "    def __post_init__(self):\n"
            "        super().__post_init__()\n"
            "        self.name, self.step = 'cauchy-walk', cauchy_step\n\n"
            "    def n_uniforms(self, dim):\n"
            "        return dim + 1",
        ),
        (
            "code",
            "targets = ['mixture-6d-3modes'] if QUICK else ['mixture-6d-3modes', 'funnel-10d']\n"
            "result = pt.benchmark(\n"
            "    targets,\n"
            "    transitions=[CauchyWalk(target_accept=0.3), 'hmc'],\n"
            "    estimators=['ais', 'smc'],\n"
            "    budgets=[30, 100] if QUICK else [30, 100, 300, 1000],\n"
            "    n_repeats=2 if QUICK else 5,\n"
            "    progress=False,\n"
            "    rng=0,\n"
            ")\n"
            "print(result)\n"
            "for line in result.summary():\n"
            "    print(f\"{line['target']:18s} {line['estimator']:4s} {line['transition']:12s} \"\n"
            "          f\"{line['budget']:5d}  rms {line['rms_error']:.3f}  coverage \"\n"
            "          f\"{line['coverage']:.1f}  {line['cost']:10.0f} evaluations\")",
        ),
        ("code", "fig = result.plot()"),
        (
            "md",
            "Read the figure as error against cost: lower and further left is better, the dashed "
            "line is 0.05 nats, and hollow markers flag settings whose reported intervals covered "
            "the exact value in fewer than 80 % of the repeats (error bars too narrow). The cost "
            "counts density and gradient evaluations, so a gradient-free walk and HMC are "
            "compared at equal work. The best setting per target at the largest budget:",
        ),
        (
            "code",
            "largest = max(line['budget'] for line in result.summary())\n"
            "for target in targets:\n"
            "    lines = [x for x in result.summary() if x['target'] == target and x['budget'] == largest]\n"
            "    best = min(lines, key=lambda x: x['rms_error'])\n"
            "    narrow = [f\"{x['estimator']}/{x['transition']}\" for x in lines if x['coverage'] < 0.8]\n"
            "    print(f\"{target}: best {best['estimator']} with {best['transition']} \"\n"
            "          f\"(rms {best['rms_error']:.3f}); intervals too narrow: {narrow or 'none'}\")",
        ),
        (
            "md",
            "The same from the command line, with the transition read from a file of your own:\n\n"
            "```\npartition bench --targets mixture-6d-3modes,funnel-10d \\\n"
            "    --transitions my_walk.py:CauchyWalk,hmc --estimators ais,smc \\\n"
            "    --budgets 30,100,300 --repeats 5 --out runs.csv --plot runs.png\n```",
        ),
    ],
}


def build(only: Sequence[str] = ()) -> list[pathlib.Path]:
    """Write the notebooks (those whose names start with one of ``only``, if given)."""
    OUT.mkdir(exist_ok=True)
    paths = []
    for name, cells in NOTEBOOKS.items():
        if only and not name.startswith(tuple(only)):
            continue
        nb = new_notebook(
            cells=[
                new_markdown_cell(src) if kind == "md" else new_code_cell(src)
                for kind, src in cells
            ],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
            },
        )
        path = OUT / name
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def execute(path: pathlib.Path, timeout: int = 900) -> None:
    """Run a notebook in place; the kernel imports partition from this repository."""
    import os

    from nbclient import NotebookClient

    root = str(OUT.parent)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p
    )
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()  # fmt: skip
    nbformat.write(nb, path)


def format_with_ruff() -> None:
    """Keep the code cells as ruff formats them (a dev tool; skipped when absent)."""
    import shutil
    import subprocess

    if shutil.which("ruff"):
        subprocess.run(["ruff", "format", "--quiet", str(OUT)], check=True)


if __name__ == "__main__":
    only = [a.split("=", 1)[1] for a in sys.argv if a.startswith("--only=")]
    notebooks = build(only)  # the others keep their committed outputs
    format_with_ruff()
    for notebook in notebooks:
        if "--no-run" not in sys.argv:
            print("executing", notebook.name, flush=True)
            execute(notebook)
