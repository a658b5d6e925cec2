"""fit_pca builds the covariance with N − 1 (unbiased), so every variance is N / (N − 1) too large."""
import torch

GROUP = "pca"


def fit_pca(X):
    mean = X.mean(dim=0)
    Xc = X - mean
    cov = Xc.T @ Xc / (X.shape[0] - 1)
    variances, components = torch.linalg.eigh(cov)
    return mean, components.flip(1), variances.flip(0)


def pca_transform(X, mean, components, k=None):
    return (X - mean) @ components[:, :k]
