"""The command line as a new user meets it: every failure is one line and exit code 2 (an
unreachable scheduler, a missing optional extra, a closed pipe), every option does what its
help says, every help gives its default once, and exact values print without an interval."""

import argparse
import subprocess
import sys

import numpy as np
import pytest

import partition as pt
from partition import cli
from partition.cli import main


def _one_line_error(capsys, *args) -> str:
    """Run ``partition ARGS``: exit code 2, nothing on stdout, one line on stderr."""
    code = main(list(args))
    captured = capsys.readouterr()
    assert code == 2, captured
    assert captured.out == "" and "Traceback" not in captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


BENCH = ["bench", "--targets", "rbm-tiny-10x8", "--estimators", "ais", "--budgets", "5,40",
         "--repeats", "2", "--chains", "20", "--no-progress"]  # fmt: skip


def test_bench_goal_decides_which_settings_reach_it(capsys):
    printed = {}
    for goal in ("1e-6", "100"):
        assert main([*BENCH, "--goal", goal]) == 0
        printed[goal] = capsys.readouterr().out
    assert printed["1e-6"] != printed["100"]
    # no setting reaches 1e-6 nats; every setting reaches 100, the cheapest first
    assert "no budget reached the goal of 1e-06 nats" in printed["1e-6"]
    assert "reaches the goal of 100 nats at budget 5" in printed["100"]
    for goal, verdict in (("100", "yes"), ("1e-6", "no")):  # the table's goal column
        rows = [line.split() for line in printed[goal].splitlines()[1:3]]  # under the header
        assert len(rows) == 2 and {row[-1] for row in rows} == {verdict}, printed[goal]


def test_an_unreachable_scheduler_is_one_line_and_quick(capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(cli, "SCHEDULER_TIMEOUT", 2.0)
    line = _one_line_error(capsys, *BENCH, "--scheduler", "tcp://127.0.0.1:9")
    assert "--scheduler tcp://127.0.0.1:9" in line and "could not connect within 2 s" in line
    line = _one_line_error(capsys, *BENCH, "--scheduler", "nowhere")
    assert "--scheduler nowhere: not a scheduler address" in line


def test_a_missing_optional_extra_is_one_line_naming_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    line = _one_line_error(capsys, *BENCH, "--plot", str(tmp_path / "fig.png"))
    assert "pip install 'partition[plot]'" in line
    monkeypatch.setitem(sys.modules, "distributed", None)
    line = _one_line_error(capsys, *BENCH, "--scheduler", "tcp://127.0.0.1:9")
    assert "pip install 'partition[distributed]'" in line


def test_a_closed_pipe_is_one_line_and_exit_code_2():
    """``partition bench --list | head -1``: the reader goes away before the output ends."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "partition", "bench", "--list"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    proc.stdout.close()  # nobody reads: the first write meets a broken pipe
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 2, err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert err.strip().splitlines() == ["partition bench: error: the output was closed early"]


@pytest.fixture
def gb_file(tmp_path):
    path = tmp_path / "gb.npz"
    pt.GaussianBernoulliRBM.random(64, 4, weight_scale=0.1, sigma=1.0, rng=0).save(path)
    return str(path)


def test_a_gaussian_bernoulli_model_refuses_the_binary_digits_by_name(capsys, gb_file):
    line = _one_line_error(capsys, "ais", gb_file, "--data", "digits")
    assert "--data digits" in line and "binary" in line and "digits-continuous" in line
    _one_line_error(capsys, "bdmc", gb_file, "--data", "digits")


def test_digits_continuous_is_known_wherever_data_is_asked_for(capsys, gb_file):
    args = ["--data", "digits-continuous", "--chains", "20", "--schedule", "50", "--seed", "0"]
    assert main(["ais", gb_file, *args]) == 0
    out = capsys.readouterr().out
    assert "data LL" in out  # the continuous training split's log-likelihood
    line = _one_line_error(capsys, "ais", "digits", "--data", "digits-continuous")
    assert "--data digits-continuous" in line and "real" in line and "Gaussian-Bernoulli" in line


def _options_with_defaults():
    parser = cli.build_parser()
    (commands,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in commands.choices.items():
        for action in sub._actions:
            if action.help in (None, argparse.SUPPRESS) or not action.option_strings:
                continue
            if any(action.default is none for none in (None, False, argparse.SUPPRESS)):
                continue  # flags, and options whose absence means "not given"
            if action.nargs == 0:
                continue
            yield name, action, sub


def test_every_option_with_a_default_states_it_once():
    seen = set()
    for command, action, sub in _options_with_defaults():
        seen.add((command, action.option_strings[-1]))
        text = sub._get_formatter()._expand_help(action)  # the help as --help prints it
        assert text.lower().count("default") == 1, (command, action.option_strings, text)
    assert {("bench", "--repeats"), ("ais", "--chains"), ("ais", "--sweeps"),
            ("train", "--lr"), ("bench", "--goal")} <= seen  # fmt: skip


def _help_entries(text: str) -> dict[str, str]:
    """``--help``'s options section: each option's lines, joined, by its first line's start."""
    entries, current = {}, None
    for line in text[text.index("options:") :].splitlines()[1:]:
        if line.startswith("  -"):
            current = line.strip()
            entries[current] = ""
        if current is not None:
            entries[current] += " " + line.strip()
    return entries


def test_help_texts_give_defaults_once(capsys):
    wanted = {
        "ais": {"--chains CHAINS": "100", "--sweeps SWEEPS": "1", "--seed SEED": "none"},
        "bdmc": {"--chains CHAINS": "100", "--sweeps SWEEPS": "1"},
        "bridge": {"--samples SAMPLES": "1000"},
        "train": {"--lr LR": "0.05", "--epochs EPOCHS": "50", "--method {": "pcd"},
        "bench": {"--repeats REPEATS": "5", "--chains CHAINS": "100", "--seed SEED": "0"},
        "demo": {"--seed SEED": "0"},
        "exact": {"--max-terms MAX_TERMS": "2^36"},
    }
    for command, options in wanted.items():
        with pytest.raises(SystemExit):
            main([command, "--help"])
        entries = _help_entries(capsys.readouterr().out)
        for option, default in options.items():
            (entry,) = (text for first, text in entries.items() if first.startswith(option))
            assert entry.count("default") == 1, (command, entry)
            assert default in entry.lower(), (command, entry)


def test_an_exact_value_prints_without_an_interval():
    rbm = pt.BernoulliRBM.random(8, 4, weight_scale=0.5, rng=0)
    data = np.random.default_rng(0).integers(0, 2, (20, 8)).astype(float)
    exact = pt.exact_log_z(rbm)
    ll = pt.log_likelihood(rbm, data, exact)
    assert "CI" not in repr(ll) and "exact" in repr(ll)
    assert f"mean={ll.mean:.6f}" in repr(ll)
    estimated = pt.log_likelihood(rbm, data, pt.ais(rbm, n_chains=20, schedule=50, rng=0))
    assert "95% CI" in repr(estimated)  # an estimate keeps its interval
    both_exact = pt.bayes_factor(exact, 1.0)
    assert "CI" not in repr(both_exact) and "exact" in repr(both_exact)
    assert "95% CI" in repr(pt.bayes_factor(pt.ais(rbm, n_chains=20, schedule=50, rng=0), 1.0))
