"""Reference activations for 01_activations (instructor-only).

Each forward calls torch's own function where torch has one; each backward is
the vector-Jacobian product of that same forward, computed by
``torch.autograd`` (see :func:`_vjp`), so no derivative here is written by hand.
Forwards return ``(out, cache)``, the cache holding the inputs and parameters the
backward needs; backwards return ``dx`` or a tuple of gradients in the order of
the forward's tensor arguments.  Results keep the input's device and dtype.

At exactly x = 0, torch's autograd gives a piecewise activation the slope of
its negative side (0 for ReLU, the slope for Leaky ReLU, alpha for PReLU and
ELU, scale * alpha for SELU); the references inherit that convention.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from grader.checks.guard import trusted

__all__ = ["sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward", "relu_forward",
           "relu_backward", "leaky_relu_forward", "leaky_relu_backward", "prelu_forward", "prelu_backward",
           "elu_forward", "elu_backward", "selu_forward", "selu_backward", "gelu_forward", "gelu_backward",
           "swish_forward", "swish_backward", "maxout_forward", "maxout_backward", "swiglu_forward",
           "dead_unit_fraction", "GELU_APPROXIMATIONS"]

#: Accepted values of ``approximate`` for GELU; "sigmoid" is x * sigmoid(1.702 x).
GELU_APPROXIMATIONS = ("none", "tanh", "sigmoid")


def _vjp(fn: Callable[..., torch.Tensor], inputs: Sequence[torch.Tensor], dout: torch.Tensor) -> tuple:
    """Gradients of ``(fn(*inputs) * dout).sum()`` with respect to every input, by autograd.

    The inputs are copied and detached first, so the caller's tensors (even ones
    made under ``torch.inference_mode``) never join a graph.
    """
    with torch.inference_mode(False), torch.enable_grad():
        leaves = [t.detach().clone().requires_grad_(True) for t in inputs]
        out = fn(*leaves)
        grads = torch.autograd.grad(out, leaves, dout.detach().clone(), allow_unused=True)
    return tuple(torch.zeros_like(leaf) if g is None else g.detach() for g, leaf in zip(grads, leaves))


# ----------------------------------------------------------------- elementwise, no parameters

@trusted
def sigmoid_forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logistic sigmoid σ(x) = 1 / (1 + exp(−x)).  x any shape -> out like x; cache = x.  Group `sigmoid`."""
    return torch.sigmoid(x), x


@trusted
def sigmoid_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """dx = dout · σ(x)(1 − σ(x)), by autograd of :func:`sigmoid_forward`.  dout like x -> dx like x."""
    return _vjp(torch.sigmoid, [cache], dout)[0]


@trusted
def tanh_forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """tanh(x) = (eˣ − e⁻ˣ) / (eˣ + e⁻ˣ).  x any shape -> out like x; cache = x.  Group `tanh`."""
    return torch.tanh(x), x


@trusted
def tanh_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """dx = dout · (1 − tanh²(x)), by autograd.  dout like x -> dx like x."""
    return _vjp(torch.tanh, [cache], dout)[0]


@trusted
def relu_forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """ReLU(x) = max(0, x).  x any shape -> out like x; cache = x.  Group `relu`."""
    return torch.relu(x), x


@trusted
def relu_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """dx = dout · [x > 0] (0 at x = 0), by autograd.  dout like x -> dx like x."""
    return _vjp(torch.relu, [cache], dout)[0]


@trusted
def selu_forward(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """SELU(x) = scale · (x if x > 0 else alpha (eˣ − 1)), torch's constants
    alpha ≈ 1.67326, scale ≈ 1.05070.  x any shape -> out like x; cache = x.  Group `selu`."""
    return F.selu(x), x


@trusted
def selu_backward(dout: torch.Tensor, cache: torch.Tensor) -> torch.Tensor:
    """dx = dout · scale · (1 if x > 0 else alpha eˣ), by autograd.  dout like x -> dx like x."""
    return _vjp(F.selu, [cache], dout)[0]


# ----------------------------------------------------------------- elementwise, with a setting

@trusted
def leaky_relu_forward(x: torch.Tensor, negative_slope: float = 0.01) -> tuple[torch.Tensor, tuple]:
    """LeakyReLU(x) = x if x > 0 else negative_slope · x.  x any shape -> out like x;
    cache = (x, negative_slope).  Group `leaky_relu`."""
    return F.leaky_relu(x, negative_slope), (x, negative_slope)


@trusted
def leaky_relu_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout · (1 if x > 0 else negative_slope), by autograd.  dout like x -> dx like x."""
    x, slope = cache
    return _vjp(lambda t: F.leaky_relu(t, slope), [x], dout)[0]


@trusted
def elu_forward(x: torch.Tensor, alpha: float = 1.0) -> tuple[torch.Tensor, tuple]:
    """ELU(x) = x if x > 0 else alpha (eˣ − 1).  x any shape -> out like x; cache = (x, alpha).  Group `elu`."""
    return F.elu(x, alpha), (x, alpha)


@trusted
def elu_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout · (1 if x > 0 else alpha eˣ), by autograd.  dout like x -> dx like x."""
    x, alpha = cache
    return _vjp(lambda t: F.elu(t, alpha), [x], dout)[0]


def _gelu(x: torch.Tensor, approximate: str) -> torch.Tensor:
    if approximate == "sigmoid":  # torch has no such mode: write x · σ(1.702 x) out
        return x * torch.sigmoid(1.702 * x)
    return F.gelu(x, approximate=approximate)


@trusted
def gelu_forward(x: torch.Tensor, approximate: str = "none") -> tuple[torch.Tensor, tuple]:
    """GELU(x) = x · Φ(x), Φ the standard normal CDF, computed as
    "none":    x/2 · (1 + erf(x / √2));
    "tanh":    x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³)));
    "sigmoid": x · σ(1.702 x).
    x any shape -> out like x; cache = (x, approximate).  Any other ``approximate``
    raises ValueError.  Group `gelu`."""
    if approximate not in GELU_APPROXIMATIONS:
        raise ValueError(f"approximate must be one of {GELU_APPROXIMATIONS}, got {approximate!r}")
    return _gelu(x, approximate), (x, approximate)


@trusted
def gelu_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout · d GELU(x)/dx for the cached approximation, by autograd.  dout like x -> dx like x."""
    x, approximate = cache
    return _vjp(lambda t: _gelu(t, approximate), [x], dout)[0]


def _swish(x: torch.Tensor, beta: float) -> torch.Tensor:
    return F.silu(x) if beta == 1.0 else x * torch.sigmoid(beta * x)


@trusted
def swish_forward(x: torch.Tensor, beta: float = 1.0) -> tuple[torch.Tensor, tuple]:
    """Swish_β(x) = x · σ(β x) (β = 1: SiLU).  x any shape -> out like x; cache = (x, beta).  Group `swish`."""
    return _swish(x, beta), (x, beta)


@trusted
def swish_backward(dout: torch.Tensor, cache: tuple) -> torch.Tensor:
    """dx = dout · (σ(βx) + βx σ(βx)(1 − σ(βx))), by autograd.  dout like x -> dx like x."""
    x, beta = cache
    return _vjp(lambda t: _swish(t, beta), [x], dout)[0]


# ----------------------------------------------------------------- layers with learned parameters

def _prelu(x: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    # F.prelu wants a 1-D weight; a 0-dim alpha goes in as (1,), and autograd
    # carries its gradient back through the reshape to shape ().
    return F.prelu(x, alpha.reshape(1) if alpha.dim() == 0 else alpha)


@trusted
def prelu_forward(x: torch.Tensor, alpha: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """PReLU(x) = x if x > 0 else alpha_c · x, alpha_c shared by every entry of channel c.

    x (N, C, ...), alpha () or (C,) broadcast over dim 1 -> out like x;
    cache = (x, alpha).  Group `prelu`.
    """
    return _prelu(x, alpha), (x, alpha)


@trusted
def prelu_backward(dout: torch.Tensor, cache: tuple) -> tuple[torch.Tensor, torch.Tensor]:
    """dx = dout · (1 if x > 0 else alpha_c);  dalpha_c = Σ over positions of channel c with x ≤ 0 of dout · x.

    dout like x -> (dx like x, dalpha like alpha), by autograd.
    """
    x, alpha = cache
    return _vjp(_prelu, [x, alpha], dout)


def _maxout_pieces(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """z[j] = x @ W[j] + b[j] for every piece j: (k, N, M)."""
    return torch.matmul(x.unsqueeze(0), W) + b.unsqueeze(1)


def _first_argmax(z: torch.Tensor) -> torch.Tensor:
    """For each (n, m), the lowest j with z[j, n, m] equal to the max over j: (1, N, M).

    torch.max's index on ties is unspecified on CUDA; torch.argmax returns the
    first maximal index, so it is taken over an integer mask of the maxima.
    """
    is_max = (z == z.amax(dim=0, keepdim=True)).to(torch.int32)
    return torch.argmax(is_max, dim=0, keepdim=True)


@trusted
def maxout_forward(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """out[n, m] = max over j of (x @ W[j] + b[j])[n, m], ties going to the lowest j.

    x (N, D), W (k, D, M), b (k, M) -> out (N, M); cache = (x, W, b, winning index (1, N, M)).
    Group `maxout`.
    """
    z = _maxout_pieces(x, W, b)
    idx = _first_argmax(z)
    return z.gather(0, idx).squeeze(0), (x, W, b, idx)


@trusted
def maxout_backward(dout: torch.Tensor, cache: tuple) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Only the winning piece of each output gets its gradient, by autograd through the gather.

    dout (N, M) -> (dx (N, D), dW (k, D, M), db (k, M)).
    """
    x, W, b, idx = cache
    return _vjp(lambda x_, W_, b_: _maxout_pieces(x_, W_, b_).gather(0, idx).squeeze(0), [x, W, b], dout)


@trusted
def swiglu_forward(x: torch.Tensor, W: torch.Tensor, V: torch.Tensor, b: torch.Tensor, c: torch.Tensor,
                   beta: float = 1.0) -> torch.Tensor:
    """SwiGLU(x) = Swish_β(x W + b) ⊙ (x V + c): the Swish gate on the first branch only.

    x (N, D), W and V (D, H), b and c (H,) -> out (N, H), returned alone.  Group `swiglu`.
    """
    return _swish(x @ W + b, beta) * (x @ V + c)


@trusted
def dead_unit_fraction(preact: torch.Tensor) -> float:
    """Fraction of the H units whose pre-activation is ≤ 0 for all N inputs (a ReLU unit that
    never fires).  preact (N, H) -> Python float in [0, 1]; H = 0 gives 0.0.  Group `dead_units`."""
    if preact.dim() != 2:
        raise ValueError(f"preact should have shape (N, H), got {tuple(preact.shape)}")
    units = preact.shape[1]
    if units == 0:
        return 0.0
    dead = int((preact <= 0).all(dim=0).sum().item())
    return dead / units  # Python division: exact to double precision, whatever preact's dtype
