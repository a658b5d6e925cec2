"""randaugment passes a fixed magnitude of 10 to every op instead of the requested m."""
import torch

GROUP = "randaugment"


def randaugment(images, n, m, ops=None, generator=None):
    fns = list(ops.values())          # (the default RANDAUGMENT_OPS is left out here)
    out = []
    for image in images:
        x = image[None]
        for k in torch.randint(0, len(fns), (n,), generator=generator, device=images.device).tolist():
            x = fns[k](x, 10)
        out.append(x[0])
    return torch.stack(out)
