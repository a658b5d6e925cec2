"""The flip reverses the height axis (an upside-down flip, flip(-2)) instead of the width."""
import torch

GROUP = "flip"


def horizontal_flip(images, p=0.5, generator=None):
    flip = torch.rand(images.shape[0], generator=generator, device=images.device) < p
    return torch.where(flip[:, None, None, None], images.flip(-2), images)
