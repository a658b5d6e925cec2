"""Reference augmentations for 05_augmentation (instructor-only).

Images are ``(N, C, H, W)`` floats in [0, 1]; every result keeps the images'
dtype and device.  Everything random is drawn from ``generator`` on the images'
device, in an order documented per function.  That order is not part of the
contract: a student may draw any way, and the hidden checks of random
transforms are statistical.  Where torch has the operation (``flip``, ``F.pad``,
``F.interpolate``, ``torch.linalg.eigh``, ``torch.cov``, ``softmax``) it is used.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping

import torch
import torch.nn.functional as F

from grader.checks.guard import trusted

__all__ = ["horizontal_flip", "random_crop", "random_scale_crop", "ten_crop", "tta_predict", "color_jitter",
           "fit_rgb_pca", "pca_color_augment", "cutout", "random_erasing", "mixup", "cutmix", "solarize",
           "posterize", "auto_contrast", "translate_x", "randaugment", "sample_beta", "scaled_size",
           "ERASING_VALUES"]

#: Accepted fills of :func:`random_erasing`.
ERASING_VALUES = ("zero", "mean", "random")


def _uniform(shape, generator, like: torch.Tensor) -> torch.Tensor:
    """U[0, 1) draws in float64 on like's device (float64: so that float32 images
    and float64 images see the same numbers)."""
    return torch.rand(shape, generator=generator, device=like.device, dtype=torch.float64)


def _windows(images: torch.Tensor, top: torch.Tensor, left: torch.Tensor, size: int) -> torch.Tensor:
    """Image n's ``size``×``size`` window at (top[n], left[n]): (N, C, H, W) -> (N, C, size, size)."""
    steps = torch.arange(size, device=images.device)
    rows = (top[:, None] + steps)[:, None, :, None]                   # (N, 1, size, 1)
    cols = (left[:, None] + steps)[:, None, None, :]                  # (N, 1, 1, size)
    batch = torch.arange(images.shape[0], device=images.device)[:, None, None, None]
    chans = torch.arange(images.shape[1], device=images.device)[None, :, None, None]
    return images[batch, chans, rows, cols]


def _box_mask(H: int, W: int, top: torch.Tensor, left: torch.Tensor, h, w) -> torch.Tensor:
    """(N, H, W) bool: rows top..top+h−1 and columns left..left+w−1 of each image, clipped."""
    rows = torch.arange(H, device=top.device)
    cols = torch.arange(W, device=top.device)
    in_rows = (rows >= top[:, None]) & (rows < (top + h)[:, None])
    in_cols = (cols >= left[:, None]) & (cols < (left + w)[:, None])
    return in_rows[:, :, None] & in_cols[:, None, :]


# ----------------------------------------------------------------- geometry

@trusted
def horizontal_flip(images: torch.Tensor, p: float = 0.5, generator: torch.Generator | None = None) -> torch.Tensor:
    """Image n is mirrored left-right (``flip(-1)``) iff u_n < p, u ~ U[0, 1)^N.  Group `flip`."""
    flip = _uniform(images.shape[0], generator, images) < p
    return torch.where(flip[:, None, None, None], images.flip(-1), images)


@trusted
def random_crop(images: torch.Tensor, size: int, padding: int = 0,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Zero-pad by ``padding`` on every side, then image n's window at (top_n, left_n), each
    uniform over its H + 2·padding − size + 1 (W likewise) positions (tops drawn first).
    (N, C, H, W) -> (N, C, size, size).  Group `crop`."""
    N, _, H, W = images.shape
    padded = F.pad(images, (padding,) * 4)
    top = torch.randint(0, H + 2 * padding - size + 1, (N,), generator=generator, device=images.device)
    left = torch.randint(0, W + 2 * padding - size + 1, (N,), generator=generator, device=images.device)
    return _windows(padded, top, left, size)


@trusted
def scaled_size(H: int, W: int, short: int) -> tuple[int, int]:
    """(H', W') with the short side ``short`` and the long one round(long·short/short_old) (Python's round)."""
    return (short, round(W * short / H)) if H <= W else (round(H * short / W), short)


@trusted
def random_scale_crop(image: torch.Tensor, short_side_range: tuple[int, int], crop: int,
                      generator: torch.Generator | None = None) -> torch.Tensor:
    """ResNet's scale augmentation: L uniform in the inclusive range, bilinear resize
    (align_corners=False, no antialias) to :func:`scaled_size`, then a uniform crop×crop
    window (L, then top, then left).  (C, H, W) -> (C, crop, crop).  Group `scale_crop`."""
    lo, hi = short_side_range
    L = int(torch.randint(lo, hi + 1, (1,), generator=generator, device=image.device))
    size = scaled_size(image.shape[1], image.shape[2], L)
    resized = F.interpolate(image[None], size=size, mode="bilinear", align_corners=False, antialias=False)
    return random_crop(resized, crop, 0, generator)[0]


@trusted
def ten_crop(image: torch.Tensor, size: int) -> torch.Tensor:
    """Top-left, top-right, bottom-left, bottom-right and centre (top = (H − size)//2,
    left = (W − size)//2) size×size crops, then the same five of ``image.flip(-1)``.
    (C, H, W) -> (10, C, size, size).  Group `ten_crop`."""
    _, H, W = image.shape
    tops = torch.tensor([0, 0, H - size, H - size, (H - size) // 2], device=image.device)
    lefts = torch.tensor([0, W - size, 0, W - size, (W - size) // 2], device=image.device)
    both = torch.stack([image, image.flip(-1)])                         # (2, C, H, W)
    crops = _windows(both.repeat_interleave(5, dim=0), tops.repeat(2), lefts.repeat(2), size)
    return crops


@trusted
def tta_predict(model: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, size: int) -> torch.Tensor:
    """mean over the ten crops of softmax(model(crop)): (N, C, H, W) -> (N, K).  Group `ten_crop`."""
    crops = torch.cat([ten_crop(image, size) for image in images])
    with torch.no_grad():
        probs = torch.softmax(model(crops), dim=1)
    return probs.reshape(images.shape[0], 10, -1).mean(dim=1)


# ----------------------------------------------------------------- colour

def _grey_mean(images: torch.Tensor) -> torch.Tensor:
    """(N, 1, 1, 1) mean grey value: luma 0.299 R + 0.587 G + 0.114 B for C = 3, else the plain mean."""
    if images.shape[1] == 3:
        luma = torch.tensor([0.299, 0.587, 0.114], dtype=images.dtype, device=images.device)
        return (images * luma[:, None, None]).sum(dim=1).mean(dim=(1, 2))[:, None, None, None]
    return images.mean(dim=(1, 2, 3), keepdim=True)


@trusted
def color_jitter(images: torch.Tensor, brightness: float = 0.0, contrast: float = 0.0,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """x' = clamp(b·x), b ~ U[1 − β, 1 + β]; then clamp(m + c·(x' − m)), c ~ U[1 − γ, 1 + γ], m the
    mean grey value of x' (see ``_grey_mean``); all b drawn first, then all c.  Group `color`."""
    N = images.shape[0]
    b = 1 + (2 * _uniform(N, generator, images) - 1) * brightness
    c = 1 + (2 * _uniform(N, generator, images) - 1) * contrast
    out = (images * b.to(images.dtype)[:, None, None, None]).clamp(0, 1)
    m = _grey_mean(out)
    return (m + c.to(images.dtype)[:, None, None, None] * (out - m)).clamp(0, 1)


@trusted
def fit_rgb_pca(images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigen-decomposition of the biased 3×3 covariance of all pixels' (R, G, B):
    eigenvalues (3,) descending, eigenvectors (3, 3) as columns.  Group `pca_color`."""
    pixels = images.transpose(0, 1).reshape(3, -1)                     # (3, N·H·W)
    vals, vecs = torch.linalg.eigh(torch.cov(pixels, correction=0))
    return vals.flip(0), vecs.flip(1)


@trusted
def pca_color_augment(images: torch.Tensor, eigvals: torch.Tensor, eigvecs: torch.Tensor,
                      alpha_std: float = 0.1, generator: torch.Generator | None = None) -> torch.Tensor:
    """x + eigvecs @ (α ⊙ eigvals) at every pixel of an image, α ~ N(0, alpha_std²)^3 per image; no clamp."""
    alpha = torch.randn(images.shape[0], 3, generator=generator, device=images.device,
                        dtype=torch.float64).to(images.dtype) * alpha_std
    offset = torch.einsum("ij,nj->ni", eigvecs, alpha * eigvals)       # (N, 3)
    return images + offset[:, :, None, None]


# ----------------------------------------------------------------- occlusion

@trusted
def cutout(images: torch.Tensor, size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Per image, zero rows cy − size//2 .. cy − size//2 + size − 1 (columns likewise), clipped;
    (cy, cx) uniform over the pixels (all cy drawn first, then all cx).  Group `cutout`."""
    N, _, H, W = images.shape
    cy = torch.randint(0, H, (N,), generator=generator, device=images.device)
    cx = torch.randint(0, W, (N,), generator=generator, device=images.device)
    mask = _box_mask(H, W, cy - size // 2, cx - size // 2, size, size)
    return torch.where(mask[:, None], torch.zeros_like(images), images)


@trusted
def random_erasing(images: torch.Tensor, p: float = 0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3),
                   value: str = "zero", generator: torch.Generator | None = None) -> torch.Tensor:
    """Random Erasing (Zhong et al.): image by image, with probability p, up to 10 attempts of
    a ~ U(scale)·H·W and log r ~ U(log ratio), h = round(√(a r)), w = round(√(a/r)); the first
    box with 1 ≤ h ≤ H and 1 ≤ w ≤ W is placed uniformly and filled with 0, the image's
    per-channel mean, or U[0, 1) noise.  Group `cutout`."""
    if value not in ERASING_VALUES:
        raise ValueError(f"value must be one of {ERASING_VALUES}, got {value!r}")
    N, C, H, W = images.shape
    out = images.clone()
    log_lo, log_hi = math.log(ratio[0]), math.log(ratio[1])
    for n in range(N):
        if _uniform(1, generator, images).item() >= p:
            continue
        for area_u, ratio_u in _uniform((10, 2), generator, images).tolist():
            area = H * W * (scale[0] + (scale[1] - scale[0]) * area_u)
            r = math.exp(log_lo + (log_hi - log_lo) * ratio_u)
            h, w = round(math.sqrt(area * r)), round(math.sqrt(area / r))
            if 1 <= h <= H and 1 <= w <= W:
                top_u, left_u = _uniform(2, generator, images).tolist()
                top, left = math.floor(top_u * (H - h + 1)), math.floor(left_u * (W - w + 1))
                if value == "zero":
                    fill = torch.zeros((), dtype=images.dtype, device=images.device)
                elif value == "mean":
                    fill = images[n].mean(dim=(1, 2), keepdim=True)
                else:
                    # drawn in the images' dtype: a float64 draw rounded to float32 can reach 1.0
                    fill = torch.rand((C, h, w), generator=generator, device=images.device, dtype=images.dtype)
                out[n, :, top:top + h, left:left + w] = fill
                break
    return out


# ----------------------------------------------------------------- mixing

@trusted
def sample_beta(alpha: float, generator: torch.Generator | None = None, device="cpu") -> float:
    """One draw from Beta(α, α), as a Python float, by Jöhnk's rejection method in logarithms:
    log X = log U / α, log Y = log V / α, accept when X + Y ≤ 1 and return X / (X + Y).
    Proposals come 64 at a time; the first accepted one is returned."""
    if alpha <= 0:
        raise ValueError(f"alpha must be positive, got {alpha}")
    while True:
        u = torch.rand(64, 2, generator=generator, device=device, dtype=torch.float64).clamp_min(1e-300)
        logs = u.log() / alpha
        log_sum = torch.logsumexp(logs, dim=1)
        accepted = (log_sum <= 0).nonzero()
        if len(accepted):
            i = int(accepted[0, 0])
            return float(torch.exp(logs[i, 0] - log_sum[i]))


@trusted
def mixup(x: torch.Tensor, y: torch.Tensor, alpha: float, generator: torch.Generator | None = None):
    """λ ~ Beta(α, α) (a float), perm uniform; x_mix = λx + (1 − λ)x[perm], y_mix likewise.  Group `mixup`."""
    lam = sample_beta(alpha, generator, x.device)
    perm = torch.randperm(x.shape[0], generator=generator, device=x.device)
    return torch.lerp(x[perm], x, lam), torch.lerp(y[perm], y, lam), lam, perm


@trusted
def cutmix(x: torch.Tensor, y: torch.Tensor, alpha: float, generator: torch.Generator | None = None):
    """λ ~ Beta(α, α); cut_h = floor(H√(1 − λ)), cut_w = floor(W√(1 − λ)); centre (cy, cx) uniform;
    rows cy − cut_h//2 .. + cut_h − 1 (columns likewise), clipped, taken from x[perm];
    lam = 1 − (clipped area)/(H·W), y_mix = lam·y + (1 − lam)·y[perm].  Group `cutmix`."""
    N, _, H, W = x.shape
    lam = sample_beta(alpha, generator, x.device)
    cut_h, cut_w = math.floor(H * math.sqrt(1 - lam)), math.floor(W * math.sqrt(1 - lam))
    cy = torch.randint(0, H, (1,), generator=generator, device=x.device)
    cx = torch.randint(0, W, (1,), generator=generator, device=x.device)
    perm = torch.randperm(N, generator=generator, device=x.device)
    box = _box_mask(H, W, cy - cut_h // 2, cx - cut_w // 2, cut_h, cut_w)[0]     # (H, W)
    x_mix = torch.where(box, x[perm], x)
    lam = 1.0 - int(box.sum()) / (H * W)
    return x_mix, torch.lerp(y[perm], y, lam), lam, perm


# ----------------------------------------------------------------- RandAugment's operations

@trusted
def solarize(images: torch.Tensor, threshold: float) -> torch.Tensor:
    """1 − x where x ≥ threshold, x elsewhere.  Group `randaugment`."""
    return torch.where(images >= threshold, 1 - images, images)


@trusted
def posterize(images: torch.Tensor, bits: int) -> torch.Tensor:
    """q = round(255 x) as 8 bits; keep the top ``bits`` of them; q / 255.  Group `randaugment`."""
    q = torch.round(images * 255).to(torch.uint8)
    drop = 8 - int(bits)
    return ((q >> drop) << drop).to(images.dtype) / 255


@trusted
def auto_contrast(images: torch.Tensor) -> torch.Tensor:
    """Per image and channel (x − min)/(max − min); a constant channel unchanged.  Group `randaugment`."""
    lo = images.amin(dim=(2, 3), keepdim=True)
    hi = images.amax(dim=(2, 3), keepdim=True)
    flat = hi == lo
    return torch.where(flat, images, (images - lo) / torch.where(flat, torch.ones_like(hi), hi - lo))


@trusted
def translate_x(images: torch.Tensor, pixels: int) -> torch.Tensor:
    """Content moved right by ``pixels`` (left if negative); vacated columns 0.  Group `randaugment`."""
    W = images.shape[-1]
    shift = max(-W, min(W, int(pixels)))
    padded = F.pad(images, (max(shift, 0), max(-shift, 0)))             # zeros on the vacated side
    start = max(-shift, 0)
    return padded[..., start:start + W]


@trusted
def randaugment(images: torch.Tensor, n: int, m: int, ops: Mapping[str, Callable] | None = None,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """For each image, n op indices uniform over ``ops`` (with replacement; an (N, n) draw), applied
    in order at magnitude m to that image as a batch of one.  ``ops`` None: the four operations
    above with their RandAugment magnitude mappings and the identity.  Group `randaugment`."""
    if ops is None:
        ops = {"identity": lambda t, mag: t, "solarize": lambda t, mag: solarize(t, 1 - mag / 30),
               "posterize": lambda t, mag: posterize(t, 8 - round(4 * mag / 30)),
               "auto_contrast": lambda t, mag: auto_contrast(t),
               "translate_x": lambda t, mag: translate_x(t, round(mag / 30 * t.shape[-1] / 3))}
    fns = list(ops.values())
    picks = torch.randint(0, len(fns), (images.shape[0], n), generator=generator, device=images.device)
    out = []
    for image, chosen in zip(images, picks.tolist()):
        one = image[None]
        for k in chosen:
            one = fns[k](one, m)
        out.append(one[0])
    return torch.stack(out) if out else images.clone()
