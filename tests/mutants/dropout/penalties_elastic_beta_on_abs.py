"""elastic_net_penalty puts β on the L1 term: reg · Σ(W² + β|W|) instead of reg · Σ(β W² + |W|)."""
import torch

GROUP = "penalties"


def l2_penalty(W, reg):
    return reg * (W * W).sum(), 2 * reg * W


def l1_penalty(W, reg):
    return reg * W.abs().sum(), reg * torch.sign(W)


def elastic_net_penalty(W, reg, beta):
    return reg * ((W * W).sum() + beta * W.abs().sum()), reg * (2 * W + beta * torch.sign(W))
