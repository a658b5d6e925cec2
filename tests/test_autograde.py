"""Real nbgrader, real SQLite gradebook: the solution gets full marks, the untouched
stub zero, and a submission with one bug loses exactly that group's points."""
from __future__ import annotations

import importlib

import pytest

from grader.cli import DEMO_BUG
from grader.course import ASSIGNMENTS, autograde, generate, grade_rows, notebook_path, scratch_course
from grader.submissions import filled_release, solution_sources, write_submission


#: one plausible one-line bug per assignment: (group, text in the solution, replacement)
ONE_BUG = {
    "01_activations": DEMO_BUG,
    "02_preprocessing": ("standardize", ".mean(dim=0).sqrt() + eps", ".sum(dim=0).div(X.shape[0] - 1).sqrt() + eps"),
    "03_initialization": ("gain", "return 5.0 / 3", "return 1.0"),
    "04_dropout": ("dropout", "scale = 1.0 / (1.0 - p) if p < 1 else 0.0", "scale = 1.0"),
    "05_augmentation": ("crop", "H + 2 * padding - size + 1", "H + 2 * padding - size"),
}


def test_every_assignment_has_a_one_bug_case():
    assert set(ASSIGNMENTS) <= set(ONE_BUG)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_nbgrader_autograde_solution_stub_and_one_bug(assignment, tmp_path):
    topic = assignment.split("_", 1)[1]
    points = importlib.import_module(f"grader.checks.{topic}").POINTS
    root = scratch_course(tmp_path / "course", [assignment])
    release = generate(root, assignment)
    answers = solution_sources(notebook_path(root, "solutions", assignment))
    group, right, wrong = ONE_BUG[assignment]
    assert right in answers[group]
    buggy = {**answers, group: answers[group].replace(right, wrong)}
    write_submission(root, assignment, "solution", filled_release(release, answers))
    write_submission(root, assignment, "stub", None)
    write_submission(root, assignment, "onebug", filled_release(release, buggy))
    for student in ("solution", "stub", "onebug"):
        autograde(root, assignment, student)
    rows = {r.student: r for r in grade_rows(root, assignment)}
    total = sum(points.values())

    assert rows["solution"].score == rows["solution"].max_score == total
    assert rows["stub"].score == 0 and rows["stub"].max_score == total
    lost = {name: (s, m) for name, (s, m) in rows["onebug"].cells.items() if s < m}
    assert list(lost) == [f"test_{group}"], lost
    assert 0 < lost[f"test_{group}"][0] < points[group]
