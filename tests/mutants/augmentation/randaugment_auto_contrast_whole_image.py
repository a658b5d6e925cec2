"""auto_contrast stretches each image by its overall minimum and maximum instead of per channel."""
import torch

GROUP = "randaugment"


def auto_contrast(images):
    lo = images.amin(dim=(1, 2, 3), keepdim=True)
    hi = images.amax(dim=(1, 2, 3), keepdim=True)
    spread = hi - lo
    stretched = (images - lo) / torch.where(spread > 0, spread, torch.ones_like(spread))
    return torch.where(spread > 0, stretched, images)
