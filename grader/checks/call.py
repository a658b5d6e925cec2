"""Calling student code safely and noticing what it did.

:func:`call_student` runs one student function on private copies of its
arguments and records everything a check must know afterwards: the value or the
exception, warnings, anything written to stdout or stderr, calls of forbidden
torch functions (seen through a ``TorchFunctionMode``, however the student
imported them), calls of the trusted reference, and inputs changed in place.

A function that fails only because it mixed devices (a tensor made on the CPU
while grading on CUDA) is re-run with every tensor on the CPU, so the verdict
does not depend on the grading device; the outcome says why.
"""
from __future__ import annotations

import contextlib
import io
import sys
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import torch
from torch.overrides import TorchFunctionMode

from grader.checks import guard
from grader.checks.report import Failure

__all__ = ["Outcome", "call_student", "forbidden_set", "AUTOGRAD"]

_Tensor = torch.Tensor  # captured: a student rebinding torch.Tensor changes nothing here

#: Calls that a hand-written backward pass may not make.
AUTOGRAD: dict[str, Any] = {
    "torch.autograd.grad": torch.autograd.grad,
    "torch.autograd.backward": torch.autograd.backward,
    "Tensor.backward": torch.Tensor.backward,
}


def forbidden_set(names: Iterable[str]) -> dict[Any, str]:
    """Map function objects to display names, from dotted names like ``"F.relu"``."""
    roots = {"torch": torch, "F": torch.nn.functional, "nn": torch.nn, "Tensor": torch.Tensor}
    found: dict[Any, str] = {}
    for name in names:
        head, *rest = name.split(".")
        obj: Any = roots[head]
        try:
            for part in rest:
                obj = getattr(obj, part)
        except AttributeError:
            continue  # not in this torch version: nothing to forbid
        found[obj] = name
        if isinstance(obj, type) and issubclass(obj, torch.nn.Module):
            found[obj.forward] = name
    return found


class _Spy(TorchFunctionMode):
    """Sees torch calls with tensor arguments, however the function was imported.

    Python functions among the watched ones (``torch.nn.init.calculate_gain``
    takes no tensor) are seen by their code object through a profile hook.
    Calls made by a sanctioned reference (see ``guard.sanctioned``) do not count.
    """

    def __init__(self, watched: dict[Any, str]):
        super().__init__()
        self.watched = watched
        self.codes = {getattr(f, "__code__"): n for f, n in watched.items() if hasattr(f, "__code__")}
        self.hits: list[str] = []
        self._previous_profile = None

    def _hit(self, name: str) -> None:
        if name not in self.hits and guard.in_student_code():
            self.hits.append(name)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = self.watched.get(func)
        if name is not None:
            self._hit(name)
        return func(*args, **(kwargs or {}))

    def _profile(self, frame, event, arg):
        if event == "call" and frame.f_code in self.codes:
            self._hit(self.codes[frame.f_code])

    def __enter__(self):
        if self.codes:
            self._previous_profile = sys.getprofile()
            sys.setprofile(self._profile)
        return super().__enter__()

    def __exit__(self, *exc):
        if self.codes:
            sys.setprofile(self._previous_profile)
        return super().__exit__(*exc)


@dataclass
class Outcome:
    """What one student call did."""

    fn_name: str
    value: Any = None
    error: BaseException | None = None
    warnings: list[str] = field(default_factory=list)
    output: str = ""
    forbidden: list[str] = field(default_factory=list)
    trusted: list[str] = field(default_factory=list)
    mutated: list[int] = field(default_factory=list)
    rerun_reason: str | None = None
    args: tuple = ()

    def get(self, what: str | None = None, *, warnings_fail: bool = False) -> Any:
        """The returned value, or a :class:`Failure` describing why there is none usable.

        Warnings fail only where the contract says warning-free (``warnings_fail``);
        elsewhere the check reports them without taking points.
        """
        label = what or self.fn_name
        if self.error is not None:
            err = self.error
            if isinstance(err, NotImplementedError):
                raise Failure(f"{label} is not implemented yet",
                              hint="replace the `raise NotImplementedError` line with your code")
            raise Failure(f"{label} raised {type(err).__name__}: {_short(str(err))}")
        if self.trusted:
            raise Failure(f"{label} called the grader's own implementation ({', '.join(self.trusted)})",
                          hint="write the computation yourself")
        if self.forbidden:
            raise Failure(f"{label} called {', '.join(self.forbidden)}, which this exercise forbids",
                          hint="build it from elementary tensor operations (exp, where, arithmetic, ...)")
        if self.warnings and warnings_fail:
            raise Failure(f"{label} emitted a warning: {_short(self.warnings[0])}",
                          hint="a correct, stable answer runs without warnings")
        if self.mutated:
            raise Failure(f"{label} changed its input argument {self.mutated[0] + 1} in place",
                          hint="compute a new tensor instead of writing into the input")
        return self.value


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _clone(obj: Any, device: torch.device | None = None) -> Any:
    """Copies of tensors, also inside tuples and lists; other objects as they are.

    A dict is passed as the caller's own object: a state dict such as batch
    norm's ``bn_param`` is meant to be updated in place, and the check reads it back.
    """
    if isinstance(obj, _Tensor):
        out = obj.detach().clone()
        return out.to(device) if device is not None else out
    if isinstance(obj, tuple):
        return tuple(_clone(o, device) for o in obj)
    if isinstance(obj, list):
        return [_clone(o, device) for o in obj]
    if isinstance(obj, dict) and device is not None:
        # re-run on the CPU: move the state's tensors there, in the same dict
        for key, value in obj.items():
            if isinstance(value, _Tensor):
                obj[key] = value.to(device)
    return obj


def _has_accelerator_tensor(obj: Any) -> bool:
    if isinstance(obj, _Tensor):
        return obj.device.type != "cpu"
    if isinstance(obj, (tuple, list)):
        return any(_has_accelerator_tensor(o) for o in obj)
    if isinstance(obj, dict):
        return any(_has_accelerator_tensor(o) for o in obj.values())
    return False


def _looks_like_device_mixup(err: BaseException) -> bool:
    text = str(err).lower()
    return isinstance(err, (RuntimeError, TypeError)) and ("device" in text or "cuda" in text)


def _run_once(fn: Callable, args: tuple, kwargs: dict, watched: dict[Any, str], name: str) -> Outcome:
    outcome = Outcome(fn_name=name, args=args)
    before = [_clone(a) for a in args]
    sink = io.StringIO()
    # the spy sees every torch call the student makes, which costs time: only watch when
    # something is forbidden
    spy = _Spy(watched) if watched else None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink), guard.student_call() as record:
        warnings.simplefilter("always")
        try:
            with spy if spy is not None else contextlib.nullcontext():
                outcome.value = fn(*args, **kwargs)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - any student error is reported
            outcome.error = exc
    outcome.warnings = [f"{w.category.__name__}: {w.message}" for w in caught]
    outcome.output = sink.getvalue()
    outcome.forbidden = spy.hits if spy is not None else []
    outcome.trusted = record.trusted
    for i, (old, new) in enumerate(zip(before, args)):
        if not _same(old, new):
            outcome.mutated.append(i)
    return outcome


def _same(old: Any, new: Any) -> bool:
    """Whether the tensors in ``new`` still hold ``old``'s values (lists and tuples too)."""
    if isinstance(old, _Tensor):
        return isinstance(new, _Tensor) and old.shape == new.shape and \
            bool(torch.equal(torch.nan_to_num(old), torch.nan_to_num(new.detach())))
    if isinstance(old, (tuple, list)):
        return isinstance(new, (tuple, list)) and len(old) == len(new) and all(map(_same, old, new))
    return True


def call_student(fn: Callable, *args: Any, forbidden: dict[Any, str] | None = None,
                 name: str | None = None, **kwargs: Any) -> Outcome:
    """Call ``fn(*args, **kwargs)`` on copies of the arguments and record what happened.

    ``forbidden`` maps function objects (see :func:`forbidden_set`) to the names
    a report shows.  Exceptions never escape: they are in ``Outcome.error``.
    """
    name = name or getattr(fn, "__name__", "your function")
    if not callable(fn):
        return Outcome(fn_name=name, error=TypeError(f"{name} is not a function (got {type(fn).__name__})"))
    watched = dict(forbidden or {})
    outcome = _run_once(fn, _clone(args), _clone(kwargs), watched, name)
    if outcome.error is not None and _has_accelerator_tensor((args, kwargs)) \
            and _looks_like_device_mixup(outcome.error):
        cpu = torch.device("cpu")
        first = outcome.error
        outcome = _run_once(fn, _clone(args, cpu), _clone(kwargs, cpu), watched, name)
        outcome.rerun_reason = (f"{name} failed on {_device_of(args)} ({type(first).__name__}: "
                                f"{_short(str(first), 90)}); graded on the CPU instead. Create new tensors "
                                "with device=x.device so your code runs on any device.")
    return outcome


def _device_of(obj: Any) -> str:
    if isinstance(obj, _Tensor):
        return str(obj.device)
    for o in obj if isinstance(obj, (tuple, list)) else ():
        d = _device_of(o)
        if d != "cpu":
            return d
    return "cpu"
