"""The offset multiplies by eigvecs.T, treating the eigenvector columns as rows."""
import torch

GROUP = "pca_color"


def pca_color_augment(images, eigvals, eigvecs, alpha_std=0.1, generator=None):
    alpha = torch.randn(images.shape[0], 3, generator=generator, device=images.device).to(images.dtype) * alpha_std
    offset = (alpha * eigvals) @ eigvecs
    return images + offset[:, :, None, None]
