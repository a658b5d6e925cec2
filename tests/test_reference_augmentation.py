"""grader.reference.augmentation against independent oracles: geometric transforms
against torch.flip, F.pad and F.interpolate with every window found by brute force;
scaled_size against exact rational arithmetic; ten_crop against explicit slicing;
colour transforms against NumPy re-implementations of their formulas, with each
image's random factors recovered from its output; the RGB PCA against numpy.cov and
numpy.linalg.eigh; occlusion against the contract's loops; Beta draws by a
Kolmogorov–Smirnov test against scipy; RandAugment's operations against Pillow.

Random behaviour is tested by its statistics.  A mean is bounded by Z = 5.5
standard errors (two-sided normal tail ≈ 3.8e-8); a count by the exact binomial
tails of the same probability, split (Bonferroni) over the categories of one
test; a distribution by the DKW bound for false-failure probability 1e-7.  So a
correct reference fails one bound by bad luck with probability well under 1e-6.
float32 and float64; the oracles run in float64 (or in integers)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image, ImageOps
from scipy import optimize, stats

from grader.reference import augmentation as ref

DTYPES = [torch.float32, torch.float64]
Z = 5.5                                   # standard errors per bound on a mean
TAIL = 2 * stats.norm.sf(Z)               # ≈ 3.8e-8: the false-failure probability of one bound
KS_FAIL = 1e-7                            # false-failure probability of one DKW bound
TOL = {torch.float32: 1e-5, torch.float64: 1e-12}   # float results against float64 oracles
LUMA = np.array([0.299, 0.587, 0.114])


# ---------------------------------------------------------------- helpers

def _gen(seed, device="cpu"):
    return torch.Generator(device=device).manual_seed(seed)


def _images(shape, seed, dtype=torch.float32, device="cpu", lo=0.0, hi=1.0):
    """U[lo, hi) values, drawn in float64 so both dtypes see the same numbers."""
    u = torch.rand(shape, generator=_gen(seed), dtype=torch.float64)
    return (lo + (hi - lo) * u).to(device, dtype)


def _same_kind(t, like):
    assert type(t) is torch.Tensor, type(t)
    assert t.dtype == like.dtype and t.device == like.device, (t.dtype, t.device)


def _np(t):
    return t.detach().cpu().double().numpy()


def _within(observed, expected, se, what):
    assert abs(observed - expected) <= Z * se, f"{what}: {observed:.5f}, expected {expected:.5f} ± {Z * se:.5f}"


def _binomial(count, n, p, what, tests=1):
    """count ~ Binomial(n, p), by its exact tails (each end TAIL / 2, shared among ``tests`` bounds)."""
    tail = TAIL / (2 * tests)
    low, high = stats.binom.cdf(count, n, p), stats.binom.sf(count - 1, n, p)
    assert low >= tail and high >= tail, f"{what}: {count} of {n}, expected {n * p:.1f} (p = {p:.4f})"


def _frequencies(counts, probs, what):
    """Every category's count against Binomial(total, its probability), Bonferroni over the categories."""
    counts, probs = np.asarray(counts), np.broadcast_to(np.asarray(probs, dtype=float), np.shape(counts))
    n = int(counts.sum())
    for k, (c, p) in enumerate(zip(counts.tolist(), probs.tolist())):
        _binomial(int(c), n, p, f"{what}, category {k}", tests=len(counts))


def _uniform_bins(values, lo, hi, what, bins=8):
    """Values in [lo, hi] whose histogram over equal bins is uniform."""
    values = np.asarray(values)
    assert values.min() >= lo - 1e-6 and values.max() <= hi + 1e-6, f"{what}: outside [{lo}, {hi}]"
    counts, _ = np.histogram(np.clip(values, lo, hi), bins=bins, range=(lo, hi))
    _frequencies(counts, 1 / bins, what)


def _dkw(samples, cdf, what):
    """Kolmogorov–Smirnov statistic within the DKW bound: P(D > ε) ≤ 2 exp(−2 n ε²) = KS_FAIL."""
    n = len(samples)
    eps = math.sqrt(math.log(2 / KS_FAIL) / (2 * n))
    d = stats.kstest(samples, cdf).statistic
    assert d <= eps, f"{what}: KS distance {d:.4f} > {eps:.4f} ({n} draws)"


def _one_hot(labels, K, dtype):
    return F.one_hot(labels, K).to(dtype)


def _interval(mask_1d):
    """(first, end) of the True entries of a 1-D bool array, asserting they are contiguous."""
    idx = np.flatnonzero(mask_1d)
    assert idx.size and (np.diff(idx) == 1).all(), f"not one run of rows/columns: {idx}"
    return int(idx[0]), int(idx[-1]) + 1


def _rectangle(mask):
    """(r0, r1, c0, c1), ends exclusive, of a 2-D bool mask asserted to be one filled rectangle."""
    r0, r1 = _interval(mask.any(1))
    c0, c1 = _interval(mask.any(0))
    want = np.zeros_like(mask)
    want[r0:r1, c0:c1] = True
    assert (mask == want).all(), "the changed pixels are not one rectangle"
    return r0, r1, c0, c1


def _clipped_box(H, W, cy, cx, h, w):
    """The contract's loop: rows cy − h//2 .. cy − h//2 + h − 1 (columns likewise), clipped, as a mask."""
    mask = np.zeros((H, W), dtype=bool)
    for r in range(cy - h // 2, cy - h // 2 + h):
        for c in range(cx - w // 2, cx - w // 2 + w):
            if 0 <= r < H and 0 <= c < W:
                mask[r, c] = True
    return mask


# ---------------------------------------------------------------- flip

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.85])
def test_horizontal_flip_mirrors_whole_images_independently_at_rate_p(p, dtype):
    N = 3000
    x = _images((N, 2, 3, 4), 1, dtype)
    out = ref.horizontal_flip(x, p, generator=_gen(2))
    _same_kind(out, x)
    assert out.shape == x.shape
    same = (out == x).flatten(1).all(1)
    flipped = (out == torch.flip(x, [3])).flatten(1).all(1)
    assert (same ^ flipped).all()       # each image whole, one or the other (no random image is its own mirror)
    _binomial(int(flipped.sum()), N, p, f"images flipped (p = {p})")
    agree = (flipped[0::2] == flipped[1::2]).sum().item()     # disjoint pairs: independent coins
    _binomial(agree, N // 2, p * p + (1 - p) ** 2, "pairs of images flipped alike")


@pytest.mark.parametrize("dtype", DTYPES)
def test_horizontal_flip_p_zero_and_one(dtype):
    x = _images((50, 3, 4, 5), 3, dtype)
    for seed in (4, 5):
        none = ref.horizontal_flip(x, 0.0, generator=_gen(seed))
        every = ref.horizontal_flip(x, 1.0, generator=_gen(seed))
        _same_kind(none, x)
        _same_kind(every, x)
        assert torch.equal(none, x)
        assert torch.equal(every, torch.flip(x, [3]))


# ---------------------------------------------------------------- crop

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size,padding", [(4, 1), (3, 0), (5, 0), (3, 2)])
def test_random_crop_windows_of_the_zero_padded_images_uniformly_placed(size, padding, dtype):
    C, H, W = 2, 5, 6
    T, L = H + 2 * padding - size + 1, W + 2 * padding - size + 1
    N = 60 * T * L
    # never 0, so padding is told apart from the image; size > padding: no window is all padding
    x = _images((N, C, H, W), 6, dtype, lo=0.1)
    out = ref.random_crop(x, size, padding, generator=_gen(7))
    _same_kind(out, x)
    assert out.shape == (N, C, size, size)
    padded = F.pad(x, (padding,) * 4)
    windows = padded.unfold(2, size, 1).unfold(3, size, 1)   # [n, :, t, l] is padded[n, :, t:t+size, l:l+size]
    assert windows.shape == (N, C, T, L, size, size)
    match = (windows == out[:, :, None, None]).all(-1).all(-1).all(1)     # (N, T, L): every window tried
    assert (match.flatten(1).sum(1) == 1).all(), "an output is not exactly one window of the padded image"
    offsets = match.flatten(1).int().argmax(1)
    _frequencies(np.bincount(offsets.numpy(), minlength=T * L), 1 / (T * L), f"crop offsets ({T}×{L})")
    agree = (offsets[0::2] == offsets[1::2]).sum().item()
    _binomial(agree, N // 2, 1 / (T * L), "pairs of images cropped at the same offset")


# ---------------------------------------------------------------- scale_crop

@pytest.mark.parametrize("H,W,L,want", [
    (10, 15, 9, (9, 14)),      # 13.5 -> 14 (round half to even)
    (10, 25, 9, (9, 22)),      # 22.5 -> 22
    (10, 15, 7, (7, 10)),      # 10.5 -> 10
    (10, 15, 11, (11, 16)),    # 16.5 -> 16
    (15, 10, 9, (14, 9)),      # portrait: 13.5 -> 14
    (25, 10, 9, (22, 9)),      # portrait: 22.5 -> 22
    (15, 10, 7, (10, 7)),      # portrait: 10.5 -> 10
    (4, 6, 9, (9, 14)),        # upscaling: 13.5 -> 14
    (2, 5, 3, (3, 8)),         # 7.5 -> 8
    (12, 12, 5, (5, 5)),       # square
    (32, 48, 20, (20, 30)),
    (7, 10, 7, (7, 10)),       # the image's own size
    (3, 10, 4, (4, 13)),       # 13.33 -> 13
])
def test_scaled_size_by_hand(H, W, L, want):
    got = ref.scaled_size(H, W, L)
    assert tuple(got) == want and all(type(v) is int for v in got)


def test_scaled_size_against_exact_rationals():
    for H in range(1, 31):
        for W in range(1, 31):
            for L in range(1, 31):
                short, long = (H, W) if H <= W else (W, H)
                other = round(Fraction(long * L, short))        # exact, and Python's half-to-even
                want = (L, other) if H <= W else (other, L)
                assert tuple(ref.scaled_size(H, W, L)) == want, (H, W, L)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,short_range,crop", [((3, 10, 15), (8, 12), 7), ((1, 15, 10), (7, 10), 6),
                                                     ((1, 9, 12), (6, 6), 4)])
def test_random_scale_crop_is_a_uniformly_placed_window_of_the_image_resized_to_a_uniform_L(shape, short_range,
                                                                                             crop, dtype):
    image = _images(shape, 8, dtype)
    _, H, W = shape
    Ls = list(range(short_range[0], short_range[1] + 1))
    windows, owner = [], []
    for L in Ls:
        resized = F.interpolate(image[None], size=ref.scaled_size(H, W, L), mode="bilinear", align_corners=False,
                                antialias=False)[0]
        for t in range(resized.shape[1] - crop + 1):
            for l in range(resized.shape[2] - crop + 1):
                windows.append(resized[:, t:t + crop, l:l + crop])
                owner.append(L)
    windows, owner = torch.stack(windows), np.array(owner)
    g, seen = _gen(9), []
    for _ in range(750):
        out = ref.random_scale_crop(image, short_range, crop, generator=g)
        _same_kind(out, image)
        assert out.shape == (shape[0], crop, crop)
        hits = np.flatnonzero((windows == out).flatten(1).all(1).numpy())
        assert len(hits) == 1, f"{len(hits)} windows of the resized images match"
        seen.append(hits[0])
    counts = [int((owner[seen] == L).sum()) for L in Ls]
    assert all(counts), f"some L never occurs: {dict(zip(Ls, counts))}"
    _frequencies(counts, 1 / len(Ls), f"short sides L over {Ls}")
    # each window: L with probability 1 / len(Ls), then one of that L's positions
    positions = np.array([(owner == L).sum() for L in owner])
    _frequencies(np.bincount(seen, minlength=len(owner)), 1 / (len(Ls) * positions), "(L, top, left)")


# ---------------------------------------------------------------- ten_crop

def _five(im, size):
    _, H, W = im.shape
    t, l = (H - size) // 2, (W - size) // 2
    return [im[:, :size, :size], im[:, :size, W - size:], im[:, H - size:, :size], im[:, H - size:, W - size:],
            im[:, t:t + size, l:l + size]]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,size", [((2, 7, 9), 4), ((3, 8, 8), 3), ((1, 6, 5), 5), ((3, 4, 4), 4)])
def test_ten_crop_against_explicit_slicing(shape, size, dtype):
    image = _images(shape, 10, dtype)
    crops = ref.ten_crop(image, size)
    _same_kind(crops, image)
    assert crops.shape == (10, shape[0], size, size)
    assert torch.equal(crops, torch.stack(_five(image, size) + _five(image.flip(-1), size)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_tta_predict_against_a_loop_of_softmax_per_crop(dtype):
    N, C, H, W, size, K = 4, 2, 7, 9, 5, 6
    images = _images((N, C, H, W), 11, dtype)
    weight = torch.randn(C * size * size, K, generator=_gen(12), dtype=torch.float64).to(dtype) * 2
    bias = torch.randn(K, generator=_gen(13), dtype=torch.float64).to(dtype)

    def model(batch):
        return batch.flatten(1) @ weight + bias

    probs = ref.tta_predict(model, images, size)
    _same_kind(probs, images)
    assert probs.shape == (N, K)
    want = torch.stack([
        torch.stack([torch.softmax(model(crop[None]), dim=1)[0]
                     for crop in _five(image, size) + _five(image.flip(-1), size)]).mean(0)
        for image in images])
    torch.testing.assert_close(probs, want)
    torch.testing.assert_close(probs.sum(1), torch.ones(N, dtype=dtype))


# ---------------------------------------------------------------- color

def _grey_mean_np(x):
    """(N,) mean grey value: luma for C = 3, the plain mean for C = 1."""
    if x.shape[1] == 3:
        return np.einsum("c,nchw->nhw", LUMA, x).mean(axis=(1, 2))
    return x.mean(axis=(1, 2, 3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("C", [1, 3])
def test_color_jitter_brightness_scales_each_image_by_one_uniform_factor_and_clamps(C, dtype):
    N, beta = 4000, 0.4
    x = _images((N, C, 3, 4), 14, dtype)
    x[:, 0, 0, 0] = 0.5                       # b · 0.5 ≤ 0.7: never clamped, so it reveals b
    out = ref.color_jitter(x, brightness=beta, generator=_gen(15))
    _same_kind(out, x)
    xs, got = _np(x), _np(out)
    b = got[:, 0, 0, 0] / 0.5
    bx = xs * b[:, None, None, None]
    assert (bx > 1).any(), "test data never clamps"
    np.testing.assert_allclose(got, np.clip(bx, 0, 1), rtol=0, atol=TOL[dtype] * 2)
    _uniform_bins(b, 1 - beta, 1 + beta, "brightness factors")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("C", [1, 3])
def test_color_jitter_contrast_around_the_mean_grey_value_and_clamps(C, dtype):
    N, gamma = 3000, 0.8
    x = _images((N, C, 4, 4), 16, dtype)
    out = ref.color_jitter(x, contrast=gamma, generator=_gen(17))
    _same_kind(out, x)
    xs, got = _np(x), _np(out)
    m = _grey_mean_np(xs)[:, None, None, None]
    # unclamped pixels satisfy out − m = c (x − m): c by least squares over them
    free, d = (got > 0) & (got < 1), xs - m
    c = (free * (got - m) * d).sum(axis=(1, 2, 3)) / (free * d * d).sum(axis=(1, 2, 3))
    want = m + c[:, None, None, None] * d
    assert ((want > 1) | (want < 0)).any(), "test data never clamps"
    np.testing.assert_allclose(got, np.clip(want, 0, 1), rtol=0, atol=TOL[dtype] * 2)
    _uniform_bins(c, 1 - gamma, 1 + gamma, "contrast factors")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("C", [1, 3])
def test_color_jitter_contrast_uses_the_mean_of_the_clamped_brightened_image(C, dtype):
    """Probes in [0.25, 0.45] never clamp; a quarter of the pixels are white, clamped whenever b > 1.
    On probes out = A + S x with S = c b and A = (1 − c) m(b), m(b) = b u + f min(b, 1) the grey mean of
    the clamped brightened image: solving for b (a linear branch for b ≤ 1, a quadratic for b ≥ 1)
    recovers both factors, and the whole output is then checked against the formula."""
    N, beta, gamma, H, W = 400, 0.3, 0.3, 4, 4
    x = _images((N, C, H, W), 18, dtype, lo=0.25, hi=0.45)
    white = np.zeros((H, W), dtype=bool)
    white[::2, ::2] = True
    x[:, :, torch.from_numpy(white)] = 1.0
    out = ref.color_jitter(x, brightness=beta, contrast=gamma, generator=_gen(19))
    _same_kind(out, x)
    xs, got = _np(x), _np(out)
    probe = np.broadcast_to(~white, xs.shape)
    u = _grey_mean_np(np.where(probe, xs, 0.0))
    f = white.mean()
    tol = TOL[dtype] * 10
    brighter, factors = 0, []
    for n in range(N):
        use = probe[n] & (got[n] > 0) & (got[n] < 1)
        S, A = np.polyfit(xs[n][use], got[n][use], 1)
        roots = [S + A / (u[n] + f)] + [r.real for r in np.roots([u[n], f - S * u[n] - A, -S * f]) if r.real >= 1]
        best = None
        for b in roots:
            c = S / b
            bright = np.clip(b * xs[n], 0, 1)
            mean = _grey_mean_np(bright[None])[0]
            err = np.abs(np.clip(mean + c * (bright - mean), 0, 1) - got[n]).max()
            if best is None or err < best[0]:
                best = (err, b, c)
        err, b, c = best
        assert err <= tol, f"image {n}: no (b, c) reproduces the output (error {err:.2e})"
        assert 1 - beta - tol <= b <= 1 + beta + tol and 1 - gamma - tol <= c <= 1 + gamma + tol, (b, c)
        brighter += b > 1
        factors.append((b, c))
    assert 0 < brighter < N          # both branches exercised: white clamped in some images only
    b, c = np.array(factors).T
    _within(np.corrcoef(b, c)[0, 1], 0.0, 1 / math.sqrt(N), "correlation of the two factors")
    _uniform_bins(b, 1 - beta, 1 + beta, "brightness factors", bins=4)
    _uniform_bins(c, 1 - gamma, 1 + gamma, "contrast factors", bins=4)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("C", [1, 3])
def test_color_jitter_zero_strength_is_the_identity(C, dtype):
    x = _images((20, C, 5, 6), 20, dtype)
    out = ref.color_jitter(x, 0.0, 0.0, generator=_gen(21))
    _same_kind(out, x)
    torch.testing.assert_close(out, x, rtol=0, atol=TOL[dtype])


# ---------------------------------------------------------------- pca_color

@pytest.mark.parametrize("dtype", DTYPES)
def test_fit_rgb_pca_against_numpy_cov_and_eigh(dtype):
    base = torch.randn(12, 3, 6, 5, generator=_gen(22), dtype=torch.float64)
    mix = torch.tensor([[0.30, 0.10, 0.05], [0.10, 0.20, 0.02], [0.00, 0.05, 0.08]], dtype=torch.float64)
    x = (torch.einsum("ij,njhw->nihw", mix, base) + 0.5).to(dtype)
    vals, vecs = ref.fit_rgb_pca(x)
    _same_kind(vals, x)
    _same_kind(vecs, x)
    assert vals.shape == (3,) and vecs.shape == (3, 3)
    pixels = _np(x).transpose(1, 0, 2, 3).reshape(3, -1)
    cov = np.cov(pixels, bias=True)
    w, v = np.linalg.eigh(cov)
    w, v = w[::-1], v[:, ::-1]
    assert w[0] > w[1] > w[2] > 0 and (np.diff(_np(vals)) < 0).all()
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    np.testing.assert_allclose(_np(vals), w, rtol=tol * 10, atol=tol)
    got = _np(vecs)
    signs = np.sign((got * v).sum(0))
    np.testing.assert_allclose(got * signs, v, rtol=0, atol=tol * 20)
    np.testing.assert_allclose(got.T @ got, np.eye(3), atol=tol)


def test_fit_rgb_pca_by_hand():
    # R takes 0, 1, 2, 3 (population variance 1.25), G and B are constant: one direction, two zeros
    x = torch.zeros(1, 3, 2, 2, dtype=torch.float64)
    x[0, 0] = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    x[0, 1], x[0, 2] = 0.4, 0.7
    vals, vecs = ref.fit_rgb_pca(x)
    torch.testing.assert_close(vals, torch.tensor([1.25, 0.0, 0.0], dtype=torch.float64))
    torch.testing.assert_close(vecs[:, 0].abs(), torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha_std", [0.1, 0.7])
def test_pca_color_augment_adds_one_offset_per_image_with_normal_alpha(alpha_std, dtype):
    N = 4000
    x = _images((N, 3, 2, 3), 23, dtype)
    vecs, _ = torch.linalg.qr(torch.randn(3, 3, generator=_gen(24), dtype=torch.float64))
    vals = torch.tensor([2.0, 0.9, 0.3], dtype=torch.float64)
    out = ref.pca_color_augment(x, vals.to(dtype), vecs.to(dtype), alpha_std, generator=_gen(25))
    _same_kind(out, x)
    assert out.shape == x.shape
    assert (out > 1).any() and (out < 0).any()       # no clamping, and the test data would show one
    d = _np(out) - _np(x)
    offset = d[:, :, 0, 0]
    np.testing.assert_allclose(d, np.broadcast_to(offset[:, :, None, None], d.shape), rtol=0, atol=TOL[dtype] * 10)
    alpha = np.linalg.solve(vecs.numpy(), offset.T).T / vals.numpy()      # offset = V (α ⊙ λ)
    s2 = alpha_std ** 2
    for j in range(3):
        _within(alpha[:, j].mean(), 0.0, alpha_std / math.sqrt(N), f"mean of α_{j}")
        _within(alpha[:, j].var(), s2, s2 * math.sqrt(2 / (N - 1)), f"variance of α_{j}")
        for k in range(j):
            _within((alpha[:, j] * alpha[:, k]).mean(), 0.0, s2 / math.sqrt(N), f"mean of α_{j} α_{k}")
    _dkw(alpha.ravel() / alpha_std, stats.norm.cdf, "α / alpha_std against N(0, 1)")


# ---------------------------------------------------------------- cutout

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_cutout_zeroes_one_clipped_square_with_a_uniform_centre(size, dtype):
    N, C, H, W = 3000, 2, 5, 6
    x = _images((N, C, H, W), 26, dtype, lo=0.05)          # never 0: zeros are the cut
    out = ref.cutout(x, size, generator=_gen(27))
    _same_kind(out, x)
    zero = (out == 0).numpy()
    assert (zero.all(1) == zero.any(1)).all(), "channels cut differently"
    zero = zero[:, 0]
    np.testing.assert_array_equal(_np(out), np.where(zero[:, None], 0.0, _np(x)))     # elsewhere untouched
    masks = np.stack([_clipped_box(H, W, cy, cx, size, size) for cy in range(H) for cx in range(W)])
    match = (zero[:, None] == masks[None]).all(axis=(2, 3))                     # (N, H·W)
    assert (match.sum(1) == 1).all(), "a cut is not the clipped square of exactly one centre"
    _frequencies(match.sum(0), 1 / (H * W), f"cutout centres (size {size})")


def test_cutout_larger_than_the_image_zeroes_everything():
    x = _images((5, 3, 4, 5), 28, lo=0.1)
    out = ref.cutout(x, 11, generator=_gen(29))     # any centre's square covers every pixel
    assert out.shape == x.shape and not out.any()


# ---------------------------------------------------------------- random erasing

def _erased_boxes(x, out):
    """Per image: None if unchanged, else (r0, r1, c0, c1) of its one changed rectangle."""
    changed = (_np(out) != _np(x)).any(1)
    return [(_rectangle(c) if c.any() else None) for c in changed]


def _feasible(h, w, H, W, scale, ratio):
    """Is there a ∈ scale·H·W and r ∈ ratio with round(√(a r)) = h and round(√(a/r)) = w?  In logarithms:
    log a ± log r lie in intervals, a linear program in (log a, log r)."""
    ur = (2 * math.log(h - 0.5), 2 * math.log(h + 0.5))        # log(a r)
    vr = (2 * math.log(w - 0.5), 2 * math.log(w + 0.5))        # log(a / r)
    A = [[1, 1], [-1, -1], [1, -1], [-1, 1]]
    b = [ur[1], -ur[0], vr[1], -vr[0]]
    bounds = [(math.log(scale[0] * H * W), math.log(scale[1] * H * W)), (math.log(ratio[0]), math.log(ratio[1]))]
    return optimize.linprog([0, 0], A_ub=A, b_ub=b, bounds=bounds, method="highs").status == 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("value", ["zero", "mean", "random"])
def test_random_erasing_rate_boxes_and_fills(value, dtype):
    # every attempt fits (2 = round(√(0.05·144·½)) ≤ h, w ≤ round(√(0.2·144·2)) = 8 ≤ 12): erased at rate p
    N, C, H, W, p, scale, ratio = 2000, 3, 12, 12, 0.6, (0.05, 0.2), (0.5, 2.0)
    x = _images((N, C, H, W), 30, dtype, lo=0.05)
    out = ref.random_erasing(x, p, scale, ratio, value=value, generator=_gen(31))
    _same_kind(out, x)
    boxes = _erased_boxes(x, out)
    erased = [n for n, box in enumerate(boxes) if box is not None]
    _binomial(len(erased), N, p, f"images erased (p = {p})")
    shapes = {(box[1] - box[0], box[3] - box[2]) for box in boxes if box is not None}
    assert len(shapes) > 10
    for h, w in shapes:
        assert _feasible(h, w, H, W, scale, ratio), f"box {h}×{w} outside the scale and ratio bounds"
    fills = []
    for n in erased:
        r0, r1, c0, c1 = boxes[n]
        fill = _np(out[n, :, r0:r1, c0:c1])
        if value == "zero":
            assert not fill.any()
        elif value == "mean":
            means = _np(x[n]).mean(axis=(1, 2))
            np.testing.assert_allclose(fill, np.broadcast_to(means[:, None, None], fill.shape), rtol=0,
                                       atol=TOL[dtype])
        else:
            fills.append(fill.ravel())
    if value == "random":
        fills = np.concatenate(fills)
        assert fills.min() >= 0 and fills.max() < 1
        _within(fills.mean(), 0.5, math.sqrt(1 / 12 / len(fills)), "mean of the random fill")
        _uniform_bins(fills, 0.0, 1.0, "random fill values")


def test_random_erasing_square_sizes_follow_the_uniform_area():
    # ratio (1, 1): h = w = round(√a), a ~ U[10, 50]: P(h = k) = |[(k − ½)², (k + ½)²) ∩ [10, 50]| / 40
    N, H, W = 3000, 10, 10
    x = _images((N, 1, H, W), 32, lo=0.05)
    out = ref.random_erasing(x, 1.0, (0.1, 0.5), (1.0, 1.0), generator=_gen(33))
    boxes = _erased_boxes(x, out)
    assert all(box is not None for box in boxes)
    sizes = [box[1] - box[0] for box in boxes]
    assert all(box[1] - box[0] == box[3] - box[2] for box in boxes)
    ks = range(3, 8)
    probs = [(min((k + 0.5) ** 2, 50) - max((k - 0.5) ** 2, 10)) / 40 for k in ks]
    assert abs(sum(probs) - 1) < 1e-12
    _frequencies([sizes.count(k) for k in ks], probs, "erased square sizes")


def test_random_erasing_aspect_ratio_is_log_uniform():
    # a fixed area a = 0.1·400 = 40 and log r ~ U[log ½, log 4] (lopsided, so h and w cannot be swapped):
    # the law of (h, w) = (round(√(a r)), round(√(a / r))), by a fine midpoint grid over the uniform
    # variable (numpy's rint rounds half to even, like round)
    N, H, W, ratio = 3000, 20, 20, (0.5, 4.0)
    x = _images((N, 1, H, W), 76, lo=0.05)
    out = ref.random_erasing(x, 1.0, (0.1, 0.1), ratio, generator=_gen(77))
    boxes = _erased_boxes(x, out)
    assert all(box is not None for box in boxes)          # h ≤ round(√160) = 13 ≤ 20, w ≥ round(√10) = 3
    seen = [(box[1] - box[0], box[3] - box[2]) for box in boxes]
    assert sum(h > w for h, w in seen) > N / 2            # r > 1 with probability log 4 / log 8 = ⅔
    u = (np.arange(2_000_000) + 0.5) / 2_000_000
    r = np.exp(math.log(ratio[0]) + math.log(ratio[1] / ratio[0]) * u)
    a = H * W * 0.1
    codes, freq = np.unique(100 * np.rint(np.sqrt(a * r)).astype(int) + np.rint(np.sqrt(a / r)).astype(int),
                            return_counts=True)
    law = [divmod(int(c), 100) for c in codes]
    assert set(seen) <= set(law), set(seen) - set(law)
    _frequencies([seen.count(pair) for pair in law], freq / freq.sum(), "erasing box shapes (h, w)")


def test_random_erasing_places_boxes_uniformly():
    # a ~ U[7, 11], ratio 1: always a 3×3 box, over 8×8 positions
    N, H, W = 6400, 10, 10
    x = _images((N, 1, H, W), 34, lo=0.05)
    out = ref.random_erasing(x, 1.0, (0.07, 0.11), (1.0, 1.0), generator=_gen(35))
    boxes = _erased_boxes(x, out)
    assert all(box is not None and box[1] - box[0] == 3 and box[3] - box[2] == 3 for box in boxes)
    cells = np.bincount([box[0] * 8 + box[2] for box in boxes], minlength=64)
    assert len(cells) == 64
    _frequencies(cells, 1 / 64, "erasing box positions")


def test_random_erasing_makes_up_to_ten_attempts():
    # 5×5 images, ratio 1, a ~ U[12.5, 100]: an attempt fits iff a < 30.25, q = 17.75 / 87.5;
    # an image is erased with probability 1 − (1 − q)^10, by a 4×4 box (a < 20.25) or a 5×5 one
    N, q = 3000, 17.75 / 87.5
    x = _images((N, 2, 5, 5), 36, lo=0.05)
    out = ref.random_erasing(x, 1.0, (0.5, 4.0), (1.0, 1.0), value="random", generator=_gen(37))
    boxes = [box for box in _erased_boxes(x, out) if box is not None]
    _binomial(len(boxes), N, 1 - (1 - q) ** 10, "images erased within ten attempts")
    sizes = [box[1] - box[0] for box in boxes]
    assert set(sizes) <= {4, 5}
    _binomial(sizes.count(4), len(boxes), 7.75 / 17.75, "4×4 boxes among the erased")


def test_random_erasing_boxes_under_one_pixel_do_not_fit():
    # ratio 1, a ~ U[0.1, 2]: h = w = 0 when a < 0.25 (probability 0.15 / 1.9), else 1; such an attempt
    # is not a fit, so another follows, and every image gets its 1×1 box (all ten fail: ≈ 1e-11)
    N = 500
    x = _images((N, 2, 10, 10), 80, lo=0.05)
    boxes = _erased_boxes(x, ref.random_erasing(x, 1.0, (0.001, 0.02), (1.0, 1.0), generator=_gen(81)))
    assert all(box is not None and box[1] - box[0] == 1 and box[3] - box[2] == 1 for box in boxes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("H,W,scale,ratio", [
    (4, 4, (2.0, 3.0), (1.0, 1.0)),          # h = w ≥ round(√32) = 6 > 4
    (1, 20, (0.2, 0.3), (1.0, 1.0)),         # h = w = 2 > H = 1
    (10, 10, (1e-4, 1e-3), (0.3, 3.3)),      # a ≤ 0.1: w = round(√(a / r)) = 0 < 1
])
def test_random_erasing_leaves_images_without_a_fitting_box_unchanged(H, W, scale, ratio, dtype):
    x = _images((40, 3, H, W), 38, dtype)
    for value in ref.ERASING_VALUES:
        out = ref.random_erasing(x, 1.0, scale, ratio, value=value, generator=_gen(39))
        _same_kind(out, x)
        assert torch.equal(out, x)


def test_random_erasing_p_zero_one_and_invalid_values():
    x = _images((200, 3, 12, 12), 40, lo=0.05)
    assert torch.equal(ref.random_erasing(x, 0.0, (0.05, 0.2), (0.5, 2.0), generator=_gen(41)), x)
    boxes = _erased_boxes(x, ref.random_erasing(x, 1.0, (0.05, 0.2), (0.5, 2.0), generator=_gen(42)))
    assert all(box is not None for box in boxes)
    for bad in ("ones", "Zero", "noise", 0.0, None):
        with pytest.raises(ValueError):
            ref.random_erasing(x, 0.5, value=bad, generator=_gen(43))


# ---------------------------------------------------------------- Beta draws and mixup

@pytest.mark.parametrize("alpha", [0.2, 0.4, 1.0, 2.0])
def test_sample_beta_against_scipy_by_kolmogorov_smirnov(alpha):
    g, n = _gen(44), 3000
    draws = [ref.sample_beta(alpha, g) for _ in range(n)]
    assert all(type(v) is float and 0.0 <= v <= 1.0 for v in draws)
    draws = np.array(draws)
    _dkw(draws, stats.beta(alpha, alpha).cdf, f"Beta({alpha}, {alpha})")
    r = np.corrcoef(draws[0::2], draws[1::2])[0, 1]
    _within(r, 0.0, 1 / math.sqrt(n // 2), "correlation of consecutive draws")


def test_sample_beta_repeatable_and_rejects_nonpositive_alpha():
    a = [ref.sample_beta(0.3, _gen(45)) for _ in range(3)]
    g1, g2 = _gen(46), _gen(46)
    assert [ref.sample_beta(0.3, g1) for _ in range(20)] == [ref.sample_beta(0.3, g2) for _ in range(20)]
    assert a[0] == a[1] == a[2] and a[0] != ref.sample_beta(0.3, _gen(47))
    for bad in (0, 0.0, -1.0):
        with pytest.raises(ValueError):
            ref.sample_beta(bad, _gen(48))


def _is_permutation(perm, N, like):
    assert type(perm) is torch.Tensor and perm.device == like.device and not perm.is_floating_point()
    assert perm.shape == (N,) and torch.equal(torch.sort(perm).values, torch.arange(N, device=like.device))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.4, 1.0])
def test_mixup_mixes_images_and_labels_with_one_lambda(alpha, dtype):
    N, K = 8, 5
    x = _images((N, 3, 4, 4), 49, dtype)
    y = _one_hot(torch.tensor([0, 1, 4, 2, 2, 3, 0, 1]), K, dtype)
    for seed in range(50, 56):
        x_mix, y_mix, lam, perm = ref.mixup(x, y, alpha, generator=_gen(seed))
        _same_kind(x_mix, x)
        _same_kind(y_mix, y)
        assert type(lam) is float and 0.0 <= lam <= 1.0
        _is_permutation(perm, N, x)
        p = perm.numpy()
        np.testing.assert_allclose(_np(x_mix), lam * _np(x) + (1 - lam) * _np(x)[p], rtol=0, atol=TOL[dtype])
        np.testing.assert_allclose(_np(y_mix), lam * _np(y) + (1 - lam) * _np(y)[p], rtol=0, atol=TOL[dtype])


def test_mixup_lambda_is_beta_and_partners_a_uniform_permutation():
    x, y, g, calls, alpha = _images((3, 1, 2, 2), 56), _one_hot(torch.arange(3), 3, torch.float32), _gen(57), 3000, 2.0
    lams, perms = [], []
    for _ in range(calls):
        _, _, lam, perm = ref.mixup(x, y, alpha, generator=g)
        lams.append(lam)
        perms.append(tuple(perm.tolist()))
    _dkw(np.array(lams), stats.beta(alpha, alpha).cdf, "mixup's λ")
    orders = sorted(set(perms))
    assert len(orders) == 6
    _frequencies([perms.count(o) for o in orders], 1 / 6, "mixup permutations of 3")


# ---------------------------------------------------------------- cutmix

def _cutmix_boxes(H, W):
    """Every clipped box the contract allows: (cut_h, cut_w) = (floor(H s), floor(W s)) for one s ∈ [0, 1]
    (s = √(1 − λ)), centre any pixel.  A set of (r0, r1, c0, c1), ends exclusive; None for an empty box."""
    boxes = set()
    for ch in range(H + 1):
        for cw in range(W + 1):
            lo = max(Fraction(ch, H), Fraction(cw, W))
            hi = min(Fraction(ch + 1, H), Fraction(cw + 1, W))
            if not lo < hi:            # no common s with both floors
                continue
            for cy in range(H):
                for cx in range(W):
                    mask = _clipped_box(H, W, cy, cx, ch, cw)
                    boxes.add(_rectangle(mask) if mask.any() else None)
    return boxes


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("alpha", [0.3, 1.0])
def test_cutmix_pastes_one_consistent_rectangle_and_mixes_labels_by_its_area(alpha, dtype):
    N, C, H, W, K = 5, 2, 8, 10, 4
    allowed = _cutmix_boxes(H, W)
    x = _images((N, C, H, W), 58, dtype)
    y = _one_hot(torch.tensor([0, 3, 1, 2, 3]), K, dtype)
    g, seen = _gen(59), set()
    for _ in range(200):
        x_mix, y_mix, lam, perm = ref.cutmix(x, y, alpha, generator=g)
        _same_kind(x_mix, x)
        _same_kind(y_mix, y)
        assert type(lam) is float and 0.0 <= lam <= 1.0
        _is_permutation(perm, N, x)
        p = perm.numpy()
        moved = p != np.arange(N)
        np.testing.assert_allclose(_np(y_mix), lam * _np(y) + (1 - lam) * _np(y)[p], rtol=0, atol=TOL[dtype])
        if not moved.any():             # the identity permutation: nothing to see
            assert torch.equal(x_mix, x)
            continue
        xs, xm = _np(x), _np(x_mix)
        pasted = (xm == xs[p]).all(1) & (xm != xs).all(1)               # (N, H, W)
        assert ((xm == xs).all(1) | pasted).all()
        box = pasted[np.flatnonzero(moved)[0]]
        assert (pasted[moved] == box).all(), "images got different boxes"
        np.testing.assert_array_equal(xm, np.where(box, xs[p], xs))
        key = _rectangle(box) if box.any() else None
        assert key in allowed, f"box {key} has no λ and centre that give it"
        assert lam == pytest.approx(1 - box.sum() / (H * W), abs=1e-12)
        seen.add(key)
    assert len(seen) > 40


def _cutmix_area_law(H, W, alpha):
    """{clipped area: probability}: s = √(1 − λ) with λ ~ Beta(α, α), (cut_h, cut_w) = (floor(H s),
    floor(W s)), the centre uniform over the pixels.  s ∈ [lo, hi) iff λ ∈ (1 − hi², 1 − lo²]."""
    cdf, law = stats.beta(alpha, alpha).cdf, {}
    for ch in range(H + 1):
        for cw in range(W + 1):
            lo, hi = max(ch / H, cw / W), min((ch + 1) / H, (cw + 1) / W, 1.0)
            if lo >= hi:
                continue
            p = (cdf(1 - lo ** 2) - cdf(1 - hi ** 2)) / (H * W)
            for cy in range(H):
                for cx in range(W):
                    area = int(_clipped_box(H, W, cy, cx, ch, cw).sum())
                    law[area] = law.get(area, 0.0) + p
    return law


@pytest.mark.parametrize("alpha", [0.5, 1.0])
def test_cutmix_lam_follows_beta_lambda_and_a_uniform_centre_and_perm_is_uniform(alpha):
    H, W, calls = 8, 10, 1500
    law = _cutmix_area_law(H, W, alpha)
    assert abs(sum(law.values()) - 1) < 1e-9
    x, y, g = _images((3, 1, H, W), 78), _one_hot(torch.arange(3), 3, torch.float32), _gen(79)
    areas, perms = [], []
    for _ in range(calls):
        _, _, lam, perm = ref.cutmix(x, y, alpha, generator=g)
        areas.append(round((1 - lam) * H * W))
        perms.append(tuple(perm.tolist()))
    orders = sorted(set(perms))
    assert len(orders) == 6
    _frequencies([perms.count(o) for o in orders], 1 / 6, "cutmix permutations of 3")
    assert set(areas) <= set(law), set(areas) - set(law)
    support = np.array(sorted(law))
    cdf = np.cumsum([law[v] for v in support])
    empirical = np.searchsorted(np.sort(areas), support, side="right") / calls
    # a discrete law: the KS distance is attained on the support, and DKW still bounds it
    eps = math.sqrt(math.log(2 / KS_FAIL) / (2 * calls))
    d = np.abs(empirical - cdf).max()
    assert d <= eps, f"cutmix's box area: KS distance {d:.4f} > {eps:.4f}"


# ---------------------------------------------------------------- RandAugment's operations

def _uint8_images(seed, N=4, H=16, W=16):
    """(N, 3, H, W) uint8; image 0 holds all 256 levels in every channel, so every threshold is met exactly."""
    u8 = np.random.default_rng(seed).integers(0, 256, (N, 3, H, W), dtype=np.uint8)
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    u8[0] = np.stack([ramp, ramp[::-1], ramp.T])
    return u8


def _pillow(fn, u8):
    """Pillow's operation applied to each (3, H, W) uint8 image as one RGB image."""
    return np.stack([np.asarray(fn(Image.fromarray(np.ascontiguousarray(im.transpose(1, 2, 0)), "RGB")))
                     .transpose(2, 0, 1) for im in u8])


def _as_float(u8, dtype):
    return torch.from_numpy(u8.astype(np.int64)).to(dtype) / 255


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("level", [0, 1, 77, 128, 254, 255, 256])
def test_solarize_against_pillow(level, dtype):
    u8 = _uint8_images(60)
    x = _as_float(u8, dtype)
    out = ref.solarize(x, level / 255)
    _same_kind(out, x)
    want = _pillow(lambda im: ImageOps.solarize(im, level), u8)          # inverts levels ≥ threshold
    np.testing.assert_array_equal(np.rint(_np(out) * 255), want)
    np.testing.assert_allclose(_np(out), want / 255, rtol=0, atol=TOL[dtype])


def test_solarize_by_hand():
    x = torch.tensor([0.0, 0.125, 0.25, 0.5, 1.0], dtype=torch.float64).reshape(1, 1, 1, 5)
    flat = ref.solarize(x, 0.25).flatten().tolist()
    assert flat == [0.0, 0.125, 0.75, 0.5, 0.0]          # 0.25 itself is inverted
    assert ref.solarize(x, 0.0).flatten().tolist() == [1.0, 0.875, 0.75, 0.5, 0.0]
    assert torch.equal(ref.solarize(x, 1.01), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bits", range(1, 9))
def test_posterize_against_pillow(bits, dtype):
    u8 = _uint8_images(61)
    want = _pillow(lambda im: ImageOps.posterize(im, bits), u8)
    # exact levels, and values off the grid by under 0.4 of a level (round() is then unambiguous)
    shift = np.random.default_rng(62).uniform(-0.4, 0.4, u8.shape)
    for x in (_as_float(u8, dtype), torch.from_numpy(np.clip((u8 + shift) / 255, 0, 1)).to(dtype)):
        out = ref.posterize(x, bits)
        _same_kind(out, x)
        np.testing.assert_array_equal(np.rint(_np(out) * 255), want)
        np.testing.assert_allclose(_np(out), want / 255, rtol=0, atol=TOL[dtype])


def test_posterize_by_hand():
    x = torch.tensor([0.5, 127 / 255, 0.2, 0.6, 1.0, 0.0], dtype=torch.float64).reshape(1, 1, 1, 6)
    # 0.5 → round(127.5) = 128 = 0b1000_0000; 0.2 → 51 = 0b0011_0011; 0.6 → 153 = 0b1001_1001
    assert (ref.posterize(x, 1).flatten() * 255).round().tolist() == [128, 0, 0, 128, 128, 0]
    assert (ref.posterize(x, 4).flatten() * 255).round().tolist() == [128, 112, 48, 144, 240, 0]
    assert torch.equal(ref.posterize(_as_float(_uint8_images(63), torch.float32), 8),
                       _as_float(_uint8_images(63), torch.float32))


@pytest.mark.parametrize("dtype", DTYPES)
def test_auto_contrast_against_pillow(dtype):
    u8 = _uint8_images(64)
    u8[1] = u8[1] // 3 + 60              # narrow ranges, stretched a lot
    u8[2, 1] = 200                       # a constant channel
    x = _as_float(u8, dtype)
    out = ref.auto_contrast(x)
    _same_kind(out, x)
    want = _pillow(ImageOps.autocontrast, u8)
    # Pillow truncates each level with int(), so its level is ours rounded down: one grey level at most,
    # and one exactly where its float product lands just under an integer
    diff = _np(out) * 255 - want
    assert diff.min() >= -1e-3 and diff.max() <= 1 + 1e-3, (diff.min(), diff.max())
    assert np.array_equal(_np(out[2, 1]), _np(x[2, 1]))     # constant channel unchanged


@pytest.mark.parametrize("dtype", DTYPES)
def test_auto_contrast_per_image_and_channel(dtype):
    x = _images((6, 3, 5, 4), 65, dtype, lo=0.2, hi=0.7)
    x[3, 2] = 0.35                                          # constant channel
    x[4] = 0.0                                              # all-black image
    out = ref.auto_contrast(x)
    _same_kind(out, x)
    xs = _np(x)
    lo, hi = xs.min(axis=(2, 3), keepdims=True), xs.max(axis=(2, 3), keepdims=True)
    flat = hi == lo
    want = np.where(flat, xs, (xs - lo) / np.where(flat, 1, hi - lo))
    np.testing.assert_allclose(_np(out), want, rtol=0, atol=TOL[dtype] * 10)
    assert torch.equal(out[3, 2], x[3, 2]) and torch.equal(out[4], x[4])
    varied = ~flat[..., 0, 0]
    assert (_np(out.amin((2, 3)))[varied] == 0).all() and (_np(out.amax((2, 3)))[varied] == 1).all()


def _translate_loop(x, pixels):
    out = torch.zeros_like(x)
    W = x.shape[-1]
    for j in range(W):
        if 0 <= j - pixels < W:
            out[..., j] = x[..., j - pixels]
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pixels", [-10, -7, -6, -2, -1, 0, 1, 3, 6, 7, 11])
def test_translate_x_against_a_loop(pixels, dtype):
    x = _images((2, 3, 4, 7), 66, dtype, lo=0.1)
    out = ref.translate_x(x, pixels)
    _same_kind(out, x)
    assert out.shape == x.shape
    assert torch.equal(out, _translate_loop(x, pixels))


# ---------------------------------------------------------------- randaugment

def _toy_ops(K, base):
    """op k: t ↦ base·t + (k + 1).  From 0, the result's digits in ``base`` spell the ops applied, in order."""
    return {f"op{k}": (lambda t, m, k=k: t * base + (k + 1)) for k in range(K)}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n,K", [(1, 4), (2, 3), (3, 2)])
def test_randaugment_draws_n_ops_uniformly_with_replacement_per_image(n, K, dtype):
    base, combos = K + 1, K ** n
    N = 150 * combos
    x = torch.zeros(N, 1, 1, 2, dtype=dtype)
    x[:, 0, 0, 1] = torch.arange(N, dtype=dtype)           # pixel 1 carries the image's index
    out = ref.randaugment(x, n, 9, ops=_toy_ops(K, base), generator=_gen(67))
    _same_kind(out, x)
    assert out.shape == x.shape
    code = out[:, 0, 0, 0].long()
    assert torch.equal(out[:, 0, 0, 0], code.to(dtype))
    assert torch.equal(out[:, 0, 0, 1].long(), torch.arange(N) * base ** n + code)   # its own content
    seqs = []
    for v in code.tolist():
        digits = [(v // base ** i) % base for i in reversed(range(n))]
        assert v < base ** n and all(1 <= d <= K for d in digits), f"{v}: not {n} ops"
        seqs.append(sum((d - 1) * K ** i for i, d in enumerate(reversed(digits))))
    seqs = np.array(seqs)
    _frequencies(np.bincount(seqs, minlength=combos), 1 / combos, f"sequences of {n} of {K} ops")
    _binomial(int((seqs[0::2] == seqs[1::2]).sum()), N // 2, 1 / combos, "pairs of images given the same ops")


def test_randaugment_passes_the_magnitude_and_n_zero_returns_the_images():
    x = _images((10, 2, 3, 3), 68, torch.float64)
    for m in (0, 7, 30):
        out = ref.randaugment(x, 3, m, ops={"add": lambda t, mag: t + mag}, generator=_gen(69))
        torch.testing.assert_close(out, x + 3 * m)
    out = ref.randaugment(x, 0, 9, ops=_toy_ops(3, 4), generator=_gen(70))
    _same_kind(out, x)
    assert torch.equal(out, x)
    assert torch.equal(ref.randaugment(x, 0, 9, generator=_gen(70)), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m", [0, 9, 17, 30])
def test_randaugment_default_ops(m, dtype):
    x = _images((24, 3, 8, 8), 71, dtype)
    out = ref.randaugment(x, 2, m, generator=_gen(72))
    _same_kind(out, x)
    assert out.shape == x.shape
    assert out.min() >= 0 and out.max() <= 1
    assert not torch.equal(out, x)


# ---------------------------------------------------------------- every random function

RANDOM_CALLS = {
    "horizontal_flip": lambda x, g: ref.horizontal_flip(x, 0.5, generator=g),
    "random_crop": lambda x, g: ref.random_crop(x, 5, 2, generator=g),
    "random_scale_crop": lambda x, g: torch.stack([ref.random_scale_crop(x[0], (8, 12), 6, generator=g)
                                                   for _ in range(5)]),
    "color_jitter": lambda x, g: ref.color_jitter(x, 0.3, 0.4, generator=g),
    "pca_color_augment": lambda x, g: ref.pca_color_augment(x, *ref.fit_rgb_pca(x), 0.1, generator=g),
    "cutout": lambda x, g: ref.cutout(x, 3, generator=g),
    "random_erasing": lambda x, g: ref.random_erasing(x, 0.7, value="random", generator=g),
    "mixup": lambda x, g: ref.mixup(x, x[:, 0, 0], 0.4, generator=g)[0],
    "cutmix": lambda x, g: ref.cutmix(x, x[:, 0, 0], 1.0, generator=g)[0],
    "randaugment": lambda x, g: ref.randaugment(x, 2, 9, generator=g),
    "sample_beta": lambda x, g: torch.tensor([ref.sample_beta(0.4, g) for _ in range(5)]),
}


@pytest.mark.parametrize("name", list(RANDOM_CALLS))
def test_random_functions_are_repeatable_and_leave_the_global_rng_alone(name):
    fn, x = RANDOM_CALLS[name], _images((16, 3, 9, 10), 73)
    state = torch.get_rng_state()
    a, b, c = fn(x, _gen(74)), fn(x, _gen(74)), fn(x, _gen(75))
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.equal(a, b) and not torch.equal(a, c)


# ---------------------------------------------------------------- the package

def test_every_public_function_is_trusted_and_the_topic_is_listed():
    from grader.reference import TOPICS

    names = [n for n in ref.__all__ if callable(getattr(ref, n))]
    assert len(names) == 19 and "scaled_size" in names
    assert all(getattr(getattr(ref, n), "__grader_trusted__", False) for n in names)
    assert ref.ERASING_VALUES == ("zero", "mean", "random")
    assert "augmentation" in TOPICS


# ---------------------------------------------------------------- on another device

def _check_on(dev, dtype):
    """Deterministic references give the CPU's numbers on ``dev``; random ones, drawn from a generator
    on ``dev``, keep dtype and device and their defining properties there."""
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == torch.float32 else {"rtol": 1e-9, "atol": 1e-11}
    x = _images((6, 3, 9, 10), 76, dtype)
    xd = x.to(dev)
    weight = torch.randn(3 * 25, 4, generator=_gen(77), dtype=torch.float64).to(dtype)
    pairs = [
        (ref.ten_crop(xd[0], 5), ref.ten_crop(x[0], 5)),
        (ref.tta_predict(lambda t: t.flatten(1) @ weight.to(t.device), xd, 5),
         ref.tta_predict(lambda t: t.flatten(1) @ weight, x, 5)),
        *zip(ref.fit_rgb_pca(xd), ref.fit_rgb_pca(x)),
        (ref.solarize(xd, 0.4), ref.solarize(x, 0.4)), (ref.posterize(xd, 3), ref.posterize(x, 3)),
        (ref.auto_contrast(xd), ref.auto_contrast(x)), (ref.translate_x(xd, -3), ref.translate_x(x, -3)),
    ]
    for on_dev, on_cpu in pairs:
        _same_kind(on_dev, on_cpu.to(dev))
        if on_dev.shape == (3, 3):             # eigenvectors: up to sign
            on_dev = on_dev * torch.sign((on_dev.cpu() * on_cpu).sum(0)).to(dev)
        torch.testing.assert_close(on_dev.cpu(), on_cpu, **tol)

    g = _gen(78, dev)
    out = ref.horizontal_flip(xd, 0.5, generator=g)
    _same_kind(out, xd)
    assert ((out == xd).flatten(1).all(1) | (out == xd.flip(3)).flatten(1).all(1)).all()
    out = ref.random_crop(xd, 4, 1, generator=g)
    _same_kind(out, xd)
    assert out.shape == (6, 3, 4, 4)
    out = ref.random_scale_crop(xd[0], (8, 10), 6, generator=g)
    _same_kind(out, xd)
    assert out.shape == (3, 6, 6)
    for t in (ref.color_jitter(xd, 0.3, 0.3, generator=g), ref.cutout(xd, 3, generator=g),
              ref.random_erasing(xd, 1.0, value="random", generator=g), ref.randaugment(xd, 2, 9, generator=g)):
        _same_kind(t, xd)
        assert t.shape == xd.shape and t.min() >= 0 and t.max() <= 1
    vals, vecs = ref.fit_rgb_pca(xd)
    out = ref.pca_color_augment(xd, vals, vecs, generator=g)
    _same_kind(out, xd)
    d = out - xd
    torch.testing.assert_close(d, d[:, :, :1, :1].expand_as(d), **tol)
    y = _one_hot(torch.arange(6) % 4, 4, dtype).to(dev)
    for mix in (ref.mixup, ref.cutmix):
        x_mix, y_mix, lam, perm = mix(xd, y, 0.5, generator=g)
        _same_kind(x_mix, xd)
        _same_kind(y_mix, y)
        _is_permutation(perm, 6, xd)
        assert type(lam) is float
        torch.testing.assert_close(y_mix, lam * y + (1 - lam) * y[perm], **tol)
    assert 0.0 <= ref.sample_beta(0.4, _gen(79, dev), device=dev) <= 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_device_checks_run_on_cpu(dtype):
    _check_on("cpu", dtype)  # the CUDA test's own code, exercised where there is no GPU


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device: torch.cuda.is_available() is False")
@pytest.mark.parametrize("dtype", DTYPES)
def test_references_on_cuda(dtype):
    _check_on("cuda", dtype)
