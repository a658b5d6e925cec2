"""lsuv_init rescales until the layer's output activation(h @ W) has std 1, not the pre-activation h @ W."""
import torch

GROUP = "lsuv"


def _orthonormal(W):
    tall = W.shape[0] >= W.shape[1]
    q, _ = torch.linalg.qr(W if tall else W.T)
    return q if tall else q.T


def lsuv_init(weights, x, activation, tol=0.05, max_iter=10):
    result = []
    h = x
    for W in weights:
        W = _orthonormal(W.clone())
        for _ in range(max_iter):
            std = activation(h @ W).std(correction=0).item()
            if std == 0 or abs(std - 1) <= tol:
                break
            W = W / std
        result.append(W)
        h = activation(h @ W)
    return result
