"""The square spans rows cy − size//2 to cy + size//2 inclusive, one row and column too many for even sizes."""
import torch

GROUP = "cutout"


def cutout(images, size, generator=None):
    N, C, H, W = images.shape
    cy = torch.randint(0, H, (N,), generator=generator, device=images.device).tolist()
    cx = torch.randint(0, W, (N,), generator=generator, device=images.device).tolist()
    out = images.clone()
    for i in range(N):
        out[i, :, max(cy[i] - size // 2, 0):cy[i] + size // 2 + 1, max(cx[i] - size // 2, 0):cx[i] + size // 2 + 1] = 0
    return out
