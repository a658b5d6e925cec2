"""orthogonal returns the orthonormal matrix but never multiplies it by gain."""
import math

import torch

GROUP = "orthogonal"


def orthogonal(shape, gain=1.0, generator=None):
    shape = tuple(shape)
    rows, cols = shape[0], math.prod(shape[1:])
    device = generator.device if generator is not None else "cpu"
    a = torch.randn(max(rows, cols), min(rows, cols), generator=generator, dtype=torch.get_default_dtype(),
                    device=device)
    q, r = torch.linalg.qr(a)
    q = q * torch.sign(torch.diagonal(r))
    if rows < cols:
        q = q.T
    return q.reshape(shape)
