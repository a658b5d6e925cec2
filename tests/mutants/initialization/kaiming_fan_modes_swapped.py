"""kaiming_* take shape[0] as the input size (the lecture's layout), so mode="fan_in" divides by fan_out.

And mode="fan_out" by fan_in: right only for square weights.
"""
import math

import torch

GROUP = "kaiming"


def _fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _gain(nonlinearity, a):
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1.0 + a ** 2))
    return {"relu": math.sqrt(2.0), "tanh": 5.0 / 3.0, "selu": 0.75}.get(nonlinearity, 1.0)


def _like(generator):
    return {"dtype": torch.get_default_dtype(), "device": generator.device if generator is not None else "cpu"}


def _std(shape, a, mode, nonlinearity):
    fan_out, fan_in = _fans(shape)   # swapped: shape[0] taken as the input size
    return _gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    shape = tuple(shape)
    return torch.randn(shape, generator=generator, **_like(generator)) * _std(shape, a, mode, nonlinearity)


def kaiming_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    shape = tuple(shape)
    bound = math.sqrt(3.0) * _std(shape, a, mode, nonlinearity)
    return (torch.rand(shape, generator=generator, **_like(generator)) * 2 - 1) * bound
