"""Building blocks shared by the visible and the hidden checks.

A check function builds a :class:`Group` (a report plus the rules of one
exercise group), runs its sub-checks with :meth:`Group.sub`, calls student
functions with :meth:`Group.call`, and ends with :meth:`Group.finish`, whose
float is the cell's partial credit.
"""
from __future__ import annotations

import contextlib
from typing import Any, Callable, Iterable, Iterator

import torch

from grader.checks import guard, integrity
from grader.checks.call import AUTOGRAD, Outcome, call_student, forbidden_set
from grader.checks.compare import expect_tensor
from grader.checks.report import Failure, Report

__all__ = ["Group", "inputs_on", "visible", "Failure", "VisibleCheckFailed"]


class Group:
    """One exercise group being checked: its report, forbidden calls and outcomes."""

    def __init__(self, name: str, points: float, forbidden: Iterable[str] = (), *, title: str | None = None):
        self.report = Report(name, points, title=title)
        self.forbidden = forbidden_set(forbidden)
        self.backward_forbidden = {**self.forbidden, **{v: k for k, v in AUTOGRAD.items()}}
        self.forbidden_seen: dict[str, list[str]] = {}
        self.trusted_seen: list[str] = []
        bad = integrity.tampered()
        if bad:
            shown = ", ".join(bad[:3]) + (" ..." if len(bad) > 3 else "")
            self.report.fail_all(f"tampering detected: {shown} was replaced after the grader was imported")

    @contextlib.contextmanager
    def sub(self, label: str, weight: float = 1.0) -> Iterator[None]:
        with self.report.sub(label, weight):
            yield

    def call(self, fn: Callable, *args: Any, backward: bool = False, **kwargs: Any) -> Outcome:
        """Call a student function under the group's rules; remember what it broke."""
        rules = self.backward_forbidden if backward else self.forbidden
        outcome = call_student(fn, *args, forbidden=rules, **kwargs)
        for name in outcome.forbidden:
            self.forbidden_seen.setdefault(name, [])
            if outcome.fn_name not in self.forbidden_seen[name]:
                self.forbidden_seen[name].append(outcome.fn_name)
        self.trusted_seen += [t for t in outcome.trusted if t not in self.trusted_seen]
        if outcome.rerun_reason:
            self.report.note(outcome.rerun_reason)
        if outcome.warnings:
            self.report.note(f"{outcome.fn_name} emitted a warning (caught): {outcome.warnings[0][:120]}")
        return outcome

    @contextlib.contextmanager
    def bound(self, fn: Callable, references: dict[str, Callable]) -> Iterator[None]:
        """While the body runs, the names in ``references`` resolve to the reference
        inside ``fn``'s module (the notebook's globals), so a student function that
        calls another graded function is judged on its own code alone."""
        namespace = getattr(fn, "__globals__", None)
        if namespace is None:
            yield
            return
        missing = object()
        saved = {name: namespace.get(name, missing) for name in references}
        namespace.update({name: guard.sanctioned(ref) for name, ref in references.items()})
        try:
            yield
        finally:
            for name, old in saved.items():
                if old is missing:
                    namespace.pop(name, None)
                else:
                    namespace[name] = old

    def forward(self, fn: Callable, x: torch.Tensor, *args: Any, warnings_fail: bool = False,
                **kwargs: Any) -> tuple[torch.Tensor, Any]:
        """Run a layer forward that must return ``(out, cache)``."""
        outcome = self.call(fn, x, *args, **kwargs)
        value = outcome.get(warnings_fail=warnings_fail)
        if not (isinstance(value, tuple) and len(value) == 2):
            raise Failure(f"{outcome.fn_name} should return a pair (out, cache), got {_kind(value)}")
        return value

    def rules_line(self, names: Iterable[str], weight: float = 0.5) -> None:
        """The closing sub-check: no forbidden call and no call of the grader's implementation."""
        shown = ", ".join(sorted({n for n in names})[:4])
        with self.sub(f"no forbidden call ({shown}, ...)" if shown else "no call of the grader's implementation",
                      weight):
            if not any(r.passed for r in self.report.results):
                raise Failure("nothing to check yet: no other part of this exercise passed")
            if self.forbidden_seen:
                used = "; ".join(f"{', '.join(fns)} called {name}" for name, fns in self.forbidden_seen.items())
                raise Failure(used, hint="this exercise asks you to build it yourself")
            if self.trusted_seen:
                raise Failure(f"called the grader's implementation: {', '.join(self.trusted_seen)}")

    def finish(self) -> float:
        return self.report.finish()


class VisibleCheckFailed(AssertionError):
    """Raised under ``nbgrader validate`` by a visible check short of full points."""


def visible(fn: Callable[..., float]) -> Callable[..., float]:
    """Mark a visible check: while nbgrader autogrades, the hidden check in the same
    cell decides the points, so the visible one only says that it stepped aside.

    Under ``nbgrader validate`` (JupyterLab's Validate button, NBGRADER_EXECUTION=validate),
    a check short of full points raises after its report, because validate counts a test
    cell as failed only when it errors: so Validate and ``grader check`` agree.
    """
    import functools
    import os
    import sys

    import grader

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> float:
        if grader.GRADING:
            print(f"{fn.__name__}: visible check skipped while grading; the full check follows.")
            return 0.0
        if os.environ.get("NBGRADER_EXECUTION") != "validate":
            return fn(*args, **kwargs)
        import contextlib
        import io

        report = io.StringIO()
        with contextlib.redirect_stdout(report):
            score = fn(*args, **kwargs)
        print(report.getvalue(), end="")
        points = getattr(sys.modules.get(fn.__module__), "POINTS", {}).get(fn.__name__)
        if points is not None and score < points:
            failed = [line.strip()[4:].strip() for line in report.getvalue().splitlines()
                      if line.strip().startswith("FAIL")]
            raise VisibleCheckFailed(f"{fn.__name__}: the visible check gives {score:g} of {points:g} points; "
                                     f"failed: {'; '.join(failed[:3])}{' ...' if len(failed) > 3 else ''}")
        return score

    return wrapper


def _kind(value: Any) -> str:
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return type(value).__name__


def inputs_on(device: torch.device, seed: int) -> Callable[..., torch.Tensor]:
    """A seeded factory of normal random tensors on ``device``: ``make(shape, dtype, scale)``.

    Values are drawn on the CPU and moved, so the same seed gives the same
    numbers on every device.
    """
    gen = torch.Generator().manual_seed(seed)

    def make(shape: tuple[int, ...], dtype: torch.dtype = torch.float32, scale: float = 1.0) -> torch.Tensor:
        return (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(device, dtype)

    return make


def check_type(value: Any, like: torch.Tensor, what: str) -> torch.Tensor:
    return expect_tensor(value, like, what)
