"""fit_standardizer averages over dim 1 (one value per example) instead of dim 0 (one value per feature)."""
GROUP = "standardize"


def fit_standardizer(X, eps=1e-8):
    return X.mean(dim=1), X.std(dim=1, correction=0) + eps


def standardize(X, mean, std):
    return (X - mean) / std
