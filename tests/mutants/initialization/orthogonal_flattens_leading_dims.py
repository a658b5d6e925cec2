"""orthogonal views the weight as (prod(shape[:-1]), shape[-1]), not (shape[0], prod(shape[1:])).

Right for 2-D shapes; a conv kernel comes out orthonormal in the wrong view.
"""
import math

import torch

GROUP = "orthogonal"


def orthogonal(shape, gain=1.0, generator=None):
    shape = tuple(shape)
    rows, cols = math.prod(shape[:-1]), shape[-1]
    device = generator.device if generator is not None else "cpu"
    a = torch.randn(max(rows, cols), min(rows, cols), generator=generator, dtype=torch.get_default_dtype(),
                    device=device)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape)
