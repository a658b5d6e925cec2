"""Hidden checks for the preprocessing notebook.

Student functions are compared with ``grader.reference.preprocessing`` on seeded
data with well separated variances, in float32 and float64.  Principal
components are compared column by column up to sign, so any correct route
(eigh, SVD) passes; order, scaling and eps are still checked.  The splits check
binds the reference in place of the student's other graded functions, builds
splits with very different statistics, and names the leak it sees.
"""
from __future__ import annotations

from typing import Callable

import torch

from grader.checks.compare import assert_close, expect_tuple, sign_aligned
from grader.checks.guard import trusted
from grader.checks.harness import Failure, Group, inputs_on
from grader.checks.preprocessing import POINTS, correlated_data
from grader.device import get_device
from grader.reference import preprocessing as ref

__all__ = ["standardize", "pca", "whiten", "image_stats", "splits"]

_DTYPES = (torch.float32, torch.float64)
#: eigenvectors in float32 carry errors of about eps32 · ||Σ|| / gap
_COMPONENT_TOL = {torch.float32: (1e-3, 1e-4), torch.float64: (1e-6, 1e-8)}


def _datasets(seed: int) -> list[torch.Tensor]:
    return [correlated_data(seed, 300, dtype=torch.float32),
            correlated_data(seed + 1, 200, scales=(3.0, 1.5, 0.7, 0.3, 0.1), offset=-5.0),
            correlated_data(seed + 2, 50, scales=(2.0, 1.0, 0.4), offset=100.0)]


@trusted
def standardize(fit_standardizer: Callable, standardize: Callable) -> float:
    g = Group("standardize", POINTS["standardize"])
    data = _datasets(10)
    const = data[1].clone()
    const[:, 2] = 4.0                       # a constant feature: std = eps
    data.append(const)
    with g.sub(f"fit_standardizer matches the reference on {len(data)} inputs (one with a constant feature)", 2):
        for i, X in enumerate(data, 1):
            mean, std = expect_tuple(g.call(fit_standardizer, X).get(), 2, "fit_standardizer")
            rmean, rstd = ref.fit_standardizer(X)
            assert_close(mean, rmean, f"mean for input {i}", hint="one mean per feature: average over dim 0")
            wrong = X.std(dim=0, correction=1) + 1e-8
            assert_close(std, rstd, f"std for input {i}",
                         mistakes=[(wrong, "this is the unbiased std (N − 1): divide by N"),
                                   (torch.sqrt(X.var(dim=0, correction=0) + 1e-8),
                                    "eps goes on the std, not under the square root")])
    with g.sub("fit_standardizer uses eps as given", 0.5):
        X = data[3]
        _, std = expect_tuple(g.call(fit_standardizer, X, eps=0.5).get(), 2, "fit_standardizer")
        assert_close(std, ref.fit_standardizer(X, eps=0.5)[1], "std with eps=0.5")
    with g.sub("standardize is exactly (X − mean) / std", 1):
        for i, X in enumerate(data, 1):
            mean, std = ref.fit_standardizer(X)
            assert_close(g.call(standardize, X, mean, std).get(), ref.standardize(X, mean, std),
                         f"standardize for input {i}")
    g.rules_line(())
    return g.finish()


@trusted
def pca(fit_pca: Callable, pca_transform: Callable) -> float:
    g = Group("pca", POINTS["pca"])
    data = _datasets(20)
    with g.sub(f"fit_pca: mean and variances match the reference on {len(data)} inputs", 1.5):
        for i, X in enumerate(data, 1):
            mean, comps, var = expect_tuple(g.call(fit_pca, X).get(), 3, "fit_pca")
            rmean, _, rvar = ref.fit_pca(X)
            assert_close(mean, rmean, f"mean for input {i}")
            n = X.shape[0]
            assert_close(var, rvar, f"variances for input {i}",
                         mistakes=[(rvar.flip(0), "variances are in increasing order: sort them largest first"),
                                   (rvar * n / (n - 1), "this is the unbiased covariance (N − 1): divide by N")])
    with g.sub("fit_pca: components match the reference up to the sign of each column", 1.5):
        for i, X in enumerate(data, 1):
            _, comps, _ = expect_tuple(g.call(fit_pca, X).get(), 3, "fit_pca")
            _, rcomps, _ = ref.fit_pca(X)
            rtol, atol = _COMPONENT_TOL[X.dtype]
            if type(comps) is torch.Tensor and comps.shape == rcomps.shape:
                if _same_up_to_sign(comps.flip(1), rcomps, rtol, atol):
                    raise Failure(f"components for input {i} are in increasing order of variance",
                                  hint="sort the columns by decreasing variance (eigh returns them increasing)")
                if _same_up_to_sign(comps.T, rcomps, rtol, atol):
                    raise Failure(f"components for input {i} are stored as rows",
                                  hint="each component is a column: components[:, j]")
            assert_close(sign_aligned(comps, rcomps), rcomps, f"components for input {i} (columns up to sign)",
                         rtol=rtol, atol=atol, hint="eigenvectors of the covariance of the centred data")
    with g.sub("pca_transform matches the reference (k = None, 1, 2)", 1):
        for i, X in enumerate(data, 1):
            mean, comps, _ = ref.fit_pca(X)
            for k in (None, 1, 2):
                got = g.call(pca_transform, X, mean, comps, k=k).get()
                assert_close(got, ref.pca_transform(X, mean, comps, k=k), f"pca_transform for input {i}, k={k}",
                             hint="(X − mean) @ components[:, :k]")
    g.rules_line(())
    return g.finish()


def _others(name: str) -> dict[str, Callable]:
    """Reference stand-ins for every graded function except ``name``."""
    names = ("fit_standardizer", "standardize", "fit_pca", "pca_transform", "pca_whiten", "zca_whiten",
             "mean_image", "channel_stats", "normalize_channels")
    return {n: getattr(ref, n) for n in names if n != name}


def _same_up_to_sign(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    return bool(torch.allclose(sign_aligned(a, b).to(b.dtype), b, rtol=rtol, atol=atol))


@trusted
def whiten(pca_whiten: Callable, zca_whiten: Callable) -> float:
    g = Group("whiten", POINTS["whiten"])
    data = _datasets(30)
    for name, fn, weight in (("pca_whiten", pca_whiten, 1.5), ("zca_whiten", zca_whiten, 1.5)):
        with g.sub(f"{name} matches the reference on {len(data)} inputs, with default and large eps", weight):
            for i, X in enumerate(data, 1):
                mean, comps, var = ref.fit_pca(X)
                reference = getattr(ref, name)
                for kw in ({}, {"eps": 0.1}):
                    # the other graded functions it may call are the reference's here
                    with g.bound(fn, _others(name)):
                        got = g.call(fn, X, mean, comps, var, **kw).get()
                    proj = (X - mean) @ comps
                    back = comps.T if name == "zca_whiten" else torch.eye(comps.shape[0], dtype=X.dtype, device=X.device)
                    wrong = []
                    if name == "zca_whiten":
                        wrong.append((ref.pca_whiten(X, mean, comps, var, **kw),
                                      "this is PCA whitening: ZCA rotates back with components.T"))
                    wrong += [(proj / (var + kw.get("eps", 1e-5)) @ back, "divide by the square root of the "
                               "variance, not the variance"),
                              (proj / var.sqrt() @ back, "eps is missing: divide by sqrt(variance + eps)")]
                    assert_close(got, reference(X, mean, comps, var, **kw), f"{name} for input {i} ({kw or 'eps default'})",
                                 mistakes=wrong)
    g.rules_line(())
    return g.finish()


@trusted
def image_stats(mean_image: Callable, channel_stats: Callable, normalize_channels: Callable) -> float:
    g = Group("image_stats", POINTS["image_stats"])
    make = inputs_on(get_device(), 40)
    shift = torch.tensor([0.2, 0.5, 0.8], device=get_device())[:, None, None]
    images = [(make((8, 3, 6, 5), dtype) * 0.1 + shift.to(dtype)).clamp(0, 1) for dtype in _DTYPES]
    images.append(make((4, 1, 7, 7), torch.float32).abs())
    with g.sub("mean_image matches the reference", 0.5):
        for i, X in enumerate(images, 1):
            assert_close(g.call(mean_image, X).get(), ref.mean_image(X), f"mean image for input {i}",
                         hint="average over the N images only: the result is (C, H, W)")
    with g.sub("channel_stats matches the reference (population std)", 1):
        for i, X in enumerate(images, 1):
            mean, std = expect_tuple(g.call(channel_stats, X).get(), 2, "channel_stats")
            rmean, rstd = ref.channel_stats(X)
            assert_close(mean, rmean, f"channel mean for input {i}", hint="one value per channel: average over N, H, W")
            per = X.transpose(0, 1).reshape(X.shape[1], -1)
            assert_close(std, rstd, f"channel std for input {i}",
                         mistakes=[(per.std(1, correction=1), "this is the unbiased std (N − 1): divide by N")])
    with g.sub("normalize_channels matches the reference", 0.5):
        for i, X in enumerate(images, 1):
            mean, std = ref.channel_stats(X)
            assert_close(g.call(normalize_channels, X, mean, std).get(), ref.normalize_channels(X, mean, std),
                         f"normalised images for input {i}", hint="broadcast (C,) as (1, C, 1, 1)")
    g.rules_line(())
    return g.finish()


def _leaks(method: str, train, val, test) -> list[tuple[tuple, str]]:
    """What the usual leaks would return for (train, val, test), with the hint naming each."""
    splits_ = (train, val, test)
    every = torch.cat(splits_)
    return [(tuple(_apply(method, every, X) for X in splits_),
             "the statistics came from all the data: fit on X_train only"),
            (tuple(_apply(method, test, X) for X in splits_),
             "the statistics came from the test split: fit on X_train only"),
            (tuple(_apply(method, X, X) for X in splits_),
             "each split was normalised with its own statistics: fit once on X_train, apply to all three")]


def _apply(method: str, source: torch.Tensor, X: torch.Tensor) -> torch.Tensor:
    """``method`` fitted on ``source`` and applied to X (reference functions)."""
    if method == "center":
        return X - source.mean(dim=0)
    if method == "standardize":
        return ref.standardize(X, *ref.fit_standardizer(source))
    return ref.pca_whiten(X, *ref.fit_pca(source))


@trusted
def splits(preprocess_splits: Callable) -> float:
    g = Group("splits", POINTS["splits"])
    train = correlated_data(50, 300)
    val = correlated_data(51, 80, scales=(1.0, 3.0, 0.5, 2.0), offset=6.0)
    test = correlated_data(52, 60, scales=(0.5, 0.5, 4.0, 1.0), offset=-4.0)
    references = _others("preprocess_splits")
    for method in ("center", "standardize", "pca_whiten"):
        with g.sub(f"{method}: train, val and test all use the training statistics", 1):
            with g.bound(preprocess_splits, references):
                out = expect_tuple(g.call(preprocess_splits, train, val, test, method).get(), 3, "preprocess_splits")
            expected = ref.preprocess_splits(train, val, test, method)
            leaks = _leaks(method, train, val, test)
            for k, name in enumerate(("train", "val", "test")):
                got = out[k]
                if method == "pca_whiten":  # any sign of each component is right
                    got = sign_aligned(got, expected[k])
                    hints = [(sign_aligned(leak[k], expected[k]), why) for leak, why in leaks]
                else:
                    hints = [(leak[k], why) for leak, why in leaks]
                assert_close(got, expected[k], f"{name} output", mistakes=hints)
    with g.sub("an unknown method raises ValueError", 0.5):
        outcome = g.call(preprocess_splits, train, val, test, "minmax")
        if not isinstance(outcome.error, ValueError):
            raise Failure("preprocess_splits(..., 'minmax') should raise ValueError, "
                          f"got {type(outcome.error).__name__ if outcome.error else 'a result'}")
    g.rules_line(())
    return g.finish()
