"""leaky_relu_backward copies ReLU's backward: gradient 0 instead of negative_slope for x <= 0."""
import torch

GROUP = "leaky_relu"


def leaky_relu_forward(x, negative_slope=0.01):
    return torch.where(x > 0, x, negative_slope * x), (x, negative_slope)


def leaky_relu_backward(dout, cache):
    x, negative_slope = cache
    return torch.where(x > 0, dout, torch.zeros_like(dout))
