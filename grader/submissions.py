"""Making submissions: the released notebook with answers filled in.

The demo and the tests need realistic submissions: the release, with some
solution cells replaced by code (the full solution, a solution with one bug, a
mutant), exactly as a student's saved notebook would look.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import nbformat

from grader.course import ASSIGNMENTS, notebook_path

__all__ = ["solution_sources", "filled_release", "write_submission"]


def solution_sources(source_nb: Path) -> dict[str, str]:
    """grade_id -> source of every solution cell of a solution notebook, markers removed."""
    nb = nbformat.read(str(source_nb), as_version=4)
    found = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution") and cell.cell_type == "code":
            lines = [ln for ln in cell.source.splitlines()
                     if ln.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
            found[meta["grade_id"]] = "\n".join(lines)
    return found


def filled_release(release_nb: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The release notebook with the solution cells named in ``answers`` replaced."""
    nb = nbformat.read(str(release_nb), as_version=4)
    missing = set(answers)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id")
        if gid in answers:
            cell.source = answers[gid]
            missing.discard(gid)
    if missing:
        raise KeyError(f"no solution cell with grade_id {sorted(missing)} in {release_nb}")
    return nb


def write_submission(root: Path, assignment: str, student: str, nb: nbformat.NotebookNode | None) -> Path:
    """Save ``nb`` as ``root/submitted/<student>/<assignment>/<notebook>.ipynb`` (None: the bare release)."""
    dst = Path(root) / "submitted" / student / assignment / f"{ASSIGNMENTS[assignment]}.ipynb"
    if dst.parent.exists():
        shutil.rmtree(dst.parent)
    dst.parent.mkdir(parents=True)
    if nb is None:
        shutil.copy2(notebook_path(root, "course", assignment), dst)
    else:
        nbformat.write(nb, str(dst))
    return dst
