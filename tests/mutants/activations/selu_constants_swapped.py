"""selu uses alpha ≈ 1.0507 and scale ≈ 1.6733: the two constants swapped."""
import torch

GROUP = "selu"

ALPHA = 1.0507009873554804934193349852946
SCALE = 1.6732632423543772848170429916717


def selu_forward(x):
    neg = ALPHA * torch.expm1(torch.clamp(x, max=0))
    return SCALE * torch.where(x > 0, x, neg), x


def selu_backward(dout, cache):
    x = cache
    local = torch.where(x > 0, torch.ones_like(x), ALPHA * torch.exp(torch.clamp(x, max=0)))
    return SCALE * local * dout
