"""The colour offset is eigvecs @ α: the eigenvalues that scale each component are forgotten."""
import torch

GROUP = "pca_color"


def pca_color_augment(images, eigvals, eigvecs, alpha_std=0.1, generator=None):
    alpha = torch.randn(images.shape[0], 3, generator=generator, device=images.device).to(images.dtype) * alpha_std
    offset = alpha @ eigvecs.T
    return images + offset[:, :, None, None]
