"""cutmix draws λ from U(0, 1) whatever α is, instead of from Beta(α, α)."""
import math

import torch

GROUP = "cutmix"


def cutmix(x, y, alpha, generator=None):
    N, C, H, W = x.shape
    dev = x.device
    lam = torch.rand((), generator=generator, device=dev, dtype=torch.float64).item()
    cut_h, cut_w = math.floor(H * math.sqrt(1 - lam)), math.floor(W * math.sqrt(1 - lam))
    cy = int(torch.randint(0, H, (1,), generator=generator, device=dev))
    cx = int(torch.randint(0, W, (1,), generator=generator, device=dev))
    top, left = max(cy - cut_h // 2, 0), max(cx - cut_w // 2, 0)
    bottom, right = min(cy - cut_h // 2 + cut_h, H), min(cx - cut_w // 2 + cut_w, W)
    perm = torch.randperm(N, generator=generator, device=dev)
    x_mix = x.clone()
    x_mix[:, :, top:bottom, left:right] = x[perm][:, :, top:bottom, left:right]
    lam = 1 - max(bottom - top, 0) * max(right - left, 0) / (H * W)
    return x_mix, lam * y + (1 - lam) * y[perm], lam, perm
