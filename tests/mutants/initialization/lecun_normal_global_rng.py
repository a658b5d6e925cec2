"""lecun_normal draws from torch's global RNG, ignoring the generator: the same seed gives different weights."""
import math

import torch

GROUP = "xavier"


def _fans(shape):
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _randn(shape, generator):
    device = generator.device if generator is not None else "cpu"
    return torch.randn(shape, generator=generator, dtype=torch.get_default_dtype(), device=device)


def lecun_normal(shape, generator=None):
    fan_in, _ = _fans(tuple(shape))
    device = generator.device if generator is not None else "cpu"
    return torch.randn(tuple(shape), dtype=torch.get_default_dtype(), device=device) / math.sqrt(fan_in)


def xavier_normal(shape, gain=1.0, generator=None):
    fan_in, fan_out = _fans(tuple(shape))
    return _randn(tuple(shape), generator) * gain * math.sqrt(2.0 / (fan_in + fan_out))


def xavier_uniform(shape, gain=1.0, generator=None):
    fan_in, fan_out = _fans(tuple(shape))
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    device = generator.device if generator is not None else "cpu"
    u = torch.rand(tuple(shape), generator=generator, dtype=torch.get_default_dtype(), device=device)
    return (u * 2 - 1) * bound
