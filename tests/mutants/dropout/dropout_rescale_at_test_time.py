"""The inverted-dropout exercise answered with the original scheme: no rescaling at training time,
and the output multiplied by 1 − p at test time instead."""
import torch

GROUP = "dropout"


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x * (1 - p), ("eval", 1 - p)
    mask = (torch.rand(x.shape, generator=generator, device=x.device) >= p).to(x.dtype)
    return x * mask, ("train", mask)


def dropout_backward(dout, cache):
    _, factor = cache
    return dout * factor
