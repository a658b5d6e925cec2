"""fit_rgb_pca returns torch.linalg.eigh's ascending order instead of the largest eigenvalue first."""
import torch

GROUP = "pca_color"


def fit_rgb_pca(images):
    pixels = images.permute(0, 2, 3, 1).reshape(-1, 3)
    centred = pixels - pixels.mean(dim=0)
    return torch.linalg.eigh(centred.T @ centred / pixels.shape[0])
