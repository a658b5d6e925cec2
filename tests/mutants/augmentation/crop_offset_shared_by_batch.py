"""One crop offset is drawn for the whole batch instead of one per image."""
import torch
import torch.nn.functional as F

GROUP = "crop"


def random_crop(images, size, padding=0, generator=None):
    N, C, H, W = images.shape
    padded = F.pad(images, (padding,) * 4)
    top = int(torch.randint(0, H + 2 * padding - size + 1, (1,), generator=generator, device=images.device))
    left = int(torch.randint(0, W + 2 * padding - size + 1, (1,), generator=generator, device=images.device))
    return padded[:, :, top:top + size, left:left + size].clone()
