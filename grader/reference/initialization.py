"""Reference weight initialisation for 03_initialization (instructor-only).

Shapes follow torch's layout wherever a function takes a ``shape``: a Linear
weight is ``(out, in)``, a convolution's ``(C_out, C_in, *kernel)``.  The
functions that run a network (``layer_stats``, ``init_residual_mlp``,
``lsuv_init``) use the lecture's layout instead: a weight is ``(D_in, D_out)``
and a layer computes ``h @ W``.

Initialisers call ``torch.nn.init`` on a fresh tensor of
``torch.get_default_dtype()`` on the generator's device (CPU without one), and
draw everything from ``generator``; the same seed gives the same tensor.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import torch

from grader.checks.guard import trusted

__all__ = ["compute_fans", "calculate_gain", "lecun_normal", "xavier_normal", "xavier_uniform",
           "kaiming_normal", "kaiming_uniform", "orthogonal", "layer_stats", "init_residual_mlp",
           "lsuv_init"]

Shape = Sequence[int]


def _empty(shape: Shape, generator: torch.Generator | None) -> torch.Tensor:
    """A new tensor of the default dtype, on the generator's device (CPU without one)."""
    device = generator.device if generator is not None else torch.device("cpu")
    return torch.empty(tuple(int(s) for s in shape), dtype=torch.get_default_dtype(), device=device)


def _fill(init_: Callable[..., torch.Tensor], shape: Shape, generator: torch.Generator | None,
          **kwargs) -> torch.Tensor:
    """Run one of torch.nn.init's in-place initialisers on a new tensor of ``shape``.

    A shape with a zero in it gives an empty tensor without calling torch, which
    would warn (or divide by zero) for nothing; fewer than 2 dimensions still
    raise ValueError, as in torch.
    """
    compute_fans(shape)
    tensor = _empty(shape, generator)
    if tensor.numel() == 0:
        return tensor
    with torch.no_grad():
        return init_(tensor, generator=generator, **kwargs)


# ----------------------------------------------------------------- fans and gains

@trusted
def compute_fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of torch layout ``shape``, as Python ints.

    Linear ``(out, in)``: (in, out).  Convolution ``(C_out, C_in, *kernel)``:
    (C_in · prod(kernel), C_out · prod(kernel)).  Fewer than 2 dimensions raise
    ValueError.  Computed by torch's own fan function on a meta tensor (no
    memory).  Group `fans`.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError(f"fans need a shape with at least 2 dimensions, got {shape}")
    fan_in, fan_out = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape, device="meta"))
    return int(fan_in), int(fan_out)


@trusted
def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain torch recommends for a nonlinearity, as a Python float.

    linear, conv1d/2d/3d, conv_transpose1d/2d/3d, sigmoid: 1;  tanh: 5/3;
    relu: √2;  leaky_relu: √(2 / (1 + slope²)), slope = ``param`` (0.01 if None);
    selu: 3/4.  Anything else raises ValueError.  Group `gain`.
    """
    return float(torch.nn.init.calculate_gain(nonlinearity, param))


# ----------------------------------------------------------------- LeCun and Glorot

@trusted
def lecun_normal(shape: Shape, generator: torch.Generator | None = None) -> torch.Tensor:
    """Normal(0, std²) with std = 1 / √fan_in (the lecture's "Xavier").  -> tensor of ``shape``.

    Drawn as torch's Kaiming normal with the linear gain 1, which is this formula.  Group `xavier`.
    """
    return _fill(torch.nn.init.kaiming_normal_, shape, generator, mode="fan_in", nonlinearity="linear")


@trusted
def xavier_normal(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Normal(0, std²) with std = gain · √(2 / (fan_in + fan_out)) (Glorot & Bengio).  -> tensor of ``shape``.

    Group `xavier`.
    """
    return _fill(torch.nn.init.xavier_normal_, shape, generator, gain=gain)


@trusted
def xavier_uniform(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform(−bound, bound) with bound = gain · √(6 / (fan_in + fan_out)), so the std is
    gain · √(2 / (fan_in + fan_out)) as for :func:`xavier_normal`.  -> tensor of ``shape``.  Group `xavier`.
    """
    return _fill(torch.nn.init.xavier_uniform_, shape, generator, gain=gain)


# ----------------------------------------------------------------- He / Kaiming

@trusted
def kaiming_normal(shape: Shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                   generator: torch.Generator | None = None) -> torch.Tensor:
    """Normal(0, std²) with std = gain / √fan (He et al.).  -> tensor of ``shape``.

    gain = calculate_gain(nonlinearity, a) (``a`` is the leaky_relu slope; the
    default leaky_relu with a = 0 gives √2, ReLU's gain); fan = fan_in or fan_out
    by ``mode``.  Group `kaiming`.
    """
    return _fill(torch.nn.init.kaiming_normal_, shape, generator, a=a, mode=mode, nonlinearity=nonlinearity)


@trusted
def kaiming_uniform(shape: Shape, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator: torch.Generator | None = None) -> torch.Tensor:
    """Uniform(−bound, bound) with bound = √3 · gain / √fan, so the std is that of
    :func:`kaiming_normal`.  -> tensor of ``shape``.  Group `kaiming`.
    """
    return _fill(torch.nn.init.kaiming_uniform_, shape, generator, a=a, mode=mode, nonlinearity=nonlinearity)


# ----------------------------------------------------------------- orthogonal

@trusted
def orthogonal(shape: Shape, gain: float = 1.0, generator: torch.Generator | None = None) -> torch.Tensor:
    """A random (semi-)orthogonal matrix times ``gain`` (Saxe et al.).  -> tensor of ``shape``.

    Viewed as M = W.reshape(shape[0], prod(shape[1:])): M Mᵀ = gain² I if it has
    fewer rows than columns, else Mᵀ M = gain² I.  Drawn as torch does: QR of a
    standard normal matrix, signs fixed so that it is uniform (Haar) over such
    matrices.  Group `orthogonal`.
    """
    return _fill(torch.nn.init.orthogonal_, shape, generator, gain=gain)


# ----------------------------------------------------------------- through a network

@trusted
def layer_stats(x: torch.Tensor, weights: Sequence[torch.Tensor],
                activation: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """Mean and std of every layer's activations in a plain deep network.

    x (N, D_0); weights[l] (D_l, D_{l+1}); h_0 = x, h_{l+1} = activation(h_l @ W_l).
    Row l of the result is (mean, std) over all N · D_{l+1} entries of h_{l+1}, the
    std a population std (divides by the count).  -> (L, 2), x's dtype and device.
    Group `layer_stats`.
    """
    rows = []
    with torch.no_grad():
        h = x
        for W in weights:
            h = activation(h @ W)
            std, mean = torch.std_mean(h, correction=0)
            rows.append(torch.stack([mean, std]))
    if not rows:
        return x.new_zeros((0, 2))
    return torch.stack(rows)


@trusted
def init_residual_mlp(num_blocks: int, width: int,
                      generator: torch.Generator | None = None) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Weights for ``num_blocks`` residual blocks x + relu(x @ W1) @ W2, each (width, width).

    W1 ~ Normal(0, 2 / width): Kaiming for ReLU with fan_in = width (the matrix is
    square, so torch's layout and the lecture's agree).  W2 = 0, so every block
    starts as the identity.  -> [(W1, W2), ...], one pair per block, W1 drawn
    block by block from ``generator``.  Group `residual_init`.
    """
    blocks = []
    for _ in range(num_blocks):
        W1 = kaiming_normal((width, width), mode="fan_in", nonlinearity="relu", generator=generator)
        blocks.append((W1, torch.zeros_like(W1)))
    return blocks


def _orthonormalise(W: torch.Tensor) -> torch.Tensor:
    """The orthonormal factor of W's QR (of Wᵀ's if W is wide), with R's diagonal made positive.

    W (D_in, D_out) -> Q like W with orthonormal columns (D_in ≥ D_out) or rows;
    an already orthonormal W comes back unchanged.
    """
    wide = W.shape[0] < W.shape[1]
    q, r = torch.linalg.qr(W.T if wide else W)
    sign = torch.sign(torch.diagonal(r))
    q = q * torch.where(sign == 0, torch.ones_like(sign), sign)
    return q.T if wide else q


@trusted
def lsuv_init(weights: Sequence[torch.Tensor], x: torch.Tensor, activation: Callable[[torch.Tensor], torch.Tensor],
              tol: float = 0.05, max_iter: int = 10) -> list[torch.Tensor]:
    """Layer-sequential unit-variance initialisation (Mishkin & Matas, 2016).

    weights[l] (D_l, D_{l+1}), x (N, D_0).  Each W is first replaced by an
    orthonormal matrix from its QR.  Then, layer by layer with h_0 = x: while
    |std(h_l @ W_l) − 1| > tol, W_l ← W_l / std(h_l @ W_l) (population std over all
    entries), at most ``max_iter`` times, stopping early if the std is 0; then
    h_{l+1} = activation(h_l @ W_l).  -> a list of new tensors, each with its W's
    shape, dtype and device; the given weights and x are not modified.
    Group `lsuv`.
    """
    result = []
    with torch.no_grad():
        h = x
        for W in weights:
            W = _orthonormalise(W.detach().clone())
            for _ in range(max_iter):
                std = torch.std(h @ W, correction=0).item()
                if std == 0.0 or not math.isfinite(std) or abs(std - 1.0) <= tol:
                    break
                W = W / std
            result.append(W)
            h = activation(h @ W)
    return result
