"""Visible checks for the activations notebook (student-safe: no solutions inside).

Each function takes the student's functions, prints a report and returns the
points it earns, so nbgrader's "Validate" shows the same verdict.  They test
properties, fixed values and the student's backward against numeric gradients
of the student's own forward; the hidden checks compare with a reference.

``POINTS`` and ``FORBIDDEN`` are the single source of both: the hidden checks and
the notebook's cell metadata use the same numbers (a test keeps them equal).
"""
from __future__ import annotations

from typing import Any, Callable

import torch

from grader.checks.compare import expect_float, expect_tensor
from grader.checks.gradcheck import numeric_vjp
from grader.checks.harness import Failure, Group, inputs_on, visible
from grader.device import get_device

__all__ = ["POINTS", "FORBIDDEN", "VARIANTS", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu",
           "selu", "gelu", "swish", "maxout", "swiglu", "dead_units"]

POINTS = {"sigmoid": 2, "tanh": 2, "relu": 2, "leaky_relu": 2, "prelu": 3, "elu": 2, "selu": 2,
          "gelu": 3, "swish": 2, "maxout": 3, "swiglu": 2, "dead_units": 1}

FORBIDDEN = {
    "sigmoid": ("torch.sigmoid", "Tensor.sigmoid", "torch.sigmoid_", "Tensor.sigmoid_", "torch.special.expit",
                "F.sigmoid", "F.logsigmoid", "nn.Sigmoid"),
    "tanh": ("torch.tanh", "Tensor.tanh", "torch.tanh_", "Tensor.tanh_", "F.tanh", "nn.Tanh"),
    "relu": ("torch.relu", "Tensor.relu", "torch.relu_", "Tensor.relu_", "F.relu", "F.relu_", "nn.ReLU"),
    "leaky_relu": ("F.leaky_relu", "F.leaky_relu_", "nn.LeakyReLU"),
    "prelu": ("F.prelu", "torch.prelu", "nn.PReLU"),
    "elu": ("F.elu", "F.elu_", "nn.ELU", "F.celu"),
    "selu": ("F.selu", "torch.selu", "F.selu_", "nn.SELU"),
    "gelu": ("F.gelu", "nn.GELU"),
    "swish": ("F.silu", "nn.SiLU"),
    "maxout": (),
    "swiglu": ("F.silu", "nn.SiLU"),
    "dead_units": (),
}

#: Keyword arguments each elementwise group is checked with.
VARIANTS: dict[str, list[dict[str, Any]]] = {
    "sigmoid": [{}], "tanh": [{}], "relu": [{}], "selu": [{}],
    "leaky_relu": [{}, {"negative_slope": 0.2}],
    "elu": [{}, {"alpha": 0.5}],
    "gelu": [{}, {"approximate": "tanh"}, {"approximate": "sigmoid"}],
    "swish": [{}, {"beta": 2.0}, {"beta": 0.5}],
}

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _grid(dtype=torch.float64) -> torch.Tensor:
    """17 points from -4 to 4 (steps of 0.5, exact) with 0.25 in place of the kink at 0."""
    x = torch.arange(-8, 9, dtype=dtype, device=get_device()) / 2
    return torch.where(x == 0, torch.full_like(x, 0.25), x)


def _kw(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) or "defaults"


def _elementwise(group: str, forward: Callable, backward: Callable,
                 props: list[tuple[str, Callable[[Callable], None]]]) -> float:
    g = Group(group, POINTS[group], FORBIDDEN[group], title=f"{group} (visible check)")
    variants = VARIANTS[group]
    with g.sub("forward returns (out, cache), out shaped like x, in float32 and float64"):
        for dtype in (torch.float32, torch.float64):
            x = _grid(dtype)
            for kw in variants:
                out, _ = g.forward(forward, x, **kw)
                expect_tensor(out, x, f"out ({dtype}, {_kw(kw)})")
    for label, prop in props:
        with g.sub(label):
            prop(lambda x, **kw: g.forward(forward, x, **kw)[0])
    with g.sub("forward and backward stay finite and warning-free for abs(x) up to 1e4"):
        for dtype in (torch.float32, torch.float64):
            x = torch.tensor([-1e4, -1e3, -90.0, 90.0, 1e3, 1e4], dtype=dtype, device=get_device())
            for kw in variants:
                out, cache = g.forward(forward, x, warnings_fail=True, **kw)
                dx = g.call(backward, torch.ones_like(x), cache, backward=True).get(warnings_fail=True)
                for name, t in (("out", out), ("dx", dx)):
                    expect_tensor(t, x, name)
                    if not bool(torch.isfinite(t).all()):
                        raise Failure(f"{name} has inf or nan at x = {x.tolist()} ({dtype}, {_kw(kw)})")
    with g.sub("backward agrees with numeric gradients of your own forward", weight=2):
        make = inputs_on(get_device(), seed=1)
        x = _grid()
        for kw in variants:
            out, cache = g.forward(forward, x, **kw)
            dout = make(tuple(x.shape), torch.float64)
            dx = g.call(backward, dout, cache, backward=True).get()
            expect_tensor(dx, x, "dx")
            num = numeric_vjp(lambda t: g.forward(forward, t, **kw)[0], x, dout)
            if not torch.allclose(dx, num, rtol=1e-5, atol=1e-6):
                i = int((dx - num).abs().argmax())
                raise Failure(f"backward differs from the numeric gradient ({_kw(kw)})",
                              [f"x        {x[i].item():.4g}", f"dout     {dout[i].item():.4g}",
                               f"numeric  {num[i].item():.6g}", f"yours    {dx[i].item():.6g}"],
                              "dx = dout * f'(x): multiply the local gradient by dout")
    g.rules_line(FORBIDDEN[group])
    return g.finish()


def _expect(cond: bool, message: str) -> None:
    if not cond:
        raise Failure(message)


def _value_at(f: Callable, x: float, **kw) -> float:
    return f(torch.tensor([x], dtype=torch.float64, device=get_device()), **kw).item()


@visible
def sigmoid(sigmoid_forward: Callable, sigmoid_backward: Callable) -> float:
    """Visible check of the sigmoid pair."""
    def at_zero(f):
        _expect(abs(_value_at(f, 0.0) - 0.5) < 1e-12, f"σ(0) should be 0.5, got {_value_at(f, 0.0)}")

    def symmetric(f):
        x = _grid()
        _expect(bool(torch.allclose(f(-x), 1 - f(x))), "σ(-x) should equal 1 - σ(x)")
        _expect(bool(((f(x) > 0) & (f(x) < 1)).all()), "σ(x) should lie strictly between 0 and 1 here")
    return _elementwise("sigmoid", sigmoid_forward, sigmoid_backward,
                        [("σ(0) = 0.5", at_zero), ("σ(-x) = 1 - σ(x), values in (0, 1)", symmetric)])


@visible
def tanh(tanh_forward: Callable, tanh_backward: Callable) -> float:
    """Visible check of the tanh pair."""
    def odd(f):
        x = _grid()
        _expect(bool(torch.allclose(f(-x), -f(x))), "tanh(-x) should equal -tanh(x)")
        _expect(abs(_value_at(f, 0.0)) < 1e-12, "tanh(0) should be 0")
        _expect(bool((f(x).abs() < 1).all()), "tanh(x) should lie strictly between -1 and 1 here")
    return _elementwise("tanh", tanh_forward, tanh_backward, [("odd, tanh(0) = 0, values in (-1, 1)", odd)])


def _piecewise_linear(slope_neg: Callable[[dict], float], name: str):
    def prop(f):
        x = _grid()
        for kw in VARIANTS[name]:
            y = f(x, **kw)
            pos = x > 0
            _expect(bool(torch.equal(y[pos], x[pos])), f"for x > 0 the output should be x ({_kw(kw)})")
            want = slope_neg(kw) * x[~pos]
            _expect(bool(torch.allclose(y[~pos], want)), f"for x < 0 the output should be slope·x ({_kw(kw)})")
    return prop


@visible
def relu(relu_forward: Callable, relu_backward: Callable) -> float:
    """Visible check of the ReLU pair."""
    def zero_grad(f):
        x = torch.zeros(3, dtype=torch.float64, device=get_device())
        # the backward is checked through the forward's cache
        _expect(bool(torch.equal(f(x), x)), "relu(0) should be 0")
    return _elementwise("relu", relu_forward, relu_backward,
                        [("max(0, x) on a grid", _piecewise_linear(lambda kw: 0.0, "relu")),
                         ("relu(0) = 0", zero_grad)])


@visible
def leaky_relu(leaky_relu_forward: Callable, leaky_relu_backward: Callable) -> float:
    """Visible check of the Leaky ReLU pair."""
    return _elementwise("leaky_relu", leaky_relu_forward, leaky_relu_backward,
                        [("x for x > 0, negative_slope·x for x < 0",
                          _piecewise_linear(lambda kw: kw.get("negative_slope", 0.01), "leaky_relu"))])


@visible
def elu(elu_forward: Callable, elu_backward: Callable) -> float:
    """Visible check of the ELU pair."""
    def shape(f):
        for kw in VARIANTS["elu"]:
            alpha = kw.get("alpha", 1.0)
            _expect(abs(_value_at(f, 2.5, **kw) - 2.5) < 1e-12, "elu(x) should be x for x > 0")
            _expect(abs(_value_at(f, -60.0, **kw) + alpha) < 1e-9, f"elu(x) should approach -alpha = {-alpha}")
    return _elementwise("elu", elu_forward, elu_backward, [("x for x > 0, tends to -alpha as x → -∞", shape)])


@visible
def selu(selu_forward: Callable, selu_backward: Callable) -> float:
    """Visible check of the SELU pair."""
    def shape(f):
        _expect(abs(_value_at(f, 2.0) - 2.0 * _SELU_SCALE) < 1e-9, "selu(x) should be scale·x for x > 0")
        _expect(abs(_value_at(f, -60.0) + _SELU_SCALE * _SELU_ALPHA) < 1e-9,
                "selu(x) should approach -scale·alpha ≈ -1.7581 as x → -∞")
    return _elementwise("selu", selu_forward, selu_backward,
                        [("scale·x for x > 0, tends to -scale·alpha", shape)])


@visible
def gelu(gelu_forward: Callable, gelu_backward: Callable) -> float:
    """Visible check of the GELU pair (all three values of approximate)."""
    def shape(f):
        x = _grid()
        exact = f(x)
        for kw in VARIANTS["gelu"]:
            _expect(abs(_value_at(f, 0.0, **kw)) < 1e-12, f"gelu(0) should be 0 ({_kw(kw)})")
            _expect(abs(_value_at(f, 12.0, **kw) - 12.0) < 1e-6, f"gelu(x) ≈ x for large x ({_kw(kw)})")
            gap = (f(x, **kw) - exact).abs().max().item()
            _expect(gap < 0.03, f"approximate={kw.get('approximate')!r} is {gap:.3g} away from the exact GELU")
    return _elementwise("gelu", gelu_forward, gelu_backward,
                        [("gelu(0) = 0, ≈ x for large x, approximations within 0.03 of exact", shape)])


@visible
def swish(swish_forward: Callable, swish_backward: Callable) -> float:
    """Visible check of the Swish pair."""
    def shape(f):
        for kw in VARIANTS["swish"]:
            _expect(abs(_value_at(f, 0.0, **kw)) < 1e-12, "swish(0) should be 0")
            _expect(abs(_value_at(f, 40.0, **kw) - 40.0) < 1e-6, "swish(x) ≈ x for large x")
        _expect(abs(_value_at(f, 2.0, beta=0.0) - 1.0) < 1e-12, "with beta = 0, swish(x) = x/2")
    return _elementwise("swish", swish_forward, swish_backward,
                        [("swish(0) = 0, ≈ x for large x, x/2 when beta = 0", shape)])


def _numeric_check(g: Group, what: str, f: Callable, t: torch.Tensor, dout: torch.Tensor, got: Any) -> None:
    got = expect_tensor(got, t, what)
    num = numeric_vjp(f, t, dout)
    if not torch.allclose(got, num, rtol=1e-5, atol=1e-6):
        raise Failure(f"{what} differs from the numeric gradient of your forward",
                      [f"numeric {num.reshape(-1)[:4].tolist()}", f"yours   {got.reshape(-1)[:4].tolist()}"])


@visible
def prelu(prelu_forward: Callable, prelu_backward: Callable) -> float:
    """Visible check of PReLU: shapes, x for x > 0, gradients against numeric ones."""
    g = Group("prelu", POINTS["prelu"], FORBIDDEN["prelu"], title="prelu (visible check)")
    make = inputs_on(get_device(), seed=2)
    x = make((3, 2, 2), torch.float64) + 0.05
    cases = [("scalar alpha", torch.tensor(0.25, dtype=torch.float64, device=get_device())),
             ("per-channel alpha", torch.tensor([0.1, 0.3], dtype=torch.float64, device=get_device()))]
    with g.sub("out is x for x > 0 and alpha·x for x < 0, shaped like x"):
        for _, alpha in cases:
            out, _ = g.forward(prelu_forward, x, alpha)
            expect_tensor(out, x, "out")
            a = alpha.reshape(1, -1, 1) if alpha.dim() else alpha
            _expect(bool(torch.allclose(out, torch.where(x > 0, x, a * x))), "out should be x or alpha·x")
    with g.sub("dx and dalpha agree with numeric gradients (dalpha shaped like alpha)", weight=2):
        for label, alpha in cases:
            out, cache = g.forward(prelu_forward, x, alpha)
            dout = make(tuple(x.shape), torch.float64)
            grads = g.call(prelu_backward, dout, cache, backward=True).get()
            _expect(isinstance(grads, tuple) and len(grads) == 2, "prelu_backward should return (dx, dalpha)")
            _numeric_check(g, f"dx ({label})", lambda t: g.forward(prelu_forward, t, alpha)[0], x, dout, grads[0])
            _numeric_check(g, f"dalpha ({label})", lambda a: g.forward(prelu_forward, x, a)[0], alpha, dout,
                           grads[1])
    g.rules_line(FORBIDDEN["prelu"])
    return g.finish()


@visible
def maxout(maxout_forward: Callable, maxout_backward: Callable) -> float:
    """Visible check of maxout: output shape, max over pieces, gradients against numeric ones."""
    g = Group("maxout", POINTS["maxout"], title="maxout (visible check)")
    make = inputs_on(get_device(), seed=3)
    x, W, b = make((4, 3), torch.float64), make((2, 3, 5), torch.float64), make((2, 5), torch.float64)
    with g.sub("out has shape (N, M) and is at least every piece x @ W[k] + b[k]"):
        out, _ = g.forward(maxout_forward, x, W, b)
        pieces = torch.stack([x @ W[k] + b[k] for k in range(W.shape[0])])
        expect_tensor(out, pieces[0], "out")
        _expect(bool((out >= pieces.amax(0) - 1e-12).all() and (out <= pieces.amax(0) + 1e-12).all()),
                "out should be the largest of the k pieces")
    with g.sub("dx, dW and db agree with numeric gradients", weight=2):
        _, cache = g.forward(maxout_forward, x, W, b)
        dout = make((4, 5), torch.float64)
        grads = g.call(maxout_backward, dout, cache, backward=True).get()
        _expect(isinstance(grads, tuple) and len(grads) == 3, "maxout_backward should return (dx, dW, db)")
        _numeric_check(g, "dx", lambda t: g.forward(maxout_forward, t, W, b)[0], x, dout, grads[0])
        _numeric_check(g, "dW", lambda t: g.forward(maxout_forward, x, t, b)[0], W, dout, grads[1])
        _numeric_check(g, "db", lambda t: g.forward(maxout_forward, x, W, t)[0], b, dout, grads[2])
    g.rules_line(())
    return g.finish()


@visible
def swiglu(swiglu_forward: Callable) -> float:
    """Visible check of SwiGLU: shape, and a gate of ones reduces it to Swish."""
    g = Group("swiglu", POINTS["swiglu"], FORBIDDEN["swiglu"], title="swiglu (visible check)")
    make = inputs_on(get_device(), seed=4)
    x, W, V = make((4, 3), torch.float64), make((3, 6), torch.float64), make((3, 6), torch.float64)
    b, c = make((6,), torch.float64), make((6,), torch.float64)
    with g.sub("returns a tensor of shape (N, H)"):
        out = g.call(swiglu_forward, x, W, V, b, c).get()
        expect_tensor(out, x @ W, "out")
    with g.sub("with V = 0 and c = 1 it is Swish(xW + b), for beta = 1 and 2"):
        for beta in (1.0, 2.0):
            ones = torch.ones_like(c)
            out = g.call(swiglu_forward, x, W, torch.zeros_like(V), b, ones, beta=beta).get()
            z = x @ W + b
            _expect(bool(torch.allclose(out, z / (1 + torch.exp(-beta * z)))), f"differs from Swish (beta={beta})")
    g.rules_line(FORBIDDEN["swiglu"])
    return g.finish()


@visible
def dead_units(dead_unit_fraction: Callable) -> float:
    """Visible check of dead_unit_fraction on tiny examples."""
    g = Group("dead_units", POINTS["dead_units"], title="dead_units (visible check)")
    dev = get_device()
    with g.sub("returns a Python float: 0.0 when every unit fires, 1.0 when none does"):
        alive = torch.ones(5, 4, device=dev)
        _expect(expect_float(g.call(dead_unit_fraction, alive).get(), "result") == 0.0, "all alive should give 0.0")
        _expect(expect_float(g.call(dead_unit_fraction, -alive).get(), "result") == 1.0, "all dead should give 1.0")
    g.rules_line(())
    return g.finish()
