"""cutmix draws the centre column with torch.randint(0, H) (a copy-paste slip) instead of (0, W), so on a wide
image the right-hand columns are never centres."""
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
    cy = int(torch.randint(0, H, (1,), generator=generator, device=dev))
    cx = int(torch.randint(0, H, (1,), generator=generator, device=dev))
    top, left = max(cy - cut_h // 2, 0), max(cx - cut_w // 2, 0)
    bottom, right = min(cy - cut_h // 2 + cut_h, H), min(cx - cut_w // 2 + cut_w, W)
    perm = torch.randperm(N, generator=generator, device=dev)
    x_mix = x.clone()
    x_mix[:, :, top:bottom, left:right] = x[perm][:, :, top:bottom, left:right]
    lam = 1 - max(bottom - top, 0) * max(right - left, 0) / (H * W)
    y_mix = lam * y + (1 - lam) * y[perm]
    return x_mix, y_mix, lam, perm
