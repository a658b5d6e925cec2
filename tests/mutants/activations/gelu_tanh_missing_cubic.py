"""gelu's tanh approximation drops the cubic term: tanh(√(2/π)·x) instead of tanh(√(2/π)(x + 0.044715x³))."""
import math

import torch

GROUP = "gelu"


def _sigmoid(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _tanh(x):
    return 2 * _sigmoid(2 * x) - 1


def gelu_forward(x, approximate="none"):
    if approximate == "none":
        out = 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))
    elif approximate == "tanh":
        out = 0.5 * x * (1 + _tanh(math.sqrt(2 / math.pi) * x))
    elif approximate == "sigmoid":
        out = x * _sigmoid(1.702 * x)
    else:
        raise ValueError(approximate)
    return out, (x, approximate)


def gelu_backward(dout, cache):
    x, approximate = cache
    if approximate == "none":
        local = 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    elif approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        t = _tanh(c * x)
        local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c
    else:
        s = _sigmoid(1.702 * x)
        local = s + 1.702 * x * s * (1 - s)
    return dout * local
