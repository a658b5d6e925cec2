"""Notebooks: stored clean, released exactly as nbgrader makes them, and the solutions
run top to bottom with every check passing, in full and in autograde mode."""
from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO
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
        NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}},
                       extra_arguments=["--IPKernelApp.log_level=ERROR"]).execute()
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


def _printed_rows(nb, header: str) -> dict[str, list[float]]:
    """The rows of the table printed after the line starting with ``header``: name -> its numbers."""
    text = "".join(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")
    lines = text[text.index(header):].splitlines()[1:]
    rows = {}
    for line in lines:
        match = re.match(r"^(\S.*?)\s{2,}(-?\d.*)$", line)
        if not match:
            break
        rows[match.group(1).strip()] = [float(v) for v in re.findall(r"-?\d+\.\d+", match.group(2))]
    return rows


def _augmentation_claims(nb):
    """What the augmentation notebook's text says its experiments show."""
    table = _printed_rows(nb, "test accuracy ")                       # mean is the 4th number of a row
    mean = {name: numbers[3] for name, numbers in table.items()}
    assert set(mean) >= {"none", "crops", "cutout", "mixup", "crops + cutout + mixup", "flips"}, table
    assert all(mean[name] > mean["none"] for name in ("crops", "cutout", "mixup", "crops + cutout + mixup")), mean
    assert mean["flips"] < mean["none"], mean
    tta = _printed_rows(nb, "test accuracy, mean of")                   # centre, five crops, ten crops
    centre, five, ten = tta["trained with crops ±2"]
    assert five > centre and five > ten, tta
    centre, five, ten = tta["trained with crops ±1 + flips"]
    assert ten > five > centre, tta


#: Claims that the text of a notebook makes about its experiments, checked on the full run.
CLAIMS = {"05_augmentation": _augmentation_claims}


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
        CLAIMS.get(assignment, lambda nb: None)(nb)
