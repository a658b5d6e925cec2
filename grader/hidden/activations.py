"""Hidden checks for the activations notebook.

Every check compares the student's functions with ``grader.reference.activations``
on seeded random inputs on the grading device, in float32 and float64, with
edge cases (exact zeros, abs(x) up to 1e4, empty batches), and prints a report
(see ``grader.checks.report``).  Backward passes get the student's own cache.
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from grader.checks.activations import FORBIDDEN, POINTS, VARIANTS
from grader.checks.compare import assert_close, expect_float
from grader.checks.guard import trusted
from grader.checks.harness import Failure, Group, inputs_on
from grader.device import get_device
from grader.reference import activations as ref

__all__ = ["sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "gelu", "swish",
           "maxout", "swiglu", "dead_units"]

_EXTREMES = [-1e4, -1e3, -88.0, -30.0, 30.0, 88.0, 1e3, 1e4]
_SPECIAL = [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0]


def _kw(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "defaults"


def _cases(seed: int) -> list[torch.Tensor]:
    """Six inputs: random in two dtypes and shapes, fixed values with 0, an empty batch."""
    dev = get_device()
    make = inputs_on(dev, seed)
    return [make((4, 5), torch.float32, 3.0), make((2, 3, 4), torch.float64, 3.0),
            make((64,), torch.float32, 0.5), make((3, 7), torch.float64, 10.0),
            torch.tensor(_SPECIAL, device=dev), torch.zeros((0, 3), device=dev)]


def _mistakes(group: str, x: torch.Tensor, dout: torch.Tensor, kw: dict) -> list[tuple[torch.Tensor, str]]:
    """What common wrong backward formulas would return here, with a hint for each."""
    ref_fwd, ref_bwd = getattr(ref, f"{group}_forward"), getattr(ref, f"{group}_backward")
    out, cache = ref_fwd(x, **kw)
    local = ref_bwd(torch.ones_like(x), cache)
    found = [(local, "this is the local gradient alone: multiply it by dout (chain rule)")]
    if group == "sigmoid":
        found.append((dout * out, "this looks like σ(x) alone; the local gradient is σ(x)·(1 − σ(x))"))
    if group == "tanh":
        found.append((dout * (1 - x * x), "this uses the input x where the output tanh(x) belongs"))
    return found


def _elementwise(group: str, forward: Callable, backward: Callable, *, piecewise: bool, seed: int) -> float:
    g = Group(group, POINTS[group], FORBIDDEN[group])
    ref_fwd, ref_bwd = getattr(ref, f"{group}_forward"), getattr(ref, f"{group}_backward")
    cases, variants = _cases(seed), VARIANTS[group]
    dev = get_device()
    make = inputs_on(dev, seed + 1)

    with g.sub(f"forward matches the reference on {len(cases)} inputs (float32, float64)", 2):
        for kw in variants:
            for i, x in enumerate(cases, 1):
                out, _ = g.forward(forward, x, **kw)
                assert_close(out, ref_fwd(x, **kw)[0], f"out for input {i} ({_kw(kw)})", inputs={"x": x})
    with g.sub("forward matches for abs(x) up to 1e4 (finite, warning-free)", 1):
        for dtype in (torch.float32, torch.float64):
            x = torch.tensor(_EXTREMES, dtype=dtype, device=dev)
            for kw in variants:
                out, _ = g.forward(forward, x, warnings_fail=True, **kw)
                assert_close(out, ref_fwd(x, **kw)[0], f"out for large inputs ({dtype}, {_kw(kw)})",
                             inputs={"x": x}, hint="exp overflowed somewhere: only exponentiate numbers ≤ 0 "
                             "(pick the formula by the sign of x)")
    with g.sub(f"backward matches the reference on {len(cases) - 2} inputs", 2):
        for kw in variants:
            for i, x in enumerate(cases[:4], 1):
                dout = make(tuple(x.shape), x.dtype)
                _, cache = g.forward(forward, x, **kw)
                dx = g.call(backward, dout, cache, backward=True).get()
                _, ref_cache = ref_fwd(x, **kw)
                assert_close(dx, ref_bwd(dout, ref_cache), f"dx for input {i} ({_kw(kw)})",
                             inputs={"x": x, "dout": dout}, mistakes=_mistakes(group, x, dout, kw))
    with g.sub("backward matches for abs(x) up to 1e4 (finite, warning-free)", 0.5):
        for dtype in (torch.float32, torch.float64):
            x = torch.tensor(_EXTREMES, dtype=dtype, device=dev)
            for kw in variants:
                _, cache = g.forward(forward, x, **kw)
                dx = g.call(backward, torch.ones_like(x), cache, backward=True).get(warnings_fail=True)
                assert_close(dx, ref_bwd(torch.ones_like(x), ref_fwd(x, **kw)[1]),
                             f"dx for large inputs ({dtype}, {_kw(kw)})", inputs={"x": x})
    if piecewise:
        with g.sub("at exactly x = 0 the gradient takes the negative side's value", 0.5):
            for kw in variants:
                x = torch.zeros(4, device=dev)
                dout = torch.tensor([1.0, -2.0, 0.5, 3.0], device=dev)
                _, cache = g.forward(forward, x, **kw)
                dx = g.call(backward, dout, cache, backward=True).get()
                assert_close(dx, ref_bwd(dout, ref_fwd(x, **kw)[1]), f"dx at x = 0 ({_kw(kw)})",
                             inputs={"x": x, "dout": dout},
                             hint="at x = 0 use the slope of the x < 0 side, as torch's autograd does")
    g.rules_line(FORBIDDEN[group])
    return g.finish()


@trusted
def sigmoid(sigmoid_forward: Callable, sigmoid_backward: Callable) -> float:
    return _elementwise("sigmoid", sigmoid_forward, sigmoid_backward, piecewise=False, seed=11)


@trusted
def tanh(tanh_forward: Callable, tanh_backward: Callable) -> float:
    return _elementwise("tanh", tanh_forward, tanh_backward, piecewise=False, seed=12)


@trusted
def relu(relu_forward: Callable, relu_backward: Callable) -> float:
    return _elementwise("relu", relu_forward, relu_backward, piecewise=True, seed=13)


@trusted
def leaky_relu(leaky_relu_forward: Callable, leaky_relu_backward: Callable) -> float:
    return _elementwise("leaky_relu", leaky_relu_forward, leaky_relu_backward, piecewise=True, seed=14)


@trusted
def elu(elu_forward: Callable, elu_backward: Callable) -> float:
    return _elementwise("elu", elu_forward, elu_backward, piecewise=True, seed=15)


@trusted
def selu(selu_forward: Callable, selu_backward: Callable) -> float:
    return _elementwise("selu", selu_forward, selu_backward, piecewise=True, seed=16)


@trusted
def gelu(gelu_forward: Callable, gelu_backward: Callable) -> float:
    return _elementwise("gelu", gelu_forward, gelu_backward, piecewise=False, seed=17)


@trusted
def swish(swish_forward: Callable, swish_backward: Callable) -> float:
    return _elementwise("swish", swish_forward, swish_backward, piecewise=False, seed=18)


def _pair(value: Any, n: int, what: str) -> tuple:
    if not (isinstance(value, tuple) and len(value) == n):
        raise Failure(f"{what} should return a tuple of {n} tensors, got {type(value).__name__}")
    return value


@trusted
def prelu(prelu_forward: Callable, prelu_backward: Callable) -> float:
    g = Group("prelu", POINTS["prelu"], FORBIDDEN["prelu"])
    dev = get_device()
    make = inputs_on(dev, 21)
    cases = []
    for dtype in (torch.float32, torch.float64):
        cases += [(make((5, 3), dtype, 2.0), make((), dtype).abs()),
                  (make((5, 3), dtype, 2.0), make((3,), dtype).abs()),
                  (make((2, 3, 4, 5), dtype, 2.0), make((3,), dtype).abs()),
                  (make((2, 4, 3), dtype, 2.0), make((), dtype).abs())]
    zeros = (torch.tensor([[0.0, -1.0, 2.0], [0.0, 0.0, -3.0]], device=dev), torch.tensor([0.1, 0.2, 0.3], device=dev))
    with g.sub(f"forward matches the reference on {len(cases)} inputs (alpha of shape () and (C,))", 1):
        for i, (x, alpha) in enumerate(cases, 1):
            out, _ = g.forward(prelu_forward, x, alpha)
            assert_close(out, ref.prelu_forward(x, alpha)[0], f"out for input {i} (x {tuple(x.shape)}, "
                         f"alpha {tuple(alpha.shape)})", inputs={"x": x},
                         hint="alpha of shape (C,) belongs to dim 1 of x: reshape it to (1, C, 1, ...)")
    for which, weight in (("dx", 1.0), ("dalpha", 1.0)):
        with g.sub(f"backward: {which} matches the reference" +
                   (" and has alpha's shape" if which == "dalpha" else ""), weight):
            for i, (x, alpha) in enumerate(cases + [zeros], 1):
                dout = make(tuple(x.shape), x.dtype)
                _, cache = g.forward(prelu_forward, x, alpha)
                got = _pair(g.call(prelu_backward, dout, cache, backward=True).get(), 2, "prelu_backward")
                exp = ref.prelu_backward(dout, ref.prelu_forward(x, alpha)[1])
                k = 0 if which == "dx" else 1
                if k == 1 and type(got[1]) is torch.Tensor and got[1].shape != alpha.shape:
                    raise Failure(f"dalpha has shape {tuple(got[1].shape)}, expected alpha's {tuple(alpha.shape)}",
                                  hint="alpha is shared: sum its gradient over every position that used it")
                assert_close(got[k], exp[k], f"{which} for input {i}",
                             inputs={"x": x, "dout": dout} if k == 0 else None)
    g.rules_line(FORBIDDEN["prelu"])
    return g.finish()


def _maxout_cases(make, dev) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    cases = [(make((6, 4), torch.float32), make((3, 4, 5), torch.float32), make((3, 5), torch.float32)),
             (make((2, 3), torch.float64), make((2, 3, 7), torch.float64), make((2, 7), torch.float64))]
    x, W, b = make((5, 4), torch.float64), make((3, 4, 2), torch.float64), make((3, 2), torch.float64)
    W[2], b[2] = W[0], b[0]  # pieces 0 and 2 tie exactly: the gradient must go to piece 0
    W[1] = W[1] - 100.0 * x.abs().sum()  # and piece 1 never wins
    b[1] = b[1] - 1e6
    cases.append((x, W, b))
    return cases


@trusted
def maxout(maxout_forward: Callable, maxout_backward: Callable) -> float:
    g = Group("maxout", POINTS["maxout"])
    dev = get_device()
    make = inputs_on(dev, 31)
    cases = _maxout_cases(make, dev)
    with g.sub("forward matches the reference on 3 inputs (one with exact ties)", 1):
        for i, (x, W, b) in enumerate(cases, 1):
            out, _ = g.forward(maxout_forward, x, W, b)
            assert_close(out, ref.maxout_forward(x, W, b)[0], f"out for input {i}")
    for k, name in enumerate(("dx", "dW", "db")):
        with g.sub(f"backward: {name} matches the reference" + (" (ties go to the lowest k)" if k == 1 else ""),
                   1 if k == 1 else 0.5):
            for i, (x, W, b) in enumerate(cases, 1):
                dout = make((x.shape[0], W.shape[2]), x.dtype)
                _, cache = g.forward(maxout_forward, x, W, b)
                got = _pair(g.call(maxout_backward, dout, cache, backward=True).get(), 3, "maxout_backward")
                exp = ref.maxout_backward(dout, ref.maxout_forward(x, W, b)[1])
                assert_close(got[k], exp[k], f"{name} for input {i}" + (" (exact tie)" if i == 3 else ""),
                             hint="when pieces tie, the gradient goes to the lowest k only" if i == 3 else None)
    g.rules_line(())
    return g.finish()


@trusted
def swiglu(swiglu_forward: Callable) -> float:
    g = Group("swiglu", POINTS["swiglu"], FORBIDDEN["swiglu"])
    make = inputs_on(get_device(), 41)
    with g.sub("matches the reference for beta = 1, 2, 0.5 in float32 and float64", 2):
        for dtype in (torch.float32, torch.float64):
            x, W, V = make((5, 4), dtype), make((4, 6), dtype), make((4, 6), dtype)
            b, c = make((6,), dtype), make((6,), dtype)
            for beta in (1.0, 2.0, 0.5):
                out = g.call(swiglu_forward, x, W, V, b, c, beta=beta).get()
                exp = ref.swiglu_forward(x, W, V, b, c, beta=beta)
                wrong = (x @ V + c) * torch.sigmoid(beta * (x @ V + c)) * (x @ W + b)
                assert_close(out, exp, f"out ({dtype}, beta={beta})",
                             mistakes=[(wrong, "the Swish gate belongs on xW + b, the linear branch is xV + c")])
    g.rules_line(FORBIDDEN["swiglu"])
    return g.finish()


@trusted
def dead_units(dead_unit_fraction: Callable) -> float:
    g = Group("dead_units", POINTS["dead_units"])
    dev = get_device()
    make = inputs_on(dev, 51)
    pre = make((50, 8), torch.float32)
    pre[:, 0] = -pre[:, 0].abs()          # dead
    pre[:, 1] = 0.0                       # exactly 0 for every input: dead too
    pre[:, 2] = -pre[:, 2].abs()
    pre[7, 2] = 0.5                       # one input revives it
    cases = [pre, make((1, 5), torch.float64), torch.zeros(3, 4, device=dev), make((200, 64), torch.float32) - 2.5]
    with g.sub("matches the reference on 4 inputs (ties at 0, one input that revives a unit, N = 1)", 1):
        for i, p in enumerate(cases, 1):
            got = expect_float(g.call(dead_unit_fraction, p).get(), f"result for input {i}")
            exp = ref.dead_unit_fraction(p)
            if abs(got - exp) > 1e-9:
                raise Failure(f"result for input {i} is {got:.4g}, expected {exp:.4g}",
                              hint="a unit is dead when its pre-activation is ≤ 0 for every one of the N inputs")
    g.rules_line(())
    return g.finish()
