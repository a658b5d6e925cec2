"""gelu's "sigmoid" approximation uses x·σ(x) (plain SiLU) instead of x·σ(1.702x)."""
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
        out = 0.5 * x * (1 + _tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    elif approximate == "sigmoid":
        out = x * _sigmoid(x)
    else:
        raise ValueError(approximate)
    return out, (x, approximate)


def gelu_backward(dout, cache):
    x, approximate = cache
    if approximate == "none":
        local = 0.5 * (1 + torch.erf(x / math.sqrt(2))) + x * torch.exp(-x * x / 2) / math.sqrt(2 * math.pi)
    elif approximate == "tanh":
        c = math.sqrt(2 / math.pi)
        t = _tanh(c * (x + 0.044715 * x ** 3))
        local = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
    else:
        s = _sigmoid(x)
        local = s + x * s * (1 - s)
    return dout * local
