"""preprocess_splits's "pca_whiten" decorrelates with pca_transform but never divides by sqrt(variance + eps)."""
import torch

GROUP = "splits"


def preprocess_splits(X_train, X_val, X_test, method):
    if method == "center":
        mean = X_train.mean(dim=0)
        return X_train - mean, X_val - mean, X_test - mean
    if method == "standardize":
        mean, std = fit_standardizer(X_train)
        return standardize(X_train, mean, std), standardize(X_val, mean, std), standardize(X_test, mean, std)
    if method == "pca_whiten":
        mean, components, _ = fit_pca(X_train)
        return tuple(pca_transform(X, mean, components) for X in (X_train, X_val, X_test))
    raise ValueError(f"unknown method {method!r}")


def pca_transform(X, mean, components, k=None):
    return (X - mean) @ components[:, :k]


# The graded helpers it calls, written correctly (the check binds the reference in their place).
def fit_standardizer(X, eps=1e-8):
    return X.mean(dim=0), X.std(dim=0, correction=0) + eps


def standardize(X, mean, std):
    return (X - mean) / std


def fit_pca(X):
    mean = X.mean(dim=0)
    Xc = X - mean
    variances, components = torch.linalg.eigh(Xc.T @ Xc / X.shape[0])
    return mean, components.flip(1), variances.flip(0)


def pca_whiten(X, mean, components, variances, eps=1e-5):
    return ((X - mean) @ components) / (variances + eps).sqrt()

