"""Row mode tosses one coin for the whole batch (what mode="batch" does) instead of one per sample."""
import torch

GROUP = "stochastic_depth"


def stochastic_depth_forward(x, fx, survival_prob, train=True, mode="row", generator=None):
    if not train:
        return x + survival_prob * fx
    coin = torch.rand((), generator=generator, device=fx.device) < survival_prob
    return x + coin.to(fx.dtype) * fx


def linear_decay_survival(num_blocks, p_last=0.5):
    return [1.0 - (l / num_blocks) * (1.0 - p_last) for l in range(1, num_blocks + 1)]
