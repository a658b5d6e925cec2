"""calculate_gain treats tanh as linear near 0 and gives it gain 1 instead of 5/3."""
import math

GROUP = "gain"


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid", "tanh"):
        return 1.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1.0 + slope ** 2))
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"unknown nonlinearity {nonlinearity}")
