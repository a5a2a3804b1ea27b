"""Every command of ``partition`` with bad inputs: exit code 2 (3 for a diverged training)
and one message that names the file or the option at fault, never a traceback."""

import json

import numpy as np
import pytest

import partition as pt
from partition.cli import main


@pytest.fixture
def files(tmp_path, monkeypatch):
    """Small files of every kind a user might pass, in a working folder of their own."""
    monkeypatch.chdir(tmp_path)
    pt.BernoulliRBM.random(8, 4, weight_scale=0.5, rng=0).save("a.npz")
    pt.BernoulliRBM.random(6, 3, rng=1).save("narrow.npz")
    pt.BernoulliRBM.random(40, 40, weight_scale=0.1, rng=2).save("big.npz")
    np.save("wide.npy", np.zeros((5, 5)))
    np.save("half.npy", np.full((5, 8), 0.5))
    np.save("nan.npy", np.full((5, 8), np.nan))
    np.save("rows.npy", np.random.default_rng(0).integers(0, 2, (40, 8)).astype(float))
    np.save("none.npy", np.zeros((0, 8)))
    np.savez("two.npz", x=np.zeros((3, 8)), y=np.zeros((3, 8)))
    (tmp_path / "folder.npz").mkdir()
    (tmp_path / "text.npz").write_text("not an array\n")
    (tmp_path / "empty.npz").write_bytes(b"")
    (tmp_path / "cut.npz").write_bytes((tmp_path / "a.npz").read_bytes()[:100])
    (tmp_path / "words.csv").write_text("p0,p1\nyes,no\n")
    return tmp_path


# (command line, words the error must contain)
BAD = [
    # the model argument
    ("exact missing.npz", ["missing.npz", "not found", "digits"]),
    ("exact folder.npz", ["folder.npz", "folder"]),
    ("exact text.npz", ["text.npz", "not a NumPy array file"]),
    ("exact empty.npz", ["empty.npz", "not a NumPy array file"]),
    ("exact cut.npz", ["cut.npz"]),
    ("exact wide.npy", ["wide.npy"]),
    ("exact two.npz", ["two.npz"]),
    ("exact a.npz --max-terms lots", ["--max-terms", "lots"]),
    ("exact a.npz --max-terms 10", ["max_terms"]),
    ("exact big.npz", ["2^40", "max_terms"]),
    # ais / bdmc options and data
    ("ais a.npz --chains 1", ["--chains", ">= 2"]),
    ("ais a.npz --chains many", ["--chains", "many"]),
    ("ais a.npz --sweeps 0", ["--sweeps"]),
    ("ais a.npz --schedule 0", ["--schedule", "whole number"]),
    ("ais a.npz --schedule 2.5", ["--schedule", "whole number"]),
    ("ais a.npz --schedule cosine", ["schedule", "cosine", "sigmoid"]),
    ("ais a.npz --seed -1", ["--seed"]),
    ("ais a.npz --base data", ["base='data' needs data"]),
    ("ais a.npz --base other", ["--base", "invalid choice"]),
    ("ais a.npz --data missing.csv", ["missing.csv", "not found"]),
    ("ais a.npz --data folder.npz", ["folder.npz", "folder"]),
    ("ais a.npz --data wide.npy", ["--data wide.npy", "8 columns"]),
    ("ais a.npz --data half.npy", ["--data half.npy", "binary"]),
    ("ais a.npz --data nan.npy", ["--data nan.npy", "finite"]),
    ("ais a.npz --data none.npy", ["--data none.npy", "no rows"]),
    ("ais a.npz --data two.npz", ["two.npz", "several arrays"]),
    ("ais a.npz --data words.csv", ["words.csv"]),
    ("ais narrow.npz --data digits", ["--data digits", "6 columns"]),
    ("bdmc a.npz --chains 1", ["--chains"]),
    ("bdmc a.npz --data half.npy", ["--data half.npy", "binary"]),
    ("bdmc a.npz --schedule 1e", ["--schedule", "1e"]),
    # bridge
    ("bridge a.npz narrow.npz", ["must share their states", "same size"]),
    ("bridge a.npz missing.npz", ["missing.npz", "not found"]),
    ("bridge a.npz a.npz --samples 1", ["--samples", ">= 2"]),
    ("bridge a.npz a.npz --samples-a wide.npy", ["--samples-a wide.npy", "8 columns"]),
    ("bridge a.npz a.npz --samples-b half.npy", ["--samples-b half.npy", "binary"]),
    ("bridge big.npz big.npz", ["cannot be sampled exactly", "--mcmc-sweeps"]),
    ("bridge big.npz big.npz --mcmc-sweeps 0", ["--mcmc-sweeps", ">= 1"]),
    # train: data, output and options, all before any training
    ("train missing.npy --out t.npz", ["missing.npy", "not found"]),
    ("train half.npy --out t.npz", ["DATA half.npy", "binary"]),
    ("train rows.npy --out t.npz --test wide.npy", ["--test wide.npy", "8 columns"]),
    ("train digits --out a.npz", ["--out a.npz", "exists", "--force"]),
    ("train digits --out folder.npz", ["--out folder.npz", "folder"]),
    ("train digits --out nowhere/t.npz", ["--out nowhere/t.npz", "does not exist"]),
    ("train digits --out t.npz --lr 0", ["--lr"]),
    ("train digits --out t.npz --lr fast", ["--lr", "fast"]),
    ("train digits --out t.npz --momentum 1", ["--momentum", "[0, 1)"]),
    ("train digits --out t.npz --weight-decay -1", ["--weight-decay"]),
    ("train digits --out t.npz --hidden 0", ["--hidden", ">= 1"]),
    ("train digits --out t.npz --epochs 0", ["--epochs"]),
    ("train digits --out t.npz --batch-size 0", ["--batch-size"]),
    ("train digits --out t.npz --k 0", ["--k"]),
    ("train digits --out t.npz --monitor-every -1", ["--monitor-every"]),
    ("train digits --out t.npz --method sgd", ["--method", "invalid choice"]),
    ("train digits", ["--out"]),
    # demo and the command itself
    ("demo --seed -1", ["--seed"]),
    ("", ["COMMAND"]),
    ("frobnicate", ["invalid choice", "frobnicate"]),
]


@pytest.mark.parametrize(("command", "words"), BAD, ids=[c or "(none)" for c, _ in BAD])
def test_bad_input_exits_2_with_a_message_that_names_it(files, capsys, command, words):
    try:
        code = main(command.split())
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""  # nothing that looks like a result
    assert "Traceback" not in captured.err
    for word in words:
        assert word in captured.err, (word, captured.err)
    assert not (files / "t.npz").exists()  # no training ran, nothing was written


# (command line, a key its JSON must hold)
GOOD = [
    ("exact a.npz", "log_z"),
    ("exact digits --max-terms 2^36", "log_z"),
    ("ais a.npz --chains 2^4 --schedule 1e2 --data rows.npy --seed 0", "data_log_likelihood"),
    ("ais digits --chains 10 --schedule 50 --data digits --float32 --seed 0", "ess"),
    ("bdmc a.npz --chains 20 --schedule 100 --sweeps 2 --seed 0", "gap"),
    ("bridge a.npz a.npz --samples 50 --seed 0", "log_z"),
    ("bridge big.npz big.npz --mcmc-sweeps 20 --samples 40 --seed 0", "info"),
    ("train rows.npy --hidden 3 --epochs 2 --method pl --out t.npz --seed 0", "final"),
    ("train digits --hidden 3 --epochs 1 --method nce --out t2.npz --seed 0", "final"),
]


@pytest.mark.parametrize(("command", "key"), GOOD, ids=[c for c, _ in GOOD])
def test_good_input_exits_0_with_strict_json(files, capsys, command, key):
    assert main([*command.split(), "--json"]) == 0
    captured = capsys.readouterr()

    def refuse(constant):
        raise AssertionError(f"not JSON: {constant}")

    out = json.loads(captured.out, parse_constant=refuse)
    assert key in out


def test_bridge_with_mcmc_samples_says_how_they_were_drawn(files, capsys):
    assert main("bridge big.npz big.npz --mcmc-sweeps 20 --samples 40 --seed 0".split()) == 0
    out = capsys.readouterr().out
    assert "40 from A, 40 from B: approximate (20 Gibbs sweeps, independent chains)" in out


def test_train_that_diverges_exits_3(files, capsys):
    # seed 1: the weights stay finite for an update while v @ W overflows (a RuntimeWarning,
    # an error under pytest, was raised from the gradient before the divergence check)
    assert main("train digits --hidden 4 --epochs 3 --lr 1e6 --seed 1 --out t.npz".split()) == 3
    err = capsys.readouterr().err
    assert "diverged" in err and "--keep-diverged" in err
    assert not (files / "t.npz").exists()
