"""grader bundle leaks nothing (no solution line, no hidden test, no instructor module), and
grader check summarises a notebook's visible checks the way a student needs."""
from __future__ import annotations

import json
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader.bundle import INSTRUCTOR_ONLY, NAME, PACKAGE, build_bundle
from grader.course import ASSIGNMENTS, REPO, notebook_path
from grader.studentcheck import check_notebook, summary_lines


def _region_lines(source: str, begin: str, end: str) -> list[str]:
    inside, found = False, []
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif end in line:
            inside = False
        elif inside:
            found.append(line.strip())
    return found


def _secrets() -> set[str]:
    """Lines that must never reach students: solution and hidden-test lines, and the lines of the
    instructor-only modules, except lines that the release or the shipped modules have anyway."""
    secret, public = set(), set()
    for assignment in ASSIGNMENTS:
        for cell in nbformat.read(str(notebook_path(REPO, "solutions", assignment)), as_version=4).cells:
            secret |= set(_region_lines(cell.source, "BEGIN SOLUTION", "END SOLUTION"))
            secret |= set(_region_lines(cell.source, "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
        for cell in nbformat.read(str(notebook_path(REPO, "course", assignment)), as_version=4).cells:
            public |= {line.strip() for line in cell.source.splitlines()}
    for sub in INSTRUCTOR_ONLY:
        for path in (REPO / "grader" / sub).rglob("*.py"):
            secret |= {line.strip() for line in path.read_text().splitlines()}
    for path in (REPO / "grader").rglob("*.py"):
        if not any(part in INSTRUCTOR_ONLY for part in path.relative_to(REPO / "grader").parts):
            public |= {line.strip() for line in path.read_text().splitlines()}
    return {line for line in secret - public if len(line) >= 12 and not line.startswith("#")}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    archive = build_bundle(tmp_path_factory.mktemp("bundle"))
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_bundle_holds_the_course_and_the_student_package(bundle):
    names = set(bundle)
    for assignment in ASSIGNMENTS:
        assert f"{NAME}/{notebook_path(Path(), 'course', assignment)}" in names
    for module in ("package/grader/__init__.py", "package/grader/checks/harness.py", "package/grader/data.py",
                   "package/grader/train.py", "package/grader/studentcheck.py", "package/pyproject.toml",
                   "requirements.lock", "INSTALL.md"):
        assert f"{NAME}/{module}" in names, module
    assert not [n for n in names if "solutions" in n or any(f"grader/{sub}/" in n for sub in INSTRUCTOR_ONLY)]


def test_bundle_installs_a_student_jupyterlab_without_instructor_tools(bundle):
    data_files = tomllib.loads(bundle[f"{NAME}/{PACKAGE}/pyproject.toml"].decode())["tool"]["setuptools"]["data-files"]
    shipped = {target: json.loads(bundle[f"{NAME}/{PACKAGE}/{src}"]) for target, srcs in data_files.items() for src in srcs}
    disabled = shipped["etc/jupyter/labconfig"]["disabledExtensions"]
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"} <= {k for k, v in disabled.items() if v}
    assert not any(k.endswith(("assignment-list", "validate-assignment", "menu")) for k in disabled)
    server = shipped["etc/jupyter/jupyter_server_config.d"]["ServerApp"]["jpserver_extensions"]
    assert server["nbgrader.server_extensions.formgrader"] is False
    assert "assignment_list" not in json.dumps(server)
    assert shipped["share/jupyter/lab/settings"]["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    # the instructor's own pyproject is untouched: formgrader stays on for them
    assert "labconfig" not in (REPO / "pyproject.toml").read_text()


def test_bundle_contains_no_solution_hidden_test_or_instructor_code(bundle):
    secrets = _secrets()
    assert len(secrets) > 500                                   # the test has something to look for
    for name, data in bundle.items():
        text = data.decode("utf-8", "replace")
        if name.endswith(".ipynb"):
            text = "\n".join(c.source for c in nbformat.reads(text, as_version=4).cells)
            assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text, name
        leaked = {line.strip() for line in text.splitlines()} & secrets
        assert not leaked, f"{name} contains {sorted(leaked)[:3]}"


@pytest.mark.slow
def test_check_summarises_the_visible_checks():
    solved = check_notebook(notebook_path(REPO, "solutions", "01_activations"))
    assert len(solved) == 12 and all(v.points == v.max_points and not v.error for v in solved)
    stub = check_notebook(notebook_path(REPO, "course", "01_activations"))
    lines = summary_lines(stub)
    assert lines[0] == "visible checks: 0 / 26 points in 12 graded cells"
    assert any("TODO  relu" in line for line in lines) and any("not implemented yet" in line for line in lines)


@pytest.mark.slow
def test_nbgrader_validate_agrees_with_grader_check(tmp_path):
    import subprocess
    import sys

    from grader.submissions import filled_release, solution_sources

    done = tmp_path / "done.ipynb"
    nbformat.write(filled_release(notebook_path(REPO, "course", "01_activations"),
                                  solution_sources(notebook_path(REPO, "solutions", "01_activations"))), str(done))
    bug = tmp_path / "bug.ipynb"
    answers = solution_sources(notebook_path(REPO, "solutions", "01_activations"))
    assert "x > 0, dout," in answers["relu"]
    nbformat.write(filled_release(notebook_path(REPO, "course", "01_activations"),
                                  {**answers, "relu": answers["relu"].replace("x > 0, dout,", "x > 0, 1 + 0 * dout,")}), str(bug))
    nbgrader = Path(sys.executable).with_name("nbgrader")
    for path, passes in ((done, True), (bug, False)):
        validated = subprocess.run([str(nbgrader), "validate", str(path)], capture_output=True, text=True,
                                   cwd=tmp_path, timeout=600)
        verdicts = check_notebook(path)
        assert ("Success!" in validated.stdout) == passes, validated.stdout[-1500:]
        assert all(v.points == v.max_points and not v.error for v in verdicts) == passes
        if not passes:
            assert "VALIDATION FAILED ON 1 CELL" in validated.stdout and "relu: the visible check gives" in \
                validated.stdout
