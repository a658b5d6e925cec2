"""The centre crop's offsets round up, (H − size + 1) // 2, instead of (H − size) // 2."""
import torch

GROUP = "ten_crop"


def ten_crop(image, size):
    C, H, W = image.shape
    top, left = (H - size + 1) // 2, (W - size + 1) // 2

    def five(img):
        return [img[:, :size, :size], img[:, :size, W - size:], img[:, H - size:, :size],
                img[:, H - size:, W - size:], img[:, top:top + size, left:left + size]]

    return torch.stack(five(image) + five(image.flip(-1)))
