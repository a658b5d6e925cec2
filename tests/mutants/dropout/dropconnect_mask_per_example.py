"""DropConnect with a fresh mask of W for every example (a (N, D, M) mask) instead of one mask per
call shared by the batch: identical inputs in one batch get different outputs."""
import torch

GROUP = "dropconnect"


def dropconnect_forward(x, W, b, p, train=True, generator=None):
    N = x.shape[0]
    if not train:
        masks = torch.ones((N,) + tuple(W.shape), dtype=W.dtype, device=W.device)
    elif p == 1:
        masks = torch.zeros((N,) + tuple(W.shape), dtype=W.dtype, device=W.device)
    else:
        keep = torch.rand((N,) + tuple(W.shape), generator=generator, device=W.device) >= p
        masks = keep.to(W.dtype) / (1 - p)
    Ws = W * masks                                  # (N, D, M): one masked W per example
    out = torch.einsum("nd,ndm->nm", x, Ws) + b
    return out, (x, Ws, masks)


def dropconnect_backward(dout, cache):
    x, Ws, masks = cache
    dx = torch.einsum("nm,ndm->nd", dout, Ws)
    dW = torch.einsum("nd,nm,ndm->dm", x, dout, masks)
    return dx, dW, dout.sum(0)
