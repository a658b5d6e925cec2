"""Hidden checks for the initialization notebook.

Deterministic functions (fans, gains, layer statistics) are compared with
``grader.reference.initialization``.  Initialisers are checked by distribution
over many draws (``grader.checks.stats``: a correct answer fails with
probability below 1e-6 for any seed), by shape conventions, and by drawing from
the given generator only: equal seeds give equal tensors and the global RNG is
left alone.  Functions that call other graded functions of the notebook see the
reference in their place (``Group.bound``), so one mistake costs points once.
"""
from __future__ import annotations

import math
from typing import Callable

import torch

from grader.checks.compare import assert_close, expect_tensor, expect_tuple
from grader.checks.guard import trusted
from grader.checks.harness import Failure, Group, inputs_on
from grader.checks.initialization import FORBIDDEN, POINTS, generator
from grader.checks.stats import expect_mean_std, expect_normal_shape, expect_repeatable, expect_uniform_bound
from grader.device import get_device
from grader.reference import initialization as ref

__all__ = ["fans", "gain", "xavier", "kaiming", "orthogonal", "layer_stats", "residual_init", "lsuv"]

#: seeds of the draws; tests run the checks with many others (``seed=``)
SEED = 1234
_SHAPES = [(300, 500), (64, 32, 3, 3), (200, 96, 5)]
_HELPERS = ("compute_fans", "calculate_gain", "lecun_normal", "xavier_normal", "xavier_uniform",
            "kaiming_normal", "kaiming_uniform", "orthogonal")


def _others(name: str) -> dict[str, Callable]:
    return {n: getattr(ref, n) for n in _HELPERS if n != name}


def _draw(g: Group, fn: Callable, shape, seed: int, **kw) -> torch.Tensor:
    """One call with a seeded generator; checks shape, default dtype and the generator's device."""
    with g.bound(fn, _others(fn.__name__)):
        w = g.call(fn, shape, generator=generator(seed), **kw).get()
    return expect_tensor(w, torch.empty(shape, dtype=torch.get_default_dtype()), f"{fn.__name__}{tuple(shape)}")


def _generator_only(g: Group, fn: Callable, shape, seed: int, **kw) -> None:
    """Equal generator seeds give equal tensors, whatever the global RNG did; the global RNG is untouched."""
    torch.manual_seed(seed + 1)
    state = torch.get_rng_state()
    first = _draw(g, fn, shape, seed, **kw)
    if not torch.equal(torch.get_rng_state(), state):
        raise Failure(f"{fn.__name__} drew from torch's global random generator",
                      hint="pass generator=generator to every torch.randn / torch.rand call")
    torch.manual_seed(seed + 2)
    expect_repeatable(first, _draw(g, fn, shape, seed, **kw), fn.__name__)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        w = g.call(fn, shape, generator=generator(seed), **kw).get()
        if type(w) is not torch.Tensor or w.dtype != torch.float64:
            raise Failure(f"{fn.__name__} ignored the default dtype (torch.float64 was set)",
                          hint="create tensors without a dtype, or with dtype=torch.get_default_dtype()")
    finally:
        torch.set_default_dtype(old)


@trusted
def fans(compute_fans: Callable) -> float:
    g = Group("fans", POINTS["fans"])
    shapes = [(3, 5), (10, 1), (8, 4, 3, 3), (16, 3, 5), (6, 2, 3, 4, 5), (1, 7)]
    with g.sub(f"matches the reference on {len(shapes)} shapes (Linear and conv 1-D, 2-D, 3-D)", 1):
        for shape in shapes:
            got = expect_tuple(g.call(compute_fans, shape).get(), 2, "compute_fans")
            want = ref.compute_fans(shape)
            if tuple(got) != tuple(want) or any(type(v) is not int for v in got):
                hint = "torch stores a Linear weight as (out, in)" if tuple(got) == tuple(want)[::-1] else \
                    "a conv weight is (C_out, C_in, *kernel): both fans include the kernel size"
                raise Failure(f"compute_fans({shape}) = {tuple(got)!r}, expected {tuple(want)} (Python ints)",
                              hint=hint)
    g.rules_line(())
    return g.finish()


@trusted
def gain(calculate_gain: Callable) -> float:
    g = Group("gain", POINTS["gain"], FORBIDDEN["gain"])
    families = [("linear and convolutions: 1", [("linear", None), ("conv1d", None), ("conv2d", None),
                                                 ("conv3d", None), ("conv_transpose2d", None)]),
                ("sigmoid and tanh", [("sigmoid", None), ("tanh", None)]),
                ("relu and leaky_relu (with its slope)", [("relu", None), ("leaky_relu", None),
                                                          ("leaky_relu", 0.2), ("leaky_relu", 0.0)]),
                ("selu", [("selu", None)])]
    for label, cases in families:
        with g.sub(f"matches torch's values: {label}", 0.5 * len(cases) ** 0.5):
            for name, param in cases:
                got = g.call(calculate_gain, name, param).get()
                want = ref.calculate_gain(name, param)
                if type(got) is not float or abs(got - want) > 1e-9 * max(1.0, want):
                    raise Failure(f"calculate_gain({name!r}, {param!r}) = {got!r}, expected {want!r} (a float)")
    g.rules_line(FORBIDDEN["gain"])
    return g.finish()


def _fan_std(shape, gain: float = 1.0, mode: str = "avg") -> float:
    fan_in, fan_out = ref.compute_fans(shape)
    fan = {"avg": (fan_in + fan_out) / 2, "fan_in": fan_in, "fan_out": fan_out}[mode]
    return gain / math.sqrt(fan)


def _xavier(lecun_normal, xavier_normal, xavier_uniform, seed: int) -> float:
    g = Group("xavier", POINTS["xavier"], FORBIDDEN["xavier"])
    with g.sub("lecun_normal: normal with std 1/√fan_in, for Linear and conv shapes", 1):
        for i, shape in enumerate(_SHAPES):
            w = _draw(g, lecun_normal, shape, seed + i)
            expect_mean_std(w, _fan_std(shape, mode="fan_in"), f"lecun_normal{shape}")
            expect_normal_shape(w, _fan_std(shape, mode="fan_in"), f"lecun_normal{shape}")
    with g.sub("xavier_normal: normal with std gain·√(2/(fan_in + fan_out)), gain 1 and 5/3", 1):
        for i, shape in enumerate(_SHAPES):
            for gain_ in (1.0, 5 / 3):
                w = _draw(g, xavier_normal, shape, seed + 10 + i, gain=gain_)
                expect_mean_std(w, _fan_std(shape, gain_), f"xavier_normal{shape}, gain={gain_:.3g}")
                expect_normal_shape(w, _fan_std(shape, gain_), f"xavier_normal{shape}")
    with g.sub("xavier_uniform: uniform on ±gain·√(6/(fan_in + fan_out)), gain 1 and 5/3", 1):
        for i, shape in enumerate(_SHAPES):
            for gain_ in (1.0, 5 / 3):
                w = _draw(g, xavier_uniform, shape, seed + 20 + i, gain=gain_)
                expect_uniform_bound(w, math.sqrt(3) * _fan_std(shape, gain_), f"xavier_uniform{shape}")
                expect_mean_std(w, _fan_std(shape, gain_), f"xavier_uniform{shape}, gain={gain_:.3g}")
    with g.sub("draws only from the generator given, in the default dtype", 0.5):
        for fn in (lecun_normal, xavier_normal, xavier_uniform):
            _generator_only(g, fn, (30, 20), seed)
    g.rules_line(FORBIDDEN["xavier"])
    return g.finish()


@trusted
def xavier(lecun_normal: Callable, xavier_normal: Callable, xavier_uniform: Callable) -> float:
    return _xavier(lecun_normal, xavier_normal, xavier_uniform, SEED)


_KAIMING_CASES = [dict(), dict(nonlinearity="relu"), dict(a=0.2, mode="fan_out"),
                  dict(nonlinearity="tanh", mode="fan_out"), dict(a=0.1, nonlinearity="leaky_relu")]


def _kaiming_std(shape, kw: dict) -> float:
    gain_ = ref.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0.0))
    return _fan_std(shape, gain_, kw.get("mode", "fan_in"))


def _kaiming(kaiming_normal, kaiming_uniform, seed: int) -> float:
    g = Group("kaiming", POINTS["kaiming"], FORBIDDEN["kaiming"])
    for name, fn, weight in (("kaiming_normal", kaiming_normal, 1.25), ("kaiming_uniform", kaiming_uniform, 1.25)):
        with g.sub(f"{name}: std gain/√fan for {len(_KAIMING_CASES)} settings of a, mode and nonlinearity",
                   weight):
            for i, kw in enumerate(_KAIMING_CASES):
                shape = _SHAPES[i % len(_SHAPES)]
                w = _draw(g, fn, shape, seed + 7 * i, **kw)
                std = _kaiming_std(shape, kw)
                if fn is kaiming_uniform:
                    expect_uniform_bound(w, math.sqrt(3) * std, f"{name}{shape}, {kw or 'defaults'}")
                expect_mean_std(w, std, f"{name}{shape}, {kw or 'defaults'}")
                if fn is kaiming_normal:
                    expect_normal_shape(w, std, f"{name}{shape}")
    with g.sub("draws only from the generator given, in the default dtype", 0.5):
        for fn in (kaiming_normal, kaiming_uniform):
            _generator_only(g, fn, (30, 20), seed, nonlinearity="relu")
    g.rules_line(FORBIDDEN["kaiming"])
    return g.finish()


@trusted
def kaiming(kaiming_normal: Callable, kaiming_uniform: Callable) -> float:
    return _kaiming(kaiming_normal, kaiming_uniform, SEED)


def _orthogonal(orthogonal, seed: int) -> float:
    g = Group("orthogonal", POINTS["orthogonal"], FORBIDDEN["orthogonal"])
    cases = [((5, 8), 1.0), ((8, 5), 1.0), ((6, 6), 2.0), ((4, 3, 2, 2), 1.5), ((12, 3, 2), 0.5)]
    with g.sub(f"rows or columns (whichever are fewer) orthonormal times gain, {len(cases)} shapes", 1.5):
        for i, (shape, gain_) in enumerate(cases):
            w = _draw(g, orthogonal, shape, seed + i, gain=gain_)
            flat = w.reshape(shape[0], -1).to(torch.float64)
            rows, cols = flat.shape
            gram = flat @ flat.T if rows <= cols else flat.T @ flat
            want = gain_ ** 2 * torch.eye(min(rows, cols), dtype=torch.float64)
            assert_close(gram, want, f"the Gram matrix of orthogonal({shape}, gain={gain_})", atol=1e-4, rtol=1e-4,
                         hint="orthonormalise the fewer of rows and columns (QR or SVD), then multiply by gain")
    with g.sub("random: different seeds give different matrices; equal seeds equal ones", 0.5):
        a, b = _draw(g, orthogonal, (6, 6), seed), _draw(g, orthogonal, (6, 6), seed + 1)
        if torch.allclose(a, b) or torch.allclose(a.abs(), torch.eye(6)):
            raise Failure("orthogonal returned the same matrix for different seeds",
                          hint="start from a random matrix drawn with the generator")
        _generator_only(g, orthogonal, (6, 6), seed)
    g.rules_line(FORBIDDEN["orthogonal"])
    return g.finish()


@trusted
def orthogonal(orthogonal: Callable) -> float:
    return _orthogonal(orthogonal, SEED)


@trusted
def layer_stats(layer_stats: Callable) -> float:
    g = Group("layer_stats", POINTS["layer_stats"])
    make = inputs_on(get_device(), 61)
    x = make((40, 12), torch.float32)
    weights = [make((12, 20), torch.float32) * 0.3, make((20, 20), torch.float32) * 0.5,
               make((20, 7), torch.float32) * 0.2]
    relu = lambda t: t.clamp(min=0)  # noqa: E731
    with g.sub("matches the reference for tanh, ReLU and identity activations (float32, float64)", 2):
        for act_name, act in (("tanh", torch.tanh), ("relu", relu), ("identity", lambda t: t)):
            for dtype in (torch.float32, torch.float64):
                xs, ws = x.to(dtype), [w.to(dtype) for w in weights]
                got = g.call(layer_stats, xs, ws, act).get()
                want = ref.layer_stats(xs, ws, act)
                h, unbiased = xs, []
                for w in ws:
                    h = act(h @ w)
                    unbiased.append([h.mean().item(), h.std().item()])
                assert_close(got, want, f"stats with {act_name} ({dtype})",
                             mistakes=[(torch.tensor(unbiased, dtype=dtype, device=want.device),
                                        "this is the unbiased std (N − 1): divide by N")],
                             hint="per layer: mean and std over all its activations, after the nonlinearity")
    g.rules_line(())
    return g.finish()


def _residual(init_residual_mlp, seed: int) -> float:
    g = Group("residual_init", POINTS["residual_init"], FORBIDDEN["residual_init"])
    blocks: list = []
    with g.sub("num_blocks pairs (W1, W2) of shape (width, width); W2 exactly zero", 0.75):
        with g.bound(init_residual_mlp, _others("init_residual_mlp")):
            blocks = g.call(init_residual_mlp, 6, 150, generator=generator(seed)).get()
        if not isinstance(blocks, list) or len(blocks) != 6:
            raise Failure(f"expected a list of 6 pairs, got {type(blocks).__name__}")
        like = torch.empty(150, 150, dtype=torch.get_default_dtype())
        for i, pair in enumerate(blocks):
            W1, W2 = expect_tuple(pair, 2, f"block {i}")
            expect_tensor(W1, like, f"W1 of block {i}")
            expect_tensor(W2, like, f"W2 of block {i}")
            if bool(W2.any()):
                raise Failure(f"W2 of block {i} is not zero", hint="zero the last layer so each block starts as the identity")
    with g.sub("W1 is Kaiming normal for ReLU: std √(2/width), a fresh draw per block", 0.75):
        if len(blocks) != 6:
            raise Failure("no blocks to check (see above)")
        W1s = torch.stack([b[0] for b in blocks])
        expect_mean_std(W1s, math.sqrt(2 / 150), "W1 of all blocks")
        expect_normal_shape(W1s, math.sqrt(2 / 150), "W1 of all blocks")
        if torch.equal(W1s[0], W1s[1]):
            raise Failure("every block got the same W1", hint="draw a new matrix for each block")
    with g.sub("draws only from the generator given", 0.5):
        torch.manual_seed(seed + 1)
        first = g.call(init_residual_mlp, 2, 20, generator=generator(seed)).get()
        torch.manual_seed(seed + 2)
        second = g.call(init_residual_mlp, 2, 20, generator=generator(seed)).get()
        expect_repeatable(torch.stack([b[0] for b in first]), torch.stack([b[0] for b in second]),
                          "init_residual_mlp")
    g.rules_line(FORBIDDEN["residual_init"])
    return g.finish()


@trusted
def residual_init(init_residual_mlp: Callable) -> float:
    return _residual(init_residual_mlp, SEED)


@trusted
def lsuv(lsuv_init: Callable) -> float:
    g = Group("lsuv", POINTS["lsuv"], FORBIDDEN["lsuv"])
    make = inputs_on(get_device(), 71)
    x = make((300, 24), torch.float64) * 3 + 1
    relu = lambda t: t.clamp(min=0)  # noqa: E731
    cases = [("tanh", torch.tanh, [make((24, 40), torch.float64) * 5, make((40, 40), torch.float64) * 0.01,
                                   make((40, 10), torch.float64)]),
             ("relu", relu, [make((24, 32), torch.float32) * 0.1, make((32, 16), torch.float32) * 4])]
    for name, act, weights in cases:
        xs = x.to(weights[0].dtype)
        with g.sub(f"{name}: every layer's pre-activation h @ W has std 1 ± tol, weights orthogonal up to scale", 1):
            with g.bound(lsuv_init, _others("lsuv_init")):
                new = g.call(lsuv_init, weights, xs, act).get()
            if not isinstance(new, (list, tuple)) or len(new) != len(weights):
                raise Failure(f"expected {len(weights)} weights back, got {type(new).__name__}")
            h = xs
            for i, (W, old) in enumerate(zip(new, weights), 1):
                W = expect_tensor(W, old, f"weight {i}")
                gram = W.T @ W if W.shape[0] >= W.shape[1] else W @ W.T
                scale = gram.diagonal().mean()
                assert_close(gram / scale, torch.eye(gram.shape[0], dtype=W.dtype), f"weight {i} (normalised Gram)",
                             atol=1e-4, rtol=1e-4, hint="orthogonalise each weight first (e.g. torch.linalg.qr)")
                pre = h @ W
                std = pre.std(correction=0).item()
                if abs(std - 1) > 0.05 + 1e-6:
                    raise Failure(f"layer {i}: the pre-activation std is {std:.4f}, expected 1 ± 0.05",
                                  hint="rescale W by the std of h @ W, where h is the previous layer's output")
                h = act(pre)
    with g.sub("a layer whose input is all zeros is left alone (no division by zero)", 0.5):
        zero = lambda t: t * 0  # noqa: E731
        new = g.call(lsuv_init, [make((24, 8), torch.float64), make((8, 4), torch.float64)], x, zero).get()
        if not isinstance(new, (list, tuple)) or not all(type(w) is torch.Tensor and bool(torch.isfinite(w).all())
                                                          for w in new):
            raise Failure("lsuv_init returned inf or nan when a layer's pre-activation std was 0")
    g.rules_line(FORBIDDEN["lsuv"])
    return g.finish()


#: The random groups' checks with the seed as a parameter, for the tests that run a
#: correct answer against many seeds (false failures must stay below 1e-6 per check).
SEEDED = {"xavier": _xavier, "kaiming": _kaiming, "orthogonal": _orthogonal, "residual_init": _residual}
