"""Eval mode adds the whole block, x + fx, instead of its expectation x + survival_prob · fx."""
import torch

GROUP = "stochastic_depth"


def stochastic_depth_forward(x, fx, survival_prob, train=True, mode="row", generator=None):
    if not train:
        return x + fx
    shape = (fx.shape[0],) + (1,) * (fx.dim() - 1) if mode == "row" else (1,) * fx.dim()
    coins = torch.bernoulli(torch.full(shape, survival_prob, dtype=fx.dtype, device=fx.device), generator=generator)
    return x + coins * fx


def linear_decay_survival(num_blocks, p_last=0.5):
    return [1.0 - (l / num_blocks) * (1.0 - p_last) for l in range(1, num_blocks + 1)]
