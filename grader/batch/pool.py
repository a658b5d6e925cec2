"""A pool of warm grading workers, each a ``grader.batch.worker`` process behind a pipe.

:meth:`WorkerPool.run` sends one notebook to an idle worker and returns its result;
threads may call it at the same time.  A worker that dies (not the notebook's child:
the worker itself) is replaced, and the job fails with :class:`WorkerError` for the
caller to retry.  Workers run in the bubblewrap sandbox when it works here.
"""
from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

from grader.batch import sandbox

__all__ = ["WorkerError", "WorkerPool", "execute_job"]


class WorkerError(RuntimeError):
    """The grading machinery failed (not the student's code)."""


class _Worker:
    def __init__(self, sandboxed: bool, hide: list[Path], env: dict[str, str]):
        argv = [sys.executable, "-m", "grader.batch.worker"]
        # NBGRADER_EXECUTION must be set before Python starts: `-m grader.batch.worker` imports the
        # package grader (which reads it into grader.GRADING) before the worker's own code runs
        env = {**os.environ, **env, "GRADER_SANDBOXED": "1" if sandboxed else "0", "PYTHONUNBUFFERED": "1",
               "NBGRADER_EXECUTION": "autograde", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        if sandboxed:
            argv = sandbox.command(argv, hide=hide)
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     env=env, start_new_session=True)
        self.ready: dict | None = None

    def wait_ready(self) -> dict:
        if self.ready is None:
            line = self.proc.stdout.readline()
            if not line:
                raise WorkerError(f"a grading worker failed to start (exit status {self.proc.wait()})")
            self.ready = json.loads(line)
        return self.ready

    def run(self, job: dict) -> dict:
        self.wait_ready()
        try:
            self.proc.stdin.write((json.dumps(job) + "\n").encode())
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (BrokenPipeError, OSError) as exc:
            raise WorkerError(f"lost the grading worker: {exc}") from exc
        if not line:
            raise WorkerError(f"the grading worker exited (status {self.proc.wait()})")
        return json.loads(line)

    def close(self) -> None:
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()


class WorkerPool:
    """``size`` warm workers.  ``sandbox``: True requires it, False refuses it, None uses it if it works.

    ``hide`` lists folders the sandbox covers (the course directory, the repository).
    """

    def __init__(self, size: int, *, sandbox_mode: bool | None = None, hide: list[Path] = (),
                 env: dict[str, str] | None = None):
        works, why = sandbox.available() if sandbox_mode is not False else (False, "sandbox switched off")
        if sandbox_mode and not works:
            raise WorkerError(f"--require-sandbox: {why}")
        self.sandboxed, self.why_not = works, ("" if works else why)
        self._args = (works, [Path(h) for h in hide], dict(env or {}))
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(max(1, size)):
            self._start()
        for worker in list(self._all):
            worker.wait_ready()

    def _start(self) -> None:
        worker = _Worker(*self._args)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def run(self, job: dict) -> dict:
        worker = self._idle.get()
        try:
            result = worker.run(job)
        except WorkerError:
            with self._lock:
                self._all.remove(worker)
            worker.proc.kill()
            self._start()
            raise
        self._idle.put(worker)
        if result.get("status") == "error":
            raise WorkerError(result.get("reason", "grader error"))
        return result

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.close()

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_LOCAL: dict[str, WorkerPool] = {}
_LOCAL_LOCK = threading.Lock()


def execute_job(job: dict) -> dict:
    """Run one job in this process's own warm worker (started on first use, sandboxed when
    possible).  This is the task a Dask worker runs: a notebook in, its executed cells out."""
    with _LOCAL_LOCK:
        pool = _LOCAL.get("pool")
        if pool is None:
            pool = _LOCAL["pool"] = WorkerPool(1, sandbox_mode=job.get("require_sandbox") or None)
    if job.get("require_sandbox") and not pool.sandboxed:
        raise WorkerError(f"--require-sandbox: {pool.why_not}")
    result = pool.run(job)
    result["sandboxed"] = pool.sandboxed
    return result
