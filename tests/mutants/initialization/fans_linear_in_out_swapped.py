"""compute_fans reads the lecture's (D_in, D_out) layout: fan_in = shape[0], fan_out = shape[1].

For torch's (out, in) weights the two fans come out swapped (times the kernel size for a conv).
"""
import math

GROUP = "fans"


def compute_fans(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError("need at least 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[0] * receptive, shape[1] * receptive
