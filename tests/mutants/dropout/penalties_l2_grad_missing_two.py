"""l2_penalty's gradient is reg · W: the factor 2 from d(W²)/dW = 2W is forgotten (elastic net's too)."""
import torch

GROUP = "penalties"


def l2_penalty(W, reg):
    return reg * (W * W).sum(), reg * W


def l1_penalty(W, reg):
    return reg * W.abs().sum(), reg * torch.sign(W)


def elastic_net_penalty(W, reg, beta):
    return reg * (beta * (W * W).sum() + W.abs().sum()), reg * (beta * W + torch.sign(W))
