"""Knowing when student code is running, so trusted code can refuse to serve it.

The hidden checks run a student's function inside :func:`student_call`.  Every
public function of ``grader.reference`` and ``grader.hidden`` is wrapped with
:func:`trusted`; called while student code runs, it records the call, and the
check fails that sub-check, naming the function.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
from typing import Callable, Iterator, TypeVar

__all__ = ["trusted", "sanctioned", "student_call", "StudentCalls", "in_student_code"]

F = TypeVar("F", bound=Callable)


class StudentCalls:
    """What happened while one student call ran: trusted functions it reached."""

    def __init__(self) -> None:
        self.trusted: list[str] = []


_current: contextvars.ContextVar[StudentCalls | None] = contextvars.ContextVar("grader_student_call", default=None)


def in_student_code() -> bool:
    return _current.get() is not None


@contextlib.contextmanager
def student_call() -> Iterator[StudentCalls]:
    """Mark the body as student code; yields the record of trusted calls it made."""
    record = StudentCalls()
    token = _current.set(record)
    try:
        yield record
    finally:
        _current.reset(token)


def trusted(fn: F) -> F:
    """Mark a reference or hidden-check function: calls from student code get recorded."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        record = _current.get()
        if record is not None:
            record.trusted.append(f"{fn.__module__}.{fn.__qualname__}")
            # Run it outside the student context so its own internals are not counted.
            token = _current.set(None)
            try:
                return fn(*args, **kwargs)
            finally:
                _current.reset(token)
        return fn(*args, **kwargs)

    wrapper.__grader_trusted__ = True
    return wrapper  # type: ignore[return-value]


def sanctioned(fn: F) -> F:
    """A trusted function that student code may call during one check.

    Used when a check binds the reference in place of another graded function
    (``preprocess_splits`` calling ``fit_standardizer``), so one mistake costs
    points once: the call runs outside the student context and is not recorded.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        token = _current.set(None)
        try:
            return fn(*args, **kwargs)
        finally:
            _current.reset(token)

    return wrapper  # type: ignore[return-value]
