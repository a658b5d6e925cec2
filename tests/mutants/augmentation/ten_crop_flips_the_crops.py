"""The last five are the first five crops mirrored, not the five crops of the mirrored image
(so the mirrored top-left comes from the original's top-left corner, not its top-right)."""
import torch

GROUP = "ten_crop"


def ten_crop(image, size):
    C, H, W = image.shape
    top, left = (H - size) // 2, (W - size) // 2
    five = [image[:, :size, :size], image[:, :size, W - size:], image[:, H - size:, :size],
            image[:, H - size:, W - size:], image[:, top:top + size, left:left + size]]
    return torch.stack(five + [c.flip(-1) for c in five])
