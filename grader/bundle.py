"""``grader bundle``: the student distribution, a zip with the released notebooks and the
student-safe part of the package.

In it: ``course/`` (the release), the package ``grader`` without ``reference``,
``hidden`` and ``batch`` (the trusted implementations, the hidden checks, the
instructor's batch grading), ``pyproject.toml`` and ``requirements.lock`` (the same
pins as the course), and an ``INSTALL.md``.  Nothing of ``solutions/`` goes in; the
tests prove that no solution line and no line of the left-out modules is inside.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

__all__ = ["INSTRUCTOR_ONLY", "build_bundle", "NAME"]

NAME = "tnn1-student"
#: Subpackages of ``grader`` that never leave the instructor's machine.
INSTRUCTOR_ONLY = ("reference", "hidden", "batch")

INSTALL = """# Training Neural Networks I: the student bundle

One command sets up a virtual environment with the course's exact versions (Python 3.11,
torch 2.13.0) and opens the course in JupyterLab:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.lock && .venv/bin/pip install --no-deps . \\
    && .venv/bin/jupyter lab course/
```

Work through `course/01_activations` to `course/05_augmentation` in order: run the first
cell, replace each `raise NotImplementedError()` with your code, and run the check below it.
Before you hand a notebook in, run all of it once more:

```bash
.venv/bin/grader check course/01_activations/activations.ipynb
```

It runs the notebook top to bottom, as the course's "Validate" does, and lists what every
visible check says. Hand in the notebook file itself (`.ipynb`).
"""


def _ignore(folder: str, names: list[str]) -> set[str]:
    skip = {n for n in names if n in ("__pycache__", ".ipynb_checkpoints") or n.endswith((".pyc", ".egg-info"))}
    if Path(folder).name == "grader":
        skip |= set(INSTRUCTOR_ONLY)
    return skip


def build_bundle(out: Path, root: Path | None = None) -> Path:
    """Write ``out/tnn1-student.zip`` (and the folder it was made from); return the zip's path."""
    from grader.course import ASSIGNMENTS, REPO, notebook_path

    root = Path(root or REPO)
    staging = Path(out) / NAME
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for assignment in ASSIGNMENTS:
        src = notebook_path(root, "course", assignment)
        dst = notebook_path(staging, "course", assignment)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    shutil.copytree(root / "grader", staging / "grader", ignore=_ignore)
    for name in ("pyproject.toml", "requirements.lock", "jupyter/overrides.json"):
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, staging / name)
    (staging / "README.md").write_text(INSTALL)              # pyproject's readme
    (staging / "INSTALL.md").write_text(INSTALL)
    archive = Path(out) / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                zf.write(path, Path(NAME) / path.relative_to(staging))
    return archive
