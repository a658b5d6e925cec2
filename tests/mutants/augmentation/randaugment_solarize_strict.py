"""solarize inverts only values strictly above the threshold (x > threshold instead of x ≥ threshold)."""
import torch

GROUP = "randaugment"


def solarize(images, threshold):
    return torch.where(images > threshold, 1 - images, images)
