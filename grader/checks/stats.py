"""Statistical checks for random functions, each with a bounded false-failure rate.

Every bound is ``Z`` standard errors wide: for a two-sided normal test that is a
false-failure probability of about 4e-8, so a check made of a dozen such tests
still fails a correct answer with probability below 1e-6, whatever the seed.
"""
from __future__ import annotations

import math

import torch

from grader.checks.report import Failure

__all__ = ["Z", "expect_mean_std", "expect_normal_shape", "expect_uniform_bound", "expect_rate",
           "expect_repeatable"]

#: standard errors allowed by every bound (two-sided p ≈ 4e-8)
Z = 5.5


def expect_mean_std(w: torch.Tensor, std: float, what: str) -> None:
    """Mean 0 and standard deviation ``std`` within Z standard errors.

    The sample std of n draws has a relative standard error of at most
    ``1/sqrt(2n)`` for the normal and the uniform distribution.
    """
    n = w.numel()
    x = w.detach().to("cpu", torch.float64).reshape(-1)
    mean, s = x.mean().item(), x.std(correction=0).item()
    if abs(mean) > Z * std / math.sqrt(n):
        raise Failure(f"{what}: the mean is {mean:.4g}, expected 0 (±{Z * std / math.sqrt(n):.2g} for {n} values)")
    if abs(s / std - 1) > Z / math.sqrt(2 * n):
        raise Failure(f"{what}: the standard deviation is {s:.5g}, expected {std:.5g} "
                      f"(±{100 * Z / math.sqrt(2 * n):.2g}% for {n} values)",
                      hint=f"the ratio is {s / std:.4f}: compare it with √2 ≈ 1.414, √3 ≈ 1.732 and their inverses")


def expect_normal_shape(w: torch.Tensor, std: float, what: str) -> None:
    """A normal distribution puts 68.27% of its mass within one std of the mean."""
    expect_rate((w.detach().abs() < std).to(torch.float64).mean().item(), 0.6826894921370859, w.numel(),
                f"{what}: the fraction of values within one std of 0", hint="draw from a normal distribution "
                "(a uniform one puts 57.7% there)")


def expect_uniform_bound(w: torch.Tensor, bound: float, what: str) -> None:
    """All values within ±bound, and the largest close to it (n uniform draws never all fall
    below bound·(1 − 17/n), except with probability e^-17)."""
    n = w.numel()
    top = w.detach().abs().max().item()
    if top > bound * (1 + 1e-6):
        raise Failure(f"{what}: a value of size {top:.5g} exceeds the bound {bound:.5g}")
    if top < bound * (1 - 17 / n):
        raise Failure(f"{what}: the largest value is {top:.5g}, the bound {bound:.5g} should be (nearly) reached",
                      hint="draw uniformly from [-bound, bound]")


def expect_rate(observed: float, p: float, n: int, what: str, hint: str | None = None) -> None:
    """A binomial proportion of ``n`` trials within Z standard errors of ``p``."""
    se = math.sqrt(max(p * (1 - p), 1e-12) / n)
    if abs(observed - p) > Z * se:
        raise Failure(f"{what} is {observed:.4f}, expected {p:.4f} ± {Z * se:.4f}", hint=hint)


def expect_repeatable(first: torch.Tensor, second: torch.Tensor, what: str) -> None:
    """Two draws from equally seeded generators must be identical."""
    if type(first) is not torch.Tensor or type(second) is not torch.Tensor or first.shape != second.shape \
            or not bool(torch.equal(first, second)):
        raise Failure(f"{what}: two calls with equally seeded generators gave different results",
                      hint="draw every random number from `generator` (e.g. torch.randn(..., generator=generator))")
