"""smooth_labels keeps 1 − ε for the correct class and spreads ε over the K − 1 others (ε/(K − 1) each):
rows sum to 1, but it is not the catalogue's (and torch's) uniform mixture (1 − ε)·onehot + ε/K."""
import torch

GROUP = "label_smoothing"


def smooth_labels(y, num_classes, eps):
    t = torch.full((y.shape[0], num_classes), eps / (num_classes - 1), dtype=torch.get_default_dtype(),
                   device=y.device)
    t[torch.arange(y.shape[0], device=y.device), y] = 1 - eps
    return t


def soft_cross_entropy(logits, targets):
    N = logits.shape[0]
    z = logits - logits.max(dim=1, keepdim=True).values
    log_probs = z - torch.log(torch.exp(z).sum(dim=1, keepdim=True))
    return -(targets * log_probs).sum() / N, (torch.exp(log_probs) - targets) / N
