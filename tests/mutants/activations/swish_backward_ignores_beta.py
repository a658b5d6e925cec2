"""swish_backward uses σ(βx) + x·σ(βx)(1 − σ(βx)), dropping the β from the chain rule through βx."""
import torch

GROUP = "swish"


def _sigmoid(x):
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1 / (1 + e), e / (1 + e))


def swish_forward(x, beta=1.0):
    return x * _sigmoid(beta * x), (x, beta)


def swish_backward(dout, cache):
    x, beta = cache
    s = _sigmoid(beta * x)
    return dout * (s + x * s * (1 - s))
