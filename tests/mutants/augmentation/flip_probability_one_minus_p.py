"""The comparison is the wrong way round (rand >= p), so each image is flipped with probability 1 − p."""
import torch

GROUP = "flip"


def horizontal_flip(images, p=0.5, generator=None):
    flip = torch.rand(images.shape[0], generator=generator, device=images.device) >= p
    return torch.where(flip[:, None, None, None], images.flip(-1), images)
