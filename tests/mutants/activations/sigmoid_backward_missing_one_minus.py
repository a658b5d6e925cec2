"""sigmoid_backward multiplies dout by s = σ(x) alone, forgetting the (1 − s) factor."""
import torch

GROUP = "sigmoid"


def sigmoid_forward(x):
    e = torch.exp(-x.abs())
    s = torch.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return s, s


def sigmoid_backward(dout, cache):
    s = cache
    return dout * s
