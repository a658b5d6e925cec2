"""A second, independently written answer to every 04_dropout exercise.

Written the way a careful student would: elementary tensor operations only (no
torch dropout, batch norm or cross-entropy, no autograd), every backward pass
by hand, batch norm's by the compact formula.  Masks are drawn with
``torch.bernoulli`` on a tensor of keep probabilities, not with the
reference's ``rand >= p``, so for the same seed the two keep different units:
the hidden checks must judge random layers by their statistics.
"""
from __future__ import annotations

import torch


def _keep(shape, keep_prob, like, generator):
    """A 0/1 mask of ``shape`` in like's dtype and device, each entry 1 with probability keep_prob."""
    probs = torch.full(tuple(shape), float(keep_prob), dtype=like.dtype, device=like.device)
    return torch.bernoulli(probs, generator=generator)


# ---------------------------------------------------------------- penalties

def l2_penalty(W, reg):
    return reg * torch.sum(W ** 2), 2.0 * reg * W


def l1_penalty(W, reg):
    return reg * torch.sum(torch.abs(W)), reg * torch.sign(W)


def elastic_net_penalty(W, reg, beta):
    loss = reg * (beta * torch.sum(W ** 2) + torch.sum(torch.abs(W)))
    return loss, reg * (2.0 * beta * W + torch.sign(W))


# ---------------------------------------------------------------- dropout

def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x.clone(), torch.ones_like(x)
    if p >= 1.0:  # nothing survives; 1 / (1 − p) would be infinite
        mask = torch.zeros_like(x)
    else:
        mask = _keep(x.shape, 1.0 - p, x, generator) / (1.0 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    return dout * cache


def vanilla_dropout_forward(x, p, train=True, generator=None):
    if train:
        mask = _keep(x.shape, 1.0 - p, x, generator)
    else:
        mask = torch.full_like(x, 1.0 - p)
    return x * mask, mask


def vanilla_dropout_backward(dout, cache):
    return dout * cache


# ---------------------------------------------------------------- DropConnect

def dropconnect_forward(x, W, b, p, train=True, generator=None):
    if not train:
        scaled_mask = torch.ones_like(W)
    elif p >= 1.0:
        scaled_mask = torch.zeros_like(W)
    else:
        scaled_mask = _keep(W.shape, 1.0 - p, W, generator) / (1.0 - p)
    W_used = W * scaled_mask  # one mask for the whole batch
    return x @ W_used + b, (x, W_used, scaled_mask)


def dropconnect_backward(dout, cache):
    x, W_used, scaled_mask = cache
    dx = dout @ W_used.T
    dW = (x.T @ dout) * scaled_mask
    db = dout.sum(dim=0)
    return dx, dW, db


# ---------------------------------------------------------------- batch normalisation

def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.1)
    N, D = x.shape
    if "running_mean" not in bn_param:
        bn_param["running_mean"] = torch.zeros(D, dtype=x.dtype, device=x.device)
    if "running_var" not in bn_param:
        bn_param["running_var"] = torch.ones(D, dtype=x.dtype, device=x.device)
    if mode == "train":
        if N < 2:
            raise ValueError("batch normalisation in train mode needs at least two examples")
        mu = x.sum(dim=0) / N
        centred = x - mu
        var = (centred * centred).sum(dim=0) / N
        inv_std = 1.0 / torch.sqrt(var + eps)
        xhat = centred * inv_std
        with torch.no_grad():
            bn_param["running_mean"].mul_(1.0 - momentum).add_(momentum * mu)
            bn_param["running_var"].mul_(1.0 - momentum).add_(momentum * var * (N / (N - 1)))
        return gamma * xhat + beta, ("train", xhat, gamma, inv_std)
    if mode == "test":
        inv_std = 1.0 / torch.sqrt(bn_param["running_var"] + eps)
        xhat = (x - bn_param["running_mean"]) * inv_std
        return gamma * xhat + beta, ("test", xhat, gamma, inv_std)
    raise ValueError(f"unknown mode {mode!r}")


def batchnorm_backward(dout, cache):
    mode, xhat, gamma, inv_std = cache
    N = dout.shape[0]
    dgamma = (dout * xhat).sum(dim=0)
    dbeta = dout.sum(dim=0)
    if mode == "test":
        return dout * gamma * inv_std, dgamma, dbeta
    dxhat = dout * gamma
    dx = (inv_std / N) * (N * dxhat - dxhat.sum(dim=0) - xhat * (dxhat * xhat).sum(dim=0))
    return dx, dgamma, dbeta


# ---------------------------------------------------------------- stochastic depth

def stochastic_depth_forward(x, fx, survival_prob, train=True, mode="row", generator=None):
    if mode not in ("row", "batch"):
        raise ValueError(f"unknown mode {mode!r}")
    if not train:
        return x + survival_prob * fx
    if mode == "row":
        gate = _keep((fx.shape[0],) + (1,) * (fx.dim() - 1), survival_prob, fx, generator)
    else:
        gate = _keep((1,) * fx.dim(), survival_prob, fx, generator)
    return x + gate * fx


def linear_decay_survival(num_blocks, p_last=0.5):
    return [1.0 - l / num_blocks * (1.0 - p_last) for l in range(1, num_blocks + 1)]


# ---------------------------------------------------------------- label smoothing

def smooth_labels(y, num_classes, eps):
    N = y.shape[0]
    targets = torch.full((N, num_classes), eps / num_classes, dtype=torch.get_default_dtype(), device=y.device)
    targets[torch.arange(N, device=y.device), y.long()] = 1.0 - eps * (num_classes - 1) / num_classes
    return targets


def soft_cross_entropy(logits, targets):
    N = logits.shape[0]
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - torch.log(torch.exp(shifted).sum(dim=1, keepdim=True))
    loss = -(targets * log_probs).sum() / N
    dlogits = (torch.exp(log_probs) - targets) / N
    return loss, dlogits
