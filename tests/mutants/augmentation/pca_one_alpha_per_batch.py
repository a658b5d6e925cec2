"""One α is drawn for the whole batch, so every image gets the same colour offset."""
import torch

GROUP = "pca_color"


def pca_color_augment(images, eigvals, eigvecs, alpha_std=0.1, generator=None):
    alpha = torch.randn(3, generator=generator, device=images.device).to(images.dtype) * alpha_std
    offset = eigvecs @ (alpha * eigvals)
    return images + offset[None, :, None, None]
