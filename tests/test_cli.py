"""The partition command."""

import json
import subprocess
import sys

import pytest

import partition as pt
from partition.cli import main


def test_exact_json(tmp_path, capsys):
    model = pt.BernoulliRBM.random(10, 6, rng=0)
    path = tmp_path / "m.npz"
    model.save(path)
    assert main(["exact", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "exact"
    assert out["log_z"] == pytest.approx(pt.exact_log_z(model).log_z, rel=1e-14)
    assert out["info"]["enumerated_layer"] == "hidden"


def test_exact_text_and_errors(tmp_path, capsys):
    model = pt.BernoulliRBM.random(10, 6, rng=0)
    path = tmp_path / "m.npz"
    model.save(path)
    assert main(["exact", str(path)]) == 0
    assert f"{pt.exact_log_z(model).log_z:.10f}" in capsys.readouterr().out
    assert main(["exact", str(path), "--max-terms", "10"]) == 2
    assert "max_terms" in capsys.readouterr().err
    broken = tmp_path / "broken.npz"
    import numpy as np

    np.savez(broken, weights=np.zeros((2, 2)))
    assert main(["exact", str(broken)]) == 2
    assert "visible_bias" in capsys.readouterr().err
    assert main(["exact", str(tmp_path / "missing.npz")]) == 2
    assert "not found" in capsys.readouterr().err


def test_demo_json_matches_library(capsys):
    assert main(["demo", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rbm = pt.datasets.digits_rbm()
    log_z = pt.exact_log_z(rbm)
    _, test = pt.datasets.digits()
    assert out["exact"]["log_z"] == pytest.approx(log_z.log_z, rel=1e-14)
    assert out["test_log_likelihood"] == pytest.approx(
        pt.log_likelihood(rbm, test, log_z).mean, rel=1e-14
    )


def test_module_entry_point_runs_demo():
    proc = subprocess.run(
        [sys.executable, "-m", "partition", "demo"], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "test  log-likelihood" in proc.stdout


def test_help_lists_subcommands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "exact" in out and "demo" in out


def test_ais_command_json_and_data_formats(tmp_path, capsys):
    import numpy as np

    model = pt.BernoulliRBM.random(12, 5, weight_scale=0.5, rng=0)
    path = tmp_path / "m.npz"
    model.save(path)
    data = (np.random.default_rng(0).random((30, 12)) < 0.3).astype(float)
    np.save(tmp_path / "d.npy", data)
    np.savetxt(tmp_path / "d.csv", data, delimiter=",", fmt="%d")
    np.savez(tmp_path / "d.npz", data=data)
    exact = pt.exact_log_z(model).log_z
    results = []
    for name in ("d.npy", "d.csv", "d.npz"):
        args = ["ais", str(path), "--chains", "20", "--schedule", "300", "--seed", "4"]
        assert main([*args, "--data", str(tmp_path / name), "--json"]) == 0
        results.append(json.loads(capsys.readouterr().out))
    assert results[0]["log_z"] == results[1]["log_z"] == results[2]["log_z"]
    out = results[0]
    assert out["method"] == "ais" and out["n_samples"] == 20
    assert abs(out["log_z"] - exact) < 4 * out["stderr"]
    direct = pt.ais(model, n_chains=20, schedule=300, data=data, rng=4)
    assert out["log_z"] == direct.log_z
    assert out["data_log_likelihood"]["mean"] == pytest.approx(
        pt.log_likelihood(model, data, direct).mean
    )


def test_ais_command_text_and_progress(tmp_path, capsys):

    model = pt.BernoulliRBM.random(12, 5, rng=0)
    path = tmp_path / "m.npz"
    model.save(path)
    assert main(["ais", str(path), "--chains", "10", "--schedule", "linear", "--progress"]) == 0
    captured = capsys.readouterr()
    assert "log Z" in captured.out and "95% CI" in captured.out
    assert "AIS (10 chains)" in captured.err


def test_bdmc_command(tmp_path, capsys):
    model = pt.BernoulliRBM.random(10, 6, weight_scale=0.5, rng=0)
    path = tmp_path / "m.npz"
    model.save(path)
    args = ["bdmc", str(path), "--chains", "20", "--schedule", "200", "--seed", "3"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    direct = pt.bdmc(model, n_chains=20, schedule=200, rng=3)
    assert out["lower"]["log_z"] == direct.lower.log_z
    assert out["upper"]["log_z"] == direct.upper.log_z
    assert out["gap"] == pytest.approx(direct.gap)
    assert out["combined"]["method"] == "bar"
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "lower (AIS)" in text and "upper (reverse AIS)" in text and "exact samples" in text


def test_bridge_command(tmp_path, capsys):
    import numpy as np

    a = pt.BernoulliRBM.random(12, 6, weight_scale=0.5, rng=0)
    b = pt.BernoulliRBM(a.weights * 1.2, a.visible_bias, a.hidden_bias)
    a.save(tmp_path / "a.npz")
    b.save(tmp_path / "b.npz")
    args = ["bridge", str(tmp_path / "a.npz"), str(tmp_path / "b.npz"), "--seed", "1"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["log_z"] == pt.bridge(a, b, rng=1).log_z
    exact = pt.exact_log_z(b).log_z - pt.exact_log_z(a).log_z
    assert abs(out["log_z"] - exact) < 4 * out["stderr"]
    np.save(tmp_path / "sa.npy", pt.exact_sample(a, 300, rng=2))
    np.save(tmp_path / "sb.npy", pt.exact_sample(b, 300, rng=3))
    more = ["--samples-a", str(tmp_path / "sa.npy"), "--samples-b", str(tmp_path / "sb.npy")]
    assert main([*args, *more]) == 0
    assert "300 from A, 300 from B: given" in capsys.readouterr().out  # bad inputs: test_cli_inputs


def test_train_command(tmp_path, capsys):
    out = tmp_path / "trained.npz"
    args = ["train", "digits", "--method", "cd", "--epochs", "3", "--hidden", "8"]
    assert main([*args, "--monitor-every", "1", "--seed", "0", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    model = pt.BernoulliRBM.load(out)
    train, test = pt.datasets.digits()
    direct = pt.fit_rbm(train, 8, method="cd", n_epochs=3, test_data=test, monitor_every=1, rng=0)
    assert model == direct.model
    assert summary["final"]["test_log_likelihood"] == pytest.approx(
        direct.history["test_log_likelihood"][-1]
    )
    assert main(["train", "digits", "--epochs", "1", "--hidden", "4", "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err  # never overwritten silently
    args = ["train", "digits", "--epochs", "1", "--hidden", "4", "--out", str(out), "--force"]
    assert main(args) == 0
    assert "saved to" in capsys.readouterr().out


def _strict_json(text):
    """Parse as strict JSON: NaN, Infinity and -Infinity are not JSON."""

    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_every_command_prints_strict_json(tmp_path, capsys):
    # train with a non-NCE method (nce_log_z missing) and ais
    # with one data row (stderr_data undefined) all printed NaN before
    rbm = pt.BernoulliRBM.random(8, 4, weight_scale=0.5, rng=0)
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    rbm.save(a)
    pt.BernoulliRBM(rbm.weights * 1.1, rbm.visible_bias, rbm.hidden_bias).save(b)
    one_row = tmp_path / "one.npy"
    import numpy as np

    np.save(one_row, np.zeros((1, 8)))
    commands = [
        ["exact", str(a)],
        ["ais", str(a), "--chains", "20", "--schedule", "50", "--data", str(one_row),
         "--seed", "0"],
        ["bdmc", str(a), "--chains", "20", "--schedule", "50", "--seed", "0"],
        ["bridge", str(a), str(b), "--seed", "0"],
        ["train", "digits", "--hidden", "4", "--epochs", "1", "--out", str(tmp_path / "t.npz"),
         "--seed", "0"],
    ]  # fmt: skip
    for command in commands:
        assert main([*command, "--json"]) == 0, command
        out = _strict_json(capsys.readouterr().out)
        assert isinstance(out, dict) and out, command
    final = out["final"]
    assert final["nce_log_z"] is None  # pcd has no NCE log Z


def test_shipped_names_numbers_as_written_and_version(capsys):
    # 'digits' names the shipped RBM everywhere; 2^36, 1e3 as the help writes them
    assert main(["exact", "digits", "--max-terms", "2^36", "--json"]) == 0
    out = _strict_json(capsys.readouterr().out)
    assert out["log_z"] == pytest.approx(pt.exact_log_z(pt.datasets.digits_rbm()).log_z)
    assert main(["exact", "digits", "--max-terms", "2**10"]) == 2
    assert "max_terms=1.02e+03" in capsys.readouterr().err
    args = ["ais", "digits", "--schedule", "1e2", "--chains", "10", "--data", "digits", "--json"]
    assert main([*args, "--seed", "0"]) == 0
    out = _strict_json(capsys.readouterr().out)
    assert out["info"]["n_temperatures"] == 100 and out["info"]["base"].startswith("data")
    with pytest.raises(SystemExit):
        main(["ais", "digits", "--schedule", "2.5"])
    assert "whole number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["exact", "digits", "--max-terms", "lots"])
    assert "not a number: 'lots'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == f"partition {pt.__version__}"


def test_bridge_of_models_of_different_sizes_says_so(tmp_path, capsys):
    pt.BernoulliRBM.random(6, 3, rng=0).save(tmp_path / "a.npz")
    assert main(["bridge", str(tmp_path / "a.npz"), "digits"]) == 2
    assert "model_a and model_b must share their states" in capsys.readouterr().err


def _final_bar_states(err):
    """What each bar line shows at the end (a bar rewrites its line with carriage returns)."""
    return [line.split("\r")[-1] for line in err.split("\n") if line.strip()]


def test_progress_bars_for_exact_and_train_end_in_one_final_line(tmp_path, capsys):
    # demo, train and exact printed nothing until the end: each now draws one bar line
    assert main(["exact", "digits", "--progress"]) == 0
    (final,) = _final_bar_states(capsys.readouterr().err)
    assert "exact log Z (2^20 states)" in final and "100%" in final
    out = tmp_path / "m.npz"
    args = ["train", "digits", "--hidden", "4", "--epochs", "3", "--out", str(out), "--progress"]
    assert main(args) == 0
    (final,) = _final_bar_states(capsys.readouterr().err)
    assert "train (pcd)" in final and "3/3" in final and "100%" in final
    assert main(["ais", "digits", "--chains", "10", "--schedule", "50", "--progress"]) == 0
    final, warning = _final_bar_states(capsys.readouterr().err)  # 10 chains: never trusted
    assert "AIS (10 chains)" in final and "100%" in final
    assert warning.startswith("partition ais: warning: ais: the effective sample size")
    assert main(["exact", "digits", "--no-progress"]) == 0
    assert capsys.readouterr().err == ""


def test_commands_read_gaussian_bernoulli_files(tmp_path, capsys):
    import numpy as np

    model = pt.GaussianBernoulliRBM.random(6, 4, weight_scale=0.5, sigma=0.8, rng=0)
    path, data = tmp_path / "gb.npz", tmp_path / "x.npy"
    model.save(path)
    np.save(data, model.sample_exactly(200, np.random.default_rng(1)))
    exact = pt.exact_log_z(model).log_z
    assert main(["exact", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["log_z"] == pytest.approx(exact, rel=1e-14)
    args = ["--chains", "200", "--schedule", "500", "--seed", "3", "--json"]
    assert main(["ais", str(path), "--data", str(data), *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert abs(out["log_z"] - exact) < 4 * out["stderr"]
    assert out["info"]["base"].startswith("N(data mean")
    assert main(["bdmc", str(path), *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["upper_is_bound"] and out["lower"]["log_z"] < out["upper"]["log_z"] + 0.1
    # options of the other kind are refused by name
    for bad, option in ((["--base", "uniform"], "--base uniform"), (["--float32"], "--float32")):
        assert main(["ais", str(path), *bad]) == 2
        assert option in capsys.readouterr().err
    np.save(data, np.full((3, 6), np.nan))
    assert main(["ais", str(path), "--data", str(data)]) == 2
    assert f"--data {data}" in capsys.readouterr().err


def test_train_gaussian_from_the_shipped_continuous_digits_and_a_file(tmp_path, capsys):
    import numpy as np

    out = tmp_path / "gb.npz"
    args = ["--hidden", "4", "--epochs", "2", "--lr", "0.01", "--seed", "0", "--json"]
    assert main(["train", "digits-continuous", "--method", "sm", "--out", str(out), *args]) == 0
    final = json.loads(capsys.readouterr().out)["final"]
    model = pt.load_model(out)
    assert isinstance(model, pt.GaussianBernoulliRBM) and model.n_visible == 64
    train, test = pt.datasets.digits_continuous()
    exact = pt.exact_log_z(model)
    assert final["test_log_likelihood"] == pytest.approx(
        pt.log_likelihood(model, test, exact).mean, rel=1e-12
    )
    data = tmp_path / "x.npy"
    np.save(data, train[:200, :5])
    assert main(["train", str(data), "--visible", "gaussian", "--method", "dsm",
                 "--out", str(tmp_path / "f.npz"), *args]) == 0  # fmt: skip
    capsys.readouterr()
    # binary methods and binary training of real data are refused by name
    assert main(["train", "digits-continuous", "--method", "pl", "--out", str(out), "--force"]) == 2
    assert "method must be one of sm, dsm, ssm, cd, pcd" in capsys.readouterr().err
    assert (
        main(["train", "digits-continuous", "--visible", "binary", "--out", str(out), "--force"])
        == 2
    )
    assert "--visible gaussian" in capsys.readouterr().err
    np.save(data, np.full((4, 3), np.inf))
    assert (
        main(["train", str(data), "--visible", "gaussian", "--out", str(tmp_path / "g.npz")]) == 2
    )
    assert f"DATA {data}" in capsys.readouterr().err
