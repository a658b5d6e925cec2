"""The contrast step uses the plain mean over all channels for RGB images instead of the luma 0.299 R + 0.587 G + 0.114 B."""
import torch

GROUP = "color"


def color_jitter(images, brightness=0.0, contrast=0.0, generator=None):
    N = images.shape[0]
    dev = images.device
    b = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * brightness
    out = (images * b[:, None, None, None].to(images.dtype)).clamp(0, 1)
    c = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * contrast
    m = out.mean(dim=(1, 2, 3), keepdim=True)
    return (m + c[:, None, None, None].to(images.dtype) * (out - m)).clamp(0, 1)
