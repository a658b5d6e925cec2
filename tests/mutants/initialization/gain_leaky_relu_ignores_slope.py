"""calculate_gain gives leaky_relu ReLU's √2 whatever the slope, instead of √(2 / (1 + slope²))."""
import math

GROUP = "gain"


def calculate_gain(nonlinearity, param=None):
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                        "conv_transpose3d", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity in ("relu", "leaky_relu"):
        return math.sqrt(2.0)
    if nonlinearity == "selu":
        return 0.75
    raise ValueError(f"unknown nonlinearity {nonlinearity}")
