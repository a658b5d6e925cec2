"""pca_transform projects X itself, forgetting to subtract the mean first."""
import torch

GROUP = "pca"


def fit_pca(X):
    mean = X.mean(dim=0)
    Xc = X - mean
    variances, components = torch.linalg.eigh(Xc.T @ Xc / X.shape[0])
    return mean, components.flip(1), variances.flip(0)


def pca_transform(X, mean, components, k=None):
    return X @ components[:, :k]
