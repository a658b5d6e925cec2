"""preprocess_splits normalises each split with its own statistics instead of the training statistics."""
import torch

GROUP = "splits"


def _one(X, method):
    if method == "center":
        return X - X.mean(dim=0)
    if method == "standardize":
        return standardize(X, *fit_standardizer(X))
    return pca_whiten(X, *fit_pca(X))


def preprocess_splits(X_train, X_val, X_test, method):
    if method not in ("center", "standardize", "pca_whiten"):
        raise ValueError(f"unknown method {method!r}")
    return _one(X_train, method), _one(X_val, method), _one(X_test, method)


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

