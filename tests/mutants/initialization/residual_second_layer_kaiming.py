"""init_residual_mlp gives W2 the same Kaiming init as W1 instead of zeros, so variance doubles block after block."""
import math

import torch

GROUP = "residual_init"


def init_residual_mlp(num_blocks, width, generator=None):
    device = generator.device if generator is not None else "cpu"
    std = math.sqrt(2.0 / width)
    blocks = []
    for _ in range(num_blocks):
        W1 = torch.randn(width, width, generator=generator, dtype=torch.get_default_dtype(), device=device) * std
        W2 = torch.randn(width, width, generator=generator, dtype=torch.get_default_dtype(), device=device) * std
        blocks.append((W1, W2))
    return blocks
