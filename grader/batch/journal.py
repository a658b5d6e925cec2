"""The batch journal: one line per graded notebook, so that a batch can tell apart what
plain nbgrader cannot, and resume.

Each line of ``<course>/.grader/journal-<assignment>.jsonl`` is a JSON object: the
student, the notebook, a checksum of what was graded (the submission's files and the
source notebook), and how it ended:

- ``graded``: every cell ran; the score is what the checks gave (0 is a real 0);
- ``incomplete``: the kernel died, timed out or ran out of memory part-way; the cells
  that ran before keep their scores, the rest score 0, and ``reason`` says what happened;
- ``ungradable``: nothing could run (no notebook, not a notebook, too large); the
  gradebook holds 0 and ``reason`` says why.

A line is written only after nbgrader has written the gradebook and the graded
notebook, and flushed to disk, so a batch killed at any moment and run again regrades
exactly the notebooks without a line (or whose files changed since).
"""
from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

__all__ = ["Journal", "checksum", "STATUSES"]

STATUSES = ("graded", "incomplete", "ungradable")


def checksum(submission: Path, source: Path) -> str:
    """sha256 of every file of the submission folder (names and bytes) and of the source notebook."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(submission).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(submission)).encode() + b"\0")
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    digest.update(b"\0source\0" + (Path(source).read_bytes() if Path(source).exists() else b""))
    return digest.hexdigest()


class Journal:
    def __init__(self, root: Path, assignment: str):
        self.path = Path(root) / ".grader" / f"journal-{assignment}.jsonl"
        self._lock = threading.Lock()

    def entries(self) -> dict[tuple[str, str], dict]:
        """The last entry of every (student, notebook); a torn last line (a kill mid-write) is ignored."""
        last: dict[tuple[str, str], dict] = {}
        if not self.path.exists():
            return last
        for line in self.path.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue
            last[entry["student"], entry["notebook"]] = entry
        return last

    def record(self, **entry) -> dict:
        if entry.get("status") not in STATUSES:
            raise ValueError(f"status {entry.get('status')!r} is not one of {STATUSES}")
        entry.setdefault("time", time.strftime("%Y-%m-%dT%H:%M:%S"))
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self._lock, open(self.path, "a") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())
        return entry
