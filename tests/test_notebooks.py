"""Notebooks: stored clean, released exactly as nbgrader makes them, and the solutions
run top to bottom with every check passing, in full and in autograde mode."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, TOPICS
from grader.course import ASSIGNMENTS, notebook_path

NOTEBOOKS = sorted(REPO.glob("solutions/*/*.ipynb")) + sorted(REPO.glob("course/*/*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(REPO)))
def test_notebooks_in_git_carry_no_outputs(path):
    nb = json.loads(path.read_text())
    dirty = [i for i, c in enumerate(nb["cells"]) if c.get("outputs") or c.get("execution_count")]
    assert not dirty, f"cells {dirty} of {path.name} carry outputs"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_points_in_the_notebook_match_the_checks(assignment):
    topic = assignment.split("_", 1)[1]
    points = importlib.import_module(f"grader.checks.{topic}").POINTS
    nb = nbformat.read(str(notebook_path(REPO, "solutions", assignment)), as_version=4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert {gid: c.metadata["nbgrader"]["points"] for gid, c in cells.items()} == \
        {f"test_{g}": p for g, p in points.items()}
    for gid, cell in cells.items():
        group = gid[len("test_"):]
        assert f"check.{group}(" in cell.source and f"hidden.{group}(" in cell.source, gid


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_has_no_solution_or_hidden_tests(assignment):
    text = notebook_path(REPO, "course", assignment).read_text()
    for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS", "grader.hidden", "grader.reference"):
        assert marker not in text


@pytest.mark.slow
def test_course_is_exactly_the_regenerated_release():
    done = subprocess.run([sys.executable, "-m", "grader.cli", "generate", "--check"],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def _execute(path, tmp_path, mode: str | None):
    nb = nbformat.read(str(path), as_version=4)
    env_key = "NBGRADER_EXECUTION"
    old = os.environ.pop(env_key, None)
    if mode:
        os.environ[env_key] = mode
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.pop(env_key, None)
        if old is not None:
            os.environ[env_key] = old
    return nb


def _check_outputs(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error" or
                  (o.output_type == "stream" and o.name == "stderr")]
        assert not errors, f"cell {cell.get('id')} failed:\n{errors[0]}"
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            results = [o for o in cell.outputs if o.output_type == "execute_result"]
            assert results, f"{meta['grade_id']} returned no score"
            assert float(results[-1]["data"]["text/plain"]) == meta["points"], meta["grade_id"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", [None, "autograde"], ids=["full", "autograde"])
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_runs_top_to_bottom(assignment, mode, tmp_path):
    nb = _execute(notebook_path(REPO, "solutions", assignment), tmp_path, mode)
    _check_outputs(nb)
    images = sum(1 for c in nb.cells if c.cell_type == "code" for o in c.outputs
                 if "image/png" in o.get("data", {}))
    if mode is None:
        assert images >= 5, f"expected the experiments' plots, found {images} images"
