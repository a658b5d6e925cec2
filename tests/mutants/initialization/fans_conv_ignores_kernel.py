"""compute_fans returns (shape[1], shape[0]) for every shape, leaving out the kernel size of a convolution."""
GROUP = "fans"


def compute_fans(shape):
    shape = tuple(int(s) for s in shape)
    if len(shape) < 2:
        raise ValueError("need at least 2 dimensions")
    return shape[1], shape[0]
