"""Time implementations side by side in one run and write a markdown table and a CSV.

Every speed claim of the project is a ratio measured here, in the same process, on the same
machine, at the same thread count. Each implementation also returns its answer; the table
reports how far each answer is from the baseline's so a fast wrong kernel cannot hide.
"""

from __future__ import annotations

import csv
import dataclasses
import os
import platform
import time
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from typing import Any

import numba
from threadpoolctl import threadpool_limits


@dataclasses.dataclass
class Case:
    """One problem instance: a name, its parameters, and the implementations to time on it.

    Each implementation is a callable taking no arguments and returning a float answer.
    ``baseline`` names the implementation that ratios are taken against.
    """

    name: str
    params: dict[str, Any]
    implementations: dict[str, Callable[[], float]]
    baseline: str
    repeat: int = 3
    warmup: Sequence[str] = ()  # implementations to call once untimed (JIT compilation)
    work: float | None = None  # units of work (e.g. states) for a throughput column
    work_unit: str = "states"


@contextmanager
def threads(n: int):
    """Limit BLAS (threadpoolctl) and numba to ``n`` threads inside the block."""
    previous = numba.get_num_threads()
    numba.set_num_threads(n)
    try:
        with threadpool_limits(limits=n):
            yield
    finally:
        numba.set_num_threads(previous)


def time_call(fn: Callable[[], float], repeat: int) -> tuple[float, float]:
    """Best wall time over ``repeat`` calls, and the answer of the last call."""
    best = float("inf")
    answer = float("nan")
    for _ in range(repeat):
        start = time.perf_counter()
        answer = fn()
        best = min(best, time.perf_counter() - start)
    return best, answer


def run(cases: Sequence[Case], thread_counts: Sequence[int]) -> list[dict[str, Any]]:
    rows = []
    for n_threads in thread_counts:
        with threads(n_threads):
            for case in cases:
                for name in case.warmup:
                    case.implementations[name]()
                results = {
                    name: time_call(fn, case.repeat) for name, fn in case.implementations.items()
                }
                base_time, base_answer = results[case.baseline]
                for name, (seconds, answer) in results.items():
                    row = {
                        "case": case.name,
                        **case.params,
                        "threads": n_threads,
                        "implementation": name,
                        "seconds": seconds,
                        "speedup_vs_baseline": base_time / seconds,
                        "answer": answer,
                        "abs_diff_vs_baseline": abs(answer - base_answer),
                    }
                    if case.work is not None:
                        row[f"{case.work_unit}_per_second"] = case.work / seconds
                    rows.append(row)
                    print(
                        f"  {case.name:<12} threads={n_threads} {name:<28} {seconds:9.4f} s  "
                        f"x{base_time / seconds:6.2f}  answer={answer:.12g}",
                        flush=True,
                    )
    return rows


def machine_summary() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical cores, Python {platform.python_version()}"


def write(rows: list[dict[str, Any]], stem: str, title: str) -> None:
    """Write ``results/<stem>.csv`` and ``results/<stem>.md``."""
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")
    os.makedirs(out_dir, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    with open(os.path.join(out_dir, f"{stem}.csv"), "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    with open(os.path.join(out_dir, f"{stem}.md"), "w") as fh:
        fh.write(f"# {title}\n\n{machine_summary()}\n\n")
        fh.write("| " + " | ".join(columns) + " |\n")
        fh.write("|" + "---|" * len(columns) + "\n")
        for row in rows:
            fh.write("| " + " | ".join(_fmt(row.get(c, "")) for c in columns) + " |\n")
    print(f"wrote {out_dir}/{stem}.md and .csv")


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.3e}"
    return str(value)
