"""The course as nbgrader sees it: a thin layer over nbgrader's own API.

A *course directory* holds ``solutions/`` (nbgrader's source), ``course/`` (the
release) and, once grading starts, ``submitted/``, ``autograded/`` and the
gradebook.  The repository is one; the demo and the tests make scratch ones
with :func:`scratch_course` so they never touch an instructor's gradebook.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["REPO", "ASSIGNMENTS", "notebook_path", "scratch_course", "nbgrader_api", "generate",
           "autograde", "grade_rows", "GradeRow", "ensure_tools_on_path"]

#: The repository root (where nbgrader_config.py lives).
REPO = Path(__file__).resolve().parents[1]

#: assignment id -> notebook name (without .ipynb), in course order.
ASSIGNMENTS = {"01_activations": "activations", "02_preprocessing": "preprocessing",
               "03_initialization": "initialization", "04_dropout": "dropout",
               "05_augmentation": "augmentation"}


def notebook_path(root: Path, folder: str, assignment: str) -> Path:
    """``root/folder/assignment/<notebook>.ipynb``."""
    return Path(root) / folder / assignment / f"{ASSIGNMENTS[assignment]}.ipynb"


def ensure_tools_on_path() -> None:
    """Put this Python's bin/ first on PATH: nbgrader runs ``alembic`` by name on a
    fresh gradebook, and the kernel spec starts ``python`` by name."""
    bindir = str(Path(sys.executable).parent)
    parts = os.environ.get("PATH", "").split(os.pathsep)
    if parts[:1] != [bindir]:
        os.environ["PATH"] = os.pathsep.join([bindir] + [p for p in parts if p != bindir])


def scratch_course(root: Path, assignments=None) -> Path:
    """Make a fresh course directory at ``root`` with a copy of the solutions (notebooks only)."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    for assignment in assignments or ASSIGNMENTS:
        src = notebook_path(REPO, "solutions", assignment)
        dst = notebook_path(root, "solutions", assignment)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return root


def nbgrader_api(root: Path | None = None, *, timeout: int = 120):
    """An ``NbGraderAPI`` for the course directory ``root`` (the repository by default)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config.loader import PyFileConfigLoader

    ensure_tools_on_path()
    _quiet_gradebook_warnings()
    root = Path(root or REPO).resolve()
    # One set of settings: the repository's nbgrader_config.py, pointed at ``root``; a course
    # directory elsewhere may add its own nbgrader_config.py (a PostgreSQL db_url, say)
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    if root != REPO.resolve() and (root / "nbgrader_config.py").exists():
        cfg.merge(PyFileConfigLoader("nbgrader_config.py", path=str(root)).load_config())
    cfg.CourseDirectory.root = str(root)
    cfg.Execute.timeout = timeout
    cfg.Exchange.root = str(root / ".exchange")
    coursedir = CourseDirectory(config=cfg)
    return NbGraderAPI(coursedir=coursedir, config=cfg)


def _quiet_gradebook_warnings() -> None:
    # nbgrader 0.9.6's gradebook triggers SQLAlchemy autoflush warnings that are
    # harmless and would bury the grade table.
    import warnings

    from sqlalchemy.exc import SAWarning

    warnings.filterwarnings("ignore", category=SAWarning)


def _ok(result: dict, what: str) -> dict:
    if not result.get("success"):
        raise RuntimeError(f"nbgrader {what} failed:\n{result.get('error') or result.get('log')}")
    return result


def generate(root: Path, assignment: str) -> Path:
    """``nbgrader generate_assignment``: writes ``root/course/<assignment>/``; returns the notebook."""
    _ok(nbgrader_api(root).generate_assignment(assignment, force=True, create=True), "generate_assignment")
    return notebook_path(root, "course", assignment)


def autograde(root: Path, assignment: str, student: str, *, timeout: int = 120) -> dict:
    """``nbgrader autograde`` of one student's submission in ``root/submitted/``."""
    return _ok(nbgrader_api(root, timeout=timeout).autograde(assignment, student, force=True, create=True),
               f"autograde of {student}")


@dataclass
class GradeRow:
    student: str
    notebook: str
    score: float
    max_score: float
    cells: dict[str, tuple[float, float]]


def grade_rows(root: Path, assignment: str) -> list[GradeRow]:
    """Scores from the gradebook: one row per graded submission, with per-cell scores."""
    from nbgrader.api import Gradebook

    rows = []
    with Gradebook(nbgrader_api(root).coursedir.db_url) as gb:
        for sub in gb.assignment_submissions(assignment):
            for nb in sub.notebooks:
                cells = {g.name: (float(g.score), float(g.max_score)) for g in nb.grades if g.max_score > 0}
                rows.append(GradeRow(sub.student.id, nb.name, float(nb.score), float(nb.max_score), cells))
    return sorted(rows, key=lambda r: r.student)
