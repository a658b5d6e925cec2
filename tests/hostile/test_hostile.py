"""Every case of the catalogue through the real pipeline (grader autograde on a course made
from the release), in one batch: the points and the reason the instructor sees."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from grader.batch import sandbox
from grader.batch.batch import autograde_batch
from grader.course import REPO, generate, grade_rows, notebook_path, scratch_course
from grader.submissions import solution_sources
from hostile.cases import CASES

A = "01_activations"
DOC = REPO / "docs" / "hostile-submissions.md"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    works, why = sandbox.available()
    if not works:      # reads-solutions and writes-gradebook would do what they try
        pytest.skip(f"the hostile cases run only sandboxed, and there is no sandbox here: {why}")
    root = scratch_course(tmp_path_factory.mktemp("hostile") / "course", [A])
    release = nbformat.read(str(generate(root, A)), as_version=4)
    answers = solution_sources(notebook_path(root, "solutions", A))
    for case in CASES:
        folder = root / "submitted" / case.name / A
        folder.mkdir(parents=True)
        made = case.build(release, answers, root)
        if isinstance(made, bytes):
            (folder / "activations.ipynb").write_bytes(made)
        elif made is not None:
            nbformat.write(made, str(folder / "activations.ipynb"))
        for name, data in (case.files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    summary = autograde_batch(assignment=A, root=root, workers=2,
                              limits={"cell_timeout": 4.0, "interrupt_grace": 2.0, "memory_bytes": 1 << 30},
                              progress=False)
    journal = {}
    for line in (root / ".grader" / f"journal-{A}.jsonl").read_text().splitlines():
        entry = json.loads(line)
        journal[entry["student"]] = entry
    return root, summary, journal, {r.student: r.score for r in grade_rows(root, A)}


def test_the_batch_completes_with_every_case_recorded(graded):
    root, summary, journal, scores = graded
    assert not summary.failed and set(journal) == {c.name for c in CASES} == set(scores)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_gets_its_points_and_reason(case, graded):
    root, summary, journal, scores = graded
    entry = journal[case.name]
    low, high = case.points if isinstance(case.points, tuple) else (case.points, case.points)
    assert low <= scores[case.name] <= high, (scores[case.name], entry)
    assert entry["status"] == case.status, entry
    said = " ".join([entry["reason"]] + entry["problems"])
    assert case.reason.lower() in said.lower(), entry
    if case.absent:
        graded_nb = nbformat.read(str(root / "autograded" / case.name / A / "activations.ipynb"), as_version=4)
        printed = "".join(o.get("text", "") for c in graded_nb.cells if c.cell_type == "code" for o in c.outputs)
        assert case.absent not in printed, printed[-500:]


def test_the_gradebook_survived_and_the_sandbox_was_used(graded):
    root, summary, journal, scores = graded
    assert summary.sandboxed, "these cases are meant to run sandboxed (is bubblewrap installed?)"
    assert (root / "gradebook.db").read_bytes()[:15] == b"SQLite format 3" and scores["solution"] == 26
    left = subprocess.run(["pgrep", "-f", "sleep 600"], capture_output=True, text=True).stdout.split()
    assert not left, f"the fork-bomb's processes outlived their notebook: {left}"


def test_the_documented_table_lists_every_case():
    text = DOC.read_text()
    for case in CASES:
        assert f"`{case.name}`" in text, f"{case.name} is missing from {DOC.name}"
