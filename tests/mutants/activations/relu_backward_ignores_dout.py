"""relu_backward returns the local gradient [x > 0] and never multiplies by dout."""
GROUP = "relu"


def relu_forward(x):
    return x * (x > 0).to(x.dtype), x


def relu_backward(dout, cache):
    x = cache
    return (x > 0).to(dout.dtype)
