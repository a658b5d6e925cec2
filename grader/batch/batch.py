"""``grader autograde``: a whole batch of submissions, in parallel, sandboxed, resumable.

Submissions are nbgrader's ``submitted/<student>/<assignment>/`` folders (what
``nbgrader collect`` and ``nbgrader zip_collect`` make).  Each one goes through
nbgrader's own Autograde converter (``grader.batch.grading``), its notebook executed
by a warm worker: a local pool, or the workers of a Dask cluster.  Threads keep as
many submissions in flight as there are workers; the gradebook writes take turns.
"""
from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from tqdm.auto import tqdm

from grader.batch.grading import Outcome, autograde_one
from grader.batch.journal import Journal, checksum
from grader.batch.pool import WorkerError, WorkerPool, execute_job

__all__ = ["BatchSummary", "autograde_batch", "MAX_NOTEBOOK_BYTES"]

#: A submitted notebook larger than this is not graded (real ones are well under 1 MB).
MAX_NOTEBOOK_BYTES = 50 << 20


@dataclass
class BatchSummary:
    graded: list[str] = field(default_factory=list)
    incomplete: dict[str, str] = field(default_factory=dict)
    ungradable: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)          # errors of nbgrader itself: rerun to retry
    skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool = False

    def lines(self) -> list[str]:
        out = [f"graded {len(self.graded)}, incomplete {len(self.incomplete)}, ungradable {len(self.ungradable)}, "
               f"failed {len(self.failed)}, skipped as already graded {len(self.skipped)}; {self.seconds:.1f} s"]
        for title, items in (("incomplete (cells before the problem keep their points)", self.incomplete),
                             ("could not be graded (0 points)", self.ungradable),
                             ("grader errors (not graded; run again)", self.failed)):
            if items:
                out.append(f"{title}:")
                out += [f"  {student}: {reason}" for student, reason in sorted(items.items())]
        return out


def _precheck(path: Path) -> str | None:
    """Why a submitted notebook cannot be graded at all, or None."""
    if not path.exists():
        return f"no {path.name} in the submission"
    if path.stat().st_size > MAX_NOTEBOOK_BYTES:
        return f"{path.name} is {path.stat().st_size >> 20} MB, over the {MAX_NOTEBOOK_BYTES >> 20} MB limit"
    try:
        nbformat.read(str(path), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any reading problem is the reason
        return f"{path.name} is not a valid notebook ({type(exc).__name__}: {' '.join(str(exc).split())[:120]})"
    return None


def _ensure_in_gradebook(root: Path, assignment: str) -> None:
    """nbgrader grades against the cells that generate_assignment stored; store them if missing."""
    from nbgrader.api import Gradebook, MissingEntry

    from grader.course import generate, nbgrader_api

    db_url = nbgrader_api(root).coursedir.db_url
    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    generate(root, assignment)


def _score(root: Path, assignment: str, student: str, notebook: str) -> tuple[float, float]:
    from nbgrader.api import Gradebook, MissingEntry

    from grader.course import nbgrader_api

    with Gradebook(nbgrader_api(root).coursedir.db_url) as gb:
        try:
            nb = gb.find_submission_notebook(notebook, assignment, student)
            return float(nb.score), float(nb.max_score)
        except MissingEntry:
            return 0.0, 0.0


def _record_zero(root: Path, assignment: str, student: str) -> None:
    """A submission that cannot be handed to nbgrader still gets its row (0 points) in the gradebook."""
    from nbgrader.api import Gradebook

    from grader.course import nbgrader_api

    with Gradebook(nbgrader_api(root).coursedir.db_url) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(assignment, student)


def autograde_batch(*, assignment: str, root: Path, students: list[str] | None = None, workers: int | None = None,
                    sandbox: bool | None = None, dask_scheduler: str | None = None, force: bool = False,
                    limits: dict | None = None, progress: bool = True,
                    on_graded: Callable[[str, Outcome], None] | None = None) -> BatchSummary:
    """Grade every submission of ``assignment`` in ``root/submitted`` that is not graded yet.

    Args:
        workers: notebooks graded at once (default: the number of CPU cores).
        sandbox: True requires bubblewrap, False never uses it, None uses it when it works.
        dask_scheduler: address of a Dask scheduler; its workers execute the notebooks.
        force: regrade even what the journal says is graded.
        limits: overrides of ``grader.batch.worker.LIMITS`` (seconds, bytes).
        on_graded: called after each submission's journal line is written (tests use it).
    Returns:
        The :class:`BatchSummary`; the gradebook and ``autograded/`` hold the grades.
    """
    from grader.course import ASSIGNMENTS, REPO, ensure_tools_on_path, notebook_path

    t0 = time.perf_counter()
    ensure_tools_on_path()
    root = Path(root).resolve()
    name = ASSIGNMENTS[assignment]
    found = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}") if p.is_dir())
    students = students or found
    journal, summary = Journal(root, assignment), BatchSummary()
    last = journal.entries()
    source = notebook_path(root, "solutions", assignment)
    todo = []
    for student in students:
        folder = root / "submitted" / student / assignment
        digest = checksum(folder, source)
        entry = last.get((student, name))
        done = entry is not None and entry["checksum"] == digest and (
            entry["status"] == "ungradable" or (root / "autograded" / student / assignment / f"{name}.ipynb").exists())
        if done and not force:
            summary.skipped.append(student)
        else:
            todo.append((student, folder, digest))
    if not todo:
        summary.seconds = time.perf_counter() - t0
        return summary
    _ensure_in_gradebook(root, assignment)
    workers = max(1, workers or os.cpu_count() or 1)
    limits = dict(limits or {})
    db_lock = threading.Lock()
    env = {"GRADER_CUDA_FRACTION": f"{0.9 / workers:.3f}"}
    pool, client = None, None
    if dask_scheduler:
        from distributed import Client

        client = Client(dask_scheduler)
        job_extra = {"require_sandbox": bool(sandbox)}

        def run(job: dict) -> dict:
            return client.submit(execute_job, {**job, **job_extra}, pure=False).result()
        summary.sandboxed = bool(sandbox)
    else:
        pool = WorkerPool(min(workers, len(todo)), sandbox_mode=sandbox, hide=[root, REPO], env=env)
        summary.sandboxed = pool.sandboxed
        if not pool.sandboxed:
            print(f"WARNING: NOT SANDBOXED ({pool.why_not}). Student code runs with your permissions and can "
                  "read solutions/, other submissions and the gradebook. Use --require-sandbox to refuse.")
        run = pool.run

    def grade(student: str, folder: Path, digest: str) -> tuple[str, Outcome | None, str]:
        try:
            return _grade(student, folder, digest)
        except Exception as exc:  # noqa: BLE001 - one submission's failure must not stop the batch
            return student, None, f"grader error: {type(exc).__name__}: {exc}"

    def _grade(student: str, folder: Path, digest: str) -> tuple[str, Outcome, str]:
        reason = _precheck(folder / f"{name}.ipynb")
        if reason is not None:
            with db_lock:
                _record_zero(root, assignment, student)
            return student, Outcome("ungradable", reason=reason), digest
        try:
            return student, autograde_one(root, assignment, student, run, db_lock=db_lock, limits=limits), digest
        except WorkerError:
            pass                                  # a grader error is retried once, on a fresh worker
        try:
            return student, autograde_one(root, assignment, student, run, db_lock=db_lock, limits=limits), digest
        except WorkerError as exc:
            # twice on this notebook: its code takes the worker down (it can signal its parent)
            with db_lock:
                _record_zero(root, assignment, student)
            return student, Outcome("ungradable", reason=f"the grading worker died twice while running this "
                                                         f"notebook ({exc})"), digest

    # nbgrader sets NBGRADER_EXECUTION around each notebook; with several in flight it stays set
    # for the whole batch (see grading._setenv)
    saved = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"
    try:
        bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="notebook", disable=not progress)
        # twice as many submissions in flight as workers: while one waits for the gradebook, its
        # worker already runs the next notebook
        with ThreadPoolExecutor(max_workers=2 * workers) as threads:
            futures = [threads.submit(grade, *item) for item in todo]
            for future in as_completed(futures):
                student, outcome, digest = future.result()
                bar.update(1)
                if outcome is None:
                    summary.failed[student] = digest          # here ``digest`` carries the error
                    continue
                with db_lock:
                    score, max_score = _score(root, assignment, student, name)
                journal.record(student=student, notebook=name, checksum=digest, status=outcome.status,
                               reason=outcome.reason, problems=outcome.problems, score=score, max_score=max_score,
                               seconds=round(outcome.seconds, 2))
                if outcome.status == "graded":
                    summary.graded.append(student)
                elif outcome.status == "incomplete":
                    summary.incomplete[student] = outcome.reason
                else:
                    summary.ungradable[student] = outcome.reason
                if on_graded is not None:
                    on_graded(student, outcome)
        bar.close()
    finally:
        if saved is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = saved
        if pool is not None:
            pool.close()
        if client is not None:
            client.close()
    summary.seconds = time.perf_counter() - t0
    return summary
