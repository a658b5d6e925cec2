"""The bubblewrap sandbox that grading workers run in.

A sandboxed worker sees the machine's system read-only, no network (only a
loopback interface of its own), its own process tree, an empty ``/tmp`` and
empty home folders, and none of the course: the course directory (solutions,
submissions, gradebook) and the repository are covered by empty folders, with
only Python, the virtual environment and the ``grader`` package put back,
read-only.  It gets its jobs through a pipe, one notebook at a time.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["bwrap_path", "available", "command"]


def bwrap_path() -> str | None:
    return shutil.which("bwrap")


@functools.lru_cache(maxsize=None)
def available() -> tuple[bool, str]:
    """Whether bubblewrap is installed and works here, and if not, why not."""
    bwrap = bwrap_path()
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    probe = subprocess.run(command([sys.executable, "-c", "print('ok')"], hide=[]), capture_output=True, text=True,
                           timeout=60)
    if probe.returncode != 0 or probe.stdout.strip() != "ok":
        return False, f"bubblewrap is installed but cannot start a sandbox here: {probe.stderr.strip()[:200]}"
    return True, bwrap


def _python_roots() -> list[str]:
    """What the interpreter needs: the virtual environment, the base installation, the grader package."""
    import grader

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, str(Path(grader.__file__).resolve().parent)}
    real = os.path.realpath(sys.executable)
    roots.add(str(Path(real).parent.parent))
    return sorted(r for r in roots if os.path.exists(r))


def command(argv: list[str], *, hide: list[Path | str]) -> list[str]:
    """``argv`` wrapped in bwrap: read-only system, ``hide`` (and home folders) covered by empty
    folders, Python put back, private /tmp, no network, its own pids, dies with its parent."""
    args = [bwrap_path() or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for device in sorted(Path("/dev").glob("nvidia*")):           # a GPU stays usable in the sandbox
        args += ["--dev-bind", str(device), str(device)]
    # covered by empty folders; Python (even a virtual environment under /tmp) is put back below
    covered = [p for p in ("/tmp", "/root", "/home") if os.path.isdir(p)]
    covered += [str(Path(p).resolve()) for p in hide if os.path.isdir(p)]
    for path in sorted(set(covered), key=len):
        args += ["--tmpfs", path]
    for root in _python_roots():
        if any(root == c or root.startswith(c.rstrip("/") + "/") for c in covered):
            args += ["--ro-bind", root, root]
    args += ["--unshare-all", "--die-with-parent", "--new-session", "--chdir", "/tmp", "--setenv", "HOME", "/tmp"]
    return args + ["--"] + list(argv)
