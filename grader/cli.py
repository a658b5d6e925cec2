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

__all__ = ["main", "main_generate", "main_autograde", "main_feedback", "main_export", "main_check", "main_bundle",
           "main_demo", "main_doctor"]


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


def main_autograde(*, assignment: str, root: Path, students: list[str] | None = None, workers: int | None = None,
                   sandbox: bool | None = None, dask_scheduler: str | None = None, force: bool = False,
                   limits: dict | None = None, plain: bool = False, progress: bool = True) -> int:
    """Autograde every collected submission of ``assignment`` in ``root/submitted/``.

    By default in parallel warm workers, sandboxed when bubblewrap works, resumable (see
    ``grader.batch``); ``plain`` runs plain nbgrader autograde, one submission after another.

    Returns:
        0 when every submission got a grade (possibly 0, with its reason); 1 when the grader itself
        failed on some (run again to retry them) or, with ``plain``, nbgrader failed.
    """
    from grader.course import autograde, grade_rows

    root = Path(root).resolve()
    if plain:
        found = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}"))
        failed = []
        for student in students or found:
            t0 = time.perf_counter()
            try:
                autograde(root, assignment, student)
                print(f"graded {student} ({time.perf_counter() - t0:.1f} s)")
            except RuntimeError as exc:
                failed.append(student)
                print(f"FAILED {student}: {str(exc).splitlines()[0]}")
        _print_table(grade_rows(root, assignment))
        return 1 if failed else 0

    from grader.batch.batch import autograde_batch

    summary = autograde_batch(assignment=assignment, root=root, students=students, workers=workers, sandbox=sandbox,
                              dask_scheduler=dask_scheduler, force=force, limits=limits, progress=progress)
    print("\n".join(summary.lines()))
    print(f"(journal: {root / '.grader' / f'journal-{assignment}.jsonl'}; student code "
          f"{'ran in the bubblewrap sandbox' if summary.sandboxed else 'was NOT sandboxed'})")
    _print_table(grade_rows(root, assignment))
    return 1 if summary.failed else 0


def main_feedback(*, assignment: str, root: Path, students: list[str] | None = None) -> int:
    """nbgrader generate_feedback, with the hidden tests' source removed from the HTML.

    The checks' reports (the test cells' outputs) stay; the code between BEGIN and END
    HIDDEN TESTS, which nbgrader's own feedback shows, does not.

    Returns:
        0 when feedback was written for every graded submission, 1 otherwise.
    """
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.converters import GenerateFeedback
    from nbgrader.preprocessors import ClearHiddenTests, GetGrades

    from grader.course import nbgrader_api

    root = Path(root).resolve()
    graded = sorted(p.parent.name for p in (root / "autograded").glob(f"*/{assignment}"))
    failed = []
    for student in students or graded:
        api = nbgrader_api(root)
        api.coursedir.assignment_id, api.coursedir.student_id = assignment, student
        app = GenerateFeedback(coursedir=api.coursedir, parent=api)
        app.force = True
        app.preprocessors = [GetGrades, ClearHiddenTests, CSSHTMLHeaderPreprocessor]
        try:
            app.start()
            print(f"feedback for {student}: {root / 'feedback' / student / assignment}")
        except Exception as exc:  # noqa: BLE001 - reported, the others go on
            failed.append(student)
            print(f"FAILED feedback for {student}: {exc}")
    return 1 if failed else 0


def main_export(*, root: Path, to: Path) -> int:
    """nbgrader's CSV export of the gradebook (one row per student and assignment).

    Returns:
        0 once the file is written.
    """
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    from grader.course import nbgrader_api

    api = nbgrader_api(Path(root).resolve())
    plugin = CsvExportPlugin(to=str(to), parent=api)
    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gb:
        plugin.export(gb)
    print(f"grades written to {to}")
    return 0


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


def main_check(*, notebook: Path) -> int:
    """Run a notebook top to bottom and summarise its visible checks (for students).

    Returns:
        0 when every visible check gives full points, 1 otherwise (2: no such notebook).
    """
    from grader.studentcheck import check_notebook, summary_lines

    if not Path(notebook).is_file():
        print(f"no notebook at {notebook}")
        return 2
    print(f"running {notebook} top to bottom (a fresh kernel; your file is not changed) ...")
    verdicts = check_notebook(Path(notebook))
    print("\n".join(summary_lines(verdicts)))
    return 0 if all(v.points == v.max_points and not v.error for v in verdicts) else 1


def main_bundle(*, out: Path) -> int:
    """Build the student distribution (see ``grader.bundle``).

    Returns:
        0 once the zip is written.
    """
    from grader.bundle import build_bundle

    archive = build_bundle(Path(out))
    print(f"student bundle: {archive} (course notebooks, the student-safe grader, INSTALL.md)")
    return 0


def main_demo(*, workdir: Path | None = None) -> int:
    """The main job: release, three demo submissions, real nbgrader autograde, the grade table."""
    from grader.course import REPO, generate, notebook_path, scratch_course
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

    print("3. grading them with `grader autograde` (nbgrader's autograde in warm, sandboxed workers; "
          "SQLite gradebook) ...")
    status = main_autograde(assignment=assignment, root=root, progress=False)
    print(f"\n(the bug: relu_backward uses `{wrong}` where `{right}` belongs, so the gradient at exactly"
          " x = 0 leaks through)")
    print(f"done in {time.perf_counter() - t0:.0f} s; the demo course directory is {root}")
    print("\nOpen the course in JupyterLab:\n    .venv/bin/jupyter lab course/01_activations/activations.ipynb")
    return 0 if fresh and status == 0 else 1


def main_doctor() -> int:
    """Print versions, the device, and what the machine offers."""
    import platform

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
    if torch.cuda.is_available():
        props = torch.cuda.get_device_properties(0)
        print(f"gpu        {props.name}, {props.total_memory / 2**30:.1f} GiB, {torch.cuda.device_count()} device(s)")
    else:
        print("gpu        none (grading runs on the CPU)")
    try:
        from grader.batch import sandbox
    except ImportError:                            # the student bundle has no batch grading
        print("sandbox    (not part of this installation)")
    else:
        works, detail = sandbox.available()
        print(f"sandbox    {'bubblewrap works: ' + detail if works else 'NOT available: ' + detail}")
    try:
        import distributed
        print(f"dask       distributed {distributed.__version__} (grader autograde --dask-scheduler ADDRESS)")
    except ImportError:
        print("dask       distributed not installed")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader", description="Training Neural Networks I: instructor tools")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate", help="regenerate course/ from solutions/ with nbgrader")
    p.add_argument("assignments", nargs="*", help="assignment ids (default: all)")
    p.add_argument("--check", action="store_true", help="only compare; exit 1 when course/ is stale")
    p = sub.add_parser("autograde", help="autograde collected submissions: parallel, sandboxed, resumable")
    p.add_argument("assignment")
    p.add_argument("students", nargs="*", help="student ids (default: every folder in submitted/)")
    p.add_argument("--root", type=Path, default=None, help="course directory (default: the repository)")
    p.add_argument("--workers", type=int, default=None, help="notebooks graded at once (default: CPU cores)")
    box = p.add_mutually_exclusive_group()
    box.add_argument("--require-sandbox", action="store_true", help="refuse to grade without bubblewrap")
    box.add_argument("--no-sandbox", action="store_true", help="do not use bubblewrap even where it works")
    p.add_argument("--dask-scheduler", default=None, metavar="ADDRESS", help="run the notebooks on a Dask cluster")
    p.add_argument("--force", action="store_true", help="regrade what the journal says is already graded")
    p.add_argument("--plain", action="store_true", help="plain serial nbgrader autograde (for comparison)")
    p.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell (nbgrader_config.py's by default)")
    p.add_argument("--notebook-timeout", type=float, default=None, help="seconds per notebook (600)")
    p.add_argument("--memory-limit", type=float, default=None, metavar="MB", help="memory per notebook (4096)")
    p = sub.add_parser("feedback", help="feedback HTML from the graded notebooks, without the hidden tests")
    p.add_argument("assignment")
    p.add_argument("students", nargs="*", help="student ids (default: every graded submission)")
    p.add_argument("--root", type=Path, default=None, help="course directory (default: the repository)")
    p = sub.add_parser("export", help="the gradebook as CSV (nbgrader's export)")
    p.add_argument("--to", type=Path, default=Path("grades.csv"), help="output file (default: grades.csv)")
    p.add_argument("--root", type=Path, default=None, help="course directory (default: the repository)")
    p = sub.add_parser("check", help="(students) run a notebook and summarise its visible checks")
    p.add_argument("notebook", type=Path)
    p = sub.add_parser("bundle", help="build the student distribution (no solutions, no hidden checks)")
    p.add_argument("--out", type=Path, default=Path("dist"), help="output folder (default: dist/)")
    p = sub.add_parser("demo", help="release, grade three demo submissions, print the grades")
    p.add_argument("--workdir", type=Path, default=None, help="scratch course directory (default: .demo/)")
    sub.add_parser("doctor", help="versions, device, GPU, sandbox and Dask availability")
    args = parser.parse_args(argv)
    if args.command == "generate":
        return main_generate(assignments=args.assignments or None, check=args.check)
    from grader.course import REPO

    if args.command == "autograde":
        limits = {key: value for key, value in (("cell_timeout", args.cell_timeout),
                                                ("notebook_timeout", args.notebook_timeout),
                                                ("memory_bytes", args.memory_limit and int(args.memory_limit * 2**20)))
                  if value}
        sandbox = True if args.require_sandbox else (False if args.no_sandbox else None)
        return main_autograde(assignment=args.assignment, root=args.root or REPO, students=args.students or None,
                              workers=args.workers, sandbox=sandbox, dask_scheduler=args.dask_scheduler,
                              force=args.force, limits=limits, plain=args.plain)
    if args.command == "feedback":
        return main_feedback(assignment=args.assignment, root=args.root or REPO, students=args.students or None)
    if args.command == "export":
        return main_export(root=args.root or REPO, to=args.to)
    if args.command == "check":
        return main_check(notebook=args.notebook)
    if args.command == "bundle":
        return main_bundle(out=args.out)
    if args.command == "demo":
        return main_demo(workdir=args.workdir)
    return main_doctor()


if __name__ == "__main__":
    sys.exit(main())
