"""translate_x rolls the image (torch.roll), so the content pushed out on one side wraps round to the other instead of leaving zeros."""
import torch

GROUP = "randaugment"


def translate_x(images, pixels):
    return torch.roll(images, shifts=pixels, dims=-1)
