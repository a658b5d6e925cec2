"""smooth_labels gives the correct class 1 − ε and every class ε/K on top of the zeros of the others,
forgetting that the correct class's own ε/K share comes out of the ε: rows sum to 1 − ε/K."""
import torch

GROUP = "label_smoothing"


def smooth_labels(y, num_classes, eps):
    onehot = torch.zeros(y.shape[0], num_classes, dtype=torch.get_default_dtype(), device=y.device)
    onehot[torch.arange(y.shape[0], device=y.device), y] = 1.0
    return torch.where(onehot == 1, torch.full_like(onehot, 1 - eps), torch.full_like(onehot, eps / num_classes))


def soft_cross_entropy(logits, targets):
    N = logits.shape[0]
    z = logits - logits.max(dim=1, keepdim=True).values
    log_probs = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    return -(targets * log_probs).sum() / N, (torch.exp(log_probs) - targets) / N
