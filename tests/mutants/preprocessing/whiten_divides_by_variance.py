"""pca_whiten divides each projected coordinate by variance + eps instead of its square root."""
GROUP = "whiten"


def pca_whiten(X, mean, components, variances, eps=1e-5):
    return ((X - mean) @ components) / (variances + eps)


def zca_whiten(X, mean, components, variances, eps=1e-5):
    return pca_whiten(X, mean, components, variances, eps) @ components.T
