"""The mask comes from torch's global random generator (the generator argument is ignored), so
equal seeds do not give equal masks and the caller's random state moves."""
import torch

GROUP = "dropout"


def dropout_forward(x, p, train=True, generator=None):
    if not train:
        return x, None
    if p == 1:
        mask = torch.zeros_like(x)
    else:
        mask = (torch.rand(x.shape, device=x.device) >= p).to(x.dtype) / (1 - p)
    return x * mask, mask


def dropout_backward(dout, cache):
    mask = cache
    return dout if mask is None else dout * mask
