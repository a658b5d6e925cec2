"""layer_stats records the mean and std of the pre-activation h @ W instead of the activation's output."""
import torch

GROUP = "layer_stats"


def layer_stats(x, weights, activation):
    rows = []
    h = x
    for W in weights:
        z = h @ W
        rows.append(torch.stack([z.mean(), z.std(correction=0)]))
        h = activation(z)
    return torch.stack(rows) if rows else torch.zeros(0, 2, dtype=x.dtype, device=x.device)
