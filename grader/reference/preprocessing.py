"""Reference data preprocessing for 02_preprocessing (instructor-only).

Data matrices are ``X`` of shape ``(N, D)``, one example per row; images are
``(N, C, H, W)``.  Every statistic is a population statistic (divides by N,
never N − 1), and every result keeps the input's device and dtype.

Principal components are eigenvectors of the biased covariance, stored as the
columns of a ``(D, D)`` matrix, sorted by decreasing eigenvalue.  An eigenvector
is only defined up to sign; to make the reference deterministic, each column is
flipped so that its entry of largest absolute value is positive.  Student
answers may use either sign: the hidden checks align signs before comparing.
"""
from __future__ import annotations

import torch

from grader.checks.guard import trusted

__all__ = ["fit_standardizer", "standardize", "fit_pca", "pca_transform", "pca_whiten", "zca_whiten",
           "mean_image", "channel_stats", "normalize_channels", "preprocess_splits", "SPLIT_METHODS"]

#: Accepted values of ``method`` for :func:`preprocess_splits`.
SPLIT_METHODS = ("center", "standardize", "pca_whiten")


def _expect_dim(X: torch.Tensor, dim: int, what: str) -> None:
    if X.dim() != dim:
        raise ValueError(f"{what} expects a {dim}-D tensor, got shape {tuple(X.shape)}")


# ----------------------------------------------------------------- standardize

@trusted
def fit_standardizer(X: torch.Tensor, eps: float = 1e-8) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-feature statistics over the N examples.

    mean_d = (1/N) Σ_n X[n, d];  std_d = sqrt((1/N) Σ_n (X[n, d] − mean_d)²) + eps.
    X ``(N, D)`` -> mean ``(D,)``, std ``(D,)``.  The eps is added to the std (not
    under the square root), so a constant feature gets std = eps.  Group `standardize`.
    """
    return X.mean(dim=0), X.std(dim=0, correction=0) + eps


@trusted
def standardize(X: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Z = (X − mean) / std, broadcast over the rows.  X ``(N, D)``, mean and std ``(D,)`` -> ``(N, D)``."""
    return (X - mean) / std


# ----------------------------------------------------------------- pca

@trusted
def fit_pca(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Principal component analysis of the rows of X.

    mean = (1/N) Σ_n X[n];  Σ = (1/N) (X − mean)ᵀ (X − mean);  Σ = V diag(λ) Vᵀ
    with λ_1 ≥ λ_2 ≥ … ≥ λ_D.  X ``(N, D)`` -> mean ``(D,)``, components V
    ``(D, D)`` (column j is the j-th eigenvector), variances λ ``(D,)``.

    Column signs follow the module's convention (largest-magnitude entry
    positive).  The covariance is positive semi-definite, so eigenvalues that
    rounding pushes below zero (about −1e−7 · ||Σ|| in float32) are clamped to 0;
    otherwise sqrt(λ + eps) would be nan for eps = 0.  Group `pca`.
    """
    _expect_dim(X, 2, "fit_pca")
    mean = X.mean(dim=0)
    cov = torch.cov(X.T, correction=0).reshape(X.shape[1], X.shape[1])   # (D, D) even for D = 1
    eigenvalues, eigenvectors = torch.linalg.eigh(cov)                   # ascending order
    variances = eigenvalues.flip(0).clamp(min=0)
    components = eigenvectors.flip(1)
    largest = components.abs().argmax(dim=0)                              # row of each column's biggest entry
    signs = torch.sign(components.gather(0, largest[None, :]))
    signs = torch.where(signs == 0, torch.ones_like(signs), signs)
    return mean, components * signs, variances


@trusted
def pca_transform(X: torch.Tensor, mean: torch.Tensor, components: torch.Tensor, k: int | None = None) -> torch.Tensor:
    """Coordinates along the first k components: (X − mean) @ components[:, :k].

    X ``(N, D)``, mean ``(D,)``, components ``(D, D)`` -> ``(N, k)`` (``(N, D)`` for k = None).
    """
    return (X - mean) @ components[:, :k]


# ----------------------------------------------------------------- whiten

@trusted
def pca_whiten(X: torch.Tensor, mean: torch.Tensor, components: torch.Tensor, variances: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    """PCA whitening: ((X − mean) @ V) / sqrt(λ + eps), column j divided by sqrt(λ_j + eps).

    X ``(N, D)``, mean ``(D,)``, components V ``(D, D)``, variances λ ``(D,)`` -> ``(N, D)``.
    On the data the statistics came from, the covariance is diag(λ / (λ + eps)) ≈ I.
    """
    return ((X - mean) @ components) / torch.sqrt(variances + eps)


@trusted
def zca_whiten(X: torch.Tensor, mean: torch.Tensor, components: torch.Tensor, variances: torch.Tensor,
               eps: float = 1e-5) -> torch.Tensor:
    """ZCA whitening: the PCA-whitened data rotated back, pca_whiten(X, …) @ Vᵀ.

    Equivalently (X − mean) @ V diag(1 / sqrt(λ + eps)) Vᵀ, a symmetric matrix,
    so the result does not depend on the signs of the components.
    Shapes as :func:`pca_whiten`.
    """
    return pca_whiten(X, mean, components, variances, eps) @ components.T


# ----------------------------------------------------------------- image_stats

@trusted
def mean_image(X: torch.Tensor) -> torch.Tensor:
    """The average image (AlexNet-style): (1/N) Σ_n X[n].

    X ``(N, C, H, W)`` -> ``(C, H, W)``.  Group `image_stats`.
    """
    _expect_dim(X, 4, "mean_image")
    return X.mean(dim=0)


@trusted
def channel_stats(X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and population std over every image and pixel (VGG / ResNet-style).

    mean_c = mean of X[:, c, :, :];  std_c = sqrt(mean of (X[:, c] − mean_c)²), over N·H·W values.
    X ``(N, C, H, W)`` -> mean ``(C,)``, std ``(C,)``.
    """
    _expect_dim(X, 4, "channel_stats")
    return X.mean(dim=(0, 2, 3)), X.std(dim=(0, 2, 3), correction=0)


@trusted
def normalize_channels(X: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """(X − mean[c]) / std[c] for every channel c.  X ``(N, C, H, W)``, mean and std ``(C,)`` -> ``(N, C, H, W)``."""
    _expect_dim(X, 4, "normalize_channels")
    return (X - mean[None, :, None, None]) / std[None, :, None, None]


# ----------------------------------------------------------------- splits

@trusted
def preprocess_splits(X_train: torch.Tensor, X_val: torch.Tensor, X_test: torch.Tensor,
                      method: str) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Fit ``method`` on X_train alone, apply it to all three splits.

    "center": X − mean_train;  "standardize": :func:`standardize` with
    :func:`fit_standardizer` (X_train);  "pca_whiten": :func:`pca_whiten` with
    :func:`fit_pca` (X_train).  Default eps throughout.  Each X ``(N_split, D)``;
    returns ``(train, val, test)`` with the same shapes.  Raises ValueError for
    any other method.
    """
    if method not in SPLIT_METHODS:
        raise ValueError(f"unknown method {method!r}: expected one of {', '.join(SPLIT_METHODS)}")
    splits = (X_train, X_val, X_test)
    if method == "center":
        mean = X_train.mean(dim=0)
        return tuple(X - mean for X in splits)
    if method == "standardize":
        mean, std = fit_standardizer(X_train)
        return tuple(standardize(X, mean, std) for X in splits)
    mean, components, variances = fit_pca(X_train)
    return tuple(pca_whiten(X, mean, components, variances) for X in splits)
