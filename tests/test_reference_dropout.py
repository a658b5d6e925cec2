"""grader.reference.dropout against torch: penalties against autograd of the loss
formula, the random layers by their statistics (every bound Z = 5.5 standard
errors wide, so a correct reference fails one by bad luck with probability
about 4e-8, well under 1e-6), batch normalisation against
torch.nn.functional.batch_norm and nn.BatchNorm1d over several steps, and the
soft cross-entropy against torch.nn.functional.cross_entropy."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from grader.reference import dropout as ref

DTYPES = [torch.float32, torch.float64]
Z = 5.5  # standard errors per statistical bound (two-sided normal tail ≈ 4e-8)


def _gen(seed, device="cpu"):
    return torch.Generator(device=device).manual_seed(seed)


def _positive(shape, seed, dtype=torch.float32, device="cpu"):
    """Values in [0.5, 1.5]: never 0, so a 0 in the output is a dropped entry."""
    return (torch.rand(shape, generator=_gen(seed), dtype=torch.float64) + 0.5).to(device, dtype)


def _same_kind(t, like):
    assert type(t) is torch.Tensor and t.dtype == like.dtype and t.device == like.device


def _autograd(fn, inputs, dout=None):
    leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
    out = fn(*leaves)
    return torch.autograd.grad(out, leaves, torch.ones_like(out) if dout is None else dout)


def _within(observed, expected, se, what):
    assert abs(observed - expected) <= Z * se, f"{what}: {observed:.5f}, expected {expected:.5f} ± {Z * se:.5f}"


def _binomial(rate, p, n, what):
    _within(rate, p, math.sqrt(p * (1 - p) / n), what)


# ---------------------------------------------------------------- penalties

PENALTIES = [
    ("l2_penalty", (), lambda W, reg: reg * W.pow(2).sum(), lambda W, reg: 2 * reg * W),
    ("l1_penalty", (), lambda W, reg: reg * torch.sqrt(W * W).sum(), lambda W, reg: reg * torch.sign(W)),
    ("elastic_net_penalty", (0.7,), lambda W, reg: reg * (0.7 * W.pow(2) + torch.sqrt(W * W)).sum(),
     lambda W, reg: reg * (1.4 * W + torch.sign(W))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,extra,formula,by_hand", PENALTIES, ids=[p[0] for p in PENALTIES])
def test_penalties_match_autograd_of_the_loss(name, extra, formula, by_hand, dtype):
    g = _gen(0)
    for shape in ((7, 5), (3, 4, 2), (6,)):
        W = torch.randn(shape, generator=g, dtype=dtype)
        W.view(-1)[:2] = 1.0  # nonzero where sqrt(W·W) has a gradient; zeros are tested below
        for reg in (0.1, 2.5):
            loss, dW = getattr(ref, name)(W, reg, *extra)
            assert loss.dim() == 0
            _same_kind(loss, W)
            _same_kind(dW, W)
            torch.testing.assert_close(loss, formula(W, reg))
            torch.testing.assert_close(dW, _autograd(lambda w: formula(w, reg), [W])[0])
            torch.testing.assert_close(dW, by_hand(W, reg))


@pytest.mark.parametrize("name,extra,formula,by_hand", PENALTIES, ids=[p[0] for p in PENALTIES])
def test_penalty_gradient_of_abs_is_zero_at_zero(name, extra, formula, by_hand):
    W = torch.tensor([[0.0, 1.0], [-2.0, 0.0]])
    loss, dW = getattr(ref, name)(W, 0.5, *extra)
    torch.testing.assert_close(dW, by_hand(W, 0.5))
    assert dW[0, 0] == 0 and dW[1, 1] == 0
    assert not loss.requires_grad and not dW.requires_grad


def test_penalties_by_hand():
    W = torch.tensor([[1.0, -2.0], [0.0, 3.0]])
    assert ref.l2_penalty(W, 0.5)[0].item() == 7.0
    assert ref.l1_penalty(W, 0.5)[0].item() == 3.0
    loss, dW = ref.elastic_net_penalty(W, 0.5, 2.0)
    assert loss.item() == 17.0
    torch.testing.assert_close(dW, torch.tensor([[2.5, -4.5], [0.0, 6.5]]))


# ---------------------------------------------------------------- dropout and vanilla dropout

DROPOUTS = [("dropout", True), ("vanilla_dropout", False)]


def _pair(name):
    return getattr(ref, f"{name}_forward"), getattr(ref, f"{name}_backward")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
@pytest.mark.parametrize("name,inverted", DROPOUTS)
def test_dropout_statistics(name, inverted, p, dtype):
    fwd, bwd = _pair(name)
    x = _positive((200, 500), 1, dtype)
    n = x.numel()
    out, cache = fwd(x, p, train=True, generator=_gen(2))
    _same_kind(out, x)
    kept = out != 0
    _binomial(kept.double().mean().item(), 1 - p, n, f"fraction kept (p = {p})")
    # independent entries: two neighbours agree with probability p² + (1 − p)²
    same = (kept[:, 1:] == kept[:, :-1]).double().mean().item()
    _binomial(same, p * p + (1 - p) ** 2, n // 2, "agreement of neighbouring entries")
    scale = 1 / (1 - p) if inverted else 1.0
    torch.testing.assert_close(out[kept], x[kept] * scale)
    # expectation: out / x is mask · scale, of mean (1 − p) · scale and variance p (1 − p) scale²
    ratio = (out / x).double().mean().item()
    _within(ratio, (1 - p) * scale, scale * math.sqrt(p * (1 - p) / n), "mean of out / x")
    dout = torch.randn(x.shape, generator=_gen(3), dtype=dtype)
    dx = bwd(dout, cache)
    _same_kind(dx, x)
    torch.testing.assert_close(dx, torch.where(kept, dout * scale, torch.zeros_like(dout)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,inverted", DROPOUTS)
def test_dropout_eval_mode_is_deterministic(name, inverted, dtype):
    fwd, bwd = _pair(name)
    x = torch.randn(30, 40, generator=_gen(4), dtype=dtype)
    for p in (0.0, 0.3, 0.9, 1.0):
        factor = 1.0 if inverted else 1 - p
        first, cache = fwd(x, p, train=False, generator=_gen(5))
        second, _ = fwd(x, p, train=False)
        _same_kind(first, x)
        assert torch.equal(first, second)
        torch.testing.assert_close(first, x * factor)
        torch.testing.assert_close(bwd(x, cache), x * factor)


@pytest.mark.parametrize("name,inverted", DROPOUTS)
def test_dropout_p_zero_and_p_one(name, inverted):
    fwd, bwd = _pair(name)
    x = torch.randn(50, 60, generator=_gen(6))
    out, cache = fwd(x, 0.0, train=True, generator=_gen(7))
    assert torch.equal(out, x) and torch.equal(bwd(x, cache), x)
    x[0, :3] = torch.tensor([1e30, -1e30, 0.0])
    out, cache = fwd(x, 1.0, train=True, generator=_gen(8))
    dx = bwd(torch.ones_like(x), cache)
    assert torch.isfinite(out).all() and torch.isfinite(dx).all()
    assert not out.any() and not dx.any()


@pytest.mark.parametrize("name,inverted", DROPOUTS)
def test_dropout_is_repeatable_and_leaves_the_global_rng_alone(name, inverted):
    fwd, _ = _pair(name)
    x = _positive((40, 50), 9)
    state = torch.get_rng_state()
    a, _ = fwd(x, 0.5, generator=_gen(10))
    b, _ = fwd(x, 0.5, generator=_gen(10))
    c, _ = fwd(x, 0.5, generator=_gen(11))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_probabilities_outside_zero_one_are_rejected():
    x = torch.ones(3, 3)
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError):
            ref.dropout_forward(x, p)
        with pytest.raises(ValueError):
            ref.vanilla_dropout_forward(x, p)
        with pytest.raises(ValueError):
            ref.dropconnect_forward(x, x, x[0], p)
        with pytest.raises(ValueError):
            ref.stochastic_depth_forward(x, x, p)


def test_backwards_work_under_inference_mode():
    with torch.inference_mode():
        x = _positive((20, 30), 12)
        ones = torch.ones_like(x)
        out, cache = ref.dropout_forward(x, 0.4, generator=_gen(13))
        results = [ref.dropout_backward(ones, cache)]
        results.append(ref.vanilla_dropout_backward(ones, ref.vanilla_dropout_forward(x, 0.4, generator=_gen(13))[1]))
        W = x.T[:, :20]  # (30, 20)
        results += ref.dropconnect_backward(ones[:, :20], ref.dropconnect_forward(x, W, x[0, :20], 0.4,
                                                                                  generator=_gen(13))[1])
        for mode in ("train", "test"):
            results += ref.batchnorm_backward(ones, ref.batchnorm_forward(x, x[0], x[1], {"mode": mode})[1])
        results += ref.soft_cross_entropy(x, torch.softmax(x, 1))
        results += ref.l1_penalty(x, 0.1)
    torch.testing.assert_close(results[0], (out != 0).float() / 0.6)
    torch.testing.assert_close(results[1], (out != 0).float())
    assert not any(t.requires_grad for t in results)


# ---------------------------------------------------------------- DropConnect

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.25, 0.6])
def test_dropconnect_statistics_and_backward(p, dtype):
    D, M = 120, 150
    W = _positive((D, M), 14, dtype)
    b = _positive((M,), 15, dtype) - 1.0
    x = torch.cat([torch.eye(D, dtype=dtype), torch.eye(D, dtype=dtype)])  # row d of out − b is row d of W̃
    out, cache = ref.dropconnect_forward(x, W, b, p, train=True, generator=_gen(16))
    _same_kind(out, x)
    assert out.shape == (2 * D, M)
    masked = out - b
    torch.testing.assert_close(masked[:D], masked[D:], rtol=0, atol=0)  # one mask for the whole batch
    kept = masked[:D] != 0
    _binomial(kept.double().mean().item(), 1 - p, D * M, f"fraction of weights kept (p = {p})")
    torch.testing.assert_close(masked[:D][kept], W[kept] / (1 - p))

    def expr(x_, W_, b_):
        return x_ @ (W_ * kept / (1 - p)) + b_

    dout = torch.randn(out.shape, generator=_gen(17), dtype=dtype)
    for got, want, like in zip(ref.dropconnect_backward(dout, cache), _autograd(expr, [x, W, b], dout), (x, W, b)):
        _same_kind(got, like)
        assert got.shape == like.shape
        torch.testing.assert_close(got, want)


def test_dropconnect_eval_p_zero_and_p_one():
    g = _gen(18)
    x, W, b = torch.randn(6, 4, generator=g), torch.randn(4, 5, generator=g), torch.randn(5, generator=g)
    dout = torch.randn(6, 5, generator=g)
    out, cache = ref.dropconnect_forward(x, W, b, 0.7, train=False, generator=_gen(19))
    torch.testing.assert_close(out, x @ W + b)
    for got, want in zip(ref.dropconnect_backward(dout, cache), (dout @ W.T, x.T @ dout, dout.sum(0))):
        torch.testing.assert_close(got, want)
    out, _ = ref.dropconnect_forward(x, W, b, 0.0, train=True, generator=_gen(20))
    torch.testing.assert_close(out, x @ W + b)
    out, cache = ref.dropconnect_forward(x, W, b, 1.0, train=True, generator=_gen(21))
    grads = ref.dropconnect_backward(dout, cache)
    assert all(torch.isfinite(t).all() for t in (out, *grads))
    torch.testing.assert_close(out, b.expand(6, 5))
    assert not grads[0].any() and not grads[1].any()
    torch.testing.assert_close(grads[2], dout.sum(0))
    a, _ = ref.dropconnect_forward(x, W, b, 0.5, generator=_gen(22))
    assert torch.equal(a, ref.dropconnect_forward(x, W, b, 0.5, generator=_gen(22))[0])


# ---------------------------------------------------------------- batch normalisation

def _bn_case(dtype, N=32, D=6, seed=23):
    g = _gen(seed)
    x = torch.randn(N, D, generator=g, dtype=dtype) * 4 + 3
    return x, torch.rand(D, generator=g, dtype=dtype) + 0.5, torch.randn(D, generator=g, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("settings", [{}, {"eps": 1e-3, "momentum": 0.3}])
def test_batchnorm_matches_torch_over_several_steps(settings, dtype):
    x, gamma, beta = _bn_case(dtype)
    eps, m = settings.get("eps", 1e-5), settings.get("momentum", 0.1)
    bn_param = {"mode": "train", **settings}
    torch_mean, torch_var = torch.zeros(6, dtype=dtype), torch.ones(6, dtype=dtype)
    module = nn.BatchNorm1d(6, eps=eps, momentum=m).to(dtype)
    with torch.no_grad():
        module.weight.copy_(gamma)
        module.bias.copy_(beta)
    for step in range(4):
        xs = x * (step + 1) - step
        out, _ = ref.batchnorm_forward(xs, gamma, beta, bn_param)
        if step == 0:
            held = bn_param["running_mean"], bn_param["running_var"]
        _same_kind(out, x)
        want = F.batch_norm(xs, torch_mean, torch_var, gamma, beta, training=True, momentum=m, eps=eps)
        torch.testing.assert_close(out, want)
        torch.testing.assert_close(out, module(xs).detach())
        hand = gamma * (xs - xs.mean(0)) / torch.sqrt(xs.var(0, correction=0) + eps) + beta
        torch.testing.assert_close(out, hand)
    assert bn_param["running_mean"] is held[0] and bn_param["running_var"] is held[1]  # updated in place
    for mine, theirs in ((bn_param["running_mean"], torch_mean), (bn_param["running_var"], torch_var)):
        torch.testing.assert_close(mine, theirs)
    torch.testing.assert_close(bn_param["running_var"], module.running_var)

    before = [t.clone() for t in held]
    bn_param["mode"] = "test"
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    torch.testing.assert_close(out, F.batch_norm(x, torch_mean, torch_var, gamma, beta, training=False, eps=eps))
    torch.testing.assert_close(out, module.eval()(x).detach())
    assert all(torch.equal(a, b) for a, b in zip(held, before))  # test mode updates nothing


def test_batchnorm_running_update_by_hand():
    x = torch.tensor([[1.0, 0.0], [3.0, 0.0], [5.0, 3.0]], dtype=torch.float64)
    rm, rv = torch.tensor([1.0, 1.0], dtype=torch.float64), torch.tensor([2.0, 2.0], dtype=torch.float64)
    bn_param = {"mode": "train", "momentum": 0.25, "running_mean": rm, "running_var": rv}
    ref.batchnorm_forward(x, torch.ones(2, dtype=x.dtype), torch.zeros(2, dtype=x.dtype), bn_param)
    # batch means (3, 1); unbiased variances (4, 3): running = 0.75 · old + 0.25 · batch
    torch.testing.assert_close(rm, torch.tensor([1.5, 1.0], dtype=x.dtype))
    torch.testing.assert_close(rv, torch.tensor([2.5, 2.25], dtype=x.dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_creates_running_stats_and_needs_two_examples(dtype):
    x, gamma, beta = _bn_case(dtype, N=5, D=3)
    bn_param = {"mode": "test"}
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    for key, fill in (("running_mean", 0.0), ("running_var", 1.0)):
        t = bn_param[key]
        _same_kind(t, x)
        assert t.shape == (3,) and (t == fill).all()
    torch.testing.assert_close(out, gamma * x / math.sqrt(1 + 1e-5) + beta)
    bn_param = {"mode": "train"}
    ref.batchnorm_forward(x, gamma, beta, bn_param)
    torch.testing.assert_close(bn_param["running_mean"], 0.1 * x.mean(0))
    torch.testing.assert_close(bn_param["running_var"], 0.9 + 0.1 * x.var(0, correction=1))
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x[:1], gamma, beta, {"mode": "train"})
    assert ref.batchnorm_forward(x[:1], gamma, beta, {"mode": "test"})[0].shape == (1, 3)
    with pytest.raises(ValueError):
        ref.batchnorm_forward(x, gamma, beta, {"mode": "eval"})


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm_backward_matches_autograd(dtype):
    x, gamma, beta = _bn_case(dtype, N=16, D=5, seed=24)
    dout = torch.randn(16, 5, generator=_gen(25), dtype=dtype)
    eps = 1e-5

    def expr(x_, g_, b_):
        mu = x_.mean(0)
        return g_ * (x_ - mu) / torch.sqrt(((x_ - mu) ** 2).mean(0) + eps) + b_

    _, cache = ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    got = ref.batchnorm_backward(dout, cache)
    for have, want, like in zip(got, _autograd(expr, [x, gamma, beta], dout), (x, gamma, beta)):
        _same_kind(have, like)
        torch.testing.assert_close(have, want)
    xhat = (x - x.mean(0)) / torch.sqrt(x.var(0, correction=0) + eps)
    compact = gamma / (16 * torch.sqrt(x.var(0, correction=0) + eps)) * (
        16 * dout - dout.sum(0) - xhat * (dout * xhat).sum(0))
    torch.testing.assert_close(got[0], compact)

    bn_param = {"mode": "test", "running_mean": x.mean(0), "running_var": x.var(0)}
    _, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["running_var"].mul_(2)  # the cache holds the statistics the forward used
    dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
    torch.testing.assert_close(dx, dout * gamma / torch.sqrt(x.var(0) + eps))
    torch.testing.assert_close(dbeta, dout.sum(0))


# ---------------------------------------------------------------- stochastic depth

def test_stochastic_depth_row_mode_one_coin_per_sample():
    N = 4000
    x, fx = torch.zeros(N, 3, 2), torch.ones(N, 3, 2)
    for i, p in enumerate((0.3, 0.8)):
        out = ref.stochastic_depth_forward(x, fx, p, train=True, mode="row", generator=_gen(26 + i))
        _same_kind(out, x)
        flat = out.reshape(N, -1)
        assert ((flat == 0) | (flat == 1)).all() and (flat == flat[:, :1]).all()  # no rescaling
        _binomial(flat[:, 0].mean().item(), p, N, f"fraction of samples keeping fx (p = {p})")
    again = ref.stochastic_depth_forward(x, fx, 0.8, mode="row", generator=_gen(27))
    assert torch.equal(again, out)


def test_stochastic_depth_batch_mode_one_coin_per_batch():
    x, fx = torch.randn(5, 2, generator=_gen(28)), torch.randn(5, 2, generator=_gen(29))
    calls, kept, g = 400, 0, _gen(30)
    for _ in range(calls):
        out = ref.stochastic_depth_forward(x, fx, 0.7, train=True, mode="batch", generator=g)
        if torch.equal(out, x + fx):
            kept += 1
        else:
            assert torch.equal(out, x)
    _binomial(kept / calls, 0.7, calls, "fraction of batches keeping fx")


def test_stochastic_depth_eval_and_edges():
    x, fx = torch.randn(6, 3, generator=_gen(31)), torch.randn(6, 3, generator=_gen(32))
    for mode in ("row", "batch"):
        torch.testing.assert_close(ref.stochastic_depth_forward(x, fx, 0.65, train=False, mode=mode), x + 0.65 * fx)
        torch.testing.assert_close(ref.stochastic_depth_forward(x, fx, 1.0, mode=mode, generator=_gen(33)), x + fx)
        assert torch.equal(ref.stochastic_depth_forward(x, fx, 0.0, mode=mode, generator=_gen(34)), x)
    with pytest.raises(ValueError):
        ref.stochastic_depth_forward(x, fx, 0.5, mode="column")


def test_linear_decay_survival():
    got = ref.linear_decay_survival(4)
    assert got == [0.875, 0.75, 0.625, 0.5] and all(type(v) is float for v in got)
    assert ref.linear_decay_survival(1, p_last=0.2) == [0.2]  # the last is exactly p_last
    assert ref.linear_decay_survival(0) == []
    got = ref.linear_decay_survival(12, p_last=0.8)
    want = [1 - (l / 12) * 0.2 for l in range(1, 13)]
    assert len(got) == 12 and max(abs(a - b) for a, b in zip(got, want)) < 1e-15
    assert got[-1] == 0.8 and all(a > b for a, b in zip(got, got[1:]))


# ---------------------------------------------------------------- label smoothing

def test_smooth_labels_values_rows_and_dtype():
    y = torch.tensor([0, 3, 1, 4, 4, 2])
    for K, eps in ((5, 0.1), (5, 0.0), (10, 0.3)):
        t = ref.smooth_labels(y, K, eps)
        assert t.shape == (6, K) and t.dtype == torch.get_default_dtype() and t.device == y.device
        torch.testing.assert_close(t.sum(1), torch.ones(6))
        correct = t[torch.arange(6), y]
        torch.testing.assert_close(correct, torch.full((6,), 1 - eps * (K - 1) / K))
        others = t.clone()
        others[torch.arange(6), y] = eps / K
        torch.testing.assert_close(others, torch.full((6, K), eps / K))
    assert torch.equal(ref.smooth_labels(y, 5, 0.0), F.one_hot(y, 5).float())
    old = torch.get_default_dtype()
    try:
        torch.set_default_dtype(torch.float64)
        assert ref.smooth_labels(y.int(), 5, 0.1).dtype == torch.float64
    finally:
        torch.set_default_dtype(old)


@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_cross_entropy_matches_torch(dtype):
    g = _gen(35)
    logits = torch.randn(8, 5, generator=g, dtype=dtype) * 3
    targets = torch.softmax(torch.randn(8, 5, generator=g, dtype=dtype), dim=1)
    loss, dlogits = ref.soft_cross_entropy(logits, targets)
    assert loss.dim() == 0
    _same_kind(loss, logits)
    _same_kind(dlogits, logits)
    torch.testing.assert_close(loss, F.cross_entropy(logits, targets))
    torch.testing.assert_close(loss, -(targets * torch.log_softmax(logits, 1)).sum(1).mean())
    torch.testing.assert_close(dlogits, (torch.softmax(logits, 1) - targets) / 8)
    torch.testing.assert_close(dlogits, _autograd(lambda z: F.cross_entropy(z, targets), [logits])[0])

    y = torch.tensor([0, 1, 4, 2, 2, 3, 0, 1])
    for eps in (0.0, 0.1, 0.4):
        smoothed = ref.smooth_labels(y, 5, eps).to(dtype)  # the default dtype; follow the logits'
        loss, dlogits = ref.soft_cross_entropy(logits, smoothed)
        torch.testing.assert_close(loss, F.cross_entropy(logits, y, label_smoothing=eps))
        torch.testing.assert_close(dlogits, _autograd(lambda z: F.cross_entropy(z, y, label_smoothing=eps),
                                                      [logits])[0])


@pytest.mark.parametrize("dtype", DTYPES)
def test_soft_cross_entropy_is_stable_for_huge_logits(dtype):
    logits = torch.tensor([[1e4, -1e4, 0.0, 0.0], [-1e4, -1e4, -1e4, 1e4]], dtype=dtype)
    targets = torch.tensor([[0.25] * 4, [0.0, 0.0, 0.0, 1.0]], dtype=dtype)
    loss, dlogits = ref.soft_cross_entropy(logits, targets)
    assert torch.isfinite(loss) and torch.isfinite(dlogits).all()
    # row 0: −log softmax = (0, 2e4, 1e4, 1e4), averaged by the targets: 1e4; row 1: 0
    torch.testing.assert_close(loss, torch.tensor(5e3, dtype=dtype))
    torch.testing.assert_close(dlogits, torch.tensor([[0.75, -0.25, -0.25, -0.25], [0.0] * 4], dtype=dtype) / 2)


# ---------------------------------------------------------------- the package

def test_every_public_function_is_trusted_and_the_topic_is_listed():
    from grader.reference import TOPICS

    names = [n for n in ref.__all__ if callable(getattr(ref, n))]
    assert len(names) == 15
    assert all(getattr(getattr(ref, n), "__grader_trusted__", False) for n in names)
    assert "dropout" in TOPICS


# ---------------------------------------------------------------- on another device

def _check_on(dev, dtype):
    """Deterministic references give the CPU's numbers on ``dev``; random ones, drawn from a
    generator on ``dev``, keep their properties there."""
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-11}
    x, gamma, beta = _bn_case(dtype)
    bn_cpu, bn_dev = {"mode": "train"}, {"mode": "train"}
    out_cpu, cache_cpu = ref.batchnorm_forward(x, gamma, beta, bn_cpu)
    out_dev, cache_dev = ref.batchnorm_forward(x.to(dev), gamma.to(dev), beta.to(dev), bn_dev)
    dout = torch.randn(x.shape, generator=_gen(36), dtype=dtype)
    pairs = [(out_dev, out_cpu), (bn_dev["running_mean"], bn_cpu["running_mean"]),
             (bn_dev["running_var"], bn_cpu["running_var"]),
             *zip(ref.batchnorm_backward(dout.to(dev), cache_dev), ref.batchnorm_backward(dout, cache_cpu)),
             *zip(ref.elastic_net_penalty(x.to(dev), 0.3, 0.7), ref.elastic_net_penalty(x, 0.3, 0.7))]
    logits, targets = x * 1e3, torch.softmax(x, 1)
    pairs += zip(ref.soft_cross_entropy(logits.to(dev), targets.to(dev)), ref.soft_cross_entropy(logits, targets))
    y = torch.tensor([0, 2, 1, 5])
    pairs.append((ref.smooth_labels(y.to(dev), 6, 0.2), ref.smooth_labels(y, 6, 0.2)))
    for on_dev, on_cpu in pairs:
        assert on_dev.device.type == torch.device(dev).type
        torch.testing.assert_close(on_dev.cpu(), on_cpu, **tol)

    x = _positive((200, 500), 37, dtype, dev)
    out, cache = ref.dropout_forward(x, 0.3, generator=_gen(38, dev))
    _same_kind(out, x)
    kept = out != 0
    _binomial(kept.double().mean().item(), 0.7, x.numel(), f"fraction kept on {dev}")
    torch.testing.assert_close(out[kept], x[kept] / 0.7)
    torch.testing.assert_close(ref.dropout_backward(torch.ones_like(x), cache), kept.to(dtype) / 0.7)
    assert torch.equal(out, ref.dropout_forward(x, 0.3, generator=_gen(38, dev))[0])
    out, cache = ref.vanilla_dropout_forward(x, 0.3, generator=_gen(39, dev))
    _binomial((out != 0).double().mean().item(), 0.7, x.numel(), f"fraction kept by vanilla dropout on {dev}")
    W = x[:50, :60]
    out, cache = ref.dropconnect_forward(x[:10, :50], W, x[0, :60], 0.4, generator=_gen(40, dev))
    for t, like in zip((out, *ref.dropconnect_backward(torch.ones_like(out), cache)), (out, x, W, W[0])):
        _same_kind(t, like)
    out = ref.stochastic_depth_forward(torch.zeros(4000, 2, dtype=dtype, device=dev),
                                       torch.ones(4000, 2, dtype=dtype, device=dev), 0.6, generator=_gen(41, dev))
    _same_kind(out, x)
    _binomial(out[:, 0].double().mean().item(), 0.6, 4000, f"fraction of samples keeping fx on {dev}")


@pytest.mark.parametrize("dtype", DTYPES)
def test_device_checks_run_on_cpu(dtype):
    _check_on("cpu", dtype)  # the CUDA test's own code, exercised where there is no GPU


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_references_on_cuda(dtype):
    _check_on("cuda", dtype)
