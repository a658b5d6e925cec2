"""channel_stats averages over the N images only, giving per-pixel (C, H, W) statistics, not one per channel."""
GROUP = "image_stats"


def mean_image(X):
    return X.mean(dim=0)


def channel_stats(X):
    return X.mean(dim=0), X.std(dim=0, correction=0)


def normalize_channels(X, mean, std):
    if mean.dim() == 1:
        mean, std = mean[:, None, None], std[:, None, None]
    return (X - mean) / std
