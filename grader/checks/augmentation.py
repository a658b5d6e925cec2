"""Visible checks for the augmentation notebook, and the property checks the hidden ones reuse.

A random transform is judged by what each output must be, whatever the student
drew: a flip or the image itself, a window of the zero-padded input, a
constant colour offset, a clipped square of zeros, a convex mix with one λ.
The choices recovered from many outputs are then tested statistically (every
offset reachable, rates within binomial bounds), each test failing a correct
answer with probability below 1e-7.  The same generator seed must give the
same output.
"""
from __future__ import annotations

from typing import Callable

import torch

from grader.checks.compare import expect_float, expect_tensor, expect_tuple
from grader.checks.harness import Failure, Group, visible
from grader.checks.stats import expect_rate, expect_repeatable
from grader.device import get_device

__all__ = ["POINTS", "distinct_images", "flip_properties", "crop_properties", "cutout_properties", "erasing_properties",
           "mixup_properties", "flip", "crop", "scale_crop", "ten_crop", "color", "pca_color", "cutout", "mixup",
           "cutmix", "randaugment"]

POINTS = {"flip": 2, "crop": 2, "scale_crop": 2, "ten_crop": 3, "color": 2, "pca_color": 2, "cutout": 3,
          "mixup": 2, "cutmix": 3, "randaugment": 3}


def generator(seed: int) -> torch.Generator:
    return torch.Generator(device=get_device()).manual_seed(seed)


def distinct_images(n: int, c: int, h: int, w: int, seed: int, dtype=torch.float32) -> torch.Tensor:
    """Images whose every pixel value is distinct and positive (so windows and flips are identifiable)."""
    gen = torch.Generator().manual_seed(seed)
    base = torch.randperm(n * c * h * w, generator=gen).to(torch.float64) + 1
    return (base / (base.max() + 1)).reshape(n, c, h, w).to(get_device(), dtype)


def _expect(cond: bool, message: str, hint: str | None = None) -> None:
    if not cond:
        raise Failure(message, hint=hint)


def _same_rng(g: Group, fn: Callable, *args, seed: int, **kwargs) -> None:
    torch.manual_seed(seed)
    state = torch.get_rng_state()
    first = g.call(fn, *args, generator=generator(seed), **kwargs).get()
    _expect(torch.equal(state, torch.get_rng_state()), f"{fn.__name__} drew from the global random generator",
            hint="pass generator=generator to every torch.rand / torch.randint call")
    second = g.call(fn, *args, generator=generator(seed), **kwargs).get()
    first, second = (first[0], second[0]) if isinstance(first, tuple) else (first, second)
    expect_repeatable(first, second, fn.__name__)


def flip_properties(g: Group, horizontal_flip: Callable, *, n: int = 400, seed: int = 0) -> None:
    x = distinct_images(n, 2, 3, 4, seed)
    with g.sub("each image is itself or its mirror image, flipped independently with probability p", 1.5):
        for i, p in enumerate((0.5, 0.2)):
            out = expect_tensor(g.call(horizontal_flip, x, p=p, generator=generator(seed + i)).get(), x, "out")
            same = (out == x).flatten(1).all(1)
            mirrored = (out == x.flip(-1)).flatten(1).all(1)
            if not bool((same | mirrored).all()):
                raise Failure("an output image is neither the input nor its left-right mirror image",
                              hint="a horizontal flip reverses the last dimension (width): images.flip(-1)")
            expect_rate(mirrored.to(torch.float64).mean().item(), p, n, f"fraction flipped with p = {p}",
                        hint="one independent coin per image")
        for p, want in ((0.0, x), (1.0, x.flip(-1))):
            out = g.call(horizontal_flip, x, p=p, generator=generator(seed + 5)).get()
            _expect(bool(torch.equal(out, want)), f"p = {p} should flip {'no' if p == 0 else 'every'} image")
    with g.sub("the generator decides; the global RNG is untouched", 0.5):
        _same_rng(g, horizontal_flip, x, seed=seed + 7)


def _windows(padded: torch.Tensor, size: int) -> torch.Tensor:
    """All size×size windows of (N, C, H, W): (N, K, C, size, size), K = offsets row-major."""
    n, c, h, w = padded.shape
    wins = padded.unfold(2, size, 1).unfold(3, size, 1)              # (N, C, h', w', s, s)
    return wins.permute(0, 2, 3, 1, 4, 5).reshape(n, -1, c, size, size)


def crop_properties(g: Group, random_crop: Callable, *, n: int = 1500, seed: int = 0) -> None:
    for size, padding in ((3, 1), (4, 0)):
        x = distinct_images(n, 1, 5, 6, seed + size)
        padded = torch.nn.functional.pad(x, (padding,) * 4)
        wins = _windows(padded, size)
        k = wins.shape[1]
        with g.sub(f"size {size}, padding {padding}: every output is a window of the zero-padded image, "
                   f"and all {k} offsets occur about equally often", 1):
            out = g.call(random_crop, x, size, padding=padding, generator=generator(seed + size)).get()
            out = expect_tensor(out, wins[:, 0], "out")
            match = (wins == out[:, None]).flatten(2).all(2)             # (N, K)
            if not bool(match.any(1).all()):
                raise Failure("an output is not a size×size window of the zero-padded image",
                              hint="pad with zeros (F.pad), then take images[..., i:i+size, j:j+size]")
            counts = match.to(torch.float64).argmax(1).bincount(minlength=k)
            if bool((counts == 0).any()):
                missing = int((counts == 0).nonzero()[0])
                raise Failure(f"offset {divmod(missing, padded.shape[-1] - size + 1)} never occurred in {n} crops",
                              hint="torch.randint's upper bound is exclusive: use H + 2·padding − size + 1")
            for j in range(k):
                expect_rate(counts[j].item() / n, 1 / k, n, f"frequency of offset {j}")
    with g.sub("the generator decides; the global RNG is untouched", 0.5):
        _same_rng(g, random_crop, distinct_images(4, 1, 5, 6, seed), 3, padding=1, seed=seed)


def cutout_properties(g: Group, cutout: Callable, *, n: int = 1500, seed: int = 0, sizes=(3,)) -> None:
    h, w = 7, 6
    x = distinct_images(n, 2, h, w, seed)
    for size in sizes:
        with g.sub(f"size {size}: each image loses one size×size square (clipped at the border), centred on a "
                   "uniform pixel", 1.5 / len(sizes)):
            out = expect_tensor(g.call(cutout, x, size, generator=generator(seed + size)).get(), x, "out")
            zero = (out == 0).all(1)                                        # (N, H, W): zeroed pixels
            if not bool(((out == x) | (out == 0)).all()):
                raise Failure("cutout changed pixels to values other than 0")
            # every legal square, by centre
            masks = torch.zeros(h * w, h, w, dtype=torch.bool, device=x.device)
            for cy in range(h):
                for cx in range(w):
                    top, left = cy - size // 2, cx - size // 2
                    masks[cy * w + cx, max(top, 0):max(top + size, 0), max(left, 0):max(left + size, 0)] = True
            match = (masks[None] == zero[:, None]).flatten(2).all(2)           # (N, h*w)
            if not bool(match.any(1).all()):
                raise Failure("a zeroed region is not one size×size square centred on a pixel of the image",
                              hint="rows cy − size//2 to cy − size//2 + size − 1, clipped to the image")
            centres = match.to(torch.float64).argmax(1).bincount(minlength=h * w)
            if bool((centres == 0).any()):
                raise Failure("some centre positions never occur (e.g. near the border)",
                              hint="the centre is a uniform pixel of the whole image; the square is clipped")
            for j in range(h * w):
                expect_rate(centres[j].item() / n, 1 / (h * w), n, f"frequency of centre {divmod(j, w)}")
    with g.sub("the generator decides; the global RNG is untouched", 0.5):
        _same_rng(g, cutout, x[:4], sizes[0], seed=seed)


def erasing_properties(g: Group, random_erasing: Callable, *, n: int = 800, seed: int = 0,
                       weight: float = 1.5) -> None:
    """Random Erasing at p = 0.3, 0.5 and 0.7 with the three fills: the erase rate, one
    rectangle no larger than the scale range allows, the fill, and every row and column reachable."""
    H, W = 8, 10
    x = distinct_images(n, 3, H, W, seed)
    # rows reached by boxes less than H high, columns by boxes less than W wide: a full-height box
    # covers every row wherever it is placed, so only the others show where boxes go
    rows_seen = torch.zeros(H, dtype=torch.bool, device=x.device)
    cols_seen = torch.zeros(W, dtype=torch.bool, device=x.device)
    checked = 0
    for value, p in (("zero", 0.3), ("mean", 0.5), ("random", 0.7)):
        with g.sub(f"random_erasing, value={value!r}, p={p}: with probability p one rectangle is filled, "
                   "the rest unchanged", weight / 4.5):
            out = expect_tensor(g.call(random_erasing, x, p=p, value=value,
                                       generator=generator(seed + 2)).get(), x, "out")
            changed = (out != x).any(1)                                  # (N, H, W)
            erased = changed.flatten(1).any(1)
            expect_rate(erased.to(torch.float64).mean().item(), p, x.shape[0], "fraction of images erased",
                        hint="erase each image with probability p (nearly every draw fits in 10 attempts here)")
            rows, cols = changed.any(2), changed.any(1)
            boxes = rows[:, :, None] & cols[:, None, :]
            if not bool((boxes == changed).all()):
                raise Failure("the changed pixels of an image do not form one rectangle")
            area = changed.flatten(1).sum(1)[erased].to(torch.float64) / (H * W)
            if bool((area > 0.33 * 1.6 + 1e-9).any()):
                raise Failure("a rectangle is larger than the scale range allows")
            box = out[erased].permute(0, 2, 3, 1)[changed[erased]]         # (pixels, C)
            if value == "zero":
                _expect(bool((box == 0).all()), "value='zero' should fill with 0")
            elif value == "mean":
                means = x[erased].mean(dim=(2, 3))                          # (E, C)
                per = means[:, None, None, :].expand(-1, H, W, -1)[changed[erased]]
                _expect(bool(torch.allclose(box, per, atol=1e-6)), "value='mean' should fill with each channel's mean")
            else:
                _expect(bool(((box >= 0) & (box < 1)).all()), "value='random' should fill with U[0, 1) noise")
                expect_rate((box < 0.5).to(torch.float64).mean().item(), 0.5, box.numel(),
                            "fraction of random fill below 0.5")
            heights, widths = rows.sum(1), cols.sum(1)
            rows_seen |= rows[erased & (heights < H)].any(0)
            cols_seen |= cols[erased & (widths < W)].any(0)
            checked += 1
    with g.sub("random_erasing places its boxes uniformly: every row and column of the image gets erased",
               weight / 3):
        _expect(checked == 3, "nothing to check: see the failure above")
        _expect(bool(rows_seen.all() and cols_seen.all()),
                f"rows {(~rows_seen).nonzero().flatten().tolist()} and columns "
                f"{(~cols_seen).nonzero().flatten().tolist()} were never erased in {3 * n} images",
                hint="the top row is uniform over 0..H − h (H − h + 1 choices); torch.randint's bound is exclusive")


def mixup_properties(g: Group, mixup: Callable, *, n: int = 64, draws: int = 300, seed: int = 0) -> list[float]:
    """Pixels and labels mix with one λ and a permutation; returns the λs drawn (for a Beta test)."""
    x = distinct_images(n, 1, 2, 3, seed, torch.float64)
    y = torch.nn.functional.one_hot(torch.arange(n, device=x.device) % 5, 5).to(torch.float64)
    lams = []
    with g.sub("x_mix = λx + (1 − λ)x[perm] and y_mix likewise, one λ (a float) and a permutation per call", 1):
        for i in range(draws):
            x_mix, y_mix, lam, perm = expect_tuple(g.call(mixup, x, y, 0.4, generator=generator(seed + i)).get(),
                                                   4, "mixup")
            lam = expect_float(lam, "lam")
            perm = expect_tensor(perm, torch.arange(n, device=x.device), "perm")
            _expect(bool(torch.equal(perm.sort().values, torch.arange(n, device=x.device))),
                    "perm is not a permutation of 0..N−1")
            _expect(bool(torch.allclose(expect_tensor(x_mix, x, "x_mix"), lam * x + (1 - lam) * x[perm])),
                    "x_mix is not lam·x + (1 − lam)·x[perm]", hint="one λ for the whole batch")
            _expect(bool(torch.allclose(expect_tensor(y_mix, y, "y_mix"), lam * y + (1 - lam) * y[perm])),
                    "y_mix is not mixed exactly like the pixels")
            lams.append(lam)
    return lams


@visible
def flip(horizontal_flip: Callable) -> float:
    """Visible check: mirror images, flipped independently at rate p."""
    g = Group("flip", POINTS["flip"], title="flip (visible check)")
    flip_properties(g, horizontal_flip, n=200, seed=1)
    g.rules_line(())
    return g.finish()


@visible
def crop(random_crop: Callable) -> float:
    """Visible check: windows of the zero-padded image, every offset reachable."""
    g = Group("crop", POINTS["crop"], title="crop (visible check)")
    crop_properties(g, random_crop, n=800, seed=2)
    g.rules_line(())
    return g.finish()


@visible
def cutout(cutout: Callable, random_erasing: Callable) -> float:
    """Visible check: cutout's clipped squares and Random Erasing's rectangles, on smaller samples."""
    g = Group("cutout", POINTS["cutout"], title="cutout (visible check)")
    cutout_properties(g, cutout, n=800, seed=3)
    erasing_properties(g, random_erasing, n=400, seed=33, weight=1.0)
    g.rules_line(())
    return g.finish()


@visible
def mixup(mixup: Callable) -> float:
    """Visible check: one λ, a permutation, labels mixed as the pixels."""
    g = Group("mixup", POINTS["mixup"], title="mixup (visible check)")
    lams = mixup_properties(g, mixup, draws=40, seed=4)
    with g.sub("λ lies in [0, 1]"):
        _expect(bool(lams) and all(0 <= v <= 1 for v in lams), "no λ in [0, 1] to check")
    g.rules_line(())
    return g.finish()


@visible
def scale_crop(random_scale_crop: Callable) -> float:
    """Visible check: shape, values from the image's range, repeatable with a seed."""
    g = Group("scale_crop", POINTS["scale_crop"], title="scale_crop (visible check)")
    image = distinct_images(1, 3, 10, 15, 5)[0]
    with g.sub("returns (C, crop, crop) with values inside the image's range"):
        out = expect_tensor(g.call(random_scale_crop, image, (8, 11), 6, generator=generator(5)).get(),
                            image[:, :6, :6], "out")
        _expect(bool(out.min() >= image.min() - 1e-6 and out.max() <= image.max() + 1e-6),
                "bilinear resizing cannot leave the range of the input's values")
    with g.sub("the generator decides; the global RNG is untouched"):
        _same_rng(g, random_scale_crop, image, (8, 11), 6, seed=6)
    g.rules_line(())
    return g.finish()


@visible
def ten_crop(ten_crop: Callable, tta_predict: Callable) -> float:
    """Visible check: shape, the first and sixth crops, probabilities that sum to 1."""
    g = Group("ten_crop", POINTS["ten_crop"], title="ten_crop (visible check)")
    image = distinct_images(1, 2, 6, 7, 7)[0]
    with g.sub("ten_crop returns (10, C, size, size): crop 0 is the top-left, crop 5 the mirror's top-left", 2):
        crops = expect_tensor(g.call(ten_crop, image, 4).get(), image[None, :, :4, :4].expand(10, -1, -1, -1),
                              "crops")
        _expect(bool(torch.equal(crops[0], image[:, :4, :4])), "crop 0 should be image[:, :size, :size]")
        _expect(bool(torch.equal(crops[5], image.flip(-1)[:, :4, :4])),
                "crop 5 should be the top-left crop of image.flip(-1)")
    with g.sub("tta_predict returns (N, K) probabilities (rows sum to 1)"):
        model = lambda x: x.flatten(1)[:, :3] * 5  # noqa: E731
        probs = expect_tensor(g.call(tta_predict, model, image[None].repeat(2, 1, 1, 1), 4).get(),
                              torch.empty(2, 3, device=image.device), "probabilities")
        _expect(bool(torch.allclose(probs.sum(1), torch.ones(2, device=image.device))), "rows should sum to 1")
    g.rules_line(())
    return g.finish()


@visible
def color(color_jitter: Callable) -> float:
    """Visible check: no jitter leaves images unchanged; brightness scales each image by one factor."""
    g = Group("color", POINTS["color"], title="color (visible check)")
    x = distinct_images(50, 3, 4, 4, 8) * 0.5 + 0.2
    with g.sub("brightness = contrast = 0 returns the images unchanged"):
        out = expect_tensor(g.call(color_jitter, x, 0.0, 0.0, generator=generator(8)).get(), x, "out")
        _expect(bool(torch.allclose(out, x)), "with no jitter the images should come back unchanged")
    with g.sub("brightness alone multiplies each image by one factor in [1 − β, 1 + β]"):
        out = g.call(color_jitter, x, 0.3, 0.0, generator=generator(9)).get()
        ratio = (out / x).flatten(1)
        _expect(bool(torch.allclose(ratio, ratio[:, :1].expand_as(ratio), atol=1e-6)),
                "each image should be scaled by a single factor")
        _expect(bool((ratio >= 0.7 - 1e-6).all() and (ratio <= 1.3 + 1e-6).all()), "a factor outside [0.7, 1.3]")
    g.rules_line(())
    return g.finish()


@visible
def pca_color(fit_rgb_pca: Callable, pca_color_augment: Callable) -> float:
    """Visible check: shapes, sorted eigenvalues, one offset per image."""
    g = Group("pca_color", POINTS["pca_color"], title="pca_color (visible check)")
    x = distinct_images(6, 3, 5, 5, 10)
    with g.sub("fit_rgb_pca returns eigenvalues (3,) in decreasing order and orthonormal eigenvectors (3, 3)"):
        vals, vecs = expect_tuple(g.call(fit_rgb_pca, x).get(), 2, "fit_rgb_pca")
        expect_tensor(vals, x[0, :, 0, 0], "eigenvalues")
        expect_tensor(vecs, x[0, :, :3, 0], "eigenvectors")
        _expect(bool((vals[:-1] >= vals[1:]).all()), "eigenvalues should be sorted largest first")
        _expect(bool(torch.allclose(vecs.T @ vecs, torch.eye(3, device=x.device), atol=1e-5)),
                "eigenvectors should be orthonormal columns")
    with g.sub("pca_color_augment adds one constant colour to every pixel of an image"):
        vals, vecs = g.call(fit_rgb_pca, x).get()
        out = expect_tensor(g.call(pca_color_augment, x, vals, vecs, generator=generator(10)).get(), x, "out")
        diff = (out - x).flatten(2)
        _expect(bool(torch.allclose(diff, diff[:, :, :1].expand_as(diff), atol=1e-6)),
                "the offset should be the same for every pixel of an image")
    g.rules_line(())
    return g.finish()


@visible
def cutmix(cutmix: Callable) -> float:
    """Visible check: the return values, and labels mixed with the returned lam."""
    g = Group("cutmix", POINTS["cutmix"], title="cutmix (visible check)")
    x = distinct_images(6, 1, 6, 8, 11)
    y = torch.eye(6, device=x.device)
    with g.sub("returns (x_mix, y_mix, lam, perm): lam a float in [0, 1], y_mix = lam·y + (1 − lam)·y[perm]", 2):
        for i in range(10):
            x_mix, y_mix, lam, perm = expect_tuple(g.call(cutmix, x, y, 1.0, generator=generator(11 + i)).get(),
                                                   4, "cutmix")
            lam = expect_float(lam, "lam")
            _expect(0 <= lam <= 1, f"lam = {lam} is outside [0, 1]")
            expect_tensor(x_mix, x, "x_mix")
            _expect(bool(torch.allclose(expect_tensor(y_mix, y, "y_mix"), lam * y + (1 - lam) * y[perm])),
                    "y_mix should be lam·y + (1 − lam)·y[perm] with the returned lam")
    g.rules_line(())
    return g.finish()


@visible
def randaugment(solarize: Callable, posterize: Callable, auto_contrast: Callable, translate_x: Callable,
                randaugment: Callable) -> float:
    """Visible check: one hand-made example per op, and n = 0 doing nothing."""
    g = Group("randaugment", POINTS["randaugment"], title="randaugment (visible check)")
    x = torch.tensor([[[[0.2, 0.7, 0.5, 1.0]]]], device=get_device())
    for label, fn, args, want in (
            ("solarize(x, 0.5) inverts values ≥ 0.5", solarize, (0.5,), [0.2, 0.3, 0.5, 0.0]),
            ("posterize(x, 1) keeps the top bit of round(255 x)", posterize, (1,), [0.0, 128 / 255, 128 / 255, 128 / 255]),
            ("auto_contrast stretches each channel to [0, 1]", auto_contrast, (), [0.0, 0.625, 0.375, 1.0]),
            ("translate_x(x, 1) moves content right, filling with 0", translate_x, (1,), [0.0, 0.2, 0.7, 0.5])):
        with g.sub(label, 0.5):
            out = expect_tensor(g.call(fn, x, *args).get(), x, "out")
            _expect(bool(torch.allclose(out.flatten(), torch.tensor(want, device=x.device))),
                    f"got {out.flatten().tolist()}, expected {want}")
    with g.sub("randaugment with n = 0 returns the images; with one op, applies it n times"):
        ops = {"add": lambda t, m: t + m}
        out = expect_tensor(g.call(randaugment, x, 0, 3, ops=ops, generator=generator(12)).get(), x, "out")
        _expect(bool(torch.allclose(out, x)), "n = 0 should change nothing")
        out = g.call(randaugment, x, 2, 3, ops=ops, generator=generator(12)).get()
        _expect(bool(torch.allclose(out, x + 6)), "two ops 'add m' at m = 3 should add 6")
    g.rules_line(())
    return g.finish()
