"""Array files: every bad file is refused with its name, writes are atomic (issue 12)."""

import os
import zipfile

import numpy as np
import pytest

import partition as pt
from partition import _io
from partition.cli import main


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "m.npz"
    pt.BernoulliRBM.random(6, 3, rng=0).save(path)
    return path


def test_text_renamed_npz_is_named_without_pickle_advice(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("just text\n")
    with pytest.raises(ValueError, match=r"notes\.npz is not a NumPy array file") as info:
        pt.BernoulliRBM.load(path)
    assert "allow_pickle" not in str(info.value)


@pytest.mark.parametrize("keep", [0, 10, 100])
def test_empty_or_truncated_npz_is_named(model_file, tmp_path, keep):
    data = model_file.read_bytes()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:keep])
    with pytest.raises(ValueError, match=r"cut\.npz"):
        pt.BernoulliRBM.load(cut)


def test_npy_given_as_a_model_says_so(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"x\.npy is a single \.npy array"):
        pt.BernoulliRBM.load(path)


def test_a_folder_and_a_missing_file_are_named(tmp_path):
    with pytest.raises(ValueError, match="is a folder"):
        pt.BernoulliRBM.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="model file not found"):
        pt.BernoulliRBM.load(tmp_path / "absent.npz")


def test_declared_size_above_the_cap_is_refused_before_reading(tmp_path, monkeypatch):
    # a small compressed npz that expands to 80 MB: refused under a 50 MB cap, read above it
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, data=np.zeros((10_000, 1000)))
    assert os.path.getsize(path) < 1_000_000
    declared = sum(i.file_size for i in zipfile.ZipFile(path).infolist())
    assert declared > 80_000_000
    with pytest.raises(ValueError, match=r"declares .* MiB of arrays"):
        _io.read_arrays(path, max_bytes=50e6)
    monkeypatch.setenv("PARTITION_MAX_ARRAY_BYTES", str(50e6))
    with pytest.raises(ValueError, match="PARTITION_MAX_ARRAY_BYTES"):
        _io.read_arrays(path)
    monkeypatch.setenv("PARTITION_MAX_ARRAY_BYTES", str(100e6))
    assert _io.read_arrays(path)["data"].shape == (10_000, 1000)


def test_a_failed_save_keeps_the_old_file_and_leaves_no_temporary(model_file, monkeypatch):
    before = model_file.read_bytes()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", full_disk)
    with pytest.raises(OSError, match="No space"):
        pt.BernoulliRBM.random(6, 3, rng=1).save(model_file)
    assert model_file.read_bytes() == before
    assert sorted(os.listdir(model_file.parent)) == ["m.npz"]


def test_check_output_path(tmp_path, model_file):
    assert _io.check_output_path(tmp_path / "new.npz", force=False) == str(tmp_path / "new.npz")
    with pytest.raises(ValueError, match="exists; pass --force"):
        _io.check_output_path(model_file, force=False)
    assert _io.check_output_path(model_file, force=True)
    with pytest.raises(ValueError, match="is a folder"):
        _io.check_output_path(tmp_path, force=True)
    with pytest.raises(ValueError, match="does not exist"):
        _io.check_output_path(tmp_path / "no" / "m.npz", force=False)


def test_train_refuses_a_bad_out_before_training(tmp_path, model_file, capsys, monkeypatch):
    monkeypatch.setattr(pt, "fit_rbm", _must_not_run)
    for out, message in [
        (model_file, "exists; pass --force"),
        (tmp_path, "is a folder"),
        (tmp_path / "missing" / "m.npz", "does not exist"),
    ]:
        assert main(["train", "digits", "--out", str(out)]) == 2
        assert message in capsys.readouterr().err


def _must_not_run(*args, **kwargs):
    raise AssertionError("training started before --out was checked")


def test_train_diverging_says_so_and_keeps_the_last_model_on_request(tmp_path, capsys):
    out = tmp_path / "m.npz"
    args = ["train", "digits", "--method", "pl", "--hidden", "4", "--epochs", "2", "--lr",
            "1e300", "--seed", "0", "--out", str(out)]  # fmt: skip
    assert main(args) == 3
    err = capsys.readouterr().err
    assert "non-finite" in err and "--keep-diverged" in err and "Traceback" not in err
    assert not out.exists()
    assert main([*args, "--keep-diverged"]) == 3
    assert "saved the last finite model" in capsys.readouterr().err
    assert np.all(np.isfinite(pt.BernoulliRBM.load(out).weights))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("p0,p1,p2\n0,1,0\n1,1,0\n"), None),  # a header row is skipped
        (lambda p: p.write_text("0,1,0\n0,1,x\n"), "d.csv: not a numeric"),
        (lambda p: p.mkdir(), "is a folder"),
    ],
)
def test_csv_data_files(tmp_path, make, message):
    from partition.cli import load_data

    path = tmp_path / "d.csv"
    make(path)
    if message is None:
        assert load_data(str(path)).tolist() == [[0, 1, 0], [1, 1, 0]]
    else:
        with pytest.raises(ValueError, match=message):
            load_data(str(path))
    with pytest.raises(FileNotFoundError, match="data file not found"):
        load_data(str(tmp_path / "absent.csv"))
