"""Dividing by 1 − p with no special case: p = 1 gives 0 / 0 = nan everywhere instead of zeros."""
import torch

GROUP = "dropout"


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, None
    mask = (torch.rand(x.shape, generator=generator, device=x.device) >= p).to(x.dtype) / (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    return dout if mask is None else dout * mask
