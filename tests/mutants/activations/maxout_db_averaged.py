"""maxout_backward averages db over the batch (mean over N) where the gradient of a shared bias is a sum."""
import torch

GROUP = "maxout"


def maxout_forward(x, W, b):
    z = torch.stack([x @ W[j] + b[j] for j in range(W.shape[0])])  # (k, N, M)
    winner = torch.argmax(z, dim=0)
    best = torch.gather(z, 0, winner.unsqueeze(0)).squeeze(0)
    return best, (x, W, winner)


def maxout_backward(dout, cache):
    x, W, winner = cache
    dx, dW = torch.zeros_like(x), torch.zeros_like(W)
    db = torch.zeros(W.shape[0], W.shape[2], device=x.device, dtype=x.dtype)
    for j in range(W.shape[0]):
        g = dout * (winner == j).to(dout.dtype)
        dW[j] = x.t() @ g
        db[j] = g.mean(dim=0)
        dx = dx + g @ W[j].t()
    return dx, dW, db
