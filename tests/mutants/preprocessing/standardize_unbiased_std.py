"""fit_standardizer uses the unbiased std (divides by N − 1) instead of the population std."""
GROUP = "standardize"


def fit_standardizer(X, eps=1e-8):
    return X.mean(dim=0), X.std(dim=0) + eps


def standardize(X, mean, std):
    return (X - mean) / std
