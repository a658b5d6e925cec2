"""Comparing a student's tensor with the expected one, with readable failures.

Every comparison first insists on a plain ``torch.Tensor`` (the exact type, so
a subclass that overrides ``__eq__`` or ``__torch_function__`` cannot pass) and
then compares with torch functions captured when this module was imported.
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from grader.checks.report import Failure

__all__ = ["TOL", "tolerances", "expect_tensor", "expect_float", "expect_tuple", "assert_close", "fmt",
           "sign_aligned"]

_Tensor = torch.Tensor
_isfinite = torch.isfinite
_abs = torch.abs
_where = torch.where
_argsort = torch.argsort
_allclose = torch.allclose

#: (rtol, atol) by dtype: loose enough for any correct float32 route, tight enough
#: to catch a wrong constant.
TOL = {torch.float32: (1e-4, 1e-5), torch.float64: (1e-6, 1e-8),
       torch.float16: (1e-2, 1e-3), torch.bfloat16: (2e-2, 1e-2)}


def tolerances(dtype: torch.dtype) -> tuple[float, float]:
    return TOL.get(dtype, TOL[torch.float32])


def fmt(t: Any, limit: int = 6) -> str:
    """A short printable form of a tensor or number: at most ``limit`` values, 4 digits."""
    if isinstance(t, _Tensor):
        flat = t.detach().reshape(-1).to("cpu", torch.float64).tolist()
        body = ", ".join(f"{v: .4g}" for v in flat[:limit])
        more = f", ... ({t.numel()} values)" if len(flat) > limit else ""
        return f"[{body}{more}]"
    if isinstance(t, float):
        return f"{t:.6g}"
    return repr(t)


def expect_tensor(value: Any, like: torch.Tensor, what: str) -> torch.Tensor:
    """``value`` must be a plain tensor with ``like``'s shape, dtype and device."""
    if type(value) is not _Tensor:
        extra = ""
        if isinstance(value, tuple):
            extra = " (a tuple: did you return (out, cache) where only out belongs, or the reverse?)"
        raise Failure(f"{what} should be a torch.Tensor, got {type(value).__name__}{extra}")
    if tuple(value.shape) != tuple(like.shape):
        raise Failure(f"{what} has shape {tuple(value.shape)}, expected {tuple(like.shape)}")
    if value.dtype != like.dtype:
        raise Failure(f"{what} has dtype {value.dtype}, expected {like.dtype}",
                      hint="create new tensors with dtype=x.dtype (and device=x.device)")
    if value.device != like.device:
        raise Failure(f"{what} is on {value.device}, expected {like.device}",
                      hint="create new tensors with device=x.device")
    return value


def expect_float(value: Any, what: str) -> float:
    """``value`` must be a Python float (an int is accepted and converted)."""
    if type(value) is bool or not isinstance(value, (float, int)) or isinstance(value, _Tensor):
        hint = "call .item() on a 0-dim tensor" if isinstance(value, _Tensor) else None
        raise Failure(f"{what} should be a Python float, got {type(value).__name__}", hint=hint)
    return float(value)


def expect_tuple(value: Any, n: int, what: str) -> tuple:
    """``value`` must be a tuple (or list) of ``n`` items, e.g. ``(mean, std)``."""
    if not isinstance(value, (tuple, list)) or len(value) != n:
        got = f"a {type(value).__name__} of {len(value)}" if isinstance(value, (tuple, list)) \
            else type(value).__name__
        raise Failure(f"{what} should return {n} values, got {got}")
    return tuple(value)


def sign_aligned(got: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``got`` with each column's sign flipped to agree with ``like``'s column.

    Eigenvectors and principal components are defined up to sign, so checks
    compare them after this alignment.  Shapes must match; anything else is
    returned as it is, for :func:`assert_close` to report.
    """
    if type(got) is not _Tensor or got.shape != like.shape or got.dim() < 1:
        return got
    dots = (got.detach().to(like.dtype) * like).sum(dim=0)
    signs = _where(dots < 0, -torch.ones_like(dots), torch.ones_like(dots))
    return got * signs.to(got.dtype)


def assert_close(got: torch.Tensor, expected: torch.Tensor, what: str, *,
                 inputs: dict[str, torch.Tensor] | None = None,
                 rtol: float | None = None, atol: float | None = None,
                 mistakes: Sequence[tuple[torch.Tensor, str]] = (),
                 hint: str | None = None) -> None:
    """Fail unless ``got`` matches ``expected`` elementwise (type, shape, dtype, device first).

    ``inputs`` are shown at the worst positions when they have ``expected``'s
    shape.  ``mistakes`` pairs a tensor that a known wrong formula would give
    with the hint to show when ``got`` matches it.
    """
    got = expect_tensor(got, expected, what)
    d_rtol, d_atol = tolerances(expected.dtype)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol
    g = got.detach().to("cpu", torch.float64)
    e = expected.detach().to("cpu", torch.float64)
    if e.numel() == 0:
        return
    g_finite, e_finite = _isfinite(g), _isfinite(e)
    bad_nonfinite = g_finite.logical_not() & e_finite
    err = _where(e_finite & g_finite, _abs(g - e) - rtol * _abs(e), torch.zeros_like(e))
    bad = (err > atol) | bad_nonfinite
    if not bool(bad.any()):
        return
    count = int(bad.sum())
    order = _argsort(_where(bad_nonfinite, torch.full_like(err, float("inf")), err).reshape(-1), descending=True)
    idx = order[: min(4, count)]
    details = [f"at {count} of {e.numel()} positions; the worst:"]
    for name, t in (inputs or {}).items():
        if isinstance(t, _Tensor) and t.shape == expected.shape:
            details.append(f"{name:<9}{fmt(t.detach().reshape(-1)[idx])}")
    details.append(f"{'expected':<9}{fmt(e.reshape(-1)[idx])}")
    details.append(f"{'got':<9}{fmt(g.reshape(-1)[idx])}")
    diagnosis = hint
    for wrong, why in mistakes:
        w = wrong.detach().to("cpu", torch.float64)
        if w.shape == g.shape and bool(_allclose(g, w, rtol=rtol, atol=atol, equal_nan=True)):
            diagnosis = why
            break
    msg = "contains nan or inf" if bool(bad_nonfinite.any()) else "differs from the expected values"
    raise Failure(f"{what} {msg}", details, diagnosis)
