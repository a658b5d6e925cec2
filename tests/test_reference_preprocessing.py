"""grader.reference.preprocessing against numpy and torch: statistics against
numpy (population, ddof=0) and torch.std(correction=0), principal components
against numpy's biased covariance, the SVD of the centred data and
torch.pca_lowrank (each up to the sign of a column), whitening by its defining
properties (identity covariance, ZCA the symmetric whitening closest to the
input), and the splits by which data their statistics come from.  float32 and
float64; the oracles run in float64."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.reference import preprocessing as ref

DTYPES = [torch.float32, torch.float64]
# float32 results against float64 oracles; eigenvectors lose about eps32 · ||Σ|| / gap
TOL = {torch.float32: {"rtol": 1e-4, "atol": 1e-5}, torch.float64: {"rtol": 1e-10, "atol": 1e-12}}
SCALES = (4.0, 2.0, 1.0, 0.5, 0.2)


def _gen(seed):
    return torch.Generator().manual_seed(seed)


def _data(seed, n=300, scales=SCALES, offset=3.0, dtype=torch.float64):
    """(n, D) rows with variances near scales**2 along a random rotation, shifted away from 0."""
    g = _gen(seed)
    d = len(scales)
    rotation, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    z = torch.randn(n, d, generator=g, dtype=torch.float64) * torch.tensor(scales, dtype=torch.float64)
    return (z @ rotation.T + offset + torch.randn(d, generator=g, dtype=torch.float64)).to(dtype)


def _images(seed, shape=(6, 3, 5, 4), dtype=torch.float64):
    g = _gen(seed)
    shift = torch.linspace(0.2, 0.8, shape[1], dtype=torch.float64)[None, :, None, None]
    return (torch.rand(shape, generator=g, dtype=torch.float64) * 0.3 + shift).to(dtype)


def _np(t):
    return t.detach().cpu().double().numpy()


def _t(a, like):
    return torch.as_tensor(np.ascontiguousarray(a), dtype=like.dtype, device=like.device)


def _same_kind(t, like):
    assert type(t) is torch.Tensor and t.dtype == like.dtype and t.device == like.device


def _close(got, want, dtype, scale=1.0):
    tol = TOL[dtype]
    torch.testing.assert_close(got, want.to(got.dtype), rtol=tol["rtol"] * scale, atol=tol["atol"] * scale)


def _align(got, like):
    """``got`` with every column's sign flipped to agree with ``like``'s column."""
    signs = torch.sign((got.double() * like.double()).sum(dim=0))
    return got * signs.to(got.dtype)


def _cov(Z):
    Zc = Z - Z.mean(dim=0)
    return Zc.T @ Zc / Z.shape[0]


# ---------------------------------------------------------------- standardize

@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_standardizer_matches_numpy_population_statistics(dtype):
    X = _data(0, dtype=dtype)
    mean, std = ref.fit_standardizer(X)
    for t in (mean, std):
        _same_kind(t, X)
        assert t.shape == (X.shape[1],)
    _close(mean, _t(_np(X).mean(axis=0), X), dtype)
    _close(std, _t(_np(X).std(axis=0, ddof=0) + 1e-8, X), dtype)
    torch.testing.assert_close(std, torch.std(X, dim=0, correction=0) + 1e-8)


def test_fit_standardizer_adds_eps_to_the_std_not_under_the_root():
    X = _data(1, n=40)
    X[:, 2] = 7.0                                        # a constant feature
    _, std = ref.fit_standardizer(X)
    assert std[2].item() == 1e-8
    _, std_half = ref.fit_standardizer(X, eps=0.5)
    torch.testing.assert_close(std_half, torch.from_numpy(_np(X).std(axis=0)) + 0.5, rtol=1e-12, atol=1e-12)
    assert std_half[2].item() == 0.5


@pytest.mark.parametrize("dtype", DTYPES)
def test_standardize_is_exactly_the_formula_and_gives_unit_std(dtype):
    X = _data(2, dtype=dtype)
    mean, std = ref.fit_standardizer(X)
    Z = ref.standardize(X, mean, std)
    _same_kind(Z, X)
    assert torch.equal(Z, (X - mean[None, :]) / std[None, :])
    _close(Z.mean(dim=0), torch.zeros_like(mean), dtype, scale=10)
    raw = _np(X).std(axis=0)
    _close(_t(_np(Z).std(axis=0), X), _t(raw / (raw + 1e-8), X), dtype, scale=10)   # 1 up to eps


# ---------------------------------------------------------------- pca

@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_pca_matches_numpy_covariance_and_the_svd(dtype):
    X = _data(3, dtype=dtype)
    n, d = X.shape
    mean, components, variances = ref.fit_pca(X)
    for t, shape in ((mean, (d,)), (components, (d, d)), (variances, (d,))):
        _same_kind(t, X)
        assert t.shape == shape
    Xn = _np(X)
    _close(mean, _t(Xn.mean(axis=0), X), dtype)
    cov = np.cov(Xn.T, bias=True)
    _close(variances, _t(np.linalg.eigvalsh(cov)[::-1], X), dtype, scale=10)
    _, s, vh = np.linalg.svd(Xn - Xn.mean(axis=0), full_matrices=False)
    _close(variances, _t(s ** 2 / n, X), dtype, scale=10)
    want = _t(vh.T, X)
    _close(_align(components, want), want, dtype, scale=10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_pca_matches_torch_pca_lowrank(dtype):
    X = _data(4, n=200, dtype=dtype)
    n, d = X.shape
    _, components, variances = ref.fit_pca(X)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        _, s, v = torch.pca_lowrank(X.double(), q=d, center=True, niter=6)
    _close(variances, s ** 2 / n, dtype, scale=10)
    _close(_align(components, v), v, dtype, scale=10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_components_are_orthonormal_sorted_and_diagonalise_the_covariance(dtype):
    X = _data(5, dtype=dtype)
    _, V, lam = ref.fit_pca(X)
    eye = torch.eye(X.shape[1], dtype=dtype)
    _close(V.T @ V, eye, dtype, scale=10)
    _close(V @ V.T, eye, dtype, scale=10)
    assert (lam[:-1] >= lam[1:]).all() and (lam >= 0).all()
    cov = _t(np.cov(_np(X).T, bias=True), X)
    _close(V.T @ cov @ V, torch.diag(lam), dtype, scale=100)
    _close(V @ torch.diag(lam) @ V.T, cov, dtype, scale=100)


def test_fit_pca_recovers_a_known_rotation_and_variances():
    """Data whitened exactly (sample covariance I), then scaled and rotated: no eigen-solver in the oracle."""
    g = _gen(6)
    scales = torch.tensor([3.0, 2.0, 1.0, 0.5], dtype=torch.float64)
    Z = torch.randn(100, 4, generator=g, dtype=torch.float64)
    Z = Z - Z.mean(dim=0)
    L = torch.linalg.cholesky(Z.T @ Z / Z.shape[0])
    Z = torch.linalg.solve_triangular(L, Z.T, upper=False).T
    rotation, _ = torch.linalg.qr(torch.randn(4, 4, generator=g, dtype=torch.float64))
    shift = torch.tensor([1.0, -2.0, 5.0, 0.5], dtype=torch.float64)
    X = (Z * scales) @ rotation.T + shift
    mean, V, lam = ref.fit_pca(X)
    torch.testing.assert_close(mean, shift)
    torch.testing.assert_close(lam, scales ** 2)
    torch.testing.assert_close(_align(V, rotation), rotation)


@pytest.mark.parametrize("dtype", DTYPES)
def test_component_signs_follow_the_documented_convention(dtype):
    X = _data(7, dtype=dtype)
    _, V, _ = ref.fit_pca(X)
    biggest = V.gather(0, V.abs().argmax(dim=0)[None, :])
    assert (biggest > 0).all()
    # the same covariance reached another way gives the same columns, signs included
    perm = torch.randperm(X.shape[0], generator=_gen(8))
    for other in (X[perm], 10.0 - X):
        _close(ref.fit_pca(other)[1], V, dtype, scale=10)


def test_fit_pca_on_rank_deficient_data_gives_zero_variances_not_negative():
    X = _data(9, n=3, scales=(1.0, 1.0, 1.0, 1.0, 1.0, 1.0), dtype=torch.float32)   # N = 3 < D = 6
    _, V, lam = ref.fit_pca(X)
    assert (lam >= 0).all() and (lam[2:] < 1e-5).all() and (lam[:2] > 1e-2).all()
    torch.testing.assert_close(V.T @ V, torch.eye(6), rtol=1e-5, atol=1e-5)
    assert torch.isfinite(ref.pca_whiten(X, *ref.fit_pca(X), eps=0.0)[:, :2]).all()
    with pytest.raises(ValueError):
        ref.fit_pca(torch.zeros(5))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k", [None, 1, 3, 5])
def test_pca_transform_projects_on_the_first_k_columns(k, dtype):
    X = _data(10, n=60, dtype=dtype)
    mean, V, lam = ref.fit_pca(X)
    P = ref.pca_transform(X, mean, V, k=k)
    _same_kind(P, X)
    width = X.shape[1] if k is None else k
    assert P.shape == (X.shape[0], width)
    want = np.stack([(_np(X) - _np(mean)) @ _np(V)[:, j] for j in range(width)], axis=1)
    _close(P, _t(want, X), dtype)
    _close(_cov(P), torch.diag(lam[:width]), dtype, scale=100)   # decorrelated, variances λ


# ---------------------------------------------------------------- whiten

@pytest.mark.parametrize("dtype", DTYPES)
def test_pca_whiten_gives_identity_covariance(dtype):
    X = _data(11, dtype=dtype)
    mean, V, lam = ref.fit_pca(X)
    W = ref.pca_whiten(X, mean, V, lam)
    _same_kind(W, X)
    _close(W.mean(dim=0), torch.zeros_like(mean), dtype, scale=10)
    _close(_cov(W), torch.diag(lam / (lam + 1e-5)), dtype, scale=100)
    _close(_cov(W), torch.eye(X.shape[1], dtype=dtype), dtype, scale=1e3 if dtype == torch.float32 else 1e7)
    _close(_cov(ref.pca_whiten(X, mean, V, lam, eps=0.0)), torch.eye(X.shape[1], dtype=dtype), dtype, scale=100)
    want = (_np(X) - _np(mean)) @ _np(V) / np.sqrt(_np(lam) + 0.1)
    _close(ref.pca_whiten(X, mean, V, lam, eps=0.1), _t(want, X), dtype)


def _inverse_sqrt(cov, eps):
    """(cov + eps·I)^(-1/2) by numpy: symmetric, and the same whatever signs an eigen-solver picks."""
    w, U = np.linalg.eigh(cov)
    return (U / np.sqrt(w + eps)) @ U.T


@pytest.mark.parametrize("dtype", DTYPES)
def test_zca_whiten_is_the_symmetric_whitening(dtype):
    X = _data(12, dtype=dtype)
    mean, V, lam = ref.fit_pca(X)
    Z = ref.zca_whiten(X, mean, V, lam)
    _same_kind(Z, X)
    Xc = _np(X) - _np(mean)
    for eps in (1e-5, 0.1):
        want = Xc @ _inverse_sqrt(np.cov(_np(X).T, bias=True), eps)
        _close(ref.zca_whiten(X, mean, V, lam, eps=eps), _t(want, X), dtype, scale=10)
    _close(_cov(ref.zca_whiten(X, mean, V, lam, eps=0.0)), torch.eye(X.shape[1], dtype=dtype), dtype, scale=100)
    # the matrix it applies, read off the unit vectors, is symmetric
    M = ref.zca_whiten(mean + torch.eye(X.shape[1], dtype=dtype), mean, V, lam)
    _close(M, M.T, dtype)
    # flipping the signs of components changes nothing
    flips = torch.tensor([1.0, -1.0, -1.0, 1.0, -1.0], dtype=dtype)
    _close(ref.zca_whiten(X, mean, V * flips, lam), Z, dtype)


def test_zca_output_is_the_whitening_closest_to_the_input():
    X = _data(13)
    mean, V, lam = ref.fit_pca(X)
    Xc = X - mean
    zca = ref.zca_whiten(X, mean, V, lam, eps=0.0)
    best = torch.linalg.matrix_norm(zca - Xc)
    # every whitening matrix is Σ^(-1/2) R for an orthogonal R: PCA's, Cholesky's and random ones
    others = [ref.pca_whiten(X, mean, V, lam, eps=0.0)]
    L = torch.linalg.cholesky(_cov(X))
    others.append(torch.linalg.solve_triangular(L, Xc.T, upper=False).T)
    g = _gen(14)
    for _ in range(5):
        R, _ = torch.linalg.qr(torch.randn(5, 5, generator=g, dtype=torch.float64))
        others.append(zca @ R)
    for W in others:
        torch.testing.assert_close(_cov(W), torch.eye(5, dtype=torch.float64))   # each one does whiten
        assert torch.linalg.matrix_norm(W - Xc) > best + 1e-6


# ---------------------------------------------------------------- image_stats

@pytest.mark.parametrize("dtype", DTYPES)
def test_image_statistics_match_numpy(dtype):
    X = _images(15, dtype=dtype)
    N, C, H, W = X.shape
    m = ref.mean_image(X)
    _same_kind(m, X)
    assert m.shape == (C, H, W)
    _close(m, _t(_np(X).mean(axis=0), X), dtype)
    mean, std = ref.channel_stats(X)
    for t in (mean, std):
        _same_kind(t, X)
        assert t.shape == (C,)
    _close(mean, _t(_np(X).mean(axis=(0, 2, 3)), X), dtype)
    _close(std, _t(_np(X).std(axis=(0, 2, 3), ddof=0), X), dtype)
    per_channel = X.transpose(0, 1).reshape(C, -1)
    _close(std, torch.std(per_channel, dim=1, correction=0), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_channels_broadcasts_over_dim_1(dtype):
    X = _images(16, shape=(5, 3, 4, 6), dtype=dtype)
    mean, std = ref.channel_stats(X)
    Y = ref.normalize_channels(X, mean, std)
    _same_kind(Y, X)
    for c in range(X.shape[1]):
        assert torch.equal(Y[:, c], (X[:, c] - mean[c]) / std[c])
    _close(Y.mean(dim=(0, 2, 3)), torch.zeros_like(mean), dtype, scale=10)
    _close(Y.std(dim=(0, 2, 3), correction=0), torch.ones_like(mean), dtype, scale=10)
    single = _images(17, shape=(2, 1, 3, 3), dtype=dtype)
    assert ref.normalize_channels(single, *ref.channel_stats(single)).shape == single.shape
    with pytest.raises(ValueError):
        ref.channel_stats(X[0])


# ---------------------------------------------------------------- splits

def _splits(dtype):
    return (_data(20, n=120, dtype=dtype),
            _data(21, n=40, scales=(1.0, 3.0, 0.5, 2.0, 1.0), offset=6.0, dtype=dtype),
            _data(22, n=30, scales=(0.5, 0.5, 4.0, 1.0, 2.0), offset=-4.0, dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", ref.SPLIT_METHODS)
def test_preprocess_splits_applies_the_training_statistics_to_all_three(method, dtype):
    train, val, test = _splits(dtype)
    out = ref.preprocess_splits(train, val, test, method)
    assert type(out) is tuple and len(out) == 3
    Xn = _np(train)
    mu = Xn.mean(axis=0)
    if method == "center":
        f = lambda A: A - mu                                             # noqa: E731
    elif method == "standardize":
        f = lambda A: (A - mu) / (Xn.std(axis=0) + 1e-8)                  # noqa: E731
    else:
        lam, U = np.linalg.eigh(np.cov(Xn.T, bias=True))
        lam, U = lam[::-1], U[:, ::-1]
        f = lambda A: (A - mu) @ U / np.sqrt(lam + 1e-5)                 # noqa: E731
    for got, X in zip(out, (train, val, test)):
        _same_kind(got, X)
        want = _t(f(_np(X)), X)
        if method == "pca_whiten":
            got = _align(got, want)
        _close(got, want, dtype, scale=10)


@pytest.mark.parametrize("method", ref.SPLIT_METHODS)
def test_preprocess_splits_never_looks_at_val_or_test_statistics(method):
    train, val, test = _splits(torch.float64)
    out = ref.preprocess_splits(train, val, test, method)
    # other val and test sets leave the training output alone ...
    other = ref.preprocess_splits(train, test * 3 + 1, val[:5], method)
    assert torch.equal(other[0], out[0])
    # ... and each val row is transformed on its own, as it would be in a split of one
    for i in (0, 17):
        one = ref.preprocess_splits(train, val[i:i + 1], test[:1], method)[1]
        torch.testing.assert_close(one[0], out[1][i])
    # refitting on val would have centred it; the training statistics do not
    assert out[1].mean(dim=0).abs().max() > 0.5
    torch.testing.assert_close(out[0].mean(dim=0), torch.zeros(5, dtype=torch.float64))


def test_preprocess_splits_rejects_an_unknown_method():
    train, val, test = _splits(torch.float32)
    for bad in ("minmax", "Center", "pca", "zca_whiten", "", None):
        with pytest.raises(ValueError):
            ref.preprocess_splits(train, val, test, bad)


def test_every_public_function_is_trusted():
    names = [n for n in ref.__all__ if callable(getattr(ref, n))]
    assert len(names) == 10
    assert all(getattr(getattr(ref, n), "__grader_trusted__", False) for n in names)


# ---------------------------------------------------------------- CUDA against CPU

def _all_results(device, dtype):
    """Every reference on one device: CPU copies of the results, components sign-free (ZCA and V Vᵀ)."""
    X = _data(30, dtype=dtype).to(device)
    results = [*ref.fit_standardizer(X), ref.standardize(X, *ref.fit_standardizer(X))]
    mean, V, lam = ref.fit_pca(X)
    results += [mean, lam, torch.abs(V), ref.pca_transform(X, mean, V, k=2).abs(),
                ref.pca_whiten(X, mean, V, lam).abs(), ref.zca_whiten(X, mean, V, lam)]
    images = _images(31, dtype=dtype).to(device)
    stats = ref.channel_stats(images)
    results += [ref.mean_image(images), *stats, ref.normalize_channels(images, *stats)]
    train, val, test = (t.to(device) for t in _splits(dtype))
    for method in ref.SPLIT_METHODS:
        out = ref.preprocess_splits(train, val, test, method)
        results += [t.abs() for t in out] if method == "pca_whiten" else list(out)
    for t in results:
        assert t.device.type == torch.device(device).type and t.dtype == dtype
    return [t.cpu() for t in results]


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_references_on_cuda_match_cpu(dtype):
    for on_gpu, on_cpu in zip(_all_results("cuda", dtype), _all_results("cpu", dtype)):
        torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-3 if dtype == torch.float32 else 1e-9,
                                   atol=1e-4 if dtype == torch.float32 else 1e-11)
