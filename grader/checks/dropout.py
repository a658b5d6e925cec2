"""Visible checks for the dropout notebook, and the property checks the hidden ones reuse.

Random layers are judged by what any correct answer must satisfy, however it
draws its mask from the generator: the fraction kept (a binomial bound), the
scaling of the survivors, independence between entries, the same mask in the
backward pass, determinism in eval mode, and repeatability given a seed.  These
reveal no solution, so they live here; ``grader.hidden.dropout`` runs them on
larger inputs and adds comparisons with the reference.
"""
from __future__ import annotations

from typing import Callable

import torch

from grader.checks.compare import expect_tensor, expect_tuple
from grader.checks.harness import Failure, Group, inputs_on, visible
from grader.checks.stats import expect_rate, expect_repeatable
from grader.device import get_device

__all__ = ["POINTS", "FORBIDDEN", "dropout_properties", "dropconnect_properties", "penalties", "dropout",
           "vanilla_dropout", "dropconnect", "batchnorm", "stochastic_depth", "label_smoothing"]

POINTS = {"penalties": 2, "dropout": 3, "vanilla_dropout": 2, "dropconnect": 3, "batchnorm": 3,
          "stochastic_depth": 2, "label_smoothing": 2}

_DROPOUT = ("F.dropout", "torch.dropout", "torch.dropout_", "nn.Dropout", "F.dropout1d", "F.dropout2d",
            "F.dropout3d", "F.alpha_dropout", "F.feature_alpha_dropout", "torch.bernoulli_dropout")
FORBIDDEN = {"penalties": (), "dropout": _DROPOUT, "vanilla_dropout": _DROPOUT, "dropconnect": _DROPOUT,
             "batchnorm": ("F.batch_norm", "torch.batch_norm", "nn.BatchNorm1d", "nn.BatchNorm2d",
                           "nn.BatchNorm3d", "torch.native_batch_norm"),
             "stochastic_depth": (), "label_smoothing": ("F.cross_entropy", "nn.CrossEntropyLoss")}


def generator(seed: int) -> torch.Generator:
    return torch.Generator(device=get_device()).manual_seed(seed)


def _expect(cond: bool, message: str, hint: str | None = None) -> None:
    if not cond:
        raise Failure(message, hint=hint)


def _positive(shape, seed: int, dtype=torch.float32) -> torch.Tensor:
    """Inputs in [0.5, 1.5]: never 0, so a 0 in the output means a dropped unit."""
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(shape, generator=gen, dtype=torch.float64) + 0.5).to(get_device(), dtype)


def dropout_properties(g: Group, forward: Callable, backward: Callable, *, inverted: bool,
                       shape=(200, 400), ps=(0.2, 0.5, 0.8), seed: int = 0) -> None:
    """The sub-checks every (inverted or vanilla) dropout pair must pass."""
    x = _positive(shape, seed)
    n = x.numel()
    kind = "x / (1 − p)" if inverted else "x (no rescaling)"
    with g.sub(f"train mode keeps each entry with probability 1 − p, independently (p = {ps})", 1):
        for i, p in enumerate(ps):
            out, _ = g.forward(forward, x, p, train=True, generator=generator(seed + i))
            kept = expect_tensor(out, x, f"out (p={p})") != 0
            rate = kept.to(torch.float64).mean().item()
            if p != 0.5 and abs(rate - p) < abs(rate - (1 - p)):
                raise Failure(f"with p = {p} you kept {rate:.3f} of the entries",
                              hint="p is the probability of DROPPING a unit (torch's meaning); keep with 1 − p")
            expect_rate(rate, 1 - p, n, f"fraction kept with p = {p}")
            same = (kept[1:] == kept[:-1]).to(torch.float64).mean().item()
            expect_rate(same, p * p + (1 - p) ** 2, n - shape[-1], f"agreement of neighbouring rows' masks (p={p})",
                        hint="draw one independent coin per entry, not one mask per row or per feature")
    with g.sub(f"kept entries are {kind}; dropped ones exactly 0", 1):
        for p in ps:
            out, _ = g.forward(forward, x, p, train=True, generator=generator(seed + 7))
            kept = out != 0
            want = x / (1 - p) if inverted else x
            if not torch.allclose(out[kept], want[kept], rtol=1e-5, atol=1e-6):
                unscaled = torch.allclose(out[kept], x[kept])
                raise Failure(f"kept values are not {kind} (p = {p})",
                              hint="inverted dropout divides the survivors by 1 − p at training time"
                              if inverted and unscaled else None)
    with g.sub("backward multiplies dout by the forward's own mask" + (" and 1/(1 − p)" if inverted else ""), 1):
        p = 0.4
        out, cache = g.forward(forward, x, p, train=True, generator=generator(seed + 11))
        dout = _positive(shape, seed + 12) - 1.0
        dx = expect_tensor(g.call(backward, dout, cache, backward=True).get(), x, "dx")
        scale = 1 / (1 - p) if inverted else 1.0
        want = torch.where(out != 0, dout * scale, torch.zeros_like(dout))
        if not torch.allclose(dx, want, rtol=1e-5, atol=1e-6):
            raise Failure("dx does not match dout times the forward's mask",
                          hint="keep the mask in the cache; drawing a new one in backward breaks the chain rule")
    with g.sub("eval mode is deterministic: " + ("out = x" if inverted else "out = x · (1 − p)") +
               ", and backward passes dout through", 0.5):
        for p in (0.3, 0.9):
            out, cache = g.forward(forward, x, p, train=False, generator=generator(seed + 13))
            want = x if inverted else x * (1 - p)
            if not torch.allclose(expect_tensor(out, x, "out"), want):
                raise Failure(f"eval-mode output is wrong for p = {p}",
                              hint="at test time every unit is present" + ("" if inverted else
                                                                           ": scale by the keep rate 1 − p"))
            dx = expect_tensor(g.call(backward, x, cache, backward=True).get(), x, "dx in eval mode")
            if not torch.allclose(dx, x * (1 if inverted else 1 - p)):
                raise Failure("eval-mode backward should pass dout through" + ("" if inverted else " times (1 − p)"))
    with g.sub("p = 0 changes nothing; p = 1 gives zeros, never nan or inf", 0.5):
        out, _ = g.forward(forward, x, 0.0, train=True, generator=generator(seed + 14))
        _expect(bool(torch.equal(out, x)), "p = 0 should return x unchanged")
        out, cache = g.forward(forward, x, 1.0, train=True, generator=generator(seed + 15))
        dx = g.call(backward, x, cache, backward=True).get()
        _expect(bool(torch.isfinite(out).all() and torch.isfinite(dx).all() and not out.any()),
                "p = 1 should give zeros (forward and backward) without nan or inf",
                hint="with p = 1 nothing survives: return zeros instead of dividing by 1 − p = 0")
    with g.sub("the generator decides: equal seeds give equal masks, the global RNG is untouched", 0.5):
        torch.manual_seed(seed)
        state = torch.get_rng_state()
        a, _ = g.forward(forward, x, 0.5, train=True, generator=generator(seed + 16))
        _expect(torch.equal(state, torch.get_rng_state()), "the global random generator was used",
                hint="pass generator=generator to torch.rand / torch.bernoulli")
        b, _ = g.forward(forward, x, 0.5, train=True, generator=generator(seed + 16))
        expect_repeatable(a, b, "dropout")


def dropconnect_properties(g: Group, forward: Callable, backward: Callable, *, D: int = 60, M: int = 80,
                           ps=(0.25, 0.6), seed: int = 0) -> None:
    """DropConnect on x = [I; I]: each row of the output reveals one row of the masked W."""
    W = _positive((D, M), seed)
    b = _positive((M,), seed + 1) - 1.0
    x = torch.cat([torch.eye(D, device=W.device), torch.eye(D, device=W.device)])
    n = D * M
    with g.sub(f"one mask per call, shaped like W, keeping each weight with probability 1 − p (p = {ps})", 1):
        for i, p in enumerate(ps):
            out, _ = g.forward(forward, x, W, b, p, train=True, generator=generator(seed + 2 + i))
            out = expect_tensor(out, x @ W, "out")
            masked = out - b
            if not torch.allclose(masked[:D], masked[D:]):
                raise Failure("two identical inputs got different masks",
                              hint="DropConnect draws ONE mask for W per call, shared by the whole batch")
            rate = (masked[:D] != 0).to(torch.float64).mean().item()
            if abs(rate - p) < abs(rate - (1 - p)):
                raise Failure(f"with p = {p} you kept {rate:.3f} of the weights",
                              hint="p is the probability of dropping a weight; keep it with 1 − p")
            expect_rate(rate, 1 - p, n, f"fraction of weights kept with p = {p}")
    with g.sub("kept weights are scaled by 1/(1 − p); eval mode is x @ W + b", 1):
        p = 0.3
        out, _ = g.forward(forward, x, W, b, p, train=True, generator=generator(seed + 5))
        masked = (out - b)[:D]
        kept = masked != 0
        if not torch.allclose(masked[kept], W[kept] / (1 - p), rtol=1e-5, atol=1e-6):
            raise Failure("kept weights are not W / (1 − p)")
        out, _ = g.forward(forward, x, W, b, p, train=False, generator=generator(seed + 6))
        _expect(bool(torch.allclose(out, x @ W + b, rtol=1e-5, atol=1e-6)), "eval mode should give x @ W + b")
    with g.sub("backward: dx, dW, db use the forward's mask", 1):
        p = 0.5
        out, cache = g.forward(forward, x, W, b, p, train=True, generator=generator(seed + 8))
        mask = ((out - b)[:D] != 0).to(W.dtype)
        dout = _positive(tuple(out.shape), seed + 9) - 1.0
        grads = expect_tuple(g.call(backward, dout, cache, backward=True).get(), 3, "dropconnect_backward")
        Wm = W * mask / (1 - p)
        for got, want, name in zip(grads, (dout @ Wm.T, (x.T @ dout) * mask / (1 - p), dout.sum(0)),
                                   ("dx", "dW", "db")):
            if not torch.allclose(expect_tensor(got, want, name), want, rtol=1e-4, atol=1e-5):
                raise Failure(f"{name} does not match the forward's mask",
                              hint="dW is (x.T @ dout) times the same mask and 1/(1 − p); db sums dout over the batch")


@visible
def penalties(l2_penalty: Callable, l1_penalty: Callable, elastic_net_penalty: Callable) -> float:
    """Visible check: a hand-computable example."""
    g = Group("penalties", POINTS["penalties"], title="penalties (visible check)")
    W = torch.tensor([[1.0, -2.0], [0.0, 3.0]], device=get_device())
    for name, fn, args, loss, dW in (
            ("l2_penalty", l2_penalty, (0.5,), 7.0, [[1.0, -2.0], [0.0, 3.0]]),
            ("l1_penalty", l1_penalty, (0.5,), 3.0, [[0.5, -0.5], [0.0, 0.5]]),
            ("elastic_net_penalty", elastic_net_penalty, (0.5, 2.0), 17.0, [[2.5, -4.5], [0.0, 6.5]])):
        with g.sub(f"{name}(W, {', '.join(map(str, args))}) on W = [[1, -2], [0, 3]]"):
            got_loss, got_dW = expect_tuple(g.call(fn, W, *args).get(), 2, name)
            expect_tensor(got_loss, torch.tensor(0.0, device=W.device), "loss")
            _expect(abs(got_loss.item() - loss) < 1e-5, f"loss is {got_loss.item():.4g}, expected {loss}")
            _expect(bool(torch.allclose(expect_tensor(got_dW, W, "dW"), torch.tensor(dW, device=W.device))),
                    f"dW is {got_dW.tolist()}, expected {dW}")
    g.rules_line(())
    return g.finish()


@visible
def dropout(dropout_forward: Callable, dropout_backward: Callable) -> float:
    """Visible check: the properties of inverted dropout on a small input."""
    g = Group("dropout", POINTS["dropout"], FORBIDDEN["dropout"], title="dropout (visible check)")
    dropout_properties(g, dropout_forward, dropout_backward, inverted=True, shape=(50, 100), seed=100)
    g.rules_line(FORBIDDEN["dropout"])
    return g.finish()


@visible
def vanilla_dropout(vanilla_dropout_forward: Callable, vanilla_dropout_backward: Callable) -> float:
    """Visible check: the properties of vanilla dropout on a small input."""
    g = Group("vanilla_dropout", POINTS["vanilla_dropout"], FORBIDDEN["vanilla_dropout"],
              title="vanilla_dropout (visible check)")
    dropout_properties(g, vanilla_dropout_forward, vanilla_dropout_backward, inverted=False, shape=(50, 100),
                       seed=200)
    g.rules_line(FORBIDDEN["vanilla_dropout"])
    return g.finish()


@visible
def dropconnect(dropconnect_forward: Callable, dropconnect_backward: Callable) -> float:
    """Visible check: DropConnect's properties on a small layer."""
    g = Group("dropconnect", POINTS["dropconnect"], FORBIDDEN["dropconnect"], title="dropconnect (visible check)")
    dropconnect_properties(g, dropconnect_forward, dropconnect_backward, D=20, M=30, seed=300)
    g.rules_line(FORBIDDEN["dropconnect"])
    return g.finish()


@visible
def batchnorm(batchnorm_forward: Callable, batchnorm_backward: Callable) -> float:
    """Visible check: normalised features in train mode, running statistics created and moved."""
    g = Group("batchnorm", POINTS["batchnorm"], FORBIDDEN["batchnorm"], title="batchnorm (visible check)")
    make = inputs_on(get_device(), 400)
    x = make((64, 5), torch.float64) * 3 + 2
    gamma, beta = torch.ones(5, dtype=x.dtype, device=x.device), torch.zeros(5, dtype=x.dtype, device=x.device)
    with g.sub("train mode with gamma = 1, beta = 0: every feature has mean 0 and std ≈ 1"):
        out, _ = g.forward(batchnorm_forward, x, gamma, beta, {"mode": "train"})
        out = expect_tensor(out, x, "out")
        _expect(bool(torch.allclose(out.mean(0), torch.zeros_like(gamma), atol=1e-6)), "feature means are not 0")
        _expect(bool(torch.allclose(out.std(0, correction=0), torch.ones_like(gamma), atol=1e-3)),
                "feature stds are not 1 (normalise with the biased batch variance)")
    with g.sub("train mode creates running_mean/running_var in bn_param and moves them towards the batch"):
        bn_param = {"mode": "train"}
        g.forward(batchnorm_forward, x, gamma, beta, bn_param)
        for key in ("running_mean", "running_var"):
            _expect(key in bn_param and type(bn_param[key]) is torch.Tensor, f"bn_param has no tensor {key!r}")
        _expect(bool(torch.allclose(bn_param["running_mean"], 0.1 * x.mean(0))),
                "after one step from zeros, running_mean should be momentum · batch mean")
    with g.sub("backward returns (dx, dgamma, dbeta) shaped like x, gamma, beta; dbeta = dout summed"):
        out, cache = g.forward(batchnorm_forward, x, gamma, beta, {"mode": "train"})
        dout = make((64, 5), torch.float64)
        dx, dgamma, dbeta = expect_tuple(g.call(batchnorm_backward, dout, cache, backward=True).get(), 3,
                                         "batchnorm_backward")
        expect_tensor(dx, x, "dx")
        expect_tensor(dgamma, gamma, "dgamma")
        _expect(bool(torch.allclose(expect_tensor(dbeta, beta, "dbeta"), dout.sum(0))), "dbeta should be dout.sum(0)")
        _expect(bool(torch.allclose(dx.sum(0), torch.zeros_like(gamma), atol=1e-8)),
                "dx should sum to 0 over the batch for each feature (the mean is subtracted)")
    g.rules_line(FORBIDDEN["batchnorm"])
    return g.finish()


@visible
def stochastic_depth(stochastic_depth_forward: Callable, linear_decay_survival: Callable) -> float:
    """Visible check: eval mode, row mode's per-sample coins, the linear decay rule."""
    g = Group("stochastic_depth", POINTS["stochastic_depth"], title="stochastic_depth (visible check)")
    x = torch.zeros(400, 3, device=get_device())
    fx = torch.ones(400, 3, device=get_device())
    with g.sub("eval: x + survival_prob · fx; train, row mode: each sample keeps fx or not"):
        out = expect_tensor(g.call(stochastic_depth_forward, x, fx, 0.7, train=False).get(), x, "out")
        _expect(bool(torch.allclose(out, 0.7 * fx)), "eval mode should give x + survival_prob · fx")
        out = g.call(stochastic_depth_forward, x, fx, 0.7, train=True, generator=generator(1)).get()
        out = expect_tensor(out, x, "out")
        _expect(bool(((out == 0) | (out == 1)).all() and (out == out[:, :1]).all()),
                "in row mode each sample either keeps all of fx or none of it (no rescaling)")
        expect_rate(out[:, 0].mean().item(), 0.7, 400, "fraction of samples that kept fx")
    with g.sub("linear_decay_survival(4, 0.5) = [0.875, 0.75, 0.625, 0.5]"):
        got = g.call(linear_decay_survival, 4, 0.5).get()
        _expect(isinstance(got, list) and all(type(v) is float for v in got), "expected a list of Python floats")
        _expect(all(abs(a - b) < 1e-12 for a, b in zip(got, [0.875, 0.75, 0.625, 0.5])) and len(got) == 4,
                f"got {got}")
    g.rules_line(())
    return g.finish()


@visible
def label_smoothing(smooth_labels: Callable, soft_cross_entropy: Callable) -> float:
    """Visible check: rows of probabilities, and the gradient against numbers you can check."""
    g = Group("label_smoothing", POINTS["label_smoothing"], FORBIDDEN["label_smoothing"],
              title="label_smoothing (visible check)")
    y = torch.tensor([0, 2], device=get_device())
    with g.sub("smooth_labels(y, 4, 0.2): rows sum to 1, the correct class gets 1 − 0.2·3/4 = 0.85"):
        t = expect_tensor(g.call(smooth_labels, y, 4, 0.2).get(),
                          torch.empty(2, 4, dtype=torch.get_default_dtype(), device=y.device), "targets")
        _expect(bool(torch.allclose(t.sum(1), torch.ones(2, dtype=t.dtype, device=t.device))), "rows must sum to 1")
        _expect(abs(t[0, 0].item() - 0.85) < 1e-6 and abs(t[0, 1].item() - 0.05) < 1e-6,
                f"row 0 is {t[0].tolist()}, expected [0.85, 0.05, 0.05, 0.05]")
    with g.sub("soft_cross_entropy: a 0-dim loss; uniform logits give log K; dlogits = (softmax − t)/N"):
        logits = torch.zeros(2, 4, device=y.device)
        t = torch.tensor([[1.0, 0, 0, 0], [0, 0, 0.5, 0.5]], device=y.device)
        loss, dlogits = expect_tuple(g.call(soft_cross_entropy, logits, t).get(), 2, "soft_cross_entropy")
        expect_tensor(loss, torch.tensor(0.0, device=y.device), "loss")
        _expect(abs(loss.item() - torch.log(torch.tensor(4.0)).item()) < 1e-5, f"loss is {loss.item()}, "
                "expected log 4 ≈ 1.386")
        _expect(bool(torch.allclose(expect_tensor(dlogits, logits, "dlogits"), (0.25 - t) / 2)),
                "dlogits should be (softmax(logits) − targets) / N")
        big = torch.tensor([[1e4, -1e4, 0.0, 0.0]], device=y.device)
        loss, dlogits = g.call(soft_cross_entropy, big, torch.full((1, 4), 0.25, device=y.device)).get()
        _expect(bool(torch.isfinite(loss) and torch.isfinite(dlogits).all()), "huge logits gave inf or nan",
                hint="use the log-sum-exp trick: subtract the row's max before exponentiating")
    g.rules_line(FORBIDDEN["label_smoothing"])
    return g.finish()
