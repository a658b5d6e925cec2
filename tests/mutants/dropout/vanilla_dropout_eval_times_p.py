"""Vanilla dropout scales by p at test time, following the lecture's formula where p is the KEEP
probability; here p is the drop probability, so the factor should be 1 − p."""
import torch

GROUP = "vanilla_dropout"


def vanilla_dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x * p, torch.full_like(x, p)
    mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
    return x * mask, mask


def vanilla_dropout_backward(dout, cache):
    return dout * cache
