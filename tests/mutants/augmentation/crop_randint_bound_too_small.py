"""The offsets are drawn with torch.randint(0, H + 2·padding − size), forgetting that the upper bound
is exclusive, so the last row and column offset can never occur."""
import torch
import torch.nn.functional as F

GROUP = "crop"


def random_crop(images, size, padding=0, generator=None):
    N, C, H, W = images.shape
    padded = F.pad(images, (padding,) * 4)
    top = torch.randint(0, H + 2 * padding - size, (N,), generator=generator, device=images.device)
    left = torch.randint(0, W + 2 * padding - size, (N,), generator=generator, device=images.device)
    return torch.stack([padded[i, :, t:t + size, l:l + size] for i, (t, l) in enumerate(zip(top.tolist(),
                                                                                               left.tolist()))])
