"""grader.reference.activations against torch: every forward against torch's own
module (or, where torch has none, the formula written out here), every backward
against autograd of an independently written torch expression, in float32 and
float64, with the edge cases the hidden checks rely on."""
from __future__ import annotations

import math
import warnings

import pytest
import torch
from torch import nn

from grader.reference import activations as ref

DTYPES = [torch.float32, torch.float64]
SELU_ALPHA = 1.6732632423543772848170429916717  # EXERCISES.md, equal to torch's
SELU_SCALE = 1.0507009873554804934193349852946


def _sig(x):
    return 1 / (1 + torch.exp(-x))


def _gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


# name, keyword arguments, torch's own module or the formula (forward oracle),
# an independent expression (backward oracle, via autograd).
ELEMENTWISE = [
    ("sigmoid", {}, nn.Sigmoid(), _sig),
    ("tanh", {}, nn.Tanh(), lambda x: (torch.exp(2 * x) - 1) / (torch.exp(2 * x) + 1)),
    ("relu", {}, nn.ReLU(), lambda x: x * (x > 0)),
    ("leaky_relu", {}, nn.LeakyReLU(), lambda x: torch.where(x > 0, x, 0.01 * x)),
    ("leaky_relu", {"negative_slope": 0.2}, nn.LeakyReLU(0.2), lambda x: torch.where(x > 0, x, 0.2 * x)),
    ("elu", {}, nn.ELU(), lambda x: torch.where(x > 0, x, torch.expm1(x.clamp(max=0)))),
    ("elu", {"alpha": 0.5}, nn.ELU(0.5), lambda x: torch.where(x > 0, x, 0.5 * torch.expm1(x.clamp(max=0)))),
    ("selu", {}, nn.SELU(),
     lambda x: SELU_SCALE * torch.where(x > 0, x, SELU_ALPHA * torch.expm1(x.clamp(max=0)))),
    ("gelu", {}, nn.GELU(), lambda x: 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))),
    ("gelu", {"approximate": "tanh"}, nn.GELU("tanh"), _gelu_tanh),
    ("gelu", {"approximate": "sigmoid"}, lambda x: x * torch.sigmoid(1.702 * x), lambda x: x * _sig(1.702 * x)),
    ("swish", {}, nn.SiLU(), lambda x: x * _sig(x)),
    ("swish", {"beta": 2.0}, lambda x: x * torch.sigmoid(2.0 * x), lambda x: x * _sig(2.0 * x)),
    ("swish", {"beta": 0.5}, lambda x: x * torch.sigmoid(0.5 * x), lambda x: x * _sig(0.5 * x)),
]
IDS = [name + "".join(f"-{v}" for v in kw.values()) for name, kw, *_ in ELEMENTWISE]

# Gradient at x = -1e4 and x = 1e4 (with dout = 1), and at x = 0 exactly.
TAILS = {"sigmoid": (0, 0), "tanh": (0, 0), "relu": (0, 1), "leaky_relu": ("negative_slope", 1),
         "elu": (0, 1), "selu": (0, SELU_SCALE), "gelu": (0, 1), "swish": (0, 1)}
AT_ZERO = {"sigmoid": 0.25, "tanh": 1.0, "relu": 0.0, "gelu": 0.5, "swish": 0.5, "selu": SELU_SCALE * SELU_ALPHA}


def _pair(name):
    return getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")


def _autograd(fn, inputs, dout):
    leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
    grads = torch.autograd.grad(fn(*leaves), leaves, dout)
    return grads


def _same_kind(t, like):
    assert type(t) is torch.Tensor and t.dtype == like.dtype and t.device == like.device


def _gen(seed):
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw,torch_fn,expr", ELEMENTWISE, ids=IDS)
def test_elementwise_matches_torch_and_autograd(name, kw, torch_fn, expr, dtype):
    fwd, bwd = _pair(name)
    g = _gen(0)
    x = torch.randn(4, 3, 5, generator=g, dtype=dtype) * 3
    dout = torch.randn(x.shape, generator=g, dtype=dtype)
    out, cache = fwd(x, **kw)
    _same_kind(out, x)
    torch.testing.assert_close(out, torch_fn(x))
    dx = bwd(dout, cache)
    _same_kind(dx, x)
    torch.testing.assert_close(dx, _autograd(expr, [x], dout)[0])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,kw,torch_fn,expr", ELEMENTWISE, ids=IDS)
def test_elementwise_edges(name, kw, torch_fn, expr, dtype):
    fwd, bwd = _pair(name)
    x = torch.tensor([-1e4, 1e4, 0.0, 0.0], dtype=dtype)
    dout = torch.tensor([1.0, 1.0, 1.0, -2.0], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, cache = fwd(x, **kw)
        dx = bwd(dout, cache)
    assert torch.isfinite(out).all() and torch.isfinite(dx).all()
    torch.testing.assert_close(out, torch_fn(x))
    slope = kw.get("negative_slope", 0.01)
    tails = [slope if v == "negative_slope" else v for v in TAILS[name]]
    zero = AT_ZERO.get(name, slope if name == "leaky_relu" else kw.get("alpha", 1.0))
    expected = torch.tensor([*tails, zero, -2 * zero], dtype=dtype)
    torch.testing.assert_close(dx, expected, rtol=1e-6, atol=0.0)

    empty = torch.zeros(0, 3, dtype=dtype)
    out, cache = fwd(empty, **kw)
    assert out.shape == (0, 3) and bwd(empty, cache).shape == (0, 3)


def test_gelu_rejects_unknown_approximation():
    for bad in ("erf", "Tanh", "", None):
        with pytest.raises(ValueError):
            ref.gelu_forward(torch.zeros(3), approximate=bad)


def test_selu_constants_are_torchs_and_the_catalogues():
    x = torch.tensor([1.0, -1e4], dtype=torch.float64)
    out, _ = ref.selu_forward(x)
    torch.testing.assert_close(out, torch.tensor([SELU_SCALE, -SELU_SCALE * SELU_ALPHA], dtype=torch.float64),
                               rtol=1e-15, atol=0.0)


def test_backward_works_under_no_grad_and_inference_mode_and_leaves_inputs_alone():
    x = torch.tensor([-1.0, 0.0, 2.0])
    for ctx in (torch.no_grad, torch.inference_mode):
        with ctx():
            xi = x.clone()
            out, cache = ref.elu_forward(xi)
            dx = ref.elu_backward(torch.ones_like(xi), cache)
        torch.testing.assert_close(dx, torch.tensor([math.exp(-1.0), 1.0, 1.0]))
        assert not xi.requires_grad and not dx.requires_grad


# ---------------------------------------------------------------- PReLU

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,alpha_shape", [((5, 3), ()), ((5, 3), (3,)), ((2, 3, 4, 5), (3,)),
                                               ((2, 3, 4, 5), ()), ((0, 3), (3,))])
def test_prelu_matches_torch_and_autograd(shape, alpha_shape, dtype):
    g = _gen(1)
    x = torch.randn(shape, generator=g, dtype=dtype)
    x.view(-1)[::5] = 0.0  # exact zeros take alpha's slope, and contribute 0 to dalpha
    alpha = torch.rand(alpha_shape, generator=g, dtype=dtype) + 0.1
    dout = torch.randn(shape, generator=g, dtype=dtype)
    out, cache = ref.prelu_forward(x, alpha)
    _same_kind(out, x)
    module = nn.PReLU(alpha.numel()).to(dtype)
    with torch.no_grad():
        module.weight.copy_(alpha.reshape(-1))
        torch.testing.assert_close(out, module(x))

    def expr(x_, a_):  # alpha lined up with dim 1 by hand
        a = a_ if a_.dim() == 0 else a_.reshape([1, -1] + [1] * (x_.dim() - 2))
        return torch.where(x_ > 0, x_, a * x_)

    dx, dalpha = ref.prelu_backward(dout, cache)
    assert dalpha.shape == alpha.shape
    _same_kind(dx, x)
    _same_kind(dalpha, alpha)
    want_dx, want_dalpha = _autograd(expr, [x, alpha], dout)
    torch.testing.assert_close(dx, want_dx)
    torch.testing.assert_close(dalpha, want_dalpha)


def test_prelu_at_zero_takes_alpha():
    alpha = torch.tensor([0.1, 0.2, 0.3])
    dx, dalpha = ref.prelu_backward(torch.full((2, 3), 2.0), ref.prelu_forward(torch.zeros(2, 3), alpha)[1])
    torch.testing.assert_close(dx, (2 * alpha).expand(2, 3))
    torch.testing.assert_close(dalpha, torch.zeros(3))


# ---------------------------------------------------------------- maxout

def _maxout_formula(x, W, b):
    return (torch.einsum("nd,kdm->knm", x, W) + b[:, None, :]).amax(dim=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("N,D,k,M", [(6, 4, 3, 5), (2, 3, 2, 7), (0, 3, 2, 4)])
def test_maxout_matches_formula_and_autograd(N, D, k, M, dtype):
    g = _gen(2)
    x, W, b = (torch.randn(s, generator=g, dtype=dtype) for s in ((N, D), (k, D, M), (k, M)))
    dout = torch.randn(N, M, generator=g, dtype=dtype)
    out, cache = ref.maxout_forward(x, W, b)
    assert out.shape == (N, M)
    _same_kind(out, x)
    torch.testing.assert_close(out, _maxout_formula(x, W, b))
    got = ref.maxout_backward(dout, cache)
    for have, want, like in zip(got, _autograd(_maxout_formula, [x, W, b], dout), (x, W, b)):
        assert have.shape == like.shape
        _same_kind(have, like)
        torch.testing.assert_close(have, want)


@pytest.mark.parametrize("dtype", DTYPES)
def test_maxout_ties_go_to_the_lowest_k(dtype):
    g = _gen(3)
    x = torch.randn(5, 4, generator=g, dtype=dtype)
    W, b = torch.randn(3, 4, 2, generator=g, dtype=dtype), torch.randn(3, 2, generator=g, dtype=dtype)
    W[2], b[2] = W[0], b[0]   # pieces 0 and 2 tie exactly everywhere
    b[1] = -1e6               # and piece 1 never wins
    dout = torch.randn(5, 2, generator=g, dtype=dtype)
    out, cache = ref.maxout_forward(x, W, b)
    torch.testing.assert_close(out, x @ W[0] + b[0])
    dx, dW, db = ref.maxout_backward(dout, cache)
    torch.testing.assert_close(dW[0], x.T @ dout)
    torch.testing.assert_close(db[0], dout.sum(0))
    torch.testing.assert_close(dx, dout @ W[0].T)
    assert (dW[1:] == 0).all() and (db[1:] == 0).all()

    W_all, b_all = W[:1].expand(4, -1, -1).clone(), b[:1].expand(4, -1).clone()  # all four pieces equal
    dx, dW, db = ref.maxout_backward(dout, ref.maxout_forward(x, W_all, b_all)[1])
    torch.testing.assert_close(db[0], dout.sum(0))
    assert (dW[1:] == 0).all() and (db[1:] == 0).all()


# ---------------------------------------------------------------- SwiGLU

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("beta", [1.0, 2.0, 0.5])
def test_swiglu_matches_formula(beta, dtype):
    g = _gen(4)
    x, W, V = (torch.randn(s, generator=g, dtype=dtype) for s in ((5, 4), (4, 6), (4, 6)))
    b, c = torch.randn(6, generator=g, dtype=dtype), torch.randn(6, generator=g, dtype=dtype)
    out = ref.swiglu_forward(x, W, V, b, c, beta=beta)
    _same_kind(out, x)
    gate = x @ W + b
    torch.testing.assert_close(out, gate * torch.sigmoid(beta * gate) * (x @ V + c))
    assert ref.swiglu_forward(x[:0], W, V, b, c, beta=beta).shape == (0, 6)


# ---------------------------------------------------------------- dead units

def test_dead_unit_fraction_by_hand():
    # unit 0 negative for both inputs, unit 1 exactly 0 for both (dead too), unit 2 fires once
    preact = torch.tensor([[-1.0, 0.0, 2.0], [-3.0, 0.0, -1.0]])
    got = ref.dead_unit_fraction(preact)
    assert type(got) is float and got == 2 / 3
    assert ref.dead_unit_fraction(torch.tensor([[1.0, -1.0, 0.5]], dtype=torch.float64)) == 1 / 3
    assert ref.dead_unit_fraction(torch.zeros(3, 4)) == 1.0
    assert ref.dead_unit_fraction(torch.ones(3, 4)) == 0.0
    assert ref.dead_unit_fraction(torch.zeros(3, 0)) == 0.0
    with pytest.raises(ValueError):
        ref.dead_unit_fraction(torch.zeros(4))


def test_every_public_function_is_trusted():
    names = [n for n in ref.__all__ if callable(getattr(ref, n))]
    assert len(names) == 22
    assert all(getattr(getattr(ref, n), "__grader_trusted__", False) for n in names)


# ---------------------------------------------------------------- CUDA against CPU

def _all_results(device, dtype):
    """Every reference on one device: a list of tensors and floats (CPU copies) to compare."""
    g = _gen(5)

    def rnd(*shape):
        return torch.randn(shape, generator=g, dtype=dtype).to(device)

    results = []
    x = torch.cat([rnd(40) * 3, torch.tensor([-1e4, 0.0, 1e4], dtype=dtype, device=device)])
    dout = rnd(43)
    for name, kw, *_ in ELEMENTWISE:
        fwd, bwd = _pair(name)
        out, cache = fwd(x, **kw)
        results += [out, bwd(dout, cache)]
    for alpha in (rnd().abs(), rnd(3).abs()):
        xp, dp = rnd(2, 3, 4, 5), rnd(2, 3, 4, 5)
        out, cache = ref.prelu_forward(xp, alpha)
        results += [out, *ref.prelu_backward(dp, cache)]
    xm, W, b = rnd(64, 4), rnd(3, 4, 8), rnd(3, 8)
    W[1], W[2], b[1], b[2] = W[0], W[0], b[0], b[0]  # every output a three-way tie
    out, cache = ref.maxout_forward(xm, W, b)
    dx, dW, db = ref.maxout_backward(rnd(64, 8), cache)
    assert (dW[1:] == 0).all() and (db[1:] == 0).all(), f"a tie went past k = 0 on {device}"
    results += [out, dx, dW, db]
    results.append(ref.swiglu_forward(rnd(5, 4), rnd(4, 6), rnd(4, 6), rnd(6), rnd(6), beta=2.0))
    results.append(ref.dead_unit_fraction(rnd(50, 8) - 1.0))
    for t in results:
        if isinstance(t, torch.Tensor):
            assert t.device.type == torch.device(device).type and t.dtype == dtype
    return [t.cpu() if isinstance(t, torch.Tensor) else t for t in results]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_references_on_cuda_match_cpu(dtype):
    for on_gpu, on_cpu in zip(_all_results("cuda", dtype), _all_results("cpu", dtype)):
        if isinstance(on_cpu, float):
            assert type(on_gpu) is float and on_gpu == on_cpu
        else:
            torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-4 if dtype == torch.float32 else 1e-9,
                                       atol=1e-5 if dtype == torch.float32 else 1e-11)
