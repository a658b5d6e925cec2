"""swiglu puts the Swish gate on xV + c and leaves xW + b linear: the two branches swapped."""
import torch

GROUP = "swiglu"


def swiglu_forward(x, W, V, b, c, beta=1.0):
    gate = x @ V + c
    e = torch.exp(-(beta * gate).abs())
    s = torch.where(beta * gate >= 0, 1 / (1 + e), e / (1 + e))
    return gate * s * (x @ W + b)
