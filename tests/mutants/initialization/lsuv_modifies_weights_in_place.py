"""lsuv_init writes the orthonormalised, rescaled weights into the given tensors in place (and returns them)."""
import torch

GROUP = "lsuv"


def _orthonormal(W):
    tall = W.shape[0] >= W.shape[1]
    q, _ = torch.linalg.qr(W if tall else W.T)
    return q if tall else q.T


def lsuv_init(weights, x, activation, tol=0.05, max_iter=10):
    h = x
    for W in weights:
        W.data.copy_(_orthonormal(W.data))
        for _ in range(max_iter):
            std = (h @ W).std(correction=0).item()
            if std == 0 or abs(std - 1) <= tol:
                break
            W.data /= std
        h = activation(h @ W)
    return list(weights)
