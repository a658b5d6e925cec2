"""Contrast scales the pixel values themselves (c·x) instead of moving them about the mean grey value."""
import torch

GROUP = "color"


def color_jitter(images, brightness=0.0, contrast=0.0, generator=None):
    N = images.shape[0]
    dev = images.device
    b = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * brightness
    out = (images * b[:, None, None, None].to(images.dtype)).clamp(0, 1)
    c = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * contrast
    return (c[:, None, None, None].to(images.dtype) * out).clamp(0, 1)
