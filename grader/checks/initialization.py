"""Visible checks for the initialization notebook (student-safe: no solutions inside).

Initialisers are random, so they are checked by distribution: mean, standard
deviation or bound of many draws, within bounds that a correct answer passes for
any seed (``grader.checks.stats``), and by repeatability given a seeded generator.
"""
from __future__ import annotations

import inspect
import math
from typing import Callable

import torch

from grader.checks.compare import expect_tensor, expect_tuple
from grader.checks.harness import Failure, Group, inputs_on, visible
from grader.checks.stats import expect_mean_std
from grader.device import get_device

__all__ = ["POINTS", "FORBIDDEN", "fans", "gain", "xavier", "kaiming", "orthogonal", "layer_stats",
           "residual_init", "lsuv"]

POINTS = {"fans": 1, "gain": 2, "xavier": 3, "kaiming": 3, "orthogonal": 2, "layer_stats": 2,
          "residual_init": 2, "lsuv": 3}

#: every public function of torch.nn.init
NN_INIT = tuple(f"nn.init.{name}" for name, obj in vars(torch.nn.init).items()
                if inspect.isfunction(obj) and obj.__module__ == "torch.nn.init" and not name.startswith("_"))
FORBIDDEN = {group: NN_INIT for group in POINTS}


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _expect(cond: bool, message: str) -> None:
    if not cond:
        raise Failure(message)


@visible
def fans(compute_fans: Callable) -> float:
    """Visible check: a Linear and a conv shape."""
    g = Group("fans", POINTS["fans"], title="fans (visible check)")
    with g.sub("Linear weight (out=3, in=5) has fan_in 5 and fan_out 3"):
        _expect(tuple(expect_tuple(g.call(compute_fans, (3, 5)).get(), 2, "compute_fans")) == (5, 3),
                "compute_fans((3, 5)) should be (5, 3): torch stores Linear weights as (out, in)")
    with g.sub("conv weight (8, 4, 3, 3) has fan_in 4·3·3 = 36"):
        _expect(expect_tuple(g.call(compute_fans, (8, 4, 3, 3)).get(), 2, "compute_fans")[0] == 36,
                "fan_in of a conv weight (C_out, C_in, kh, kw) is C_in·kh·kw")
    g.rules_line(())
    return g.finish()


@visible
def gain(calculate_gain: Callable) -> float:
    """Visible check: the linear and ReLU gains, returned as floats."""
    g = Group("gain", POINTS["gain"], FORBIDDEN["gain"], title="gain (visible check)")
    with g.sub("linear → 1.0 and relu → √2, as Python floats"):
        for name, want in (("linear", 1.0), ("relu", math.sqrt(2.0))):
            got = g.call(calculate_gain, name).get()
            _expect(type(got) is float, f"calculate_gain({name!r}) should be a float, got {type(got).__name__}")
            _expect(abs(got - want) < 1e-12, f"calculate_gain({name!r}) = {got}, expected {want}")
    g.rules_line(FORBIDDEN["gain"])
    return g.finish()


def _draw(g: Group, fn: Callable, shape, **kw) -> torch.Tensor:
    w = g.call(fn, shape, generator=generator(0), **kw).get()
    return expect_tensor(w, torch.empty(shape, dtype=torch.get_default_dtype()), f"{fn.__name__}{shape}")


@visible
def xavier(lecun_normal: Callable, xavier_normal: Callable, xavier_uniform: Callable) -> float:
    """Visible check: shapes, and the standard deviation of many draws."""
    g = Group("xavier", POINTS["xavier"], FORBIDDEN["xavier"], title="xavier (visible check)")
    shape = (400, 100)                                # fan_in 100, fan_out 400
    with g.sub("lecun_normal((400, 100)): std 1/√100 = 0.1"):
        expect_mean_std(_draw(g, lecun_normal, shape), 0.1, "lecun_normal")
    with g.sub("xavier_normal((400, 100)): std √(2/500)"):
        expect_mean_std(_draw(g, xavier_normal, shape), math.sqrt(2 / 500), "xavier_normal")
    with g.sub("xavier_uniform((400, 100)): values within ±√(6/500)"):
        w = _draw(g, xavier_uniform, shape)
        _expect(bool(w.abs().max() <= math.sqrt(6 / 500) + 1e-6), "a value lies outside ±√(6/(fan_in+fan_out))")
    g.rules_line(FORBIDDEN["xavier"])
    return g.finish()


@visible
def kaiming(kaiming_normal: Callable, kaiming_uniform: Callable) -> float:
    """Visible check: the ReLU case, fan_in mode."""
    g = Group("kaiming", POINTS["kaiming"], FORBIDDEN["kaiming"], title="kaiming (visible check)")
    shape = (400, 100)
    with g.sub("kaiming_normal((400, 100), nonlinearity='relu'): std √2/√100"):
        expect_mean_std(_draw(g, kaiming_normal, shape, nonlinearity="relu"), math.sqrt(2 / 100), "kaiming_normal")
    with g.sub("kaiming_uniform((400, 100), nonlinearity='relu'): std √2/√100, within ±√3·std"):
        w = _draw(g, kaiming_uniform, shape, nonlinearity="relu")
        expect_mean_std(w, math.sqrt(2 / 100), "kaiming_uniform")
        _expect(bool(w.abs().max() <= math.sqrt(3 * 2 / 100) + 1e-6), "a value lies outside ±√3·std")
    g.rules_line(FORBIDDEN["kaiming"])
    return g.finish()


@visible
def orthogonal(orthogonal: Callable) -> float:
    """Visible check: orthonormal rows (or columns), times the gain."""
    g = Group("orthogonal", POINTS["orthogonal"], FORBIDDEN["orthogonal"], title="orthogonal (visible check)")
    with g.sub("orthogonal((3, 7)) has orthonormal rows; orthogonal((7, 3), gain=2) has columns of length 2"):
        w = _draw(g, orthogonal, (3, 7))
        _expect(bool(torch.allclose(w @ w.T, torch.eye(3, dtype=w.dtype), atol=1e-5)), "rows are not orthonormal")
        w = g.call(orthogonal, (7, 3), gain=2.0, generator=generator(1)).get()
        w = expect_tensor(w, torch.empty(7, 3, dtype=torch.get_default_dtype()), "orthogonal((7, 3), gain=2)")
        _expect(bool(torch.allclose(w.T @ w, 4 * torch.eye(3, dtype=w.dtype), atol=1e-4)),
                "columns should be orthogonal with length gain = 2")
    g.rules_line(FORBIDDEN["orthogonal"])
    return g.finish()


@visible
def layer_stats(layer_stats: Callable) -> float:
    """Visible check: with identity weights and activation the stats are those of x."""
    g = Group("layer_stats", POINTS["layer_stats"], title="layer_stats (visible check)")
    make = inputs_on(get_device(), 3)
    x = make((50, 4), torch.float64) * 2 + 1
    eye = torch.eye(4, dtype=x.dtype, device=x.device)
    with g.sub("returns (L, 2): per layer the mean and (population) std of its activations"):
        s = expect_tensor(g.call(layer_stats, x, [eye, eye, eye], lambda t: t).get(),
                          torch.empty(3, 2, dtype=x.dtype, device=x.device), "layer_stats(...)")
        want = torch.tensor([x.mean().item(), x.std(correction=0).item()], dtype=x.dtype, device=x.device)
        _expect(bool(torch.allclose(s, want.expand(3, 2))), f"expected every row to be {want.tolist()}")
    g.rules_line(())
    return g.finish()


@visible
def residual_init(init_residual_mlp: Callable) -> float:
    """Visible check: shapes, zero W2, Kaiming W1."""
    g = Group("residual_init", POINTS["residual_init"], FORBIDDEN["residual_init"], title="residual_init (visible check)")
    with g.sub("4 blocks of width 200: (W1, W2) pairs, W2 all zeros, W1 std √(2/200)"):
        blocks = g.call(init_residual_mlp, 4, 200, generator=generator(0)).get()
        _expect(isinstance(blocks, list) and len(blocks) == 4, "expected a list of 4 (W1, W2) pairs")
        for W1, W2 in blocks:
            _expect(type(W2) is torch.Tensor and W2.shape == (200, 200) and not bool(W2.any()), "W2 should be zeros")
        expect_mean_std(torch.stack([b[0] for b in blocks]), math.sqrt(2 / 200), "W1")
    g.rules_line(FORBIDDEN["residual_init"])
    return g.finish()


@visible
def lsuv(lsuv_init: Callable) -> float:
    """Visible check: every layer's pre-activation ends with std 1 ± tol."""
    g = Group("lsuv", POINTS["lsuv"], FORBIDDEN["lsuv"], title="lsuv (visible check)")
    make = inputs_on(get_device(), 4)
    x = make((256, 16), torch.float64)
    weights = [make((16, 32), torch.float64) * 3, make((32, 8), torch.float64) * 0.01]
    with g.sub("returns new weights; each layer's pre-activation has std 1 ± tol", 2):
        new = g.call(lsuv_init, weights, x, torch.tanh).get()
        _expect(isinstance(new, (list, tuple)) and len(new) == 2, "expected a list of 2 weights")
        h = x
        for i, W in enumerate(new, 1):
            pre = h @ W
            _expect(abs(pre.std(correction=0).item() - 1) <= 0.05 + 1e-9, f"layer {i}: pre-activation std "
                    f"{pre.std(correction=0).item():.3f}")
            h = torch.tanh(pre)
    g.rules_line(FORBIDDEN["lsuv"])
    return g.finish()
