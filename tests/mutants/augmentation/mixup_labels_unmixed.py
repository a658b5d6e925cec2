"""mixup mixes the images but returns the original labels unmixed."""
import math

import torch

GROUP = "mixup"


def _beta(alpha, generator, device):
    while True:
        u = torch.rand(2, generator=generator, device=device, dtype=torch.float64).clamp_min(1e-300)
        log_x, log_y = (u.log() / alpha).tolist()
        log_sum = max(log_x, log_y) + math.log1p(math.exp(-abs(log_x - log_y)))
        if log_sum <= 0:
            return math.exp(log_x - log_sum)


def mixup(x, y, alpha, generator=None):
    lam = _beta(alpha, generator, x.device)
    perm = torch.randperm(x.shape[0], generator=generator, device=x.device)
    return lam * x + (1 - lam) * x[perm], y.clone(), lam, perm
