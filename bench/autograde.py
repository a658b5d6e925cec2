"""Benchmark: one batch graded by plain serial `nbgrader autograde` and by `grader autograde`.

    .venv/bin/python bench/autograde.py [--per-notebook 40] [--workers N] [--assignments 01_activations ...]

The batch: for every notebook, the solution, the untouched stub and one submission per
mutant in tests/mutants/ (the mistake pasted after the group's solution), cycled to
``--per-notebook`` submissions.  Both runs start from the same fresh course directory;
the benchmark prints both times, the ratio, and whether every score agrees.  It asserts
nothing.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from grader.course import ASSIGNMENTS, REPO, autograde, generate, grade_rows, notebook_path, scratch_course
from grader.submissions import filled_release, solution_sources, write_submission


def _batch(root: Path, assignment: str, count: int) -> list[str]:
    """Write ``count`` submissions of ``assignment``; return the student ids."""
    release = notebook_path(root, "course", assignment)
    answers = solution_sources(notebook_path(root, "solutions", assignment))
    kinds: list[tuple[str, dict | None]] = [("solution", answers), ("stub", None)]
    topic = assignment.split("_", 1)[1]
    for path in sorted((REPO / "tests" / "mutants" / topic).glob("*.py")):
        if path.name == "__init__.py":
            continue
        source = path.read_text()
        group = next(line.split("=", 1)[1].strip().strip("\"'") for line in source.splitlines()
                     if line.startswith("GROUP"))
        kinds.append((path.stem, {**answers, group: answers[group] + "\n\n" + source}))
    students = []
    for i in range(count):
        name, answer = kinds[i % len(kinds)]
        student = f"{i:03d}-{name}"[:60]
        write_submission(root, assignment, student, None if answer is None else filled_release(release, answer))
        students.append(student)
    return students


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-notebook", type=int, default=40)
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--assignments", nargs="*", default=list(ASSIGNMENTS))
    args = ap.parse_args()
    from grader.batch.batch import autograde_batch

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        base = scratch_course(Path(tmp) / "base", args.assignments)
        for assignment in args.assignments:
            generate(base, assignment)
            _batch(base, assignment, args.per_notebook)
        plain, ours = Path(tmp) / "plain", Path(tmp) / "ours"
        shutil.copytree(base, plain)
        shutil.copytree(base, ours)
        total = args.per_notebook * len(args.assignments)
        print(f"{total} submissions ({args.per_notebook} of each of {len(args.assignments)} notebooks), "
              f"{os.cpu_count()} CPU cores")
        t0 = time.perf_counter()
        for assignment in args.assignments:
            for student in sorted(p.parent.name for p in (plain / "submitted").glob(f"*/{assignment}")):
                autograde(plain, assignment, student)
        serial = time.perf_counter() - t0
        print(f"plain nbgrader autograde, one after another: {serial:7.1f} s ({serial / total:.2f} s a notebook)")
        t0 = time.perf_counter()
        sandboxed = False
        for assignment in args.assignments:
            summary = autograde_batch(assignment=assignment, root=ours, workers=args.workers, progress=False)
            sandboxed = summary.sandboxed
        fast = time.perf_counter() - t0
        print(f"grader autograde, {args.workers} workers{' (sandboxed)' if sandboxed else ''}:    {fast:7.1f} s "
              f"({fast / total:.2f} s a notebook)")
        print(f"ratio: {serial / fast:.1f}x faster")
        differ = []
        for assignment in args.assignments:
            a = {r.student: r.cells for r in grade_rows(plain, assignment)}
            b = {r.student: r.cells for r in grade_rows(ours, assignment)}
            differ += [f"{assignment}/{s}" for s in sorted(set(a) | set(b)) if a.get(s) != b.get(s)]
        print("scores: identical for every submission and cell" if not differ else
              f"scores DIFFER for {len(differ)}: {', '.join(differ[:10])}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
