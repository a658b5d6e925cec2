"""The warm grading worker: ``python -m grader.batch.worker`` (inside the sandbox when there is one).

It imports torch, the grader and the rest of what the notebooks use once, builds the
IPython shell, and then, for every job it reads from stdin, forks a child that runs
that one notebook (:func:`grader.batch.shell.run_notebook`) in a fresh working folder
and dies.  Each notebook therefore starts from the same clean state, as with a new
kernel, without paying for the imports again.

While the child runs, the worker enforces the limits: a cell over ``cell_timeout``
seconds is interrupted (KeyboardInterrupt, then killed if it does not stop), a
notebook over ``notebook_timeout`` is killed, a child whose memory passes
``memory_bytes`` is killed, and so is one that floods the pipe.  Whatever happens, the
worker answers with the outputs of every cell that finished and a status saying how
it ended.

Messages are JSON, one per line: stdin gets ``{"notebook": ..., "files": ..., "limits":
...}``, stdout answers ``{"ready": ...}`` once, then one result per job.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import signal
import sys
import tempfile
import time

__all__ = ["main", "WARM_MODULES", "LIMITS"]

#: Imported once per worker: what the course's notebooks import, and what the hidden checks need.
WARM_MODULES = ("numpy", "torch", "torch.nn.functional", "matplotlib.pyplot", "sklearn.datasets", "scipy.special",
                "tqdm.auto", "grader", "grader.checks.harness", "grader.data", "grader.train", "grader.plots",
                "grader.device")

#: Default limits of one notebook.
LIMITS = {"cell_timeout": 120.0, "notebook_timeout": 600.0, "memory_bytes": 4 << 30,
          "max_output_bytes": 5 << 20, "interrupt_grace": 5.0}


def _warm_up() -> None:
    import importlib

    import grader

    if not grader.GRADING:
        # grader.GRADING is read when grader is first imported, which `-m grader.batch.worker` does
        # before this runs: the variable has to come from the environment
        raise SystemExit("start the grading worker with NBGRADER_EXECUTION=autograde in its environment")
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    import grader.checks.integrity  # noqa: F401  (importing grader took the snapshot, hidden checks included)


def _write(stream, message: dict) -> None:
    stream.write((json.dumps(message) + "\n").encode())
    stream.flush()


def _child(job: dict, shell, workdir: str, write_fd: int) -> None:
    """Runs in the forked child: never returns."""
    code = 1
    try:
        os.setsid()
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):          # the worker's protocol pipes are not the notebook's business
            os.dup2(devnull, fd)
        os.chdir(workdir)
        os.environ["HOME"] = workdir
        limits = job["limits"]
        _limit_memory(limits["memory_bytes"])
        out = os.fdopen(write_fd, "wb", buffering=0)

        def send(message: dict) -> None:
            out.write((json.dumps(message) + "\n").encode())

        from grader.batch.shell import run_notebook
        from grader.checks.integrity import tampered        # taken now, before the notebook can replace it

        run_notebook(shell, job["cells"], send, max_output_bytes=int(limits["max_output_bytes"]),
                     graded=frozenset(job.get("graded", ())), tampered=tampered)
        code = 0
    finally:
        os._exit(code)


def _limit_memory(limit: int) -> None:
    """Cap the address space, so that an allocation past the limit fails with MemoryError.

    Not with CUDA: the driver maps far more address space than it uses.  There the
    worker's RSS watch (and torch's per-process memory fraction) do the job.
    """
    import resource

    import torch

    if torch.cuda.is_available():
        fraction = float(os.environ.get("GRADER_CUDA_FRACTION", "0") or 0)
        if fraction > 0:
            torch.cuda.set_per_process_memory_fraction(fraction)
        return
    import psutil

    address_space = psutil.Process().memory_info().vms + limit
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))


def _tree_rss(pid: int) -> int:
    import psutil

    try:
        proc = psutil.Process(pid)
        return sum(p.memory_info().rss for p in [proc] + proc.children(recursive=True))
    except psutil.Error:
        return 0


def _kill_leftovers(pid: int) -> None:
    """Kill the child's process group, and inside a sandbox every other process of it."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if os.environ.get("GRADER_SANDBOXED") == "1":     # our own pid namespace: nothing else should live here
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) not in (1, os.getpid()):
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass


def run_job(job: dict, shell, base: str) -> dict:
    """Fork a child for one notebook, watch it, and return what happened."""
    limits = {**LIMITS, **job.get("limits", {})}
    job = {**job, "limits": limits}
    workdir = tempfile.mkdtemp(prefix="notebook-", dir=base)
    for name, data in job.get("files", {}).items():
        target = os.path.join(workdir, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(base64.b64decode(data))
    read_fd, write_fd = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(job, shell, workdir, write_fd)
    os.close(write_fd)
    cells: dict[int, dict] = {}
    problems: dict[int, str] = {}
    status, reason, buffer, received = "ok", "", b"", 0
    current, cell_start, interrupted_at = None, start, None
    flood_limit = 2 * limits["max_output_bytes"] + (8 << 20)
    with os.fdopen(read_fd, "rb", buffering=0) as pipe:
        while True:
            ready, _, _ = select.select([pipe], [], [], 0.1)
            if ready:
                chunk = pipe.read(1 << 16)
                if not chunk:
                    break
                received += len(chunk)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    message = json.loads(line)
                    if message.get("start"):
                        current, cell_start, interrupted_at = message["cell"], time.monotonic(), None
                    else:
                        cells[message["cell"]] = message
                        if message.get("tampered"):
                            problems.setdefault(message["cell"], f"tampering detected: {message['tampered']} "
                                                "replaced; the test cell scores 0")
                        if message.get("flooded"):
                            problems.setdefault(message["cell"], "output truncated: the notebook printed more than "
                                                f"{limits['max_output_bytes'] >> 20} MB")
                        current = None
            now = time.monotonic()
            if received > flood_limit:
                status, reason = "flood", f"killed: more than {flood_limit >> 20} MB of output"
            elif now - start > limits["notebook_timeout"]:
                status, reason = "timeout", f"killed: the notebook ran longer than {limits['notebook_timeout']:g} s"
            elif _tree_rss(pid) > limits["memory_bytes"]:
                status, reason = "memory", f"killed: the notebook used more than {limits['memory_bytes'] >> 20} MB"
            elif current is not None and now - cell_start > limits["cell_timeout"]:
                if interrupted_at is None:
                    problems[current] = f"interrupted: the cell ran longer than {limits['cell_timeout']:g} s"
                    interrupted_at = now
                    os.kill(pid, signal.SIGINT)
                    continue
                if now - interrupted_at > limits["interrupt_grace"]:
                    status = "timeout"
                    reason = f"killed: cell {current} ran longer than {limits['cell_timeout']:g} s and ignored " \
                             "the interrupt"
                else:
                    continue
            else:
                continue
            _kill_leftovers(pid)
            break
    _, wait_status = os.waitpid(pid, 0)
    _kill_leftovers(pid)
    if status == "ok" and (current is not None or wait_status != 0):
        status = "died"
        code = os.waitstatus_to_exitcode(wait_status)
        how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
        reason = f"the kernel died ({how})" + (f" while running cell {current}" if current is not None else "")
    shutil.rmtree(workdir, ignore_errors=True)
    _wipe(base)
    return {"status": status, "reason": reason, "cells": {str(k): v for k, v in cells.items()},
            "problems": {str(k): v for k, v in problems.items()}, "running": current,
            "seconds": time.monotonic() - start}


def _wipe(base: str) -> None:
    """Nothing a notebook wrote survives it: empty the worker's scratch folder."""
    for entry in os.listdir(base):
        path = os.path.join(base, entry)
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            try:
                os.unlink(path)
            except OSError:
                pass


def main() -> int:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr                                # stray prints must not reach the protocol
    t0 = time.monotonic()
    _warm_up()
    from grader.batch.shell import make_shell

    shell = make_shell()
    base = tempfile.mkdtemp(prefix="grader-worker-")
    _write(stdout, {"ready": True, "pid": os.getpid(), "warm_seconds": time.monotonic() - t0,
                    "sandboxed": os.environ.get("GRADER_SANDBOXED") == "1"})
    for line in stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        try:
            result = run_job(job, shell, base)
        except Exception as exc:  # noqa: BLE001 - a worker fault is reported, and the coordinator retries
            result = {"status": "error", "reason": f"grader error: {type(exc).__name__}: {exc}", "cells": {},
                      "problems": {}, "running": None, "seconds": 0.0}
        _write(stdout, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
