"""layer_stats reports the unbiased std (dividing by n − 1, torch.std's default) instead of the population std."""
import torch

GROUP = "layer_stats"


def layer_stats(x, weights, activation):
    rows = []
    h = x
    for W in weights:
        h = activation(h @ W)
        rows.append(torch.stack([h.mean(), h.std()]))
    return torch.stack(rows) if rows else torch.zeros(0, 2, dtype=x.dtype, device=x.device)
