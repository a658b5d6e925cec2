"""random_erasing skips an image when u < p, so it erases with probability 1 − p."""
import math

import torch

GROUP = "cutout"


def random_erasing(images, p=0.5, scale=(0.02, 0.33), ratio=(0.3, 3.3), value="zero", generator=None):
    N, C, H, W = images.shape
    dev = images.device
    out = images.clone()

    def uniform():
        return torch.rand(1, generator=generator, device=dev).item()

    for n in range(N):
        if uniform() < p:
            continue
        for _ in range(10):
            area = H * W * (scale[0] + (scale[1] - scale[0]) * uniform())
            r = math.exp(math.log(ratio[0]) + (math.log(ratio[1]) - math.log(ratio[0])) * uniform())
            h, w = round(math.sqrt(area * r)), round(math.sqrt(area / r))
            if 1 <= h <= H and 1 <= w <= W:
                top = int(torch.randint(0, H - h + 1, (1,), generator=generator, device=dev))
                left = int(torch.randint(0, W - w + 1, (1,), generator=generator, device=dev))
                if value == "zero":
                    fill = torch.zeros(C, 1, 1, dtype=images.dtype, device=dev)
                elif value == "mean":
                    fill = images[n].mean(dim=(1, 2))[:, None, None]
                else:
                    fill = torch.rand(C, h, w, generator=generator, device=dev).to(images.dtype)
                out[n, :, top:top + h, left:left + w] = fill
                break
    return out
