"""One coin is tossed for the whole batch: either every image is flipped or none is."""
import torch

GROUP = "flip"


def horizontal_flip(images, p=0.5, generator=None):
    if torch.rand((), generator=generator, device=images.device) < p:
        return images.flip(-1)
    return images.clone()
