"""The square's start is not clipped at 0, so a negative start slices from the far end and the square vanishes."""
import torch

GROUP = "cutout"


def cutout(images, size, generator=None):
    N, C, H, W = images.shape
    cy = torch.randint(0, H, (N,), generator=generator, device=images.device).tolist()
    cx = torch.randint(0, W, (N,), generator=generator, device=images.device).tolist()
    out = images.clone()
    for i in range(N):
        top, left = cy[i] - size // 2, cx[i] - size // 2
        out[i, :, top:top + size, left:left + size] = 0
    return out
