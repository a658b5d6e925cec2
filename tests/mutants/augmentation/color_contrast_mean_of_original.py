"""The contrast step's mean grey value is taken from the original image, not from the brightened one."""
import torch

GROUP = "color"


def _grey(x):
    if x.shape[1] == 3:
        return (0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).mean(dim=(1, 2))[:, None, None, None]
    return x.mean(dim=(1, 2, 3))[:, None, None, None]


def color_jitter(images, brightness=0.0, contrast=0.0, generator=None):
    N = images.shape[0]
    dev = images.device
    b = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * brightness
    c = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * contrast
    m = _grey(images)
    out = (images * b[:, None, None, None].to(images.dtype)).clamp(0, 1)
    return (m + c[:, None, None, None].to(images.dtype) * (out - m)).clamp(0, 1)
