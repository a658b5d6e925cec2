"""color_jitter clamps only once, after the contrast step, so brightened values above 1 take part in the contrast
step (and its mean grey)."""
import torch

GROUP = "color"


def color_jitter(images, brightness=0.0, contrast=0.0, generator=None):
    N, C = images.shape[:2]
    dev = images.device
    b = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * brightness
    out = images * b[:, None, None, None].to(images.dtype)
    c = 1 + (torch.rand(N, generator=generator, device=dev) * 2 - 1) * contrast
    if C == 3:
        m = (0.299 * out[:, 0] + 0.587 * out[:, 1] + 0.114 * out[:, 2]).mean(dim=(1, 2))
    else:
        m = out.mean(dim=(1, 2, 3))
    m, c = m[:, None, None, None], c[:, None, None, None].to(images.dtype)
    return (m + c * (out - m)).clamp(0, 1)
