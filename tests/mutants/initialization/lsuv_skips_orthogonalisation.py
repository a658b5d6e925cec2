"""lsuv_init only rescales the given weights, skipping the orthogonalisation that comes first."""
GROUP = "lsuv"


def lsuv_init(weights, x, activation, tol=0.05, max_iter=10):
    result = []
    h = x
    for W in weights:
        W = W.clone()
        for _ in range(max_iter):
            std = (h @ W).std(correction=0).item()
            if std == 0 or abs(std - 1) <= tol:
                break
            W = W / std
        result.append(W)
        h = activation(h @ W)
    return result
