"""Benchmark: each solution notebook's run time (full and autograde mode) and the time of
all its hidden checks.  Prints figures; asserts nothing.

    .venv/bin/python bench/notebooks.py [--repeat 3]

The bars (DESIGN.md): a notebook top to bottom in at most 60 s on a 2-core CPU (20 s on a
GPU); all hidden checks of one notebook in at most 3 s on CPU.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib
import inspect
import io
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from conftest import load_namespace  # noqa: E402  (the tests' notebook loader)

from grader.course import ASSIGNMENTS, REPO, ensure_tools_on_path, notebook_path  # noqa: E402
from grader.device import describe  # noqa: E402


def run_notebook(path: Path, mode: str | None) -> float:
    nb = nbformat.read(str(path), as_version=4)
    os.environ.pop("NBGRADER_EXECUTION", None)
    if mode:
        os.environ["NBGRADER_EXECUTION"] = mode
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": tmp}},
                           extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute()
            return time.perf_counter() - t0
    finally:
        os.environ.pop("NBGRADER_EXECUTION", None)


def hidden_checks_time(topic: str) -> tuple[float, float]:
    """Seconds for every hidden check of a topic on its solution, and the points earned."""
    ns = load_namespace(topic)
    hidden = importlib.import_module(f"grader.hidden.{topic}")
    points = importlib.import_module(f"grader.checks.{topic}").POINTS
    t0, earned = time.perf_counter(), 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        for group in points:
            check = getattr(hidden, group)
            earned += check(*(ns[p] for p in inspect.signature(check).parameters))
    return time.perf_counter() - t0, earned


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs per measurement (the minimum is shown)")
    args = ap.parse_args()
    ensure_tools_on_path()
    print(f"device: {describe()}, {os.cpu_count()} CPU cores")
    print(f"{'notebook':<18}{'full (s)':>10}{'autograde (s)':>15}{'hidden checks, first / best (s)':>33}"
          f"{'points':>8}")
    for assignment in ASSIGNMENTS:
        topic = assignment.split("_", 1)[1]
        path = notebook_path(REPO, "solutions", assignment)
        full = min(run_notebook(path, None) for _ in range(args.repeat))
        grading = min(run_notebook(path, "autograde") for _ in range(args.repeat))
        # The first run pays torch's lazy start-up, as a grading kernel does.
        runs = [hidden_checks_time(topic) for _ in range(max(2, args.repeat))]
        first, best, earned = runs[0][0], min(r[0] for r in runs), runs[0][1]
        total = sum(importlib.import_module(f"grader.checks.{topic}").POINTS.values())
        print(f"{assignment:<18}{full:>10.1f}{grading:>15.1f}{first:>25.2f} / {best:.2f}{earned:>5g}/{total:g}")
        print(f"{'':<18}{'ratio full / autograde':>25} {full / grading:.1f}x")


if __name__ == "__main__":
    main()
