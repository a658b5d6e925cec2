"""Vanilla dropout returns x unchanged at test time: without the factor 1 − p the test-time output
is 1/(1 − p) times the expected training output."""
import torch

GROUP = "vanilla_dropout"


def vanilla_dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, torch.ones_like(x)
    mask = torch.bernoulli(torch.full_like(x, 1 - p), generator=generator)
    return x * mask, mask


def vanilla_dropout_backward(dout, cache):
    return dout * cache
