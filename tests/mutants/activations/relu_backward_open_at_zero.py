"""relu_backward lets the gradient through where x >= 0, so it is 1 (not 0) at exactly x = 0."""
import torch

GROUP = "relu"


def relu_forward(x):
    return torch.where(x > 0, x, torch.zeros_like(x)), x


def relu_backward(dout, cache):
    x = cache
    return dout * (x >= 0).to(dout.dtype)
