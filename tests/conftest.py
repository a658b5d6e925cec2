"""Shared fixtures: notebooks as namespaces, and running one group's check.

A group's check takes the student's functions as arguments named exactly like
them (``hidden.sigmoid(sigmoid_forward, sigmoid_backward)``), so a namespace of
functions is enough to run any check.
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import os
from pathlib import Path

import matplotlib
import nbformat
import pytest
import torch

matplotlib.use("Agg")

from grader.course import ASSIGNMENTS, REPO, ensure_tools_on_path, notebook_path  # noqa: E402

ensure_tools_on_path()
TOPICS = {a.split("_", 1)[1]: a for a in ASSIGNMENTS}   # "activations" -> "01_activations"
MUTANTS = REPO / "tests" / "mutants"


def solution_cells(assignment: str) -> dict[str, str]:
    """grade_id -> code of the setup, solution and given (locked) cells of a solution notebook."""
    nb = nbformat.read(str(notebook_path(REPO, "solutions", assignment)), as_version=4)
    cells = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        given = meta.get("locked") and not meta.get("grade")        # setup and read-only helper cells
        if cell.cell_type == "code" and (meta.get("solution") or given):
            cells[meta["grade_id"]] = cell.source
    return cells


def load_namespace(topic: str) -> dict:
    """Run the setup and solution cells of a topic's solution notebook; return the globals."""
    ns: dict = {"__name__": f"solution_{topic}"}
    with contextlib.redirect_stdout(io.StringIO()):
        for gid, src in solution_cells(TOPICS[topic]).items():
            exec(compile(src, f"<{topic}:{gid}>", "exec"), ns)
    return ns


def load_module(path: Path):
    """Import a Python file (a mutant or an alternative solution) as a fresh module."""
    spec = importlib.util.spec_from_file_location(f"_loaded_{path.stem}_{abs(hash(path))}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_check(check, namespace: dict) -> tuple[float, str]:
    """Call ``check`` with the functions it names, taken from ``namespace``; return (score, report)."""
    params = inspect.signature(check).parameters
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        score = check(*(namespace[name] for name in params))
    return score, out.getvalue()


def mutant_files(topic: str) -> list[Path]:
    return sorted(p for p in (MUTANTS / topic).glob("*.py") if p.name != "__init__.py")


@pytest.fixture(scope="session")
def solution_namespaces():
    cache: dict[str, dict] = {}

    def get(topic: str) -> dict:
        if topic not in cache:
            cache[topic] = load_namespace(topic)
        return cache[topic]

    return get


@pytest.fixture
def cuda():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device: torch.cuda.is_available() is False on this machine")
    return torch.device("cuda")


_PROCESS_ENV = ("NBGRADER_EXECUTION", "HOME", "MPLBACKEND")


@pytest.fixture(autouse=True)
def _no_environment_leaks():
    """No test may leave a grading variable set in this process: a later test that starts
    JupyterLab or a kernel would inherit it (a leaked NBGRADER_EXECUTION=autograde once made the
    browser test's student notebooks run as if autograded)."""
    before = {key: os.environ.get(key) for key in _PROCESS_ENV}
    yield
    after = {key: os.environ.get(key) for key in _PROCESS_ENV}
    leaked = {key: (before[key], after[key]) for key in _PROCESS_ENV if before[key] != after[key]}
    for key, (old, _) in leaked.items():        # put it back, so one leak fails one test, not all after it
        if old is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = old
    assert not leaked, f"this test changed the process environment (before, after): {leaked}"
