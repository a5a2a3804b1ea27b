"""Adaptive SMC and adaptive AIS against fixed-schedule AIS: error against cost.

For each target with an exact log Z, each method runs at a ladder of budgets with
``REPEATS`` seeds; a row gives the mean cost (transitions summed over chains, i.e. Gibbs
sweeps of one chain; gradient evaluations for continuous targets), the wall time, the RMS
and mean error, the mean reported standard error and how often the reported 95% interval
covered the exact value. The summary gives, per target and method, the cost at which the
RMS error crosses ``GOAL`` nats (log-log interpolation between the ladder's rungs) and its
ratio to fixed-schedule AIS's, on the field's default schedule shape (Salakhutdinov &
Murray 2008) and on the best of the three fixed shapes (:data:`FIXED`).

On the continuous targets blackjax's ``adaptive_tempered_smc`` (JAX on the CPU, an HMC
inner kernel: 1,000 particles, 5 HMC steps of 5 leapfrog steps per temperature, step size
0.2, systematic resampling) runs in the same process on the same densities (written in
``jax.numpy``), when blackjax is installed (``pip install blackjax``, a benchmark extra).
"""

from __future__ import annotations

import math
import os
import time
import warnings

import numpy as np

import partition as pt
from benchmarks.harness import Case
from partition.estimators import schedules
from partition.models.continuous_systems import funnel, gaussian_mixture
from partition.results import UnreliableEstimateWarning

GOAL = 0.05
RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


#: Where the timed comparison's table goes (``smc.md`` is the accuracy-versus-cost summary).
TIMED_STEM = "smc_speed"
#: Test systems of the timed comparison: SMC on a fixed schedule against AIS on the same
#: schedule, particles and transition (the same Gibbs sweeps or gradient evaluations).
SPEED_SYSTEMS = (
    "rbm-digits-64x20",
    "rbm-digits-64x10",
    "ising-32x32-kc",
    "gbrbm-16x8",
    "gaussian-10d",
)


def thread_counts():
    return (1, 2)


def cases(quick: bool = False):
    """SMC on a fixed schedule against AIS at the same budget (1,000 particles or chains,
    300 temperatures, one sweep or transition each): the ratio is SMC's time over AIS's,
    compilation excluded (a warm-up call). SMC adds its resampling and, per temperature, a
    second weight increment (the move statistics' "before") and the serial reweighting."""
    n, n_temperatures = (200, 60) if quick else (1000, 300)
    out = []
    for name in SPEED_SYSTEMS:
        model = pt.testsystems.get(name).model

        def ais(model=model):
            return pt.ais(model, n_chains=n, schedule=n_temperatures, rng=1).log_z

        def smc(model=model):
            return pt.smc(model, n_particles=n, schedule=n_temperatures, rng=1).log_z

        out.append(
            Case(
                name=f"SMC fixed vs AIS, {name}",
                params={"n": n, "temperatures": n_temperatures},
                implementations={"ais": ais, "smc, fixed schedule": smc},
                baseline="ais",
                repeat=3,
                warmup=("ais", "smc, fixed schedule"),
                work=float(n * n_temperatures),
                work_unit="transitions",
            )
        )
    return out


def _summarise(target, method, setting, runs, exact, cost_key):
    errors = np.array([r.log_z - exact for r in runs])
    covered = [r.confidence_interval[0] <= exact <= r.confidence_interval[1] for r in runs]
    return {
        "target": target,
        "method": method,
        "setting": setting,
        "cost": float(np.mean([_cost(r, cost_key) for r in runs])),
        "cost_unit": cost_key,
        "seconds": float(np.mean([r.info["wall"] for r in runs])),
        "rms_error": float(np.sqrt(np.mean(errors**2))),
        "mean_error": float(errors.mean()),
        "mean_stderr": float(np.mean([r.stderr for r in runs])),
        "coverage": float(np.mean(covered)),
        "repeats": len(runs),
    }


def _cost(est, key):
    info = est.info
    pilot = info.get("schedule_pilot") or {}
    if key == "sweeps":
        return info["n_steps"] + pilot.get("pilot_sweeps", 0)
    # gradient evaluations (the pilot's are not reported separately: its sweeps times the
    # gradients per sweep of the run)
    grads = info.get("n_gradient_evaluations", 0)
    if pilot and info["n_steps"]:
        grads += pilot["pilot_sweeps"] * grads / info["n_steps"]
    return grads


def _timed(fn):
    start = time.perf_counter()
    est = fn()
    info = dict(est.info)
    info["wall"] = time.perf_counter() - start
    return pt.LogZEstimate.normal(
        est.log_z, est.stderr, method=est.method, n_samples=est.n_samples, ess=est.ess, info=info
    )


def _adaptive_ais(model, k, seed, **options):
    """AIS on a schedule from :func:`partition.adaptive_schedule`, with the pilot's cost."""
    betas, pilot = pt.adaptive_schedule(model, k, rng=seed, return_info=True, **options)
    est = pt.ais(model, n_chains=100, schedule=betas, rng=seed, **options)
    info = {**est.info, "schedule_pilot": pilot}
    return pt.LogZEstimate.normal(est.log_z, est.stderr, method="ais", n_samples=est.n_samples,
                                  ess=est.ess, info=info)  # fmt: skip


def _ladder(name, exact, cost_key, repeats, methods):
    rows = []
    for method, settings in methods.items():
        for setting, make in settings:
            runs = [_timed(lambda s=seed, mk=make: mk(s)) for seed in range(repeats)]
            row = _summarise(name, method, setting, runs, exact, cost_key)
            rows.append(row)
            print(f"  {name:<14} {method:<22} {setting:<26} cost {row['cost']:>12.0f} "
                  f"rms {row['rms_error']:.3f} mean {row['mean_error']:+.3f} "
                  f"se {row['mean_stderr']:.3f} cover {row['coverage']:.2f} "
                  f"{row['seconds']:.3f}s", flush=True)  # fmt: skip
    return rows


#: The fixed schedules AIS runs on: ours (sigmoid, the default), evenly spaced, and the
#: field's default shape (Salakhutdinov & Murray 2008: 500, 4,000 and 10,000 steps on
#: [0, 0.5], [0.5, 0.9], [0.9, 1]) scaled to about the same numbers of temperatures.
FIXED = ("sigmoid", "linear", "Salakhutdinov-Murray")


def _fixed_schedule(shape, k):
    if shape == "sigmoid":
        return k
    if shape == "linear":
        return schedules.linear(k)
    return schedules.salakhutdinov_murray(k / 14500)


def _fixed_ais(model, ks, quick, **options):
    shapes = FIXED[:1] if quick else FIXED
    return {
        f"AIS, {shape} schedule": [
            (f"100 chains x {len(schedules.make_schedule(_fixed_schedule(shape, k))) - 1}",
             lambda s, k=k, sh=shape: pt.ais(model, n_chains=100,
                                             schedule=_fixed_schedule(sh, k), rng=s, **options))
            for k in ks
        ]
        for shape in shapes
    }  # fmt: skip


def _rbm_rows(quick):
    rbm = pt.datasets.digits_rbm()
    train, _ = pt.datasets.digits()
    exact = pt.exact_log_z(rbm).log_z
    ks = (100, 300) if quick else (100, 300, 1000, 3000, 10000)
    targets = (0.5, 0.9) if quick else (0.5, 0.8, 0.9, 0.97, 0.99)
    methods = {
        **_fixed_ais(rbm, ks, quick, data=train),
        "AIS, adaptive schedule": [
            (f"100 chains x {k}", lambda s, k=k: _adaptive_ais(rbm, k, s, data=train))
            for k in ks
        ],
        "SMC, adaptive": [
            (f"{n} particles, CESS {t}", lambda s, t=t, n=n: pt.smc(rbm, n_particles=n,
                                                                    target_ess=t, data=train,
                                                                    rng=s))
            for n, t in [(1000, t) for t in targets] + ([] if quick else [(2000, 0.99)])
        ],
    }  # fmt: skip
    return _ladder("digits RBM", exact, "sweeps", 3 if quick else 20, methods)


def _ising_rows(quick):
    coupling = 0.5 * math.log(1.0 + math.sqrt(2.0))  # K_c
    ising = pt.IsingModel.square_lattice(32, coupling=coupling)
    exact = pt.exact_log_z(ising).log_z
    ks = (300,) if quick else (300, 1000, 3000, 10000)
    targets = (0.5,) if quick else (0.5, 0.9, 0.97, 0.99)
    methods = {
        **_fixed_ais(ising, ks, quick),
        "AIS, adaptive schedule": [
            (f"100 chains x {k}", lambda s, k=k: _adaptive_ais(ising, k, s)) for k in ks
        ],
        "SMC, adaptive": [
            (f"1000 particles, CESS {t}", lambda s, t=t: pt.smc(ising, n_particles=1000,
                                                                target_ess=t, rng=s))
            for t in targets
        ],
    }  # fmt: skip
    return _ladder("Ising 32x32 K_c", exact, "sweeps", 2 if quick else 5, methods)


def _continuous_targets():
    return {
        "mixture 6-d, 3 modes": gaussian_mixture(6, separation=8.0, n_modes=3),
        "funnel 10-d": funnel(10),
    }


def _continuous_rows(quick):
    rows = []
    jitter = pt.transitions.HMC(step_jitter=3.0)
    ks = (100,) if quick else (100, 300, 1000)
    targets = (0.5,) if quick else (0.5, 0.9, 0.99)
    for name, model in _continuous_targets().items():
        methods = {
            **_fixed_ais(model, ks, quick),
            "AIS, adaptive schedule": [
                (f"100 chains x {k}", lambda s, k=k, m=model: _adaptive_ais(m, k, s))
                for k in ks
            ],
            "SMC, adaptive": [
                (f"1000 particles, CESS {t}", lambda s, t=t, m=model: pt.smc(
                    m, n_particles=1000, target_ess=t, rng=s)) for t in targets
            ],
            "SMC, blackjax's settings": [
                (f"1000 particles, ESS {t}, resample every step", lambda s, t=t, m=model: pt.smc(
                    m, n_particles=1000, target_ess=t, criterion="ess", resample_threshold=1.0,
                    transition=pt.transitions.HMC(step_size=0.2, adapt=False, n_leapfrog=5),
                    n_sweeps=5, rng=s)) for t in ((0.95,) if quick else (0.5, 0.95))
            ],
            "SMC, HMC jitter 3 x 5": [
                (f"1000 particles, CESS {t}", lambda s, t=t, m=model: pt.smc(
                    m, n_particles=1000, target_ess=t, transition=jitter, n_sweeps=5,
                    rng=s)) for t in targets
            ],
        }  # fmt: skip
        rows += _ladder(name, 0.0, "gradients", 3 if quick else 20, methods)
    return rows


def _blackjax_rows(quick):
    try:
        import blackjax
        import jax
        import jax.numpy as jnp
        from blackjax.smc import extend_params, resampling
    except ImportError:
        print("  blackjax is not installed: its rows are left out (pip install blackjax)")
        return []
    jax.config.update("jax_enable_x64", True)
    targets = _continuous_targets()
    means = np.zeros((3, 6))
    angles = 2 * math.pi * np.arange(3) / 3
    means[:, 0], means[:, 1] = 8 / math.sqrt(3) * np.cos(angles), 8 / math.sqrt(3) * np.sin(angles)
    means_j = jnp.asarray(means)

    def mixture_log_prob(x):
        sq = jnp.sum((x[None, :] - means_j) ** 2, axis=1)
        return jax.scipy.special.logsumexp(-0.5 * sq) - math.log(3) - 3 * math.log(2 * math.pi)

    def funnel_log_prob(x):
        v, rest = x[0], x[1:]
        norm = -0.5 * math.log(2 * math.pi) - math.log(3.0) - 4.5 * math.log(2 * math.pi)
        return norm - v**2 / 18.0 - 4.5 * v - 0.5 * jnp.exp(-v) * jnp.sum(rest**2)

    def normal_log_prob(var):
        var = jnp.asarray(var)
        return lambda x: -0.5 * jnp.sum(x**2 / var) - 0.5 * jnp.sum(jnp.log(2 * math.pi * var))

    specs = {
        "mixture 6-d, 3 modes": (mixture_log_prob, np.full(6, 64.0)),
        "funnel 10-d": (funnel_log_prob, np.r_[9.0, np.full(9, 4.0)]),
    }
    # the same densities as partition's: checked on a few points before any timing
    gen = np.random.default_rng(0)
    for name, (log_prob, _) in specs.items():
        x = gen.normal(size=(5, targets[name].dim))
        ours = targets[name].log_unnormalized_prob(x)
        theirs = np.array([float(log_prob(jnp.asarray(row))) for row in x])
        np.testing.assert_allclose(theirs, ours, rtol=1e-10, atol=1e-10)
    rows = []
    ess_targets = (0.5, 0.95) if quick else (0.5, 0.9, 0.95, 0.99)
    repeats = 3 if quick else 20
    for name, (log_prob, base_var) in specs.items():
        dim = base_var.size
        prior = normal_log_prob(base_var)

        def log_lik(x, lp=log_prob, pr=prior):
            return lp(x) - pr(x)

        for target in ess_targets:
            smc = blackjax.adaptive_tempered_smc(
                prior, log_lik, blackjax.hmc.build_kernel(), blackjax.hmc.init,
                extend_params({"step_size": 0.2, "inverse_mass_matrix": jnp.ones(dim),
                               "num_integration_steps": 5}),
                resampling.systematic, target, num_mcmc_steps=5,
            )  # fmt: skip

            def run(key, smc=smc, dim=dim, base_var=base_var):
                key, init_key = jax.random.split(key)
                x0 = jax.random.normal(init_key, (1000, dim)) * jnp.sqrt(jnp.asarray(base_var))
                state = smc.init(x0)

                def cond(carry):
                    return carry[1].tempering_param < 1.0

                def body(carry):
                    k, state, log_z, n = carry
                    k, sub = jax.random.split(k)
                    state, info = smc.step(sub, state)
                    return k, state, log_z + info.log_likelihood_increment, n + 1

                _, _, log_z, n = jax.lax.while_loop(cond, body, (key, state, 0.0, 0))
                return log_z, n

            run = jax.jit(run)
            jax.block_until_ready(run(jax.random.PRNGKey(1000)))  # compile
            errors, seconds, temps = [], [], []
            for seed in range(repeats):
                start = time.perf_counter()
                log_z, n = jax.block_until_ready(run(jax.random.PRNGKey(seed)))
                seconds.append(time.perf_counter() - start)
                errors.append(float(log_z))
                temps.append(int(n))
            errors = np.array(errors)
            grads = float(np.mean(temps)) * 1000 * 5 * 5
            row = {
                "target": name, "method": "blackjax adaptive_tempered_smc",
                "setting": f"1000 particles, ESS {target} ({np.mean(temps):.1f} temperatures)",
                "cost": grads, "cost_unit": "gradients", "seconds": float(np.mean(seconds)),
                "rms_error": float(np.sqrt(np.mean(errors**2))),
                "mean_error": float(errors.mean()), "mean_stderr": float("nan"),
                "coverage": float("nan"), "repeats": repeats,
            }  # fmt: skip
            rows.append(row)
            print(f"  {name:<14} blackjax ESS {target}: rms {row['rms_error']:.3f} "
                  f"mean {row['mean_error']:+.3f} {row['seconds']:.3f}s "
                  f"{np.mean(temps):.1f} temps", flush=True)  # fmt: skip
    return rows


def _cost_at_goal(runs):
    """The cost at which the RMS error crosses ``GOAL``: log-log interpolation between the
    last rung above the goal and the first under it (RMS ~ cost^-1/2 between rungs); the
    cheapest rung when it is already under; nan when none is."""
    runs = sorted(runs, key=lambda r: r["cost"])
    for i, r in enumerate(runs):
        if r["rms_error"] < GOAL:
            if i == 0:
                return r["cost"]
            lo = runs[i - 1]
            slope = math.log(lo["rms_error"] / r["rms_error"]) / math.log(r["cost"] / lo["cost"])
            if slope <= 0:
                return r["cost"]
            return lo["cost"] * (lo["rms_error"] / GOAL) ** (1.0 / slope)
    return float("nan")


def _summary(rows):
    out = []
    targets = list(dict.fromkeys(r["target"] for r in rows))
    for target in targets:
        mine = [r for r in rows if r["target"] == target]
        by_method = {m: [r for r in mine if r["method"] == m] for m in dict.fromkeys(
            r["method"] for r in mine)}  # fmt: skip
        at_goal = {m: _cost_at_goal(runs) for m, runs in by_method.items()}
        fixed = {m: c for m, c in at_goal.items() if m.startswith("AIS, ") and
                 m.removeprefix("AIS, ").removesuffix(" schedule") in FIXED}  # fmt: skip
        field = fixed.get("AIS, Salakhutdinov-Murray schedule", float("nan"))
        best_fixed = min((c for c in fixed.values() if not math.isnan(c)), default=float("nan"))
        for method, runs in by_method.items():
            ok = [r for r in runs if r["rms_error"] < GOAL]
            best = min(ok, key=lambda r: r["cost"], default=None)
            fastest = min(ok, key=lambda r: r["seconds"], default=None)
            cost = at_goal[method]
            out.append({
                "target": target,
                "method": method,
                "cheapest_setting_under_goal": best["setting"] if best else "not reached",
                "its_rms_error": best["rms_error"] if best else float("nan"),
                "its_coverage": best["coverage"] if best else float("nan"),
                "cost_at_goal": cost,
                "cost_unit": runs[0]["cost_unit"],
                "vs_salakhutdinov_murray_ais": cost / field,
                "vs_best_fixed_ais": cost / best_fixed,
                "seconds_to_goal": fastest["seconds"] if fastest else float("nan"),
            })  # fmt: skip
    return out


def tables(quick: bool = False):
    warnings.simplefilter("ignore", UnreliableEstimateWarning)
    rows = _rbm_rows(quick) + _ising_rows(quick) + _continuous_rows(quick)
    rows += _blackjax_rows(quick)
    return [
        ("smc", f"Cost to an RMS error under {GOAL} nats (interpolated between the ladder's "
                "rungs; the cheapest rung under it; nan or 'not reached' within the ladder), "
                "against fixed-schedule AIS's", _summary(rows)),
        ("smc_runs", "Adaptive SMC and AIS against fixed-schedule AIS: every setting", rows),
    ]  # fmt: skip
