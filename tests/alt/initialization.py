"""A second, independently written answer to every 03_initialization exercise.

Written the way a careful student would, without torch.nn.init (forbidden in
the notebook): fans from the shape by hand, a gain table of its own, normals
from torch.randn and uniforms from torch.rand.  Samples are drawn in
column-major order (the flat draw laid out with the first index running
fastest), and orthogonal matrices come from an SVD, so with the same seed it
draws different numbers from the reference: the hidden checks must judge it by
statistics and properties, never by value.  The hidden checks must give it full
points.
"""
from __future__ import annotations

import math

import torch

_IDENTITY_GAIN = ("linear", "conv1d", "conv2d", "conv3d",
                  "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid")


# ---------------------------------------------------------------- fans and gains

def compute_fans(shape):
    dims = [int(d) for d in shape]
    if len(dims) < 2:
        raise ValueError("a weight needs at least 2 dimensions to have fans")
    kernel = 1
    for d in dims[2:]:
        kernel *= d
    return dims[1] * kernel, dims[0] * kernel


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in _IDENTITY_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 3.0 / 4.0
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"leaky_relu needs a numeric slope, got {param!r}")
        return math.sqrt(2.0 / (1.0 + slope * slope))
    raise ValueError(f"no gain for {nonlinearity!r}")


# ---------------------------------------------------------------- drawing

def _where(generator):
    return {"dtype": torch.get_default_dtype(),
            "device": generator.device if generator is not None else torch.device("cpu")}


def _column_major(flat, dims):
    """Lay a flat draw out with the first index running fastest."""
    return flat.reshape(dims[::-1]).permute(*range(len(dims) - 1, -1, -1)).contiguous()


def _standard_normal(dims, generator):
    return _column_major(torch.randn(math.prod(dims), generator=generator, **_where(generator)), dims)


def _symmetric_uniform(dims, bound, generator):
    u = torch.rand(math.prod(dims), generator=generator, **_where(generator))
    return _column_major((u * 2 - 1) * bound, dims)


# ---------------------------------------------------------------- LeCun and Glorot

def lecun_normal(shape, generator=None):
    dims = [int(d) for d in shape]
    fan_in, _ = compute_fans(dims)
    if math.prod(dims) == 0:
        return torch.zeros(dims, **_where(generator))
    return _standard_normal(dims, generator) / math.sqrt(fan_in)


def xavier_normal(shape, gain=1.0, generator=None):
    dims = [int(d) for d in shape]
    fan_in, fan_out = compute_fans(dims)
    if math.prod(dims) == 0:
        return torch.zeros(dims, **_where(generator))
    return _standard_normal(dims, generator) * (gain * math.sqrt(2.0 / (fan_in + fan_out)))


def xavier_uniform(shape, gain=1.0, generator=None):
    dims = [int(d) for d in shape]
    fan_in, fan_out = compute_fans(dims)
    if math.prod(dims) == 0:
        return torch.zeros(dims, **_where(generator))
    return _symmetric_uniform(dims, gain * math.sqrt(6.0 / (fan_in + fan_out)), generator)


# ---------------------------------------------------------------- He / Kaiming

def _kaiming_std(dims, a, mode, nonlinearity):
    fan_in, fan_out = compute_fans(dims)
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan = fan_in if mode == "fan_in" else fan_out
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_normal(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    dims = [int(d) for d in shape]
    compute_fans(dims)
    if math.prod(dims) == 0:
        return torch.zeros(dims, **_where(generator))
    return _standard_normal(dims, generator) * _kaiming_std(dims, a, mode, nonlinearity)


def kaiming_uniform(shape, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    dims = [int(d) for d in shape]
    compute_fans(dims)
    if math.prod(dims) == 0:
        return torch.zeros(dims, **_where(generator))
    bound = math.sqrt(3.0) * _kaiming_std(dims, a, mode, nonlinearity)
    return _symmetric_uniform(dims, bound, generator)


# ---------------------------------------------------------------- orthogonal

def orthogonal(shape, gain=1.0, generator=None):
    dims = [int(d) for d in shape]
    if len(dims) < 2:
        raise ValueError("orthogonal needs a shape with at least 2 dimensions")
    rows = dims[0]
    cols = math.prod(dims[1:])
    if rows * cols == 0:
        return torch.zeros(dims, **_where(generator))
    # The polar factor U Vᵀ of a Gaussian matrix is uniformly distributed over the
    # (semi-)orthogonal matrices, and its shorter side comes out orthonormal.
    A = _standard_normal([rows, cols], generator)
    U, _, Vh = torch.linalg.svd(A, full_matrices=False)
    return (gain * (U @ Vh)).reshape(dims)


# ---------------------------------------------------------------- through a network

def layer_stats(x, weights, activation):
    means, stds = [], []
    h = x
    for W in weights:
        h = activation(h @ W)
        n = h.numel()
        mu = h.sum() / n
        var = ((h - mu) * (h - mu)).sum() / n
        means.append(mu.detach())
        stds.append(var.sqrt().detach())
    out = torch.zeros(len(weights), 2, dtype=x.dtype, device=x.device)
    for i, (mu, sd) in enumerate(zip(means, stds)):
        out[i, 0] = mu
        out[i, 1] = sd
    return out


def init_residual_mlp(num_blocks, width, generator=None):
    where = _where(generator)
    blocks = []
    for _ in range(num_blocks):
        # Lecture layout (D_in, D_out): fan_in = width, the ReLU gain √2.
        W1 = _standard_normal([width, width], generator) * math.sqrt(2.0 / width)
        W2 = torch.zeros(width, width, **where)
        blocks.append((W1, W2))
    return blocks


def _nearest_orthonormal(W):
    """U Vᵀ from W = U S Vᵀ: the orthonormal matrix closest to W, with W's column (or row) span."""
    U, _, Vh = torch.linalg.svd(W, full_matrices=False)
    return U @ Vh


def lsuv_init(weights, x, activation, tol=0.05, max_iter=10):
    new_weights = []
    h = x.detach()
    for W in weights:
        V = _nearest_orthonormal(W.detach())
        z = h @ V
        rescalings = 0
        while rescalings < max_iter:
            s = float(torch.sqrt(((z - z.mean()) ** 2).mean()))
            if s == 0.0 or math.isnan(s) or abs(s - 1.0) <= tol:
                break
            V = V / s
            z = h @ V
            rescalings += 1
        new_weights.append(V)
        h = activation(z).detach()
    return new_weights
