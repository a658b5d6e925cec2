"""mean_image averages over images and pixels, returning one value per channel (C,) instead of a (C, H, W) image."""
GROUP = "image_stats"


def mean_image(X):
    return X.mean(dim=(0, 2, 3))


def channel_stats(X):
    return X.mean(dim=(0, 2, 3)), X.std(dim=(0, 2, 3), correction=0)


def normalize_channels(X, mean, std):
    return (X - mean[None, :, None, None]) / std[None, :, None, None]
