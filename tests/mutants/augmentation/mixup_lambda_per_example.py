"""mixup draws a separate λ for every example (and returns their mean), instead of one λ for the batch."""
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
    N = x.shape[0]
    lams = torch.tensor([_beta(alpha, generator, x.device) for _ in range(N)], dtype=x.dtype, device=x.device)
    perm = torch.randperm(N, generator=generator, device=x.device)
    lx = lams.view(N, *([1] * (x.dim() - 1)))
    ly = lams.view(N, *([1] * (y.dim() - 1))).to(y.dtype)
    return lx * x + (1 - lx) * x[perm], ly * y + (1 - ly) * y[perm], float(lams.mean()), perm
