"""tta_predict averages the logits over the ten crops and then takes one softmax, instead of averaging the softmaxes."""
import torch

GROUP = "ten_crop"


def _ten_crop(image, size):
    C, H, W = image.shape
    top, left = (H - size) // 2, (W - size) // 2

    def five(img):
        return [img[:, :size, :size], img[:, :size, W - size:], img[:, H - size:, :size],
                img[:, H - size:, W - size:], img[:, top:top + size, left:left + size]]

    return torch.stack(five(image) + five(image.flip(-1)))


def tta_predict(model, images, size):
    N = images.shape[0]
    crops = torch.cat([_ten_crop(img, size) for img in images])
    with torch.no_grad():
        logits = model(crops)
    return torch.softmax(logits.reshape(N, 10, -1).mean(dim=1), dim=1)
