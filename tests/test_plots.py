"""grader.plots: every function returns a Figure with the expected axes and survives unfinished work."""
import matplotlib

matplotlib.use("Agg")  # no display in tests

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from grader import plots  # noqa: E402
from grader.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def relu_forward(x):
    return x.clamp_min(0.0), x


def relu_backward(dout, cache):
    return dout * (cache > 0).to(dout.dtype)


def sigmoid_forward(x):
    out = 1.0 / (1.0 + torch.exp(-x))
    return out, out


def sigmoid_backward(dout, out):
    return dout * out * (1.0 - out)


def stub_forward(x):
    raise NotImplementedError()


def stub_backward(dout, cache):
    raise NotImplementedError()


def _history(name, acc_end):
    steps = list(range(1, 51))
    return History(name=name, steps=steps, train_loss=[2.0 / s for s in steps],
                   eval_steps=[10, 20, 30, 40, 50], val_acc=list(np.linspace(0.5, acc_end, 5)),
                   train_acc=list(np.linspace(0.5, acc_end, 5)), seconds=0.25)


def test_activation_grid_marks_the_students_gradient():
    fig = plots.activation_grid({"relu": (relu_forward, relu_backward),
                                 "sigmoid": (sigmoid_forward, sigmoid_backward),
                                 "stub": (stub_forward, stub_backward)}, ncols=2)
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    relu_ax, sigmoid_ax, stub_ax = fig.axes
    labels = [t.get_text() for t in relu_ax.texts]
    assert labels == ["0", "0", "1"]  # the slope at -10, 0 (negative side) and 10
    assert [t.get_text() for t in sigmoid_ax.texts] == ["4.54e-05", "0.25", "4.54e-05"]
    assert [t.get_text() for t in stub_ax.texts] == ["not implemented yet"]


def test_loss_curves_and_table():
    runs = [_history("relu", 0.95), _history("sigmoid", 0.8)]
    fig = plots.loss_curves(runs, smooth=5, title="digits")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[0].lines[0].get_xdata()) == 46
    table = plots.results_table({h.name: h for h in runs}, target_acc=0.9)
    lines = table.splitlines()
    assert len(lines) == 4 and len({len(line) for line in lines}) == 1  # aligned
    assert "50" in lines[2] and "0.950" in lines[2] and "never" in lines[3] and "0.25" in lines[3]


def test_layer_stats_plot():
    stats = {"selu": torch.tensor([[0.0, 1.0]] * 32), "relu": torch.rand(32, 2) + 0.01}
    fig = plots.layer_stats_plot(stats, title="deep net")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 3  # two nets and the reference line


def test_layer_histograms():
    acts = [torch.randn(100, 20) * s for s in (1.0, 0.5, 0.1)]
    fig = plots.layer_histograms(acts, title="tanh", range=(-2, 2))
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.axes[0].get_title().startswith("layer 1: mean")


def test_paths_2d():
    t = np.linspace(0, 1, 20)
    paths = {"positive": np.stack([t, -t], 1), "centred": torch.tensor(np.stack([t, t ** 2], 1))}
    fig = plots.paths_2d(paths, optimum=(1.0, -1.0), title="paths")
    assert isinstance(fig, Figure) and len(fig.axes) == 2


@pytest.mark.parametrize("channels", [1, 3])
def test_image_grid(channels):
    images = torch.rand(10, channels, 8, 8)
    fig = plots.image_grid(images, titles=[str(i) for i in range(10)], ncols=4)
    assert isinstance(fig, Figure) and len(fig.axes) == 10
    assert fig.axes[9].get_title() == "9"
