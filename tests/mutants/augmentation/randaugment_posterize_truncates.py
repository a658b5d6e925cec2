"""posterize truncates, q = floor(255·x), instead of rounding to the nearest level."""
import torch

GROUP = "randaugment"


def posterize(images, bits):
    q = torch.floor(images * 255).to(torch.int64)
    mask = (0xFF << (8 - bits)) & 0xFF
    return (q & mask).to(images.dtype) / 255
