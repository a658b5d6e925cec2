"""Inverted dropout that forgets to divide the survivors by 1 − p: the train output's expectation is
(1 − p) · x, while eval mode returns x."""
import torch

GROUP = "dropout"


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, None
    mask = (torch.rand(x.shape, generator=generator, device=x.device) >= p).to(x.dtype)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    return dout if mask is None else dout * mask
