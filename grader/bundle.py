"""``grader bundle``: the student distribution, a zip with the released notebooks and the
student-safe part of the package.

In it: ``course/`` (the release), ``requirements.lock`` (the same pins as the course),
an ``INSTALL.md``, and in ``package/`` the package ``grader`` without ``reference``,
``hidden`` and ``batch`` (the trusted implementations, the hidden checks, the
instructor's batch grading) with a ``pyproject.toml`` that also installs the student's
JupyterLab settings (no news pop-ups; nbgrader's instructor tools off).  Nothing of
``solutions/`` goes in; the tests prove that no solution line and no line of the left-out
modules is inside.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

__all__ = ["INSTRUCTOR_ONLY", "build_bundle", "NAME", "PACKAGE"]

NAME = "tnn1-student"
#: The bundle's folder with the installable package (``grader``, ``pyproject.toml``).
PACKAGE = "package"
#: Subpackages of ``grader`` that never leave the instructor's machine.
INSTRUCTOR_ONLY = ("reference", "hidden", "batch")

INSTALL = """# Training Neural Networks I: the student bundle

One command sets up a virtual environment with the course's exact versions (Python 3.11,
torch 2.13.0) and opens the course in JupyterLab:

```bash
python3 -m venv .venv && .venv/bin/pip install -r requirements.lock \\
    && .venv/bin/pip install --no-deps ./package && .venv/bin/jupyter lab
```

Work through `course/01_activations` to `course/05_augmentation` in order: run the first
cell, replace each `raise NotImplementedError()` with your code, and run the check below it.
Before you hand a notebook in, run all of it once more:

```bash
.venv/bin/grader check course/01_activations/activations.ipynb
```

It runs the notebook top to bottom, as the course's "Validate" does, and lists what every
visible check says. Hand in the notebook file itself (`.ipynb`), or submit it from the
Assignment List if your course uses one (below).

## Fetching and submitting through nbgrader's Assignment List

When your instructor hands work out through nbgrader's exchange, they tell you the course id
and the exchange folder. Put both in `~/.jupyter/nbgrader_config.py`:

```python
c = get_config()
c.CourseDirectory.course_id = "training-neural-networks-1"
c.Exchange.root = "/srv/nbgrader/exchange"      # the folder your instructor names
```

Then, in JupyterLab, open Nbgrader > Assignment List: Fetch an assignment (it lands in a
folder of its name next to `course/`), work in that copy, press Validate beside the notebook
(the same verdict as `grader check`), and Submit. You may submit again; the last one counts.
"""


#: JupyterLab for a student: nbgrader's instructor parts (the formgrader, the Create Assignment
#: sidebar, the course list) switched off, front end and server; Assignment List and Validate stay.
STUDENT_LAB = {
    "jupyter/student/page_config.json": {"disabledExtensions": {
        "@jupyter/nbgrader:formgrader": True, "@jupyter/nbgrader:create-assignment": True,
        "@jupyter/nbgrader:course-list": True}},
    # read after nbgrader's own nbgrader.json (the files of a folder load in name order)
    "jupyter/student/tnn1-student.json": {"ServerApp": {"jpserver_extensions": {
        "nbgrader.server_extensions.formgrader": False, "nbgrader.server_extensions.course_list": False}}},
}
_DATA_FILES = '"share/jupyter/lab/settings" = ["jupyter/overrides.json"]'
_STUDENT_DATA_FILES = ('\n"etc/jupyter/labconfig" = ["jupyter/student/page_config.json"]'
                       '\n"etc/jupyter/jupyter_server_config.d" = ["jupyter/student/tnn1-student.json"]')


def _student_pyproject(text: str) -> str:
    """The course's pyproject.toml, installing the student's JupyterLab settings as well."""
    if _DATA_FILES not in text:
        raise ValueError("pyproject.toml no longer installs jupyter/overrides.json; update grader.bundle")
    return text.replace(_DATA_FILES, _DATA_FILES + _STUDENT_DATA_FILES)


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
    # the installable part in a folder of its own: the build's leftovers (build/, *.egg-info)
    # land there, not beside the notebooks the student works in
    package = staging / PACKAGE
    shutil.copytree(root / "grader", package / "grader", ignore=_ignore)
    shutil.copy2(root / "requirements.lock", staging / "requirements.lock")
    (package / "jupyter").mkdir(parents=True)
    shutil.copy2(root / "jupyter" / "overrides.json", package / "jupyter" / "overrides.json")
    (package / "pyproject.toml").write_text(_student_pyproject((root / "pyproject.toml").read_text()))
    for name, settings in STUDENT_LAB.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(json.dumps(settings, indent=2) + "\n")
    (package / "README.md").write_text(INSTALL)              # pyproject's readme
    (staging / "INSTALL.md").write_text(INSTALL)
    archive = Path(out) / f"{NAME}.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(staging.rglob("*")):
            if path.is_file():
                zf.write(path, Path(NAME) / path.relative_to(staging))
    return archive
