"""randaugment draws one list of n ops and applies it to the whole batch, instead of drawing per image."""
import torch

GROUP = "randaugment"


def randaugment(images, n, m, ops=None, generator=None):
    fns = list(ops.values())          # (the default RANDAUGMENT_OPS is left out here)
    x = images
    for k in torch.randint(0, len(fns), (n,), generator=generator, device=images.device).tolist():
        x = fns[k](x, m)
    return x
