"""Hidden checks for the dropout notebook.

Random layers: the property checks of ``grader.checks.dropout`` on larger
inputs and more values of p (each statistical test's false-failure probability
is below 1e-7, so a correct answer passes for any seed and any way of drawing
its mask from the generator).  Deterministic functions (penalties, batch norm,
the decay rule, label smoothing) are compared with ``grader.reference.dropout``;
batch norm's running statistics must match torch's convention exactly.
"""
from __future__ import annotations

from typing import Callable

import torch

from grader.checks.compare import assert_close, expect_tensor, expect_tuple
from grader.checks.dropout import FORBIDDEN, POINTS, dropconnect_properties, dropout_properties, generator
from grader.checks.guard import trusted
from grader.checks.harness import Failure, Group, inputs_on
from grader.checks.stats import expect_rate
from grader.device import get_device
from grader.reference import dropout as ref

__all__ = ["penalties", "dropout", "vanilla_dropout", "dropconnect", "batchnorm", "stochastic_depth",
           "label_smoothing", "SEEDED"]

SEED = 4321


@trusted
def penalties(l2_penalty: Callable, l1_penalty: Callable, elastic_net_penalty: Callable) -> float:
    g = Group("penalties", POINTS["penalties"])
    make = inputs_on(get_device(), 81)
    Ws = [make((7, 5), torch.float32), make((3, 4, 2), torch.float64)]
    Ws[0][0, :2] = 0.0                                  # abs has gradient 0 at 0
    for name, fn, extra in (("l2_penalty", l2_penalty, ()), ("l1_penalty", l1_penalty, ()),
                            ("elastic_net_penalty", elastic_net_penalty, (0.7,))):
        with g.sub(f"{name}: loss (0-dim) and dW match the reference", 1 if name == "elastic_net_penalty" else 0.5):
            for i, W in enumerate(Ws, 1):
                for reg in (0.1, 2.5):
                    loss, dW = expect_tuple(g.call(fn, W, reg, *extra).get(), 2, name)
                    rloss, rdW = getattr(ref, name)(W, reg, *extra)
                    assert_close(loss, rloss, f"loss for input {i}, reg={reg}")
                    mistakes = [(reg * W, "the gradient of reg·W² is 2·reg·W")] if name == "l2_penalty" else []
                    assert_close(dW, rdW, f"dW for input {i}, reg={reg}", mistakes=mistakes)
    g.rules_line(())
    return g.finish()


def _dropout(dropout_forward, dropout_backward, seed: int) -> float:
    g = Group("dropout", POINTS["dropout"], FORBIDDEN["dropout"])
    dropout_properties(g, dropout_forward, dropout_backward, inverted=True, shape=(300, 500),
                       ps=(0.1, 0.25, 0.5, 0.8), seed=seed)
    g.rules_line(FORBIDDEN["dropout"])
    return g.finish()


@trusted
def dropout(dropout_forward: Callable, dropout_backward: Callable) -> float:
    return _dropout(dropout_forward, dropout_backward, SEED)


def _vanilla(vanilla_dropout_forward, vanilla_dropout_backward, seed: int) -> float:
    g = Group("vanilla_dropout", POINTS["vanilla_dropout"], FORBIDDEN["vanilla_dropout"])
    dropout_properties(g, vanilla_dropout_forward, vanilla_dropout_backward, inverted=False, shape=(300, 500),
                       ps=(0.1, 0.5, 0.75), seed=seed)
    g.rules_line(FORBIDDEN["vanilla_dropout"])
    return g.finish()


@trusted
def vanilla_dropout(vanilla_dropout_forward: Callable, vanilla_dropout_backward: Callable) -> float:
    return _vanilla(vanilla_dropout_forward, vanilla_dropout_backward, SEED)


def _dropconnect(dropconnect_forward, dropconnect_backward, seed: int) -> float:
    g = Group("dropconnect", POINTS["dropconnect"], FORBIDDEN["dropconnect"])
    dropconnect_properties(g, dropconnect_forward, dropconnect_backward, D=120, M=150, ps=(0.1, 0.4, 0.7),
                           seed=seed)
    g.rules_line(FORBIDDEN["dropconnect"])
    return g.finish()


@trusted
def dropconnect(dropconnect_forward: Callable, dropconnect_backward: Callable) -> float:
    return _dropconnect(dropconnect_forward, dropconnect_backward, SEED)


@trusted
def batchnorm(batchnorm_forward: Callable, batchnorm_backward: Callable) -> float:
    g = Group("batchnorm", POINTS["batchnorm"], FORBIDDEN["batchnorm"])
    make = inputs_on(get_device(), 91)
    cases = [(make((32, 6), dtype) * 4 + 3, make((6,), dtype) + 1, make((6,), dtype)) for dtype in
             (torch.float32, torch.float64)]
    with g.sub("train mode: output matches the reference (biased batch variance)", 1):
        for i, (x, gamma, beta) in enumerate(cases, 1):
            for bn in ({"mode": "train"}, {"mode": "train", "eps": 0.5}):
                out, _ = g.forward(batchnorm_forward, x, gamma, beta, dict(bn))
                unbiased = (x - x.mean(0)) / torch.sqrt(x.var(0, correction=1) + bn.get("eps", 1e-5)) * gamma + beta
                assert_close(out, ref.batchnorm_forward(x, gamma, beta, dict(bn))[0], f"out for input {i} ({bn})",
                             mistakes=[(unbiased, "normalise with the biased batch variance (divide by N)")])
    with g.sub("running statistics: created as zeros/ones, updated in place as torch does, used in test mode", 1):
        for i, (x, gamma, beta) in enumerate(cases, 1):
            mine, theirs = {"mode": "train", "momentum": 0.2}, {"mode": "train", "momentum": 0.2}
            for step in range(3):
                xs = x * (step + 1) + step
                g.forward(batchnorm_forward, xs, gamma, beta, mine)
                ref.batchnorm_forward(xs, gamma, beta, theirs)
                if step == 0:
                    held = (mine.get("running_mean"), mine.get("running_var"))
            for key in ("running_mean", "running_var"):
                if type(mine.get(key)) is not torch.Tensor:
                    raise Failure(f"bn_param[{key!r}] is missing after train mode")
                assert_close(mine[key], theirs[key], f"{key} after 3 steps (input {i})",
                             hint="running = (1 − momentum)·running + momentum·batch; the running variance "
                                  "uses the unbiased batch variance")
            if held[0] is not mine["running_mean"] or held[1] is not mine["running_var"]:
                raise Failure("the running statistics were replaced by new tensors, not updated in place",
                              hint="update them with .mul_(...).add_(...), as torch's BatchNorm does")
            for dtype_test in ({"mode": "test"},):
                out, _ = g.forward(batchnorm_forward, x, gamma, beta, {**theirs, **dtype_test})
                assert_close(out, ref.batchnorm_forward(x, gamma, beta, {**theirs, **dtype_test})[0],
                             f"test-mode output (input {i})", hint="test mode uses the running statistics")
    with g.sub("backward (train mode): dx, dgamma, dbeta match the reference", 1):
        for i, (x, gamma, beta) in enumerate(cases, 1):
            dout = make(tuple(x.shape), x.dtype)
            _, cache = g.forward(batchnorm_forward, x, gamma, beta, {"mode": "train"})
            got = expect_tuple(g.call(batchnorm_backward, dout, cache, backward=True).get(), 3, "batchnorm_backward")
            want = ref.batchnorm_backward(dout, ref.batchnorm_forward(x, gamma, beta, {"mode": "train"})[1])
            for k, name in enumerate(("dx", "dgamma", "dbeta")):
                assert_close(got[k], want[k], f"{name} for input {i}",
                             hint="dx has three paths: through x̂ directly, through the batch mean and through "
                                  "the batch variance" if k == 0 else None)
    g.rules_line(FORBIDDEN["batchnorm"])
    return g.finish()


def _stochastic_depth(stochastic_depth_forward, linear_decay_survival, seed: int) -> float:
    g = Group("stochastic_depth", POINTS["stochastic_depth"])
    dev = get_device()
    with g.sub("row mode: one Bernoulli(survival_prob) coin per sample, no rescaling", 0.5):
        x, fx = torch.zeros(3000, 4, device=dev), torch.ones(3000, 4, device=dev)
        for i, p in enumerate((0.3, 0.8)):
            out = expect_tensor(g.call(stochastic_depth_forward, x, fx, p, train=True, mode="row",
                                       generator=generator(seed + i)).get(), x, "out")
            if not bool(((out == 0) | (out == 1)).all() and (out == out[:, :1]).all()):
                raise Failure("in row mode each sample keeps all of fx or none of it (x + b·fx, b ∈ {0, 1})")
            expect_rate(out[:, 0].mean().item(), p, 3000, f"fraction of samples keeping fx (p={p})")
    with g.sub("batch mode: one coin for the whole batch, kept with probability survival_prob", 0.5):
        x, fx = torch.zeros(5, 2, device=dev), torch.ones(5, 2, device=dev)
        kept = 0
        for i in range(200):
            out = expect_tensor(g.call(stochastic_depth_forward, x, fx, 0.8, train=True, mode="batch",
                                       generator=generator(seed + 10 + i)).get(), x, "out")
            if not bool((out == out[0, 0]).all()):
                raise Failure("in batch mode every sample shares one coin")
            kept += int(out[0, 0].item() == 1)
        expect_rate(kept / 200, 0.8, 200, "fraction of batches keeping fx")
    with g.sub("eval mode: x + survival_prob · fx, in both modes", 0.5):
        make = inputs_on(dev, seed)
        x, fx = make((6, 3)), make((6, 3))
        for mode in ("row", "batch"):
            out = g.call(stochastic_depth_forward, x, fx, 0.65, train=False, mode=mode).get()
            assert_close(out, x + 0.65 * fx, f"eval output ({mode})", hint="at test time every block is present, "
                         "scaled by its survival probability")
    with g.sub("linear_decay_survival matches p_l = 1 − (l/L)(1 − p_last), l = 1..L", 0.5):
        for L, p_last in ((5, 0.5), (1, 0.2), (12, 0.8)):
            got = g.call(linear_decay_survival, L, p_last=p_last).get()
            want = ref.linear_decay_survival(L, p_last=p_last)
            if not isinstance(got, list) or len(got) != L or any(type(v) is not float for v in got) \
                    or any(abs(a - b) > 1e-12 for a, b in zip(got, want)):
                raise Failure(f"linear_decay_survival({L}, {p_last}) = {got!r}, expected {want} (Python floats)")
    g.rules_line(())
    return g.finish()


@trusted
def stochastic_depth(stochastic_depth_forward: Callable, linear_decay_survival: Callable) -> float:
    return _stochastic_depth(stochastic_depth_forward, linear_decay_survival, SEED)


@trusted
def label_smoothing(smooth_labels: Callable, soft_cross_entropy: Callable) -> float:
    g = Group("label_smoothing", POINTS["label_smoothing"], FORBIDDEN["label_smoothing"])
    dev = get_device()
    make = inputs_on(dev, 95)
    with g.sub("smooth_labels matches the reference", 1):
        y = torch.tensor([0, 3, 1, 4, 4, 2], device=dev)
        for K, eps in ((5, 0.1), (5, 0.0), (10, 0.3)):
            got = g.call(smooth_labels, y, K, eps).get()
            want = ref.smooth_labels(y, K, eps)
            naive = torch.full_like(want, eps / (K - 1))
            naive[torch.arange(6), y] = 1 - eps
            assert_close(got, want, f"targets (K={K}, eps={eps})",
                         mistakes=[(naive, "the correct class gets 1 − ε(K−1)/K and every other class ε/K")])
    with g.sub("soft_cross_entropy: loss (0-dim) and dlogits match the reference, stable for huge logits", 1):
        cases = [(make((8, 5), torch.float32), 95), (make((3, 10), torch.float64) * 1e4, 96)]
        for i, (logits, s) in enumerate(cases, 1):
            t = torch.softmax(inputs_on(dev, s)(tuple(logits.shape), logits.dtype), dim=1)
            loss, dlogits = expect_tuple(g.call(soft_cross_entropy, logits, t).get(), 2, "soft_cross_entropy")
            rloss, rd = ref.soft_cross_entropy(logits, t)
            assert_close(loss, rloss, f"loss for input {i}",
                         mistakes=[(rloss * logits.shape[0], "average over the batch, do not sum")],
                         hint="use log-softmax with the max subtracted: log Σ exp(z) = m + log Σ exp(z − m)")
            assert_close(dlogits, rd, f"dlogits for input {i}")
    g.rules_line(FORBIDDEN["label_smoothing"])
    return g.finish()


#: The random groups' checks with the seed as a parameter (tests run 1000 seeds).
SEEDED = {"dropout": _dropout, "vanilla_dropout": _vanilla, "dropconnect": _dropconnect,
          "stochastic_depth": _stochastic_depth}
