"""fit_rgb_pca divides the covariance by N − 1 (torch.cov's default) instead of N."""
import torch

GROUP = "pca_color"


def fit_rgb_pca(images):
    pixels = images.permute(1, 0, 2, 3).reshape(3, -1)
    vals, vecs = torch.linalg.eigh(torch.cov(pixels))
    return vals.flip(0), vecs.flip(1)
