"""channel_stats uses the unbiased std (N·H·W − 1) instead of the population std."""
GROUP = "image_stats"


def mean_image(X):
    return X.mean(dim=0)


def channel_stats(X):
    return X.mean(dim=(0, 2, 3)), X.std(dim=(0, 2, 3))


def normalize_channels(X, mean, std):
    return (X - mean[None, :, None, None]) / std[None, :, None, None]
