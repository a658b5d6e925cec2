"""The report a check prints and the score it returns.

A check is a list of weighted sub-checks.  Each runs inside :meth:`Report.sub`;
a sub-check fails by raising :class:`Failure` (with the details a student can act
on), and the report turns the passed weight into points::

    report = Report("sigmoid", points=2)
    with report.sub("forward matches on 6 inputs", weight=1):
        ...                      # raise Failure("differs on input 2", details, hint)
    score = report.finish()      # prints the report, returns a float in [0, points]

Everything goes to stdout: nbgrader gives zero points to a test cell that wrote
to stderr.
"""
from __future__ import annotations

import contextlib
import math
import sys
from dataclasses import dataclass, field
from typing import Iterator

__all__ = ["Failure", "Report", "SubResult", "INTERNAL"]

#: Marks a sub-check whose own code broke; the tests make sure no report contains it.
INTERNAL = "the check itself failed"


class Failure(Exception):
    """A failed sub-check: a one-line message, detail lines and a hint."""

    def __init__(self, message: str, details: list[str] | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = list(details or [])
        self.hint = hint


@dataclass
class SubResult:
    label: str
    weight: float
    passed: bool
    message: str = ""
    details: list[str] = field(default_factory=list)
    hint: str | None = None


class Report:
    """Collects sub-check results for one exercise group and scores them."""

    def __init__(self, name: str, points: float, *, title: str | None = None):
        self.name = name
        self.points = float(points)
        self.title = title or name
        self.results: list[SubResult] = []
        self.notes: list[str] = []
        self._fatal: str | None = None

    @contextlib.contextmanager
    def sub(self, label: str, weight: float = 1.0) -> Iterator[None]:
        """Run the body as one sub-check; a :class:`Failure` inside marks it failed."""
        if self._fatal is not None:
            self.results.append(SubResult(label, weight, False, self._fatal))
            try:
                yield None
            except Failure:
                pass
            return
        try:
            yield None
        except Failure as fail:
            self.results.append(SubResult(label, weight, False, fail.message, fail.details, fail.hint))
        except Exception as exc:  # noqa: BLE001 - a bug in the check must not crash the cell
            self.results.append(SubResult(label, weight, False, f"{INTERNAL}: {type(exc).__name__}: {exc}",
                                          hint="this is the grader's fault, not yours: please report it"))
        else:
            self.results.append(SubResult(label, weight, True))

    def fail_all(self, reason: str) -> None:
        """Every sub-check from now on fails with ``reason`` (used for tampering)."""
        self._fatal = reason

    def note(self, line: str) -> None:
        """A line printed under the heading, e.g. why a function was re-run on the CPU."""
        if line not in self.notes:
            self.notes.append(line)

    def score(self) -> float:
        total = sum(r.weight for r in self.results)
        if total <= 0 or self._fatal is not None:
            return 0.0
        got = sum(r.weight for r in self.results if r.passed)
        # Round down to two decimals so the score never exceeds the cell's points.
        return min(self.points, math.floor(self.points * got / total * 100 + 1e-9) / 100)

    def render(self) -> str:
        score = self.score()
        lines = [f"{self.title}: {_num(score)} / {_num(self.points)} points"]
        lines += [f"  note  {n}" for n in self.notes]
        shown: set[str] = set()
        for r in self.results:
            lines.append(f"  {'ok  ' if r.passed else 'FAIL'}  {r.label}")
            if not r.passed and r.message in shown and not r.details:
                lines.append("          (same reason as above)")
            elif not r.passed:
                shown.add(r.message)
                if r.message:
                    lines.append(f"          {r.message}")
                lines += [f"          {d}" for d in r.details]
                if r.hint:
                    lines.append(f"          hint: {r.hint}")
        return "\n".join(lines)

    def finish(self) -> float:
        """Print the report to stdout and return the score (nbgrader's partial credit)."""
        sys.stdout.write(self.render() + "\n")
        sys.stdout.flush()
        return self.score()


def _num(x: float) -> str:
    return f"{x:g}"
