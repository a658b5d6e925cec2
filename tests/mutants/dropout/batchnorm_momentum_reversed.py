"""The momentum convention reversed (Keras' instead of torch's): running = m · running + (1 − m) · batch,
so with m = 0.1 the running statistics jump almost all the way to the last batch."""
import torch

GROUP = "batchnorm"


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.1)
    N, D = x.shape
    running_mean = bn_param.setdefault("running_mean", torch.zeros(D, dtype=x.dtype, device=x.device))
    running_var = bn_param.setdefault("running_var", torch.ones(D, dtype=x.dtype, device=x.device))
    if mode == "train":
        if N < 2:
            raise ValueError("train mode needs N >= 2")
        mu = x.mean(0)
        var = ((x - mu) ** 2).mean(0)
        running_mean.mul_(momentum).add_((1 - momentum) * mu)
        running_var.mul_(momentum).add_((1 - momentum) * var * N / (N - 1))
    else:
        mu, var = running_mean, running_var
    std = torch.sqrt(var + eps)
    xhat = (x - mu) / std
    return gamma * xhat + beta, (xhat, gamma, std, mode)


def batchnorm_backward(dout, cache):
    xhat, gamma, std, mode = cache
    dxhat = dout * gamma
    if mode == "train":
        dx = (dxhat - dxhat.mean(0) - xhat * (dxhat * xhat).mean(0)) / std
    else:
        dx = dxhat / std
    return dx, (dout * xhat).sum(0), dout.sum(0)
