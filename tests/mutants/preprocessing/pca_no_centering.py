"""fit_pca takes the eigenvectors of X.T @ X / N without subtracting the mean first."""
import torch

GROUP = "pca"


def fit_pca(X):
    mean = X.mean(dim=0)
    second_moment = X.T @ X / X.shape[0]
    variances, components = torch.linalg.eigh(second_moment)
    return mean, components.flip(1), variances.flip(0)


def pca_transform(X, mean, components, k=None):
    return (X - mean) @ components[:, :k]
