"""The release: `python -m build` makes a wheel and an sdist that carry the shipped data; the
wheel, installed into a fresh virtual environment, passes the package's doctests there and
runs `partition demo --json`, and `partition --version` matches the package metadata.

The virtual environment sees this interpreter's site-packages for the dependencies (a `.pth`
file that lists them), so the test runs offline, from the system Python or from a venv; its
own site-packages comes first, so it imports the wheel's `partition`, never this checkout or
an older install (asserted). The dependencies
the wheel declares are checked against what the environment has. `-m slow` adds a run in an
environment without the system's packages, which installs the dependencies from the index.
"""

import json
import os
import pathlib
import subprocess
import sys
import tarfile
import zipfile

import pytest

import partition

ROOT = pathlib.Path(__file__).resolve().parents[1]
DATA = sorted(p.name for p in (ROOT / "partition" / "datasets").glob("*.npz"))


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def test_the_wheel_and_the_sdist_carry_the_shipped_data(dist):
    wheel, sdist = dist
    version = partition.__version__
    assert wheel.name == f"partition-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = zf.read(f"partition-{version}.dist-info/METADATA").decode()
        entry_points = zf.read(f"partition-{version}.dist-info/entry_points.txt").decode()
    assert {f"partition/datasets/{name}" for name in DATA} <= names
    assert {"partition/py.typed", "partition/__init__.py", "partition/kernels/rbm.py"} <= names
    assert not [n for n in names if n.startswith(("tests/", "docs/", "benchmarks/"))]
    assert f"Version: {version}" in metadata and "License-Expression: BSD-3-Clause" in metadata
    assert "partition = partition.cli:main" in entry_points
    with tarfile.open(sdist) as tf:
        members = {m.split("/", 1)[1] for m in tf.getnames() if "/" in m}
    assert {f"partition/datasets/{name}" for name in DATA} <= members
    assert {"CHANGELOG.md", "LICENSE", "README.md", "pyproject.toml", "docs/conf.py"} <= members
    assert "tests/test_wheel.py" in members


def _site_packages() -> list[str]:
    """The folders this interpreter imports installed packages from, in its order: a venv's
    own, the base interpreter's where the venv sees them, the user's."""
    return [p for p in sys.path if pathlib.Path(p).name in ("site-packages", "dist-packages")]


def _venv(path, *, inherit_packages):
    """A fresh venv; with ``inherit_packages`` it also sees :func:`_site_packages`, after its
    own. (``--system-site-packages`` would give it the *base* interpreter's packages, which
    lack the dependencies when this test runs in a venv.)"""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True,
                   timeout=120)  # fmt: skip
    python = path / "bin" / "python"
    if inherit_packages:
        purelib = subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip()  # fmt: skip
        lines = "".join(f"{folder}\n" for folder in _site_packages())
        (pathlib.Path(purelib) / "outer_site_packages.pth").write_text(lines)
    return python, path / "bin" / "partition"


def _env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env["NUMBA_CACHE_DIR"] = str(tmp_path / "numba-cache")  # fresh: compile from the wheel
    return env


_CHECK_DEPENDENCIES = """
import importlib.metadata as md, json, partition
from packaging.requirements import Requirement
unmet = []
for line in md.requires("partition"):
    req = Requirement(line)
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        continue  # an optional extra
    try:
        have = md.version(req.name)
    except md.PackageNotFoundError:
        have = None
    if have is None or not req.specifier.contains(have, prereleases=True):
        unmet.append(f"{line} (have {have})")
print(json.dumps({"file": partition.__file__, "version": md.version("partition"),
                  "unmet": unmet}))
"""


def test_the_installed_wheel_passes_its_doctests_and_runs_the_demo(dist, tmp_path):
    wheel, _ = dist
    python, command = _venv(tmp_path / "venv", inherit_packages=True)
    # --ignore-installed: a `partition` of the same version in the system site-packages (CI's
    # plain `pip install .` puts one there) would otherwise count as already installed
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--no-index", "--no-deps", "--ignore-installed", "--disable-pip-version-check",
         str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    env = _env(tmp_path)
    work = tmp_path / "work"  # not the checkout: nothing of it on sys.path or as rootdir
    work.mkdir()
    run = {"cwd": work, "env": env, "capture_output": True, "text": True}

    check = subprocess.run([python, "-c", _CHECK_DEPENDENCIES], **run)
    assert check.returncode == 0, check.stderr[-3000:]
    info = json.loads(check.stdout)
    assert pathlib.Path(info["file"]).is_relative_to(tmp_path / "venv"), info["file"]
    assert info["version"] == partition.__version__
    assert not info["unmet"], f"declared dependencies the environment lacks: {info['unmet']}"

    version = subprocess.run([command, "--version"], check=True, **run).stdout.strip()
    assert version == f"partition {info['version']}"

    # the doctests of every module of the installed package, in two halves of about equal
    # work, and the demo, side by side (each mostly compiles numba kernels on one core)
    package = pathlib.Path(info["file"]).parent
    first = ["benchmark.py", "estimators", "datasets"]  # files of the installed package
    halves = [  # `pytest --pyargs` finds the modules where the venv imports them from
        ["--pyargs", *(f"partition.{name.removesuffix('.py')}" for name in first)],
        ["--pyargs", "partition", *(f"--ignore={package / name}" for name in first)],
    ]
    options = ["--doctest-modules", "-q", "-p", "no:cacheprovider", "-W", "error::RuntimeWarning"]
    pipes = {"cwd": work, "env": env, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
    doctests = [
        subprocess.Popen([python, "-m", "pytest", *half, *options], text=True, **pipes)
        for half in halves
    ]
    demo = subprocess.run([command, "demo", "--json"], timeout=900, **run)
    n_passed = 0
    for proc in doctests:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out[-5000:]
        assert " passed" in out and " failed" not in out, out[-2000:]
        n_passed += int(out.strip().splitlines()[-1].split(" passed")[0].split()[-1])
    assert n_passed >= 90, n_passed  # every module's examples were collected, once

    assert demo.returncode == 0, demo.stderr[-3000:]
    report = json.loads(demo.stdout)
    assert report["exact"]["log_z"] == pytest.approx(94.3726152, abs=1e-6)
    ais = report["ais"]
    assert abs(ais["log_z"] - report["exact"]["log_z"]) < 4 * ais["stderr"]
    assert report["bdmc_100_temperatures"]["gap"] is not None


@pytest.mark.slow
def test_the_wheel_installs_its_dependencies_into_an_empty_environment(dist, tmp_path):
    """Without the system's packages: pip resolves the declared dependencies from the index
    (network), and the demo runs on them alone."""
    wheel, _ = dist
    python, command = _venv(tmp_path / "venv", inherit_packages=False)
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", str(wheel)],
        check=True, timeout=1200,
    )  # fmt: skip
    run = {"cwd": tmp_path, "env": _env(tmp_path), "capture_output": True, "text": True}
    demo = subprocess.run([command, "demo", "--json"], timeout=900, **run)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert json.loads(demo.stdout)["exact"]["log_z"] == pytest.approx(94.3726152, abs=1e-6)
    probe = "import matplotlib"  # an optional extra: not installed, and not needed
    assert subprocess.run([python, "-c", probe], **run).returncode != 0
