"""fit_pca returns the components as rows (Vh of the SVD) instead of columns."""
import torch

GROUP = "pca"


def fit_pca(X):
    mean = X.mean(dim=0)
    _, S, Vh = torch.linalg.svd(X - mean, full_matrices=False)
    return mean, Vh, S ** 2 / X.shape[0]


def pca_transform(X, mean, components, k=None):
    return (X - mean) @ components[:, :k]
