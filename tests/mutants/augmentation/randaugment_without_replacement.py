"""randaugment draws each image's n ops without replacement (a random permutation's first n), so no op repeats."""
import torch

GROUP = "randaugment"


def randaugment(images, n, m, ops=None, generator=None):
    fns = list(ops.values())          # (the default RANDAUGMENT_OPS is left out here)
    out = []
    for image in images:
        x = image[None]
        for k in torch.randperm(len(fns), generator=generator, device=images.device)[:n].tolist():
            x = fns[k](x, m)
        out.append(x[0])
    return torch.stack(out)
