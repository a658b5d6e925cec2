"""The coins come from torch's global random generator; the generator argument is ignored."""
import torch

GROUP = "flip"


def horizontal_flip(images, p=0.5, generator=None):
    flip = torch.rand(images.shape[0], device=images.device) < p
    return torch.where(flip[:, None, None, None], images.flip(-1), images)
