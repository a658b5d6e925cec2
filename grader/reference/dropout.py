"""Reference regularisers for 04_dropout (instructor-only).

p is always the probability of DROPPING a unit or a weight (torch.nn.Dropout's
meaning); a unit is kept with probability 1 − p.  Every mask is drawn from
``generator`` as ``torch.rand(shape, generator=generator, device=x.device) >= p``
(so p = 0 keeps everything and p = 1 drops everything), and kept in the cache
as a bool tensor, so the backward pass sees the forward's own mask; stochastic
depth's coins are ``rand < survival_prob``.  This way of drawing is not part of
the contract: a student may draw from the generator any way, and the hidden
checks of random layers are statistical.

Every backward is the vector-Jacobian product of its forward, computed by
``torch.autograd`` (see :func:`_vjp`) with the cached mask or statistics held
fixed, so no derivative here is written by hand.  torch.nn.functional.dropout
cannot be used: it takes no generator.  Batch normalisation and the soft
cross-entropy are torch's own functions.  Results keep the input's device and
dtype (``smooth_labels``: the default dtype on the labels' device).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from grader.checks.guard import trusted

__all__ = ["l2_penalty", "l1_penalty", "elastic_net_penalty", "dropout_forward", "dropout_backward",
           "vanilla_dropout_forward", "vanilla_dropout_backward", "dropconnect_forward", "dropconnect_backward",
           "batchnorm_forward", "batchnorm_backward", "stochastic_depth_forward", "linear_decay_survival",
           "smooth_labels", "soft_cross_entropy", "STOCHASTIC_DEPTH_MODES"]

#: Accepted values of ``mode`` for :func:`stochastic_depth_forward`.
STOCHASTIC_DEPTH_MODES = ("row", "batch")


def _vjp(fn: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor], dout: torch.Tensor,
         consts: Sequence = ()) -> tuple:
    """Gradients of ``(fn(*inputs, *consts) * dout).sum()`` with respect to every input, by autograd.

    The inputs are copied and detached first, so the caller's tensors never join a
    graph; tensors among ``consts`` (masks, statistics, targets: held fixed) are
    copied too, since a tensor made under ``torch.inference_mode`` cannot be saved
    for backward.
    """
    with torch.inference_mode(False), torch.enable_grad():
        leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
        fixed = [c.detach().clone() if isinstance(c, torch.Tensor) else c for c in consts]
        out = fn(*leaves, *fixed)
        grads = torch.autograd.grad(out, leaves, dout.detach().clone(), allow_unused=True)
    return tuple(torch.zeros_like(leaf) if g is None else g.detach() for g, leaf in zip(grads, leaves))


def _check_p(p: float, what: str = "p") -> float:
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{what} must be a probability in [0, 1], got {p}")
    return p


def _keep_mask(shape: Sequence[int], p: float, generator: torch.Generator | None,
               device: torch.device) -> torch.Tensor:
    """Bool tensor of ``shape``: True (kept) with probability 1 − p, each entry independently."""
    return torch.rand(tuple(shape), generator=generator, device=device) >= p


def _masked(x: torch.Tensor, keep: torch.Tensor | None, scale: float) -> torch.Tensor:
    """scale · x where kept, exactly 0 where dropped (never 0 · inf); every entry kept if keep is None."""
    if keep is None:
        return x * scale
    return torch.where(keep, x * scale, torch.zeros_like(x))


def _penalty(loss_fn: Callable[[torch.Tensor], torch.Tensor], W: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    loss = loss_fn(W.detach())
    return loss, _vjp(loss_fn, [W], torch.ones_like(loss))[0]


# ----------------------------------------------------------------- weight penalties

@trusted
def l2_penalty(W: torch.Tensor, reg: float) -> tuple[torch.Tensor, torch.Tensor]:
    """loss = reg · Σ W²;  dW = 2 · reg · W.  W any shape -> (0-dim loss, dW like W).  Group `penalties`."""
    return _penalty(lambda w: reg * (w * w).sum(), W)


@trusted
def l1_penalty(W: torch.Tensor, reg: float) -> tuple[torch.Tensor, torch.Tensor]:
    """loss = reg · Σ |W|;  dW = reg · sign(W), 0 where W = 0 (autograd's convention for abs).
    W any shape -> (0-dim loss, dW like W).  Group `penalties`."""
    return _penalty(lambda w: reg * w.abs().sum(), W)


@trusted
def elastic_net_penalty(W: torch.Tensor, reg: float, beta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """loss = reg · Σ (β W² + |W|);  dW = reg · (2β W + sign(W)), sign(0) = 0.
    W any shape -> (0-dim loss, dW like W).  Group `penalties`."""
    return _penalty(lambda w: reg * (beta * w * w + w.abs()).sum(), W)


# ----------------------------------------------------------------- dropout

@trusted
def dropout_forward(x: torch.Tensor, p: float, train: bool = True,
                    generator: torch.Generator | None = None) -> tuple[torch.Tensor, tuple]:
    """Inverted dropout.  train: out = x ⊙ mask / (1 − p), mask_i ~ Bernoulli(1 − p) independently;
    p = 1 gives zeros.  eval: out = x (the expectation of the train output).

    x any shape -> out like x; cache = (keep, scale): the bool mask (None in eval mode)
    and the factor 1/(1 − p) (0 when p = 1; 1 in eval mode).  Group `dropout`.
    """
    p = _check_p(p)
    if not train:
        keep, scale = None, 1.0
    else:
        keep, scale = _keep_mask(x.shape, p, generator, x.device), (0.0 if p == 1.0 else 1.0 / (1.0 - p))
    return _masked(x, keep, scale), (keep, scale)


@trusted
def dropout_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout ⊙ mask / (1 − p) with the forward's mask (dout in eval mode), by autograd.  dx like dout."""
    keep, scale = cache
    return _vjp(_masked, [dout], dout, (keep, scale))[0]


@trusted
def vanilla_dropout_forward(x: torch.Tensor, p: float, train: bool = True,
                            generator: torch.Generator | None = None) -> tuple[torch.Tensor, tuple]:
    """Dropout as first published.  train: out = x ⊙ mask, mask_i ~ Bernoulli(1 − p), no rescaling;
    eval: out = x · (1 − p), the expectation of the train output.

    x any shape -> out like x; cache = (keep, scale): the bool mask and 1 in train
    mode, None and 1 − p in eval mode.  Group `vanilla_dropout`.
    """
    p = _check_p(p)
    keep, scale = (_keep_mask(x.shape, p, generator, x.device), 1.0) if train else (None, 1.0 - p)
    return _masked(x, keep, scale), (keep, scale)


@trusted
def vanilla_dropout_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout ⊙ mask (train) or dout · (1 − p) (eval), by autograd.  dx like dout."""
    keep, scale = cache
    return _vjp(_masked, [dout], dout, (keep, scale))[0]


# ----------------------------------------------------------------- DropConnect

def _dropconnect(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor, keep: torch.Tensor | None,
                 scale: float) -> torch.Tensor:
    return x @ _masked(W, keep, scale) + b


@trusted
def dropconnect_forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor, p: float, train: bool = True,
                        generator: torch.Generator | None = None) -> tuple[torch.Tensor, tuple]:
    """DropConnect (Wan et al., 2013), inverted.  train: out = x @ (W ⊙ M) / (1 − p) + b with ONE mask
    M ~ Bernoulli(1 − p) of W's shape shared by the whole batch (zeros times x when p = 1);
    eval: out = x @ W + b.

    x (N, D), W (D, M), b (M,) -> out (N, M); cache = (x, W, b, keep, scale), keep
    the bool mask of W's shape (None in eval mode).  Group `dropconnect`.
    """
    p = _check_p(p)
    if not train:
        keep, scale = None, 1.0
    else:
        keep, scale = _keep_mask(W.shape, p, generator, W.device), (0.0 if p == 1.0 else 1.0 / (1.0 - p))
    return _dropconnect(x, W, b, keep, scale), (x, W, b, keep, scale)


@trusted
def dropconnect_backward(dout: torch.Tensor, cache: tuple) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """dx = dout @ W̃ᵀ, dW = (xᵀ @ dout) ⊙ M / (1 − p), db = Σ_n dout, with W̃ = W ⊙ M / (1 − p)
    and the forward's mask M, by autograd.  dout (N, M) -> (dx (N, D), dW (D, M), db (M,))."""
    x, W, b, keep, scale = cache
    return _vjp(_dropconnect, [x, W, b], dout, (keep, scale))


# ----------------------------------------------------------------- batch normalisation

@trusted
def batchnorm_forward(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor,
                      bn_param: dict) -> tuple[torch.Tensor, tuple]:
    """Batch normalisation of each feature (Ioffe & Szegedy, 2015), by torch.nn.functional.batch_norm.

    train: μ = mean over the batch, σ² = biased batch variance (divides by N),
    out = γ (x − μ) / √(σ² + eps) + β; then, IN PLACE, running_mean ← (1 − m) running_mean + m μ
    and running_var ← (1 − m) running_var + m σ²·N/(N − 1) (the unbiased variance), as torch does.
    test: the same formula with running_mean and running_var for μ and σ²; nothing is updated.

    x (N, D), gamma and beta (D,) -> out (N, D).  bn_param: "mode" ("train", the default, or
    "test"), "eps" (1e-5), "momentum" m (0.1), "running_mean" and "running_var" (created as
    zeros and ones of shape (D,) like x and stored in bn_param when absent).  Train mode needs
    N ≥ 2 (ValueError).  cache = (x, gamma, beta, eps, stats): stats None in train mode (the
    backward goes through the batch statistics), else clones of the running (mean, var) used.
    Group `batchnorm`.
    """
    mode = bn_param.get("mode", "train")
    if mode not in ("train", "test"):
        raise ValueError(f'bn_param["mode"] must be "train" or "test", got {mode!r}')
    if x.dim() != 2:
        raise ValueError(f"batchnorm_forward expects x of shape (N, D), got {tuple(x.shape)}")
    eps, momentum = float(bn_param.get("eps", 1e-5)), float(bn_param.get("momentum", 0.1))
    D = x.shape[1]
    if bn_param.get("running_mean") is None:
        bn_param["running_mean"] = torch.zeros(D, dtype=x.dtype, device=x.device)
    if bn_param.get("running_var") is None:
        bn_param["running_var"] = torch.ones(D, dtype=x.dtype, device=x.device)
    running_mean, running_var = bn_param["running_mean"], bn_param["running_var"]
    if mode == "train":
        if x.shape[0] < 2:
            raise ValueError(f"train-mode batch normalisation needs at least 2 examples, got N = {x.shape[0]}")
        with torch.no_grad():
            out = F.batch_norm(x, running_mean, running_var, gamma, beta, training=True,
                               momentum=momentum, eps=eps)
        return out, (x, gamma, beta, eps, None)
    stats = (running_mean.detach().clone(), running_var.detach().clone())
    with torch.no_grad():
        out = F.batch_norm(x, stats[0], stats[1], gamma, beta, training=False, eps=eps)
    return out, (x, gamma, beta, eps, stats)


@trusted
def batchnorm_backward(dout: torch.Tensor, cache: tuple) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of the forward by autograd: in train mode through μ and σ² of the batch, so
    dx = γ/(N √(σ² + eps)) · (N dout − Σ_n dout − x̂ Σ_n dout ⊙ x̂);
    dγ = Σ_n dout ⊙ x̂;  dβ = Σ_n dout.
    (A test-mode cache gives the gradient with the running statistics held fixed.)
    dout (N, D) -> (dx (N, D), dgamma (D,), dbeta (D,))."""
    x, gamma, beta, eps, stats = cache
    if stats is None:
        def fn(x_, g_, b_):
            return F.batch_norm(x_, None, None, g_, b_, training=True, eps=eps)
        return _vjp(fn, [x, gamma, beta], dout)

    def fn(x_, g_, b_, mean, var):
        return F.batch_norm(x_, mean, var, g_, b_, training=False, eps=eps)
    return _vjp(fn, [x, gamma, beta], dout, stats)


# ----------------------------------------------------------------- stochastic depth

@trusted
def stochastic_depth_forward(x: torch.Tensor, fx: torch.Tensor, survival_prob: float, train: bool = True,
                             mode: str = "row", generator: torch.Generator | None = None) -> torch.Tensor:
    """A residual block that is sometimes skipped (Huang et al., 2016), without rescaling.

    train: out = x + b · fx, b ~ Bernoulli(survival_prob), one coin per sample (mode "row",
    shared by all of that sample's entries) or one for the whole batch (mode "batch");
    eval: out = x + survival_prob · fx.  x and fx (N, ...) -> out (N, ...), returned alone.
    Group `stochastic_depth`.
    """
    survival_prob = _check_p(survival_prob, "survival_prob")
    if mode not in STOCHASTIC_DEPTH_MODES:
        raise ValueError(f"mode must be one of {STOCHASTIC_DEPTH_MODES}, got {mode!r}")
    if not train:
        return x + survival_prob * fx
    shape = (fx.shape[0],) + (1,) * (fx.dim() - 1) if mode == "row" else (1,) * fx.dim()
    survive = torch.rand(shape, generator=generator, device=fx.device) < survival_prob
    return x + torch.where(survive, fx, torch.zeros_like(fx))


@trusted
def linear_decay_survival(num_blocks: int, p_last: float = 0.5) -> list[float]:
    """Survival probabilities decaying linearly with depth: p_l = 1 − (l / L)(1 − p_last), l = 1..L.

    Computed as p_last + (1 − l/L)(1 − p_last), the same line written so that the last block gets
    exactly p_last.  -> a list of L Python floats ([] for L = 0).  Group `stochastic_depth`.
    """
    L, p_last = int(num_blocks), float(p_last)
    return [p_last + (1.0 - l / L) * (1.0 - p_last) for l in range(1, L + 1)]


# ----------------------------------------------------------------- label smoothing

@trusted
def smooth_labels(y: torch.Tensor, num_classes: int, eps: float) -> torch.Tensor:
    """Smoothed one-hot targets: (1 − ε) · onehot(y) + ε / K, so the correct class gets
    1 − ε(K − 1)/K and every other class ε/K.

    y (N,) integer labels in [0, K) -> (N, K) rows summing to 1, of the default dtype on
    y's device.  Group `label_smoothing`.
    """
    onehot = F.one_hot(y.long(), num_classes).to(torch.get_default_dtype())
    return onehot * (1.0 - eps) + eps / num_classes


@trusted
def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy against rows of probabilities, by torch.nn.functional.cross_entropy
    (log-softmax inside, so finite for huge logits).

    loss = −(1/N) Σ_n Σ_k t[n, k] · log softmax(logits)[n, k];  dlogits = (softmax(logits) − t) / N,
    by autograd.  logits and targets (N, K) -> (0-dim loss, dlogits (N, K)).  Group `label_smoothing`.
    """
    def fn(z, t):
        return F.cross_entropy(z, t.to(z.dtype))
    loss = fn(logits.detach(), targets)
    return loss, _vjp(fn, [logits], torch.ones_like(loss), (targets,))[0]
