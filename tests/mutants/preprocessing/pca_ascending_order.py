"""fit_pca keeps torch.linalg.eigh's ascending order: smallest variance first."""
import torch

GROUP = "pca"


def fit_pca(X):
    mean = X.mean(dim=0)
    Xc = X - mean
    cov = Xc.T @ Xc / X.shape[0]
    variances, components = torch.linalg.eigh(cov)
    return mean, components, variances


def pca_transform(X, mean, components, k=None):
    return (X - mean) @ components[:, :k]
