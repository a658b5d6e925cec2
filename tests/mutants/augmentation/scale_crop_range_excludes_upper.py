"""L is drawn with torch.randint(lo, hi), so the upper end of the inclusive short-side range never occurs."""
import torch
import torch.nn.functional as F

GROUP = "scale_crop"


def random_scale_crop(image, short_side_range, crop, generator=None):
    C, H, W = image.shape
    lo, hi = short_side_range
    L = int(torch.randint(lo, hi, (1,), generator=generator, device=image.device))
    size = (L, round(W * L / H)) if H <= W else (round(H * L / W), L)
    resized = F.interpolate(image[None], size=size, mode="bilinear", align_corners=False, antialias=False)[0]
    top = int(torch.randint(0, size[0] - crop + 1, (1,), generator=generator, device=image.device))
    left = int(torch.randint(0, size[1] - crop + 1, (1,), generator=generator, device=image.device))
    return resized[:, top:top + crop, left:left + crop]
