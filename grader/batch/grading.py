"""One submission through nbgrader's own Autograde converter, executed by a grading worker.

Everything nbgrader does stays nbgrader's: sanitising, overwriting the locked and test
cells from the gradebook, checksums, LimitOutput, SaveAutoGrades, late penalties.  Only
its Execute preprocessor is replaced, by :class:`RemoteExecute`, which sends the
notebook's cells to a runner (a warm sandboxed worker, here or on a Dask cluster) and
writes the outputs that come back into the notebook.  Cells that could not finish get
an error output naming the reason, so nbgrader scores them 0 and keeps the scores of
the cells that ran before.

The coordinating process alone touches the gradebook: a submission's converter holds
``db_lock`` for all its work except the wait for the runner, so many submissions can
execute at once while their gradebook writes take turns.
"""
from __future__ import annotations

import base64
import contextlib
import logging
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import nbformat

__all__ = ["Outcome", "RemoteExecute", "autograde_one", "MAX_FILES_BYTES"]

#: Extra files of a submission sent along with its notebook, at most this much in all.
MAX_FILES_BYTES = 50 << 20


@dataclass
class Outcome:
    """How one submission's notebook ended (see ``grader.batch.journal`` for the statuses)."""

    status: str
    reason: str = ""
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sandboxed: bool | None = None


def _error(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def _job(nb: nbformat.NotebookNode, folder: str, limits: dict) -> dict:
    cells = [c.source if c.cell_type == "code" and "skip-execution" not in c.metadata.get("tags", []) else ""
             for c in nb.cells]
    files, total = {}, 0
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.suffix != ".ipynb":
            total += path.stat().st_size
            if total > MAX_FILES_BYTES:
                break
            files[str(path.relative_to(folder))] = base64.b64encode(path.read_bytes()).decode()
    graded = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]
    return {"cells": cells, "files": files, "limits": limits, "graded": graded}


def merge(nb: nbformat.NotebookNode, result: dict) -> list[str]:
    """Write the runner's outputs into ``nb``; return the problems, one line per cell."""
    problems, cells, notes = [], result.get("cells", {}), result.get("problems", {})
    status, reason, running = result.get("status", "ok"), result.get("reason", ""), result.get("running")
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        done = cells.get(str(index))
        if done is not None:
            cell.outputs = [nbformat.from_dict(o) for o in done["outputs"]]
            cell.execution_count = done["execution_count"]
        for output in cell.outputs:
            if output.get("output_type") == "error" and output.get("ename") in ("MemoryError", "OutOfMemoryError"):
                where = "on the GPU (its share of the device's memory)" if output["ename"] == "OutOfMemoryError" \
                    else "(the notebook's memory limit)"
                problems.append(f"cell {index}: out of memory {where}")
        if str(index) in notes:
            problems.append(f"cell {index}: {notes[str(index)]}")
            if notes[str(index)].startswith("interrupted"):
                cell.outputs.append(_error("CellTimeoutError", notes[str(index)]))
        if done is None and cell.source.strip() and "skip-execution" not in cell.metadata.get("tags", []):
            if running is not None and index == running:
                cell.outputs.append(_error({"timeout": "CellTimeoutError", "memory": "MemoryLimitError"}.get(
                    status, "KernelDied"), reason))
                problems.append(f"cell {index}: {reason}")
            elif status != "ok":
                cell.outputs.append(_error("NotRun", f"not run: {reason} before this cell"))
    return problems


class NotThisAssignment(Exception):
    """None of the assignment's graded cells is in the submitted notebook."""


def repair(nb: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Undo what a student did to nbgrader's cell metadata, so that nbgrader can grade the notebook.

    nbgrader refuses a whole notebook whose metadata fails its validation (a renamed
    grade_id, a test cell set to ungraded, a duplicated id).  Here every cell keeps its
    content, but a cell whose grade_id the release has gets the release's metadata back,
    and a cell whose id the release lacks, or repeats an earlier one, becomes an ordinary
    cell: its test is then missing, which nbgrader scores 0.  Returns what was changed.
    """
    wanted = {c.metadata["nbgrader"]["grade_id"]: c for c in release.cells
              if c.metadata.get("nbgrader", {}).get("grade_id")}
    seen, notes = set(), []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        gid = meta.get("grade_id") if isinstance(meta, dict) else None
        original = wanted.get(gid)
        if original is None or gid in seen or original.cell_type != cell.cell_type:
            del cell.metadata["nbgrader"]
            notes.append(f"a cell with grade_id {gid!r} is not one of the assignment's (or repeats one): "
                         "graded as an ordinary cell")
            continue
        seen.add(gid)
        if dict(meta) != dict(original.metadata["nbgrader"]):
            cell.metadata["nbgrader"] = nbformat.from_dict(dict(original.metadata["nbgrader"]))
            notes.append(f"the nbgrader metadata of {gid} was changed: restored from the release")
    graded = {gid for gid, c in wanted.items() if c.metadata["nbgrader"].get("grade")}
    if graded and not graded & seen:
        raise NotThisAssignment("none of the assignment's graded cells is in this notebook (another "
                                "assignment's notebook?)")
    return notes


class RemoteExecute:
    """Stands in for nbgrader's Execute preprocessor; built per submission by :func:`autograde_one`."""

    def __init__(self, run: Callable[[dict], dict], db_lock: threading.Lock, limits: dict):
        self.run, self.db_lock, self.limits = run, db_lock, limits
        self.result: dict | None = None
        self.problems: list[str] = []
        self.worker_error: Exception | None = None

    def repair_class(self, release_path: Path):
        owner = self
        from nbgrader.preprocessors import NbGraderPreprocessor

        class RepairMetadata(NbGraderPreprocessor):
            def preprocess(self, nb, resources):
                owner.problems += repair(nb, nbformat.read(str(release_path), as_version=4))
                return nb, resources

        return RepairMetadata

    def preprocessor_class(self):
        owner = self
        from nbgrader.preprocessors import NbGraderPreprocessor

        class WorkerExecute(NbGraderPreprocessor):
            def preprocess(self, nb, resources):
                job = _job(nb, resources["metadata"]["path"], owner.limits)
                owner.db_lock.release()              # other submissions may use the gradebook meanwhile
                try:
                    owner.result = owner.run(job)
                except Exception as exc:
                    owner.worker_error = exc         # nbgrader would swallow it; the caller retries
                    raise
                finally:
                    owner.db_lock.acquire()
                owner.problems += merge(nb, owner.result)
                return nb, resources

        return WorkerExecute


_env_lock = threading.Lock()
_env_depth: dict[str, int] = {}
_env_saved: dict[str, str | None] = {}


@contextlib.contextmanager
def _setenv(**values: str) -> Iterator[None]:
    """nbgrader's ``utils.setenv``, corrected: 0.9.6 looks up the old value by the new value, so it
    always deletes the variable afterwards, and with several notebooks in flight one thread's
    delete fails under another (KeyError).  Here the variables are set by the first of the
    notebooks in flight and put back as they were by the last one out, so nothing leaks into the
    rest of the process (a later JupyterLab or kernel started from it, say)."""
    with _env_lock:
        for key, value in values.items():
            if _env_depth.get(key, 0) == 0:
                _env_saved[key] = os.environ.get(key)
            _env_depth[key] = _env_depth.get(key, 0) + 1
            os.environ[key] = value
    try:
        yield
    finally:
        with _env_lock:
            for key in values:
                _env_depth[key] -= 1
                if _env_depth[key] == 0:
                    del _env_depth[key]
                    old = _env_saved.pop(key)
                    if old is None:
                        os.environ.pop(key, None)
                    else:
                        os.environ[key] = old


class _ThreadLog(logging.Handler):
    """Collects this thread's warnings and errors from the logger that all converters share."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


def autograde_one(root: Path, assignment: str, student: str, run: Callable[[dict], dict], *,
                  db_lock: threading.Lock, limits: dict) -> Outcome:
    """nbgrader autograde of one student's submission, with ``run`` executing the notebook."""
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds,
                                        IgnorePattern, LimitOutput, OverwriteCells, OverwriteKernelspec,
                                        SaveAutoGrades)
    from nbconvert.preprocessors import ClearMetadataPreprocessor

    from grader.course import nbgrader_api

    import nbgrader.utils

    nbgrader.utils.setenv = _setenv
    remote = RemoteExecute(run, db_lock, limits)
    with db_lock:
        api = nbgrader_api(root)
        api.coursedir.assignment_id, api.coursedir.student_id = assignment, student
        if "cell_timeout" not in limits and "timeout" in api.config.Execute:      # nbgrader_config.py's
            remote.limits = {**limits, "cell_timeout": float(api.config.Execute.timeout)}
        app = Autograde(coursedir=api.coursedir, parent=api)
        app.force, app.create_student = True, True
        from grader.course import notebook_path

        release = notebook_path(root, "course", assignment)
        app.sanitize_preprocessors = [remote.repair_class(release), ClearOutput, DeduplicateIds, OverwriteKernelspec,
                                      OverwriteCells, CheckCellMetadata]
        app.autograde_preprocessors = [remote.preprocessor_class(), IgnorePattern, ClearMetadataPreprocessor,
                                       LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
        log = _ThreadLog()
        app.log.addHandler(log)
        try:
            app.start()
            failure = None
        except Exception as exc:  # noqa: BLE001 - nbgrader's failure becomes the outcome's reason
            failure = exc
        finally:
            app.log.removeHandler(log)
    if remote.worker_error is not None:
        raise remote.worker_error
    result = remote.result
    if result is None:
        return Outcome("ungradable", reason=_short(_why(log.lines) or str(failure)), problems=remote.problems)
    if failure is not None:
        return Outcome("ungradable", reason=_short(f"nbgrader failed after the notebook ran: {failure}"))
    status = "graded" if result["status"] == "ok" else "incomplete"
    return Outcome(status, reason=result.get("reason", ""), problems=remote.problems,
                   seconds=result.get("seconds", 0.0), sandboxed=result.get("sandboxed"))


def _why(lines: list[str]) -> str:
    """The exception at the end of the last traceback nbgrader logged ("ValidationError: ..."), else its
    last error line that is not its "see the above traceback" footer."""
    for line in reversed(lines):
        if line.startswith("Traceback"):
            last = [part for part in line.strip().splitlines() if part.strip()][-1]
            name, _, message = last.partition(": ")
            return f"{name.rpartition('.')[2]}: {message}" if message else last
    useful = [line for line in lines if "see the" not in line and "error processing" not in line]
    return useful[-1] if useful else ""


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
