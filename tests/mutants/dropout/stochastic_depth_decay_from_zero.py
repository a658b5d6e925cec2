"""linear_decay_survival counts blocks from l = 0 to L − 1: the first block gets 1 and the last
1 − (L − 1)/L · (1 − p_last) instead of p_last."""
import torch

GROUP = "stochastic_depth"


def stochastic_depth_forward(x, fx, survival_prob, train=True, mode="row", generator=None):
    if not train:
        return x + survival_prob * fx
    shape = (fx.shape[0],) + (1,) * (fx.dim() - 1) if mode == "row" else (1,) * fx.dim()
    coins = torch.bernoulli(torch.full(shape, survival_prob, dtype=fx.dtype, device=fx.device), generator=generator)
    return x + coins * fx


def linear_decay_survival(num_blocks, p_last=0.5):
    return [1.0 - (l / num_blocks) * (1.0 - p_last) for l in range(num_blocks)]
