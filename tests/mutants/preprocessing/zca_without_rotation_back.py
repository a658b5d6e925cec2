"""zca_whiten returns the PCA-whitened data and never rotates it back with components.T."""
GROUP = "whiten"


def pca_whiten(X, mean, components, variances, eps=1e-5):
    return ((X - mean) @ components) / (variances + eps).sqrt()


def zca_whiten(X, mean, components, variances, eps=1e-5):
    return ((X - mean) @ components) / (variances + eps).sqrt()
