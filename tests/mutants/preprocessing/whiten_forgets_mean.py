"""pca_whiten (and so zca_whiten) projects X without subtracting the mean."""
GROUP = "whiten"


def pca_whiten(X, mean, components, variances, eps=1e-5):
    return (X @ components) / (variances + eps).sqrt()


def zca_whiten(X, mean, components, variances, eps=1e-5):
    return pca_whiten(X, mean, components, variances, eps) @ components.T
