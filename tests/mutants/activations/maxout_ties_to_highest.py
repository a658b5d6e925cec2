"""maxout keeps the running max with >=, so an exact tie goes to the highest k instead of the lowest."""
import torch

GROUP = "maxout"


def maxout_forward(x, W, b):
    best = x @ W[0] + b[0]
    winner = torch.zeros(best.shape, dtype=torch.long, device=x.device)
    for j in range(1, W.shape[0]):
        z = x @ W[j] + b[j]
        take = z >= best
        best = torch.where(take, z, best)
        winner = torch.where(take, torch.full_like(winner, j), winner)
    return best, (x, W, winner)


def maxout_backward(dout, cache):
    x, W, winner = cache
    dx, dW = torch.zeros_like(x), torch.zeros_like(W)
    db = torch.zeros(W.shape[0], W.shape[2], device=x.device, dtype=x.dtype)
    for j in range(W.shape[0]):
        g = dout * (winner == j).to(dout.dtype)
        dW[j] = x.t() @ g
        db[j] = g.sum(dim=0)
        dx = dx + g @ W[j].t()
    return dx, dW, db
