"""A second, independently written answer to every 02_preprocessing exercise.

Written the way a careful student would: the std as the square root of the mean
of squared deviations, principal components from the SVD of the centred data
(variances S² / N) rather than an eigen-decomposition of the covariance, the
order made explicit with a sort, ZCA as one symmetric matrix.  Component signs
are deliberately the opposite of the reference's convention (here the entry of
largest magnitude is negative), so the hidden checks must be sign-invariant to
give it full points.  No call into ``grader``.
"""
from __future__ import annotations

import torch

_METHODS = ("center", "standardize", "pca_whiten")


# ---------------------------------------------------------------- standardize

def fit_standardizer(X, eps=1e-8):
    n = X.shape[0]
    mean = X.sum(dim=0) / n
    deviations = X - mean
    std = torch.sqrt((deviations * deviations).sum(dim=0) / n) + eps
    return mean, std


def standardize(X, mean, std):
    return (X - mean.unsqueeze(0)) / std.unsqueeze(0)


# ---------------------------------------------------------------- pca

def fit_pca(X):
    n, d = X.shape
    mean = X.sum(dim=0) / n
    centred = X - mean
    # rows of Vh are the right singular vectors; full_matrices keeps all D of them when N < D
    _, S, Vh = torch.linalg.svd(centred, full_matrices=True)
    variances = torch.zeros(d, device=X.device, dtype=X.dtype)
    variances[:S.shape[0]] = S * S / n
    components = Vh.T
    order = torch.argsort(variances, descending=True, stable=True)
    variances, components = variances[order], components[:, order]
    for j in range(d):
        column = components[:, j]
        if column[column.abs().argmax()] > 0:
            components[:, j] = -column
    return mean, components, variances


def pca_transform(X, mean, components, k=None):
    if k is None:
        k = components.shape[1]
    return torch.matmul(X - mean, components[:, :k])


# ---------------------------------------------------------------- whiten

def pca_whiten(X, mean, components, variances, eps=1e-5):
    projected = torch.matmul(X - mean, components)
    return projected * torch.rsqrt(variances + eps).unsqueeze(0)


def zca_whiten(X, mean, components, variances, eps=1e-5):
    scale = 1.0 / torch.sqrt(variances + eps)
    W = (components * scale.unsqueeze(0)) @ components.T   # U diag(1/sqrt(λ+eps)) Uᵀ, symmetric
    return (X - mean) @ W


# ---------------------------------------------------------------- image_stats

def mean_image(X):
    return X.sum(dim=0) / X.shape[0]


def channel_stats(X):
    C = X.shape[1]
    per_channel = X.permute(1, 0, 2, 3).reshape(C, -1)   # (C, N·H·W)
    mean = per_channel.mean(dim=1)
    std = ((per_channel - mean[:, None]) ** 2).mean(dim=1).sqrt()
    return mean, std


def normalize_channels(X, mean, std):
    return (X - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


# ---------------------------------------------------------------- splits

def preprocess_splits(X_train, X_val, X_test, method):
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, got {method!r}")
    if method == "center":
        mu = X_train.mean(dim=0, keepdim=True)
        return X_train - mu, X_val - mu, X_test - mu
    if method == "standardize":
        mean, std = fit_standardizer(X_train)
        return standardize(X_train, mean, std), standardize(X_val, mean, std), standardize(X_test, mean, std)
    mean, components, variances = fit_pca(X_train)
    return tuple(pca_whiten(part, mean, components, variances) for part in (X_train, X_val, X_test))
