"""Hidden checks for the augmentation notebook.

Random transforms are judged by properties any correct answer has, however it
draws from the generator (``grader.checks.augmentation`` holds the shared
ones): each output is recovered as one of the allowed results (a window, a
flip, a square, a mix with one λ), and the recovered choices are tested for
reachability and rates with bounds that fail a correct answer with
probability below 1e-7 each.  mixup's λ is tested against Beta(α, α) with a
Kolmogorov–Smirnov bound.  Deterministic functions are compared with
``grader.reference.augmentation``.
"""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from grader.checks.augmentation import (POINTS, _expect, crop_properties, cutout_properties, distinct_images,
                                        erasing_properties, flip_properties, generator, mixup_properties)
from grader.checks.compare import assert_close, expect_float, expect_tensor, expect_tuple
from grader.checks.guard import trusted
from grader.checks.harness import Failure, Group, inputs_on
from grader.checks.stats import expect_mean_std, expect_rate
from grader.device import get_device
from grader.hidden import laws
from grader.reference import augmentation as ref

__all__ = ["flip", "crop", "scale_crop", "ten_crop", "color", "pca_color", "cutout", "mixup", "cutmix",
           "randaugment", "SEEDED"]

SEED = 2468


def _flip(horizontal_flip, seed: int) -> float:
    g = Group("flip", POINTS["flip"])
    flip_properties(g, horizontal_flip, n=1000, seed=seed)
    g.rules_line(())
    return g.finish()


@trusted
def flip(horizontal_flip: Callable) -> float:
    return _flip(horizontal_flip, SEED)


def _crop(random_crop, seed: int) -> float:
    g = Group("crop", POINTS["crop"])
    crop_properties(g, random_crop, n=2000, seed=seed)
    g.rules_line(())
    return g.finish()


@trusted
def crop(random_crop: Callable) -> float:
    return _crop(random_crop, SEED)


def _scale_crop_windows(image: torch.Tensor, rng: tuple[int, int], crop: int) -> tuple[torch.Tensor, list]:
    """Every crop×crop window of the image resized to each short side L in the range, and the L of each."""
    candidates, owner = [], []
    for L in range(rng[0], rng[1] + 1):
        resized = F.interpolate(image[None], size=ref.scaled_size(*image.shape[1:], L), mode="bilinear",
                                align_corners=False, antialias=False)
        wins = resized.unfold(2, crop, 1).unfold(3, crop, 1).permute(0, 2, 3, 1, 4, 5).reshape(-1, image.shape[0],
                                                                                             crop, crop)
        candidates.append(wins)
        owner += [L] * wins.shape[0]
    return torch.cat(candidates), owner


def _scale_crop_draws(g: Group, random_scale_crop, image, rng, crop, draws: int, seed: int) -> list[int]:
    """The index of the candidate window that each of ``draws`` outputs is."""
    candidates, _ = _scale_crop_windows(image, rng, crop)
    found = []
    for i in range(draws):
        out = expect_tensor(g.call(random_scale_crop, image, rng, crop, generator=generator(seed + i)).get(),
                            candidates[0], "out")
        dist = (candidates - out).flatten(1).abs().amax(1)
        best = int(dist.argmin())
        if dist[best] > 1e-5:
            raise Failure("an output is not a crop×crop window of the image resized to a short side L in range",
                          hint="resize with F.interpolate(mode='bilinear', align_corners=False, antialias=False) "
                               "to (L, round(W·L/H)) for H ≤ W")
        found.append(best)
    return found


def _scale_crop(random_scale_crop, seed: int) -> float:
    g = Group("scale_crop", POINTS["scale_crop"])
    for shape, rng, crop_ in (((3, 10, 15), (8, 11), 6), ((1, 13, 9), (7, 9), 5)):
        image = distinct_images(1, *shape, seed)[0]
        with g.sub(f"{tuple(shape)}, L in {rng}: each output is a crop of the image resized to short side L "
                   "(long side round(long·L/short), bilinear), every L occurring", 0.75):
            owner = _scale_crop_windows(image, rng, crop_)[1]
            draws = 120
            seen = [owner[i] for i in _scale_crop_draws(g, random_scale_crop, image, rng, crop_, draws, seed)]
            counts = torch.tensor(seen).bincount(minlength=rng[1] + 1)[rng[0]:]
            k = rng[1] - rng[0] + 1
            if bool((counts == 0).any()):
                raise Failure(f"short side {rng[0] + int((counts == 0).nonzero()[0])} never occurred",
                              hint="the range is inclusive at both ends")
            for j in range(k):
                expect_rate(counts[j].item() / draws, 1 / k, draws, f"frequency of L = {rng[0] + j}")
    with g.sub("(1, 5, 6), L in (4, 5), crop 4: every window of every resized image occurs, as often as a "
               "uniform L and a uniform position give", 0.5):
        image, rng, draws = distinct_images(1, 1, 5, 6, seed + 1)[0], (4, 5), 250
        owner = _scale_crop_windows(image, rng, 4)[1]
        counts = torch.tensor(_scale_crop_draws(g, random_scale_crop, image, rng, 4, draws, seed + 300))
        counts = counts.bincount(minlength=len(owner))
        for j, L in enumerate(owner):
            if counts[j] == 0:
                raise Failure(f"window {j} of the image resized to short side {L} never occurred in {draws} crops",
                              hint="the top row is uniform over 0..H' − crop (H' − crop + 1 choices), the left "
                                   "column likewise; torch.randint's upper bound is exclusive")
            expect_rate(counts[j].item() / draws, 1 / 2 / owner.count(L), draws, f"frequency of window {j}")
    g.rules_line(())
    return g.finish()


@trusted
def scale_crop(random_scale_crop: Callable) -> float:
    return _scale_crop(random_scale_crop, SEED)


@trusted
def ten_crop(ten_crop: Callable, tta_predict: Callable) -> float:
    g = Group("ten_crop", POINTS["ten_crop"])
    with g.sub("ten_crop matches the reference: four corners, centre, then the same of the mirror image", 2):
        for shape, size in (((3, 9, 12), 5), ((1, 8, 8), 5), ((2, 7, 10), 4)):
            image = distinct_images(1, *shape, 11)[0]
            got = g.call(ten_crop, image, size).get()
            assert_close(got, ref.ten_crop(image, size), f"ten_crop of {shape} at size {size}",
                         hint="order: top-left, top-right, bottom-left, bottom-right, centre with "
                              "top = (H − size) // 2, left = (W − size) // 2; then the flipped image's five")
    with g.sub("tta_predict averages the softmax over each image's ten crops", 1):
        make = inputs_on(get_device(), 12)
        weight = make((4, 2 * 5 * 5))
        model = lambda crops: crops.flatten(1) @ weight.T  # noqa: E731
        images = distinct_images(3, 2, 8, 9, 13)
        got = g.call(tta_predict, model, images, 5).get()
        assert_close(got, ref.tta_predict(model, images, 5), "probabilities",
                     hint="softmax of the model's logits for each crop, then the mean over the ten crops")
    g.rules_line(())
    return g.finish()


def _color(color_jitter, seed: int) -> float:
    g = Group("color", POINTS["color"])
    n = 600
    gen = torch.Generator().manual_seed(seed)
    for c in (3, 1):
        x = (torch.rand(n, c, 4, 5, generator=gen, dtype=torch.float64) * 0.2 + 0.4).to(get_device())
        with g.sub(f"C = {c}: brightness multiplies each image by one b ~ U[1 − β, 1 + β]", 0.5):
            out = expect_tensor(g.call(color_jitter, x, brightness=0.5, contrast=0.0,
                                       generator=generator(seed)).get(), x, "out")
            b = (out / x).flatten(1)
            _expect(bool(torch.allclose(b, b[:, :1].expand_as(b), atol=1e-9)),
                    "brightness should multiply the whole image by one factor")
            _uniform_factors(b[:, 0], 0.5, "brightness factor")
        with g.sub(f"C = {c}: contrast moves pixels towards the image's mean grey by c ~ U[1 − γ, 1 + γ]", 0.5):
            out = expect_tensor(g.call(color_jitter, x, brightness=0.0, contrast=0.5,
                                       generator=generator(seed + 1)).get(), x, "out")
            m = _grey_mean(x)
            factor = ((out - m) / (x - m)).flatten(1)
            ok = (x - m).abs().flatten(1) > 1e-6
            per_image = torch.where(ok, factor, factor[:, :1])
            if not torch.allclose(per_image, per_image[:, :1].expand_as(per_image), atol=1e-6):
                raise Failure("contrast is not m + c·(image − m) with m the image's mean grey value",
                              hint="for C = 3 the grey value is 0.299 R + 0.587 G + 0.114 B" if c == 3 else None)
            _uniform_factors(per_image[:, 0], 0.5, "contrast factor")
    x = (torch.rand(n, 3, 4, 5, generator=gen, dtype=torch.float64) * 0.1 + 0.45).to(get_device())
    with g.sub("both at once: contrast is taken around the mean grey of the brightened image", 0.5):
        out = expect_tensor(g.call(color_jitter, x, brightness=0.5, contrast=0.5,
                                   generator=generator(seed + 2)).get(), x, "out")
        # no clamping happens here, so out = b·m·(1 − c) + b·c·x: a line per image, whose slope
        # s = b·c and intercept t = b·m·(1 − c) give back b = s + t/m and c = s/b
        xs, os_ = x.flatten(1), out.flatten(1)
        xc = xs - xs.mean(1, keepdim=True)
        slope = (xc * os_).sum(1) / (xc * xc).sum(1)
        intercept = os_.mean(1) - slope * xs.mean(1)
        if not torch.allclose(os_, slope[:, None] * xs + intercept[:, None], atol=1e-6):
            raise Failure("with brightness and contrast together, an output is not b·c·x plus a constant")
        b = slope + intercept / _grey_mean(x).flatten()
        _uniform_factors(b, 0.5, "brightness factor recovered from the combined jitter",
                         hint="take the contrast's mean grey m from the brightened (and clamped) image")
        _uniform_factors(slope / b, 0.5, "contrast factor recovered from the combined jitter")
    with g.sub("results are clamped to [0, 1] after each step", 0.5):
        bright = (torch.rand(n, 3, 4, 5, generator=gen, dtype=torch.float64) * 0.3 + 0.7).to(get_device())
        out = expect_tensor(g.call(color_jitter, bright, brightness=0.9, contrast=0.0,
                                   generator=generator(seed + 3)).get(), bright, "out")
        _expect(bool((out <= 1).all() and (out >= 0).all()), "values outside [0, 1]: clamp after brightness",
                hint="images.clamp(0, 1)")
        ratio = (out / bright).flatten(1).amax(1, keepdim=True)                 # b (or less if all clamped)
        _expect(bool(torch.allclose(out.flatten(1), (bright.flatten(1) * ratio).clamp(max=1), atol=1e-9)),
                "brightness is not b·x clamped to [0, 1]")
        out = g.call(color_jitter, bright * 0.9, brightness=0.0, contrast=0.9, generator=generator(seed + 4)).get()
        _expect(bool((out <= 1).all() and (out >= 0).all()), "values outside [0, 1]: clamp after contrast")
        # Pixels that brightness pushed to 1 are equal when contrast is applied, so they stay equal,
        # and with c < 1 their common value is below 1.  Distinct inputs clamped only at the end
        # would come out distinct below 1.
        ramp = distinct_images(n, 1, 4, 5, seed + 5, torch.float64) * 0.3 + 0.7
        out = expect_tensor(g.call(color_jitter, ramp, brightness=0.5, contrast=0.5,
                                   generator=generator(seed + 6)).get(), ramp, "out").flatten(1)
        top = out.amax(1, keepdim=True)
        plateaus = ((out == top).sum(1) >= 2) & (top[:, 0] < 1 - 1e-9)
        _expect(bool(plateaus.any()), "no image has pixels that brightness saturated and contrast then moved "
                "below 1 together", hint="clamp to [0, 1] after brightness, then take the mean grey and apply "
                "contrast, then clamp again")
    g.rules_line(())
    return g.finish()


def _grey_mean(x: torch.Tensor) -> torch.Tensor:
    if x.shape[1] == 3:
        grey = 0.299 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]
        return grey.mean(dim=(1, 2))[:, None, None, None]
    return x.mean(dim=(1, 2, 3))[:, None, None, None]


def _uniform_factors(f: torch.Tensor, width: float, what: str, hint: str | None = None) -> None:
    n = f.numel()
    lo, hi = f.min().item(), f.max().item()
    if lo < 1 - width - 1e-6 or hi > 1 + width + 1e-6:
        raise Failure(f"{what} outside [{1 - width}, {1 + width}]: from {lo:.3f} to {hi:.3f}", hint=hint)
    # each quarter of the interval holds a quarter of the draws
    quarter = ((f - (1 - width)) / (2 * width) * 4).floor().clamp(0, 3).long().bincount(minlength=4)
    for q in range(4):
        expect_rate(quarter[q].item() / n, 0.25, n, f"{what}: fraction in quarter {q + 1} of the range",
                    hint="draw uniformly on [1 − w, 1 + w]")


def _pca_color(fit_rgb_pca, pca_color_augment, seed: int) -> float:
    g = Group("pca_color", POINTS["pca_color"])
    make = inputs_on(get_device(), seed)
    mix = torch.tensor([[1.0, 0.2, 0.1], [0.3, 0.8, 0.0], [0.1, 0.4, 0.6]], dtype=torch.float64, device=get_device())
    images = (torch.einsum("ij,njhw->nihw", mix, make((20, 3, 6, 6), torch.float64)) * 0.1 + 0.5)
    with g.sub("fit_rgb_pca matches the reference: eigenvalues descending, eigenvectors as columns (any sign)", 1):
        vals, vecs = expect_tuple(g.call(fit_rgb_pca, images).get(), 2, "fit_rgb_pca")
        rvals, rvecs = ref.fit_rgb_pca(images)
        assert_close(vals, rvals, "eigenvalues", hint="the covariance of all pixels' (R, G, B), divided by N")
        if type(vecs) is torch.Tensor and vecs.shape == rvecs.shape:
            vecs = vecs * torch.where((vecs * rvecs).sum(0) < 0, -1.0, 1.0)
        assert_close(vecs, rvecs, "eigenvectors (up to sign)")
    with g.sub("pca_color_augment adds one offset eigvecs @ (α ⊙ eigvals) per image, α ~ N(0, alpha_std²)", 1):
        rvals, rvecs = ref.fit_rgb_pca(images)
        x = images.repeat(30, 1, 1, 1)
        out = expect_tensor(g.call(pca_color_augment, x, rvals, rvecs, alpha_std=0.1,
                                   generator=generator(seed)).get(), x, "out")
        offset = (out - x).flatten(2)
        _expect(bool(torch.allclose(offset, offset[:, :, :1].expand_as(offset), atol=1e-9)),
                "the change is not one constant colour offset per image", hint="add the same 3-vector to every pixel")
        alpha = torch.linalg.solve(rvecs, offset[:, :, 0].T).T / rvals          # (N, 3) recovered α
        _expect(len(set(alpha[:, 0].tolist())) == alpha.shape[0], "several images got the same colour offset",
                hint="draw α independently for every image: shape (N, 3)")
        expect_mean_std(alpha.flatten(), 0.1, "the recovered α (alpha_std = 0.1, one per image and component)")
    g.rules_line(())
    return g.finish()


@trusted
def color(color_jitter: Callable) -> float:
    return _color(color_jitter, SEED)


@trusted
def pca_color(fit_rgb_pca: Callable, pca_color_augment: Callable) -> float:
    return _pca_color(fit_rgb_pca, pca_color_augment, SEED)


def _cutout(cutout, random_erasing, seed: int) -> float:
    g = Group("cutout", POINTS["cutout"])
    cutout_properties(g, cutout, n=1200, seed=seed, sizes=(3, 4))
    erasing_properties(g, random_erasing, n=400, seed=seed + 1)
    with g.sub("random_erasing makes up to ten attempts: on a 4 × 40 image, where one attempt fits about "
               "44% of the time, nearly every image is erased at p = 1", 0.25):
        x = distinct_images(400, 1, 4, 40, seed + 3)
        out = expect_tensor(g.call(random_erasing, x, p=1.0, generator=generator(seed + 3)).get(), x, "out")
        erased = (out != x).flatten(1).any(1).to(torch.float64).mean().item()
        expect_rate(erased, laws.erasing_law(4, 40)["fit10"], 400, "fraction of images erased at p = 1",
                    hint="try up to 10 times; an attempt fits when 1 ≤ h ≤ H and 1 ≤ w ≤ W")
    with g.sub("random_erasing's aspect ratio is log-uniform in `ratio`: boxes are taller than wide, and "
               "wider than tall, as often as its law says", 0.25):
        x = distinct_images(500, 1, 8, 10, seed + 4)
        out = expect_tensor(g.call(random_erasing, x, p=1.0, generator=generator(seed + 4)).get(), x, "out")
        changed = (out != x).any(1)
        changed = changed[changed.flatten(1).any(1)]                       # the erased images
        _expect(len(changed) > 0, "no image was erased at p = 1")
        h, w = changed.any(2).sum(1), changed.any(1).sum(1)
        law, n = laws.erasing_law(8, 10), len(changed)
        for share, law_key, what in (((h > w), "taller", "taller than wide"), ((w > h), "wider", "wider than tall")):
            expect_rate(share.to(torch.float64).mean().item(), law[law_key], n, f"fraction of boxes {what}",
                        hint="draw log r uniformly between log ratio[0] and log ratio[1], then r = exp(log r)")
    g.rules_line(())
    return g.finish()


@trusted
def cutout(cutout: Callable, random_erasing: Callable) -> float:
    return _cutout(cutout, random_erasing, SEED)


def _mixup(mixup, seed: int) -> float:
    g = Group("mixup", POINTS["mixup"])
    mixup_properties(g, mixup, draws=60, seed=seed)
    with g.sub("λ follows Beta(α, α) (Kolmogorov–Smirnov, 500 calls at α = 0.2) and perm is a uniform "
               "permutation", 1):
        x = distinct_images(6, 1, 1, 1, seed)
        y = torch.eye(6, device=x.device)
        lams, first = [], []
        for i in range(500):
            x_mix, _, lam, perm = expect_tuple(g.call(mixup, x, y, 0.2, generator=generator(seed + 1000 + i))
                                               .get(), 4, "mixup")
            lams.append(expect_float(lam, "lam"))
            first.append(int(expect_tensor(perm, torch.arange(6, device=x.device), "perm")[0]))
        laws.ks_beta(lams, 0.2, "mixup's λ at α = 0.2")
        counts = torch.tensor(first).bincount(minlength=6)
        for j in range(6):
            expect_rate(counts[j].item() / 500, 1 / 6, 500, f"how often element 0 is paired with element {j}",
                        hint="a uniformly random permutation (torch.randperm with the generator)")
    g.rules_line(())
    return g.finish()


@trusted
def mixup(mixup: Callable) -> float:
    return _mixup(mixup, SEED)


def _cutmix_call(g: Group, cutmix, x, y, alpha: float, seed: int) -> tuple:
    """One call, its return values checked for kind: (x_mix, y_mix, lam, perm)."""
    N = x.shape[0]
    x_mix, y_mix, lam, perm = expect_tuple(g.call(cutmix, x, y, alpha, generator=generator(seed)).get(), 4,
                                           "cutmix")
    lam = expect_float(lam, "lam")
    perm = expect_tensor(perm, torch.arange(N, device=x.device), "perm")
    _expect(bool(torch.equal(perm.sort().values, torch.arange(N, device=x.device))), "perm is not a permutation")
    return expect_tensor(x_mix, x, "x_mix"), expect_tensor(y_mix, y, "y_mix"), lam, perm


def _pasted_region(x: torch.Tensor, x_mix: torch.Tensor, perm: torch.Tensor) -> torch.Tensor | None:
    """The (H, W) region that x_mix took from x[perm] (the same for every image), or None when
    perm moves no image, so that the box cannot be seen."""
    from_partner, from_self = (x_mix == x[perm]).all(1), (x_mix == x).all(1)
    _expect(bool((from_partner | from_self).all()), "x_mix has pixels from neither x nor x[perm]")
    moved = perm != torch.arange(x.shape[0], device=x.device)
    if not bool(moved.any()):
        return None
    regions = from_partner[moved]                      # images are distinct: x[perm] differs from x there
    region = regions[0]
    _expect(bool((regions == region).all()), "the pasted box differs between images", hint="one box for the batch")
    rows, cols = region.any(1), region.any(0)
    _expect(bool(((rows[:, None] & cols[None, :]) == region).all()), "the pasted region is not a rectangle")
    return region


def _cutmix(cutmix, seed: int) -> float:
    g = Group("cutmix", POINTS["cutmix"])
    H, W = 9, 12
    x = distinct_images(8, 2, H, W, seed, torch.float64)
    y = torch.nn.functional.one_hot(torch.arange(8, device=x.device), 8).to(torch.float64)
    calls, boxes = [], []
    with g.sub("returns (x_mix, y_mix, lam, perm): lam a Python float, perm a permutation", 0.25):
        calls = [_cutmix_call(g, cutmix, x, y, 1.0, seed + i) for i in range(100)]
    with g.sub("one box per batch, filled from x[perm]; lam = 1 − (clipped box area)/(H·W)", 1):
        if not calls:
            raise Failure("no result to check; see the failure above")
        for x_mix, _, lam, perm in calls:
            region = _pasted_region(x, x_mix, perm)
            if region is not None:
                area = region.sum().item() / (H * W)
                if abs(lam - (1 - area)) > 1e-9:
                    raise Failure(f"lam = {lam:.4f} but the pasted box covers {area:.4f} of the image",
                                  hint="after clipping the box, lam = 1 − (box area)/(H·W)")
                boxes.append(region)
    with g.sub("labels mixed with the returned lam: y_mix = lam·y + (1 − lam)·y[perm]", 0.5):
        if not calls:
            raise Failure("no result to check; see the failure above")
        for _, y_mix, lam, perm in calls:
            _expect(bool(torch.allclose(y_mix, lam * y + (1 - lam) * y[perm])),
                    "y_mix is not lam·y + (1 − lam)·y[perm] with the returned lam",
                    hint="the weight of y is the share of its own pixels that an image keeps")
    with g.sub("box shape: floor(H·√(1 − λ)) × floor(W·√(1 − λ)) for one λ, clipped where it leaves the image", 0.5):
        if not boxes:
            raise Failure("no box to check; see the failure above")
        clipped = 0
        for region in boxes:
            rows, cols = region.any(1), region.any(0)
            h, w = int(rows.sum()), int(cols.sum())
            if h == H or w == W:
                raise Failure(f"a {h}×{w} box spans a whole side of the {H}×{W} image",
                              hint="floor, not round: cut_h = floor(H·√(1 − λ)) < H whenever λ > 0")
            if abs(h / H - w / W) >= max(1 / H, 1 / W):
                if not bool(rows[0] or rows[-1] or cols[0] or cols[-1]):
                    raise Failure(f"an unclipped {h}×{w} box does not keep the image's {H}×{W} proportions",
                                  hint="cut_h = floor(H·√(1 − λ)) and cut_w = floor(W·√(1 − λ)) with the same λ")
                clipped += 1
        # with the centre uniform over the whole image about 40% of the boxes are cut by the border;
        # the chance that none of 100 is, for a correct answer, is below 1e-20
        _expect(clipped > 0, f"none of {len(boxes)} boxes was clipped at the border",
                hint="the centre is a uniform pixel of the whole image, and the box is clipped where it sticks out")
    with g.sub("λ ~ Beta(α, α) and a uniform centre: on a 4 × 5 image at α = 2 (500 calls), box heights, "
               "widths and the rows and columns covered follow their law", 0.75):
        small = distinct_images(6, 1, 4, 5, seed + 7, torch.float64)
        labels = torch.eye(6, dtype=torch.float64, device=small.device)
        seen = []
        for i in range(500):
            x_mix, _, _, perm = _cutmix_call(g, cutmix, small, labels, 2.0, seed + 1000 + i)
            region = _pasted_region(small, x_mix, perm)
            if region is not None:                  # perm moved no image (1 call in 720): nothing to see
                seen.append(region)
        # α = 2, not a small α: Beta(α, α) with α < 1 gives λ < 2⁻⁵⁴ often enough (1 draw in 10⁵ at
        # α = 0.3) for 1 − λ to round to 1 and the box to span the image, which the law leaves out
        law, n = laws.cutmix_box_law(4, 5, 2.0), len(seen)
        stack = torch.stack(seen).cpu()
        observed = {"height": stack.any(2).sum(1).bincount(minlength=5),
                    "width": stack.any(1).sum(1).bincount(minlength=6),
                    "rows": stack.any(2).sum(0), "cols": stack.any(1).sum(0)}
        hints = {"height": "λ ~ Beta(α, α) with the given α; cut_h = floor(H·√(1 − λ)); the centre row uniform",
                 "width": "cut_w = floor(W·√(1 − λ)), the centre column uniform over all W columns",
                 "rows": "the centre row is uniform over 0..H − 1 (torch.randint(0, H))",
                 "cols": "the centre column is uniform over 0..W − 1 (torch.randint(0, W))"}
        for what, counts in observed.items():
            for k, count in enumerate(counts.tolist()):
                if law[what][k] == 0:
                    _expect(count == 0, f"a box with {what} {k} is impossible under the contract", hints[what])
                else:
                    expect_rate(count / n, float(law[what][k]), n, f"fraction of boxes with {what} index {k}",
                                hint=hints[what])
    g.rules_line(())
    return g.finish()


@trusted
def cutmix(cutmix: Callable) -> float:
    return _cutmix(cutmix, SEED)


def _randaugment(solarize, posterize, auto_contrast, translate_x, randaugment, seed: int) -> float:
    g = Group("randaugment", POINTS["randaugment"])
    make = inputs_on(get_device(), seed)
    # the grid k/8 holds the thresholds 0, 0.5 and 1 exactly (x ≥ threshold, not x > threshold)
    grid = (torch.arange(9, dtype=torch.float64, device=get_device()) / 8).reshape(1, 1, 3, 3)
    images = [make((5, 3, 6, 7)).sigmoid(), distinct_images(4, 1, 5, 8, seed, torch.float64), grid]
    flat = torch.full((2, 3, 4, 4), 0.3, device=get_device())
    for name, fn, args in (("solarize", solarize, (0.5, 0.0, 1.0)), ("posterize", posterize, (1, 3, 8)),
                           ("auto_contrast", auto_contrast, (None,)), ("translate_x", translate_x, (2, -3, 0, 9, -9))):
        with g.sub(f"{name} matches the reference", 0.5):
            for x in images + ([flat] if name == "auto_contrast" else []):
                for a in args:
                    extra = () if a is None else (a,)
                    assert_close(g.call(fn, x, *extra).get(), getattr(ref, name)(x, *extra),
                                 f"{name}{extra} on a {tuple(x.shape)} batch")
    with g.sub("randaugment: n ops per image, drawn uniformly with replacement, independently per image, at "
               "magnitude m", 1):
        # from 1, the nine ordered pairs give nine different values (3, 6, 14, 4, 9, 19, 12, 33, 131)
        ops = {"add": lambda t, m: t + 1, "triple": lambda t, m: t * 3, "square": lambda t, m: t * t + 2 * m}
        x = torch.ones(600, 1, 1, 1, device=get_device())
        out = expect_tensor(g.call(randaugment, x, 2, 5, ops=ops, generator=generator(seed)).get(), x, "out")
        outcomes = {}
        for a in ops.values():
            for b in ops.values():
                outcomes[float(b(a(1.0, 5), 5))] = 0
        values = out.flatten().tolist()
        for v in values:
            if not any(abs(v - k) < 1e-9 for k in outcomes):
                raise Failure(f"an output value {v} is not two of the given ops applied in order at magnitude m")
            key = min(outcomes, key=lambda k: abs(v - k))
            outcomes[key] += 1
        for k, count in outcomes.items():
            expect_rate(count / 600, 1 / 9, 600, "frequency of one ordered pair of ops",
                        hint="draw each image's n ops uniformly with replacement, independently per image")
    g.rules_line(())
    return g.finish()


@trusted
def randaugment(solarize: Callable, posterize: Callable, auto_contrast: Callable, translate_x: Callable,
                randaugment: Callable) -> float:
    return _randaugment(solarize, posterize, auto_contrast, translate_x, randaugment, SEED)


SEEDED = {"flip": _flip, "crop": _crop, "scale_crop": _scale_crop, "color": _color, "pca_color": _pca_color,
          "cutout": _cutout, "mixup": _mixup, "cutmix": _cutmix, "randaugment": _randaugment}
