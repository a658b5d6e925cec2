"""The padding argument is ignored: windows are taken from the unpadded image, so offsets near the border never occur."""
import torch

GROUP = "crop"


def random_crop(images, size, padding=0, generator=None):
    N, C, H, W = images.shape
    top = torch.randint(0, H - size + 1, (N,), generator=generator, device=images.device).tolist()
    left = torch.randint(0, W - size + 1, (N,), generator=generator, device=images.device).tolist()
    return torch.stack([images[i, :, t:t + size, l:l + size] for i, (t, l) in enumerate(zip(top, left))])
