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
