"""Numeric gradients: the student's backward against the student's own forward.

Visible checks use this to test a backward pass without revealing any
reference: the vector-Jacobian product ``dx = J(x)^T dout`` is estimated with
central differences in float64,

    dx[i] ≈ sum(dout * (f(x + h e_i) - f(x - h e_i))) / (2 h).
"""
from __future__ import annotations

from typing import Callable

import torch

__all__ = ["numeric_vjp"]


def numeric_vjp(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, dout: torch.Tensor,
                h: float = 1e-6) -> torch.Tensor:
    """Central-difference estimate of ``J(x)^T dout`` for ``out = f(x)``; same shape as x.

    Use float64 inputs; keep inputs at least ``10 h`` away from kinks (ReLU at 0).
    """
    x = x.detach().clone()
    grad = torch.zeros_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        plus = f(x)
        flat[i] = old - h
        minus = f(x)
        flat[i] = old
        gflat[i] = ((plus - minus) * dout).sum() / (2 * h)
    return grad
