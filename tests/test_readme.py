"""The README's examples run as written (the section on bringing your own model or sampler)."""

import pathlib
import re
import warnings

README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def _section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


def test_bring_your_own_model_or_sampler_runs():
    blocks = re.findall(r"```python\n(.*?)```", _section("Bring your own model or sampler"), re.S)
    assert blocks, "the section lost its example"
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile("\n".join(blocks), str(README), "exec"), namespace)
    assert namespace["mine"].info["transition"] == "my walk"
    assert namespace["est"].info["transition"] == "hmc"


def test_benchmark_your_sampler_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", _section("Benchmark your sampler"), re.S)
    assert blocks, "the section lost its example"
    monkeypatch.chdir(tmp_path)  # it writes runs.csv
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(README), "exec"), namespace)
    assert namespace["system"].log_z > 952
    # (block Gibbs; heat bath and Metropolis) x 2 estimators x 2 budgets x 3 repeats
    assert len(namespace["result"].rows) == (1 + 2) * 2 * 2 * 3
    assert (tmp_path / "runs.csv").exists()
