"""Every Python block of the README runs as written.

Each ``## `` section is read as a user pastes it: its blocks in order, in one fresh
namespace, as a script (``__name__ == "__main__"``), in an empty working folder. A section
may build on its own earlier blocks, never on another section's. Where a section promises a
result, the test checks it too.
"""

import pathlib
import re
import warnings

import numpy as np
import pytest

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _sections() -> dict[str, list[str]]:
    """The README's ``## `` sections that hold Python blocks: title -> blocks."""
    out = {}
    for part in re.split(r"^## ", README.read_text(), flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        blocks = BLOCK.findall(part)
        if blocks:
            out[title] = blocks
    return out


SECTIONS = _sections()


def _checks() -> dict:
    """What a section's namespace must show after its blocks ran, by section title."""

    def quick_start(ns):
        assert ns["est"].method == "exact" and ns["ll"].mean < 0
        assert ns["rbm"].n_visible == 64 and ns["sklearn_rbm"].n_components == 20

    def trust(ns):
        b = ns["b"]
        assert abs(b.combined.log_z - 94.3726152) < 4 * b.combined.stderr + 0.05
        assert ns["up"].log_z > b.lower.log_z - 0.05

    def bridge(ns):
        assert abs(ns["bf"].log_bayes_factor - (np.log(1 / 21) - ns["est_0"])) < 0.05

    def own(ns):
        assert ns["mine"].info["transition"] == "my walk"
        assert ns["est"].info["transition"] == "hmc"
        assert ns["on_lattice"].info["transition"] == "index metropolis"
        assert 0.0 < ns["on_lattice"].info["acceptance_rate"] < 1.0

    def benchmark(ns):
        assert ns["system"].log_z > 952
        # (block Gibbs; heat bath and Metropolis) x 2 estimators x 2 budgets x 3 repeats
        assert len(ns["result"].rows) == (1 + 2) * 2 * 2 * 3
        assert pathlib.Path("runs.csv").exists()

    def scaling(ns):
        assert ns["est"].n_samples == 1000 and ns["est"].info["n_shards"] == 2

    return {
        "Quick start": quick_start,
        "How far to trust an estimate: reverse AIS, BDMC, RAISE": trust,
        "Bridge sampling": bridge,
        "Bring your own model or sampler": own,
        "Benchmark your sampler": benchmark,
        "Scaling out: chains on a process pool or a Dask cluster": scaling,
    }


CHECKS = _checks()


def test_every_python_block_belongs_to_a_section_that_runs():
    assert sum(len(blocks) for blocks in SECTIONS.values()) == len(
        BLOCK.findall(README.read_text())
    )
    assert len(SECTIONS) >= 10
    assert set(CHECKS) <= set(SECTIONS), set(CHECKS) - set(SECTIONS)


@pytest.mark.parametrize("title", sorted(SECTIONS))
def test_the_section_runs_as_written(title, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # blocks write model.npz, runs.csv
    pytest.importorskip("matplotlib").use("Agg")
    namespace: dict = {"__name__": "__main__"}
    with warnings.catch_warnings():
        # short schedules in the examples warn of low ESS on purpose; figures pile up
        warnings.simplefilter("ignore")
        exec(compile("\n".join(SECTIONS[title]), f"README.md: {title}", "exec"), namespace)
    if title in CHECKS:
        CHECKS[title](namespace)
    import matplotlib.pyplot as plt

    plt.close("all")
