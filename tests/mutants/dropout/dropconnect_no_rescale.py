"""DropConnect without the 1/(1 − p): the kept weights are not rescaled, so the training output is
x @ W · (1 − p) + b on average while eval mode gives x @ W + b."""
import torch

GROUP = "dropconnect"


def dropconnect_forward(x, W, b, p, train=True, generator=None):
    if train:
        mask = (torch.rand(W.shape, generator=generator, device=W.device) >= p).to(W.dtype)
    else:
        mask = torch.ones_like(W)
    W_used = W * mask
    return x @ W_used + b, (x, W_used, mask)


def dropconnect_backward(dout, cache):
    x, W_used, mask = cache
    return dout @ W_used.T, (x.T @ dout) * mask, dout.sum(0)
