"""The instructor's command line: ``grader COMMAND``.

Each command is a thin layer over a function (``main_*``) that takes keyword
arguments, so scripts and tests call the same code the command line runs.
"""
from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["main", "main_generate", "main_autograde", "main_demo", "main_doctor"]


def main_generate(*, assignments: list[str] | None = None, check: bool = False) -> int:
    """Regenerate ``course/`` from ``solutions/`` with nbgrader (``check``: only compare).

    Returns:
        0 when course/ is (now) up to date; 1 with ``check`` when it is stale.
    """
    from grader.course import ASSIGNMENTS, REPO, generate, notebook_path, scratch_course

    stale = []
    with tempfile.TemporaryDirectory(prefix="grader-generate-") as tmp:
        root = scratch_course(Path(tmp) / "course-dir", assignments)
        for assignment in assignments or ASSIGNMENTS:
            made = generate(root, assignment)
            target = notebook_path(REPO, "course", assignment)
            same = target.exists() and filecmp.cmp(made, target, shallow=False)
            if check:
                if not same:
                    stale.append(assignment)
                print(f"{assignment}: {'up to date' if same else 'STALE: run `grader generate`'}")
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(made.read_bytes())
                print(f"{assignment}: {'unchanged' if same else 'written'} {target.relative_to(REPO)}")
    return 1 if stale else 0


def main_autograde(*, assignment: str, root: Path, students: list[str] | None = None) -> int:
    """Autograde submissions in ``root/submitted/`` with nbgrader, one after another.

    Returns:
        0 when every submission was graded, 1 otherwise (failures are listed).
    """
    from grader.course import autograde, grade_rows

    root = Path(root).resolve()
    found = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}"))
    todo = students or found
    failed = []
    for student in todo:
        t0 = time.perf_counter()
        try:
            autograde(root, assignment, student)
            print(f"graded {student} ({time.perf_counter() - t0:.1f} s)")
        except RuntimeError as exc:
            failed.append(student)
            print(f"FAILED {student}: {str(exc).splitlines()[0]}")
    _print_table(grade_rows(root, assignment))
    return 1 if failed else 0


def _print_table(rows) -> None:
    if not rows:
        print("no grades yet")
        return
    print(f"\n{'student':<16}{'notebook':<14}{'score':>8}{'max':>6}   cells below full marks")
    for r in rows:
        lost = ", ".join(f"{name} {s:g}/{m:g}" for name, (s, m) in r.cells.items() if s < m)
        print(f"{r.student:<16}{r.notebook:<14}{r.score:>8g}{r.max_score:>6g}   {lost or '-'}")


#: The demo's one-bug submission: ReLU's backward lets the gradient through at x = 0.
DEMO_BUG = ("relu", "x > 0", "x >= 0")


def main_demo(*, workdir: Path | None = None) -> int:
    """The main job: release, three demo submissions, real nbgrader autograde, the grade table."""
    from grader.course import REPO, generate, grade_rows, notebook_path, scratch_course, autograde
    from grader.submissions import filled_release, solution_sources, write_submission

    assignment = "01_activations"
    root = scratch_course(Path(workdir or REPO / ".demo"), [assignment])
    t0 = time.perf_counter()
    print(f"1. generating the release of {assignment} from solutions/ with nbgrader ...")
    release = generate(root, assignment)
    committed = notebook_path(REPO, "course", assignment)
    fresh = committed.exists() and filecmp.cmp(release, committed, shallow=False)
    print(f"   course/{assignment} is {'up to date' if fresh else 'STALE (run `grader generate`)'}")

    print("2. making three submissions: the solution, the untouched stub, one with a bug ...")
    answers = solution_sources(notebook_path(root, "solutions", assignment))
    group, right, wrong = DEMO_BUG
    buggy = {**answers, group: answers[group].replace(right, wrong)}
    if buggy[group] == answers[group]:
        raise RuntimeError(f"the demo bug ({right!r} -> {wrong!r}) does not apply to the {group} solution")
    write_submission(root, assignment, "demo-solution", filled_release(release, answers))
    write_submission(root, assignment, "demo-stub", None)
    write_submission(root, assignment, "demo-bug", filled_release(release, buggy))

    print("3. autograding with nbgrader (fresh kernel per notebook, SQLite gradebook) ...")
    for student in ("demo-solution", "demo-stub", "demo-bug"):
        t1 = time.perf_counter()
        autograde(root, assignment, student)
        print(f"   {student:<14} graded in {time.perf_counter() - t1:.1f} s")
    _print_table(grade_rows(root, assignment))
    print(f"\n(the bug: relu_backward uses `{wrong}` where `{right}` belongs, so the gradient at exactly"
          " x = 0 leaks through)")
    print(f"done in {time.perf_counter() - t0:.0f} s; the demo course directory is {root}")
    print("\nOpen the course in JupyterLab:\n    .venv/bin/jupyter lab course/01_activations/activations.ipynb")
    return 0 if fresh else 1


def main_doctor() -> int:
    """Print versions, the device, and what the machine offers."""
    import platform
    import shutil as sh

    import nbgrader
    import numpy
    import torch

    import grader
    from grader.device import describe

    print(f"python     {platform.python_version()} ({sys.executable})")
    print(f"grader     {grader.__version__}")
    print(f"torch      {torch.__version__}   cuda available: {torch.cuda.is_available()}")
    print(f"numpy      {numpy.__version__}")
    print(f"nbgrader   {nbgrader.__version__}")
    print(f"device     {describe()}")
    print(f"bubblewrap {sh.which('bwrap') or 'not installed (student code would run unsandboxed)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader", description="Training Neural Networks I: instructor tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when course/ is stale")
    p = sub.add_parser("autograde", help="autograde collected submissions with nbgrader")
    p.add_argument("assignment")
    p.add_argument("students", nargs="*", help="student ids (default: every folder in submitted/)")
    p.add_argument("--root", type=Path, default=None, help="course directory (default: the repository)")
    p = sub.add_parser("demo", help="release, grade three demo submissions, print the grades")
    p.add_argument("--workdir", type=Path, default=None, help="scratch course directory (default: .demo/)")
    sub.add_parser("doctor", help="versions, device, sandbox availability")
    args = parser.parse_args(argv)
    if args.command == "generate":
        return main_generate(assignments=args.assignments or None, check=args.check)
    if args.command == "autograde":
        from grader.course import REPO
        return main_autograde(assignment=args.assignment, root=args.root or REPO, students=args.students or None)
    if args.command == "demo":
        return main_demo(workdir=args.workdir)
    return main_doctor()


if __name__ == "__main__":
    sys.exit(main())
