"""tanh_backward computes 1 − x² from the input x instead of 1 − tanh²(x) from the output."""
import torch

GROUP = "tanh"


def tanh_forward(x):
    e = torch.exp(-2 * x.abs())
    t = torch.sign(x) * (1 - e) / (1 + e)
    return t, x


def tanh_backward(dout, cache):
    x = cache
    return dout * (1 - x ** 2)
