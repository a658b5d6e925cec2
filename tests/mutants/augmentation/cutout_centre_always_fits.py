"""The square's centre is drawn so that the square always fits inside the image, so border centres never occur."""
import torch

GROUP = "cutout"


def cutout(images, size, generator=None):
    N, C, H, W = images.shape
    half = size // 2
    cy = torch.randint(half, H - size + half + 1, (N,), generator=generator, device=images.device).tolist()
    cx = torch.randint(half, W - size + half + 1, (N,), generator=generator, device=images.device).tolist()
    out = images.clone()
    for i in range(N):
        out[i, :, cy[i] - half:cy[i] - half + size, cx[i] - half:cx[i] - half + size] = 0
    return out
