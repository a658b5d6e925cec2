"""Visible checks for the preprocessing notebook (student-safe: no solutions inside).

They test properties that any correct answer has: standardised features have
mean 0 and std 1, principal components are orthonormal and sorted, whitened
data has identity covariance, split statistics come from the training split.
The hidden checks compare with a reference on harder inputs.
"""
from __future__ import annotations

from typing import Callable

import torch

from grader.checks.compare import expect_tensor, expect_tuple
from grader.checks.harness import Failure, Group, inputs_on, visible
from grader.device import get_device

__all__ = ["POINTS", "standardize", "pca", "whiten", "image_stats", "splits", "correlated_data", "known_pca_data"]

POINTS = {"standardize": 2, "pca": 3, "whiten": 3, "image_stats": 2, "splits": 3}


def correlated_data(seed: int, n: int = 400, scales=(4.0, 2.0, 1.0, 0.5), offset: float = 3.0,
                    dtype=torch.float64) -> torch.Tensor:
    """(n, D) data with well separated variances ``scales**2``, randomly rotated and shifted."""
    make = inputs_on(get_device(), seed)
    d = len(scales)
    rotation, _ = torch.linalg.qr(make((d, d), torch.float64))
    z = make((n, d), torch.float64) * torch.tensor(scales, dtype=torch.float64, device=get_device())
    return (z @ rotation.T + offset + make((d,), torch.float64)).to(dtype)


def known_pca_data(seed: int, n: int = 200, scales=(3.0, 2.0, 1.0, 0.5)):
    """Data whose sample PCA is known exactly: ``(X, mean, components, variances)``.

    A random sample is made exactly white (its sample covariance is I, via a
    Cholesky factor), then scaled by ``scales`` and rotated by a random
    orthogonal matrix, so the components are that matrix's columns and the
    variances ``scales**2`` — no eigen-solver involved.
    """
    make = inputs_on(get_device(), seed)
    d = len(scales)
    Z = make((n, d), torch.float64)
    Z = Z - Z.mean(dim=0)
    L = torch.linalg.cholesky(Z.T @ Z / n)
    Z = torch.linalg.solve_triangular(L, Z.T, upper=False).T          # sample covariance exactly I
    rotation, _ = torch.linalg.qr(make((d, d), torch.float64))
    s = torch.tensor(scales, dtype=torch.float64, device=get_device())
    mean = make((d,), torch.float64) + 2.0
    return (Z * s) @ rotation.T + mean, mean, rotation, s * s


def _cov(Z: torch.Tensor) -> torch.Tensor:
    Zc = Z - Z.mean(dim=0)
    return Zc.T @ Zc / Z.shape[0]


def _expect(cond: bool, message: str, details: list[str] | None = None) -> None:
    if not cond:
        raise Failure(message, details)


def _eye_like(n: int, like: torch.Tensor) -> torch.Tensor:
    return torch.eye(n, dtype=like.dtype, device=like.device)


@visible
def standardize(fit_standardizer: Callable, standardize: Callable) -> float:
    """Visible check: shapes, and standardised features with mean 0 and std 1."""
    g = Group("standardize", POINTS["standardize"], title="standardize (visible check)")
    X = correlated_data(1)
    with g.sub("fit_standardizer returns (mean, std), each of shape (D,)"):
        mean, std = expect_tuple(g.call(fit_standardizer, X).get(), 2, "fit_standardizer")
        expect_tensor(mean, X[0], "mean")
        expect_tensor(std, X[0], "std")
    with g.sub("standardised features have mean 0 and (population) std 1", 2):
        mean, std = g.call(fit_standardizer, X).get()
        Z = expect_tensor(g.call(standardize, X, mean, std).get(), X, "standardize(X, mean, std)")
        _expect(bool(torch.allclose(Z.mean(0), torch.zeros_like(mean), atol=1e-6)), "feature means are not 0",
                [f"means {Z.mean(0).tolist()}"])
        _expect(bool(torch.allclose(Z.std(0, correction=0), torch.ones_like(std), atol=1e-6)),
                "feature stds are not 1 (divide by N, not N − 1)", [f"stds {Z.std(0, correction=0).tolist()}"])
    with g.sub("a constant feature stays finite (eps)"):
        X2 = X.clone()
        X2[:, 1] = 7.0
        mean, std = g.call(fit_standardizer, X2).get()
        Z = g.call(standardize, X2, mean, std).get()
        _expect(bool(torch.isfinite(Z).all()), "a constant feature gave inf or nan: add eps to the std")
    g.rules_line(())
    return g.finish()


@visible
def pca(fit_pca: Callable, pca_transform: Callable) -> float:
    """Visible check: orthonormal components sorted by variance, diagonal projected covariance."""
    g = Group("pca", POINTS["pca"], title="pca (visible check)")
    X = correlated_data(2)
    D = X.shape[1]
    with g.sub("fit_pca returns mean (D,), components (D, D) with orthonormal columns, variances (D,)"):
        mean, comps, var = expect_tuple(g.call(fit_pca, X).get(), 3, "fit_pca")
        expect_tensor(mean, X[0], "mean")
        expect_tensor(comps, _eye_like(D, X), "components")
        expect_tensor(var, X[0], "variances")
        _expect(bool(torch.allclose(comps.T @ comps, _eye_like(D, X), atol=1e-8)), "components are not orthonormal")
    with g.sub("variances are sorted from largest to smallest and match the projected data", 2):
        mean, comps, var = g.call(fit_pca, X).get()
        _expect(bool((var[:-1] >= var[1:]).all()), f"variances are not descending: {var.tolist()}")
        proj_cov = comps.T @ _cov(X) @ comps
        _expect(bool(torch.allclose(proj_cov, torch.diag(var), atol=1e-8)),
                "projecting onto the components should give a diagonal covariance with the variances on it")
    with g.sub("pca_transform returns (N, k) coordinates, all D when k is None"):
        mean, comps, var = g.call(fit_pca, X).get()
        Z = g.call(pca_transform, X, mean, comps).get()
        expect_tensor(Z, X, "pca_transform(X, mean, components)")
        Z2 = g.call(pca_transform, X, mean, comps, k=2).get()
        expect_tensor(Z2, X[:, :2], "pca_transform(..., k=2)")
        _expect(bool(torch.allclose(_cov(Z), torch.diag(var), atol=1e-8)), "projected coordinates are not decorrelated")
    g.rules_line(())
    return g.finish()


@visible
def whiten(pca_whiten: Callable, zca_whiten: Callable) -> float:
    """Visible check: whitened data has (nearly) identity covariance; ZCA is symmetric."""
    g = Group("whiten", POINTS["whiten"], title="whiten (visible check)")
    X, mean, comps, var = known_pca_data(3)
    Xc = X - mean
    for name, fn in (("pca_whiten", pca_whiten), ("zca_whiten", zca_whiten)):
        with g.sub(f"{name} gives covariance ≈ identity", 1.5 if name == "pca_whiten" else 1):
            W = expect_tensor(g.call(fn, X, mean, comps, var).get(), X, name)
            _expect(bool(torch.allclose(_cov(W), _eye_like(X.shape[1], X), atol=1e-4)),
                    f"the covariance of {name}'s output is not the identity", [f"diagonal {torch.diag(_cov(W)).tolist()}"])
    with g.sub("ZCA's transform is symmetric (it rotates back)", 0.5):
        W = g.call(zca_whiten, X, mean, comps, var).get()
        M = torch.linalg.lstsq(Xc, W).solution
        _expect(bool(torch.allclose(M, M.T, atol=1e-6)), "ZCA whitening should be X_c @ M with M symmetric: "
                "rotate the whitened coordinates back with components.T")
    g.rules_line(())
    return g.finish()


@visible
def image_stats(mean_image: Callable, channel_stats: Callable, normalize_channels: Callable) -> float:
    """Visible check: shapes, and normalised channels with mean 0 and std 1."""
    g = Group("image_stats", POINTS["image_stats"], title="image_stats (visible check)")
    make = inputs_on(get_device(), 5)
    X = make((6, 3, 5, 4), torch.float64).abs() + torch.tensor([0.0, 1.0, 2.0], device=get_device(),
                                                                 dtype=torch.float64)[:, None, None]
    with g.sub("mean_image has shape (C, H, W); channel_stats returns (C,) and (C,)"):
        expect_tensor(g.call(mean_image, X).get(), X[0], "mean_image(X)")
        mean, std = expect_tuple(g.call(channel_stats, X).get(), 2, "channel_stats")
        expect_tensor(mean, X[0, :, 0, 0], "channel mean")
        expect_tensor(std, X[0, :, 0, 0], "channel std")
    with g.sub("normalize_channels gives every channel mean 0 and std 1", 2):
        mean, std = g.call(channel_stats, X).get()
        Z = expect_tensor(g.call(normalize_channels, X, mean, std).get(), X, "normalize_channels")
        per = Z.transpose(0, 1).reshape(3, -1)
        _expect(bool(torch.allclose(per.mean(1), torch.zeros(3, dtype=X.dtype, device=X.device), atol=1e-8)
                     and torch.allclose(per.std(1, correction=0), torch.ones(3, dtype=X.dtype, device=X.device),
                                        atol=1e-8)), "channels are not at mean 0, std 1 (population std)")
    g.rules_line(())
    return g.finish()


@visible
def splits(preprocess_splits: Callable) -> float:
    """Visible check: three tensors back, and the training split centred by its own statistics."""
    g = Group("splits", POINTS["splits"], title="splits (visible check)")
    train, val, test = correlated_data(6, 300), correlated_data(7, 100, offset=5.0), correlated_data(8, 100, offset=-2.0)
    for method in ("center", "standardize", "pca_whiten"):
        with g.sub(f"{method}: three tensors shaped like the inputs; the training split ends up centred"):
            out = expect_tuple(g.call(preprocess_splits, train, val, test, method).get(), 3, "preprocess_splits")
            for t, X, name in zip(out, (train, val, test), ("train", "val", "test")):
                expect_tensor(t, X, f"{name} output")
            _expect(bool(torch.allclose(out[0].mean(0), torch.zeros_like(train[0]), atol=1e-6)),
                    "the training split is not centred")
            _expect(not torch.allclose(out[2].mean(0), torch.zeros_like(train[0]), atol=1e-3),
                    "the test split came out centred on its own mean: use the training statistics for every split")
    g.rules_line(())
    return g.finish()
