"""The gradient of abs is written W / |W|, which is 0 / 0 = nan where a weight is exactly 0 (it should be 0)."""

GROUP = "penalties"


def l2_penalty(W, reg):
    return reg * (W * W).sum(), 2 * reg * W


def l1_penalty(W, reg):
    return reg * W.abs().sum(), reg * W / W.abs()


def elastic_net_penalty(W, reg, beta):
    return reg * (beta * (W * W).sum() + W.abs().sum()), reg * (2 * beta * W + W / W.abs())
