"""pt.benchmark and `partition bench`: runs, seeds, the user's own transition from a file."""

import csv
import json
import math
import textwrap

import numpy as np
import pytest

import partition as pt
from partition.benchmark import COLUMNS
from partition.cli import main

#: A transition in a file of its own, as a user would write it: a random walk with box
#: proposals (the numba step signature of partition.kernels.continuous).
USER_FILE = textwrap.dedent(
    """
    import math

    import numba
    import numpy as np

    from partition.transitions import log_base, uniform_at


    @numba.njit
    def box_step(log_prob, grad_log_prob, x, cache, grad, beta, mean, precision, params, key,
                 gamma, counter, scratch):
        y = scratch[0]
        for i in range(x.shape[0]):
            u = uniform_at(key, gamma, counter + np.uint64(i + 1))
            y[i] = x[i] + params[0] * (2.0 * u - 1.0)
        counter += np.uint64(x.shape[0])
        lp = log_prob(y)
        lb = log_base(y, mean, precision)
        log_ratio = (1.0 - beta) * (lb - cache[1]) + beta * (lp - cache[0])
        counter += np.uint64(1)
        accept = min(1.0, math.exp(min(log_ratio, 0.0)))
        if uniform_at(key, gamma, counter) < accept:
            x[:] = y
            cache[0] = lp
            cache[1] = lb
        return counter, accept, 0


    class BoxWalk:
        name = "box-walk"
        step = staticmethod(box_step)
        needs_gradient = False
        step_size = 1.0
        adapt = False

        def params(self, dim):
            return np.array([self.step_size])

        def n_uniforms(self, dim):
            return dim + 1
    """
)

SMALL = dict(estimators=["ais"], budgets=[20], n_repeats=2, progress=False)


@pytest.fixture(scope="module")
def user_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "my_sampler.py"
    path.write_text(USER_FILE)
    return path


def _load(path):
    from partition.cli import _load_object

    return _load_object(f"{path}:BoxWalk", "--transitions")


def test_rows_hold_every_column_and_the_error_against_the_exact_value():
    result = pt.benchmark(["rbm-tiny-10x8", "ising-ring-20"], estimators=["ais", "smc", "bdmc"],
                          budgets=[30, 60], n_repeats=2, progress=False, rng=3)  # fmt: skip
    # tiny: 1 transition x 3 estimators; ring: 2 x 3; each at 2 budgets x 2 repeats
    assert len(result.rows) == (3 + 6) * 4
    exact = {n: pt.testsystems.get(n).log_z for n in ("rbm-tiny-10x8", "ising-ring-20")}
    for row in result.rows:
        assert tuple(row) == COLUMNS
        assert row["exact"] == exact[row["target"]]
        assert row["error"] == pytest.approx(row["log_z"] - row["exact"])
        assert row["z_score"] == pytest.approx(row["error"] / row["stderr"])
        assert abs(row["z_score"]) < 5
        assert row["cost"] == row["n_transitions"] > 0 and row["cost_unit"] == "sweeps"
        bdmc = row["estimator"] == "bdmc"
        assert math.isnan(row["lower"]) != bdmc and math.isnan(row["upper"]) != bdmc
        # AIS and SMC: budget temperatures x chains; BDMC twice that
        assert row["n_transitions"] == pytest.approx((2 if bdmc else 1) * 100 * (row["budget"] - 1),
                                                     rel=0.02)  # fmt: skip
    lines = result.summary()
    assert len(lines) == 9 * 2 and all(line["repeats"] == 2 for line in lines)
    first = [r for r in result.rows if r["target"] == "rbm-tiny-10x8" and r["estimator"] == "ais"
             and r["budget"] == 30]  # fmt: skip
    line = next(x for x in lines if x["target"] == "rbm-tiny-10x8" and x["estimator"] == "ais"
                and x["budget"] == 30)  # fmt: skip
    assert line["rms_error"] == pytest.approx(math.sqrt(np.mean([r["error"] ** 2 for r in first])))
    assert line["coverage"] == np.mean([r["covered"] for r in first])


def test_runs_do_not_depend_on_what_else_runs_or_in_which_order():
    both = pt.benchmark(["ising-ring-20", "rbm-tiny-10x8"], estimators=["ais", "smc"],
                        budgets=[20, 40], n_repeats=2, progress=False, rng=5)  # fmt: skip
    alone = pt.benchmark("rbm-tiny-10x8", estimators=["smc"], budgets=[40], n_repeats=2,
                         progress=False, rng=5)  # fmt: skip
    pick = [r for r in both.rows if r["target"] == "rbm-tiny-10x8" and r["estimator"] == "smc"
            and r["budget"] == 40]  # fmt: skip
    assert [r["log_z"] for r in pick] == [r["log_z"] for r in alone.rows]
    assert [r["seed"] for r in pick] == [r["seed"] for r in alone.rows]
    other = pt.benchmark("rbm-tiny-10x8", estimators=["smc"], budgets=[40], n_repeats=2,
                         progress=False, rng=6)  # fmt: skip
    assert [r["log_z"] for r in other.rows] != [r["log_z"] for r in alone.rows]
    assert alone.rows[0]["log_z"] != alone.rows[1]["log_z"]  # repeats differ


def test_a_transition_from_a_users_file_runs_through_the_api(user_file):
    box = _load(user_file)
    result = pt.benchmark(["gaussian-10d", "rbm-tiny-10x8"], transitions=[box, "rwm"],
                          **SMALL, rng=0)  # fmt: skip
    ran = {(r["target"], r["transition"]) for r in result.rows}
    assert ran == {("gaussian-10d", "box-walk"), ("gaussian-10d", "rwm")}
    assert {(s["target"], s["transition"]) for s in result.skipped} == {
        ("rbm-tiny-10x8", "box-walk"), ("rbm-tiny-10x8", "rwm")}  # fmt: skip
    walk = [r for r in result.rows if r["transition"] == "box-walk"]
    assert all(0.0 < r["acceptance_rate"] < 1.0 for r in walk)
    assert all(r["cost_unit"] == "evaluations" and r["cost"] > 0 for r in walk)


def test_a_transition_from_a_users_file_runs_through_the_cli(user_file, tmp_path, capsys):
    out, fig = tmp_path / "runs.csv", tmp_path / "fig.png"
    code = main(["bench", "--targets", "gaussian-10d", "--transitions", f"{user_file}:BoxWalk,rwm",
                 "--estimators", "ais", "--budgets", "20,40", "--repeats", "2", "--out",
                 str(out), "--plot", str(fig), "--no-progress"])  # fmt: skip
    printed = capsys.readouterr().out
    assert code == 0 and "box-walk" in printed and "rwm" in printed
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2 * 2 and {r["transition"] for r in rows} == {"box-walk", "rwm"}
    assert fig.stat().st_size > 1000
    code = main(["bench", "--targets", "rbm-tiny-10x8", "--estimators", "ais", "--budgets", "10",
                 "--repeats", "1", "--json", "--no-progress"])  # fmt: skip
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["rows"][0]["target"] == "rbm-tiny-10x8"


def test_list_prints_every_system(capsys):
    assert main(["bench", "--list"]) == 0
    printed = capsys.readouterr().out
    assert all(name in printed for name in pt.testsystems.names())
    assert main(["bench", "--list", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert len(payload["systems"]) == len(pt.testsystems.names())


def test_csv_and_json(tmp_path):
    result = pt.benchmark("rbm-tiny-10x8", estimators=["ais"], budgets=[5, 50], n_repeats=2,
                          progress=False, rng=0)  # fmt: skip
    result.to_csv(tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="") as fh:
        back = list(csv.DictReader(fh))
    assert [float(r["log_z"]) for r in back] == [r["log_z"] for r in result.rows]
    payload = json.loads(result.to_json(tmp_path / "r.json"))
    assert payload["settings"]["budgets"] == [5, 50] and len(payload["rows"]) == 4
    assert json.loads((tmp_path / "r.json").read_text()) == payload


def _row(budget, error, stderr, covered, seconds):
    return {"target": "t", "estimator": "ais", "transition": "g", "budget": budget,
            "error": error, "stderr": stderr, "z_score": error / stderr, "covered": covered,
            "seconds": seconds, "cost": 100.0 * budget, "cost_unit": "sweeps"}  # fmt: skip


def test_summary_and_time_to_goal_by_hand():
    rows = [
        _row(10, 0.3, 0.1, False, 1.0), _row(10, -0.1, 0.1, True, 3.0),  # rms sqrt(0.05)
        _row(100, 0.03, 0.02, True, 5.0), _row(100, -0.04, 0.02, False, 7.0),  # rms 0.0354
        _row(1000, 0.01, 0.01, True, 9.0), _row(1000, 0.0, 0.01, True, 11.0),
    ]  # fmt: skip
    result = pt.BenchmarkResult(tuple(rows))
    lines = {line["budget"]: line for line in result.summary(goal=0.05)}
    assert lines[10]["rms_error"] == pytest.approx(math.sqrt(0.05))
    assert lines[10]["coverage"] == 0.5 and lines[10]["mean_abs_z"] == pytest.approx(2.0)
    assert lines[100]["rms_error"] == pytest.approx(math.sqrt((0.03**2 + 0.04**2) / 2))
    assert [lines[b]["reaches_goal"] for b in (10, 100, 1000)] == [False, True, True]
    (goal,) = result.time_to_goal(0.05)
    assert (goal["budget"], goal["seconds"], goal["cost"]) == (100, 6.0, 10_000.0)
    (never,) = result.time_to_goal(0.001)
    assert never["budget"] is None and math.isnan(never["seconds"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(targets="isng-32x32"), ValueError, "unknown test system 'isng-32x32'"),
        (dict(transitions=["nuts"]), ValueError, "unknown transition 'nuts'"),
        (dict(transitions=["hmc"]), ValueError, r"'hmc' applies to none.*tiny-10x8: block-gibbs"),
        (dict(budgets=[0]), ValueError, "budgets must be > 0"),
        (dict(budgets=[-5, 10]), ValueError, "budgets must be > 0"),
        (dict(budgets=[2.5]), TypeError, "whole numbers"),
        (dict(estimators=["nuts"]), ValueError, "unknown estimator 'nuts'"),
        (dict(n_repeats=0), ValueError, "n_repeats"),
        (dict(targets=[3]), TypeError, "targets must be names"),
    ],
)
def test_bad_input_is_refused_before_any_work(kwargs, error, match, monkeypatch):
    def fail(*args, **kw):
        raise AssertionError("work started")

    monkeypatch.setitem(pt.benchmark.__globals__["_BUILT_IN"], "ais", fail)
    call = dict(targets="rbm-tiny-10x8", estimators=["ais"], budgets=[10], progress=False)
    with pytest.raises(error, match=match):
        pt.benchmark(**{**call, **kwargs})


def test_cli_bad_input(capsys, tmp_path):
    assert main(["bench", "--targets", "nope", "--no-progress"]) == 2
    assert "unknown test system 'nope'" in capsys.readouterr().err
    assert main(["bench", "--targets", "rbm-tiny-10x8", "--transitions", "x.py:Y"]) == 2
    assert "no file 'x.py'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["bench", "--targets", "rbm-tiny-10x8", "--budgets", "0"])
    assert main(["bench"]) == 2
    assert "--targets is required" in capsys.readouterr().err


def test_plot_benchmark():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    result = pt.benchmark(["rbm-tiny-10x8", "ising-ring-20"], **SMALL, rng=0)
    fig = result.plot()
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["rbm-tiny-10x8", "ising-ring-20"]
    assert len(visible[1].get_legend().get_texts()) == 2  # heat bath and Metropolis


def test_trust_counts_silent_misses_and_false_alarms():
    from partition.benchmark import BenchmarkResult

    def row(covered, warned, budget):
        return {**dict.fromkeys(COLUMNS, 0.0), "estimator": "ais", "family": "rbm",
                "budget": budget, "covered": covered, "warned": warned}  # fmt: skip

    rows = [row(True, False, 10), row(True, True, 10), row(False, True, 10),
            row(False, False, 10), row(True, False, 20), row(False, False, 20)]  # fmt: skip
    result = BenchmarkResult(tuple(rows))
    (line,) = result.trust()
    assert line["runs"] == 6 and line["coverage"] == pytest.approx(3 / 6)
    assert line["warned"] == pytest.approx(2 / 6)
    assert line["silent_miss_rate"] == pytest.approx(2 / 6)  # missed and quiet
    assert line["false_alarm_rate"] == pytest.approx(1 / 3)  # warned of the 3 covered
    by_budget = {b["budget"]: b for b in result.trust(by=("estimator", "budget"))}
    assert by_budget[20]["silent_miss_rate"] == 0.5 and by_budget[20]["false_alarm_rate"] == 0
    with pytest.raises(ValueError, match="unknown columns"):
        result.trust(by=["colour"])


def test_a_run_that_warns_is_marked_warned():
    result = pt.benchmark("rbm-strong-20x16", estimators=["ais", "reverse-ais", "lis"],
                          budgets=[2, 300], n_repeats=2, n_chains=20, progress=False,
                          rng=0)  # fmt: skip
    ais = {r["budget"]: r for r in result.rows if r["estimator"] == "ais" and r["repeat"] == 0}
    assert ais[2]["warned"] and "UnreliableEstimateWarning" in ais[2]["warning"]
    assert not ais[300]["warned"]
    assert {r["estimator"] for r in result.rows} == {"ais", "reverse-ais", "lis"}
    assert all(np.isfinite(r["log_z"]) for r in result.rows)
