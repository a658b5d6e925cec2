"""p read as the lecture's KEEP probability: each unit survives with probability p (not 1 − p),
and the survivors are divided by p."""
import torch

GROUP = "dropout"


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, None
    if p == 0:
        mask = torch.zeros_like(x)
    else:
        mask = (torch.rand(x.shape, generator=generator, device=x.device) < p).to(x.dtype) / p
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    return dout if mask is None else dout * mask
