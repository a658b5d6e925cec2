"""λ is drawn from U(0, 1) whatever α is, instead of from Beta(α, α)."""
import torch

GROUP = "mixup"


def mixup(x, y, alpha, generator=None):
    lam = torch.rand((), generator=generator, device=x.device, dtype=torch.float64).item()
    perm = torch.randperm(x.shape[0], generator=generator, device=x.device)
    return lam * x + (1 - lam) * x[perm], lam * y + (1 - lam) * y[perm], lam, perm
