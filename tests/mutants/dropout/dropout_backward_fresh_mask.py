"""dropout_backward draws a new mask from the generator instead of reusing the forward's, so the
gradient flows through units that were dropped in the forward pass."""
import torch

GROUP = "dropout"


def _mask(shape, p, generator, device, dtype):
    if p == 1:
        return torch.zeros(shape, device=device, dtype=dtype)
    return (torch.rand(shape, generator=generator, device=device) >= p).to(dtype) / (1 - p)


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, (p, False, generator)
    return x * _mask(x.shape, p, generator, x.device, x.dtype), (p, True, generator)


def dropout_backward(dout, cache):
    p, train, generator = cache
    if not train:
        return dout
    return dout * _mask(dout.shape, p, generator, dout.device, dout.dtype)
