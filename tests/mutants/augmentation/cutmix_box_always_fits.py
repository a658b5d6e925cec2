"""cutmix draws the box's centre so that the box always fits inside the image: it is never clipped."""
import math

import torch

GROUP = "cutmix"


def _beta(alpha, generator, device):
    while True:
        u = torch.rand(2, generator=generator, device=device, dtype=torch.float64).clamp_min(1e-300)
        log_x, log_y = (u.log() / alpha).tolist()
        log_sum = max(log_x, log_y) + math.log1p(math.exp(-abs(log_x - log_y)))
        if log_sum <= 0:
            return math.exp(log_x - log_sum)


def cutmix(x, y, alpha, generator=None):
    N, C, H, W = x.shape
    dev = x.device
    lam = _beta(alpha, generator, dev)
    cut_h, cut_w = math.floor(H * math.sqrt(1 - lam)), math.floor(W * math.sqrt(1 - lam))
    top = int(torch.randint(0, H - cut_h + 1, (1,), generator=generator, device=dev))
    left = int(torch.randint(0, W - cut_w + 1, (1,), generator=generator, device=dev))
    perm = torch.randperm(N, generator=generator, device=dev)
    x_mix = x.clone()
    x_mix[:, :, top:top + cut_h, left:left + cut_w] = x[perm][:, :, top:top + cut_h, left:left + cut_w]
    lam = 1 - cut_h * cut_w / (H * W)
    return x_mix, lam * y + (1 - lam) * y[perm], lam, perm
