"""init_residual_mlp draws W1 with std √(1 / width), LeCun's, forgetting ReLU's gain √2."""
import math

import torch

GROUP = "residual_init"


def init_residual_mlp(num_blocks, width, generator=None):
    device = generator.device if generator is not None else "cpu"
    blocks = []
    for _ in range(num_blocks):
        W1 = torch.randn(width, width, generator=generator, dtype=torch.get_default_dtype(), device=device)
        W1 = W1 / math.sqrt(width)
        blocks.append((W1, torch.zeros_like(W1)))
    return blocks
