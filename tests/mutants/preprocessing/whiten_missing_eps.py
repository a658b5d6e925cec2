"""pca_whiten and zca_whiten ignore eps and divide by sqrt(variance) alone."""
GROUP = "whiten"


def pca_whiten(X, mean, components, variances, eps=1e-5):
    return ((X - mean) @ components) / variances.sqrt()


def zca_whiten(X, mean, components, variances, eps=1e-5):
    return pca_whiten(X, mean, components, variances, eps) @ components.T
