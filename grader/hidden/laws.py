"""Exact distributions that the statistical checks of 05_augmentation compare with.

Each function computes, from the contract alone, the probability of something a check
can observe (a box height, a covered row, a fit within ten attempts), so that a check
tests an observed rate against the true one rather than against a simulation.
SciPy's regularised incomplete beta function gives the Beta(α, α) distribution; it is
imported when first needed, since importing SciPy would slow every graded notebook's
start.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from grader.checks.guard import trusted
from grader.checks.report import Failure

__all__ = ["beta_cdf", "ks_beta", "cutmix_box_law", "erasing_law"]


@trusted
def beta_cdf(x, a: float):
    """P(λ ≤ x) for λ ~ Beta(a, a); x a float or an array."""
    from scipy.special import betainc

    return betainc(a, a, np.clip(x, 0.0, 1.0))


@trusted
def ks_beta(lams: list[float], a: float, what: str) -> None:
    """Fail unless the Kolmogorov–Smirnov distance of ``lams`` from Beta(a, a) is within the
    Dvoretzky–Kiefer–Wolfowitz bound for a false-failure probability of 1e-7."""
    if len(lams) < 100:
        raise Failure(f"{what}: too few draws to test ({len(lams)}); see the failure above")
    x = np.sort(np.asarray(lams, dtype=np.float64))
    n = len(x)
    cdf = beta_cdf(x, a)
    d = max((np.arange(1, n + 1) / n - cdf).max(), (cdf - np.arange(n) / n).max())
    bound = math.sqrt(math.log(2 / 1e-7) / (2 * n))       # P(D > bound) <= 2·exp(−2n·bound²) = 1e-7
    if d > bound:
        raise Failure(f"{what}: Kolmogorov–Smirnov distance {d:.3f} from Beta({a}, {a}) exceeds {bound:.3f} "
                      f"({n} draws)", hint="one λ ~ Beta(α, α) per call, drawn with the generator (sample_beta)")


def _clipped(k: int, centre: int, side: int) -> range:
    """Rows centre − k//2 .. centre − k//2 + k − 1 that lie inside 0..side − 1."""
    top = centre - k // 2
    return range(max(top, 0), min(top + k, side))


@trusted
def cutmix_box_law(H: int, W: int, a: float) -> dict[str, np.ndarray]:
    """The law of CutMix's clipped box on an H × W image, with λ ~ Beta(a, a).

    With s = √(1 − λ), cut_h = floor(H·s) and cut_w = floor(W·s) change only where H·s or
    W·s crosses an integer, so P(cut_h = k, cut_w = j) is a difference of Beta
    probabilities; the centre is uniform over the pixels.  Returns ``height[h]`` and
    ``width[w]``, the probabilities that the clipped box is h rows high and w columns wide
    (0 for an empty box, which has cut_h = 0 or cut_w = 0), and ``rows[r]`` and ``cols[c]``,
    the probabilities that row r and column c lie in the box.
    """
    cuts = sorted({0.0, 1.0} | {i / H for i in range(1, H)} | {i / W for i in range(1, W)})
    law = {"height": np.zeros(H + 1), "width": np.zeros(W + 1), "rows": np.zeros(H), "cols": np.zeros(W)}
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        # P(lo <= s < hi) = P(1 − hi² < λ <= 1 − lo²)
        p = float(beta_cdf(1 - lo * lo, a) - beta_cdf(1 - hi * hi, a))
        k, j = math.floor(H * (lo + hi) / 2), math.floor(W * (lo + hi) / 2)
        for side, cut, other, size, cover in ((H, k, j, "height", "rows"), (W, j, k, "width", "cols")):
            for centre in range(side):
                rows = _clipped(cut, centre, side) if other > 0 else range(0)
                law[size][len(rows)] += p / side
                for r in rows:
                    law[cover][r] += p / side
    return law


@trusted
def erasing_law(H: int, W: int, scale=(0.02, 0.33), ratio=(0.3, 3.3), grid: int = 1500) -> dict[str, float]:
    """Random Erasing's attempt on an H × W image, integrated over its two uniform draws.

    One attempt draws a ~ U(scale)·H·W and log r ~ U(log ratio), h = round(√(a r)),
    w = round(√(a/r)), and fits when 1 ≤ h ≤ H and 1 ≤ w ≤ W.  The two uniforms are
    integrated on a ``grid`` × ``grid`` midpoint rule (error about 1/grid at the
    boundaries).  Returns ``fit`` (one attempt fits), ``fit10`` (one of ten attempts fits),
    and ``taller`` and ``wider``, the probabilities that a fitted box has h > w, or w > h.
    """
    u = (torch.arange(grid, dtype=torch.float64) + 0.5) / grid
    area = H * W * (scale[0] + (scale[1] - scale[0]) * u)[:, None]
    r = torch.exp(math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * u)[None, :]
    h, w = torch.round(torch.sqrt(area * r)), torch.round(torch.sqrt(area / r))
    fits = (h >= 1) & (h <= H) & (w >= 1) & (w <= W)
    fit = fits.double().mean().item()
    return {"fit": fit, "fit10": 1 - (1 - fit) ** 10,
            "taller": ((h > w) & fits).double().sum().item() / max(fits.sum().item(), 1),
            "wider": ((w > h) & fits).double().sum().item() / max(fits.sum().item(), 1)}
