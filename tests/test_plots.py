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


def test_image_grid_takes_a_list_of_images_of_different_sizes():
    images = [torch.rand(3, 20, 30), torch.rand(3, 12, 12) * 3 - 1, torch.rand(1, 8, 8)]
    fig = plots.image_grid(images, ncols=2, panel=(2.0, 2.0))
    assert len(fig.axes) == 3 and tuple(fig.get_size_inches()) == (4.0, 4.0)
    shown = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert [a.shape[:2] for a in shown] == [(20, 30), (12, 12), (8, 8)]
    assert shown[1].min() >= 0 and shown[1].max() <= 1         # clipped for display


def test_scatter_row_shares_limits_that_include_the_origin():
    cloud = torch.randn(50, 2) + torch.tensor([5.0, 3.0])
    fig = plots.scatter_row({"original": cloud, "centred": cloud - cloud.mean(dim=0)}, title="row")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    first, second = fig.axes
    assert first.get_xlim() == second.get_xlim() and first.get_ylim() == second.get_ylim()
    (x0, x1), (y0, y1) = first.get_xlim(), first.get_ylim()
    assert x0 < 0 < x1 and y0 < 0 < y1 and x1 > cloud[:, 0].max() and y1 > cloud[:, 1].max()
    assert first.get_aspect() == 1.0
    assert len(first.collections) == 1 and first.get_legend() is None


def test_scatter_row_labels_and_boundaries():
    points = torch.tensor([[1.0, 1.0], [2.0, 2.0], [-1.0, 0.5], [0.0, -2.0]])
    labels = torch.tensor([0, 1, 0, 1])
    lines = torch.tensor([[1.0, -1.0, 0.0], [1.0, -0.9, 0.1], [0.0, 1.0, -0.5]])  # y = x, a copy, y = 0.5
    fig = plots.scatter_row({"a": points, "b": 2 * points}, labels=labels, label_names=["no", "yes"],
                            boundaries={"a": lines})
    ax_a, ax_b = fig.axes
    assert len(ax_a.collections) == 2  # one scatter per label
    assert [t.get_text() for t in ax_a.get_legend().get_texts()] == ["no", "yes"]
    drawn = [line for line in ax_a.lines if line.get_linewidth() in (0.6, 1.6)]  # not the axes at 0 (0.8)
    assert len(drawn) == 3 and drawn[0].get_linewidth() == 1.6  # row 0 bold, the others thin
    xs, ys = drawn[0].get_data()
    np.testing.assert_allclose(ys, xs)  # the line y = x, across the box
    xs, ys = drawn[2].get_data()
    np.testing.assert_allclose(ys, [0.5, 0.5])
    assert ax_a.get_xlim() == ax_b.get_xlim()
    assert not [line for line in ax_b.lines if line.get_linewidth() in (0.6, 1.6)]


def test_contour_paths_draws_a_loss_and_a_path_per_panel():
    H = torch.tensor([[2.0, 1.5], [1.5, 2.0]], dtype=torch.float64)
    optimum = torch.tensor([1.0, -1.0], dtype=torch.float64)

    def loss(W):
        d = W - optimum
        return 0.5 * ((d @ H) * d).sum(dim=1)

    path = torch.stack([optimum + torch.tensor([-2.0, 1.0], dtype=torch.float64) * 0.7 ** t for t in range(10)])
    fig = plots.contour_paths({"narrow": (loss, path), "round": (lambda W: ((W - optimum) ** 2).sum(dim=1), path)},
                              optimum=optimum, title="paths")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    for ax in fig.axes:
        assert ax.collections  # the contour set
        assert ax.get_xlim() == fig.axes[0].get_xlim() and ax.get_ylim() == fig.axes[0].get_ylim()
        x0, x1 = ax.get_xlim()
        assert x0 < -1.0 and x1 > 1.0  # the whole path (from w1 = -1) and the optimum are inside
    fig = plots.contour_paths({"given": (loss, path)}, limits=((-5, 5), (-4, 4)))
    assert fig.axes[0].get_xlim() == (-5.0, 5.0)


def test_spread_curves_median_and_band():
    x = np.array([0.01, 0.1, 1.0])
    repeats = torch.arange(101, dtype=torch.float64)[:, None] * torch.tensor([1.0, 2.0, 3.0])  # (101, 3)
    fig = plots.spread_curves(x, {"grows": repeats, "flat": torch.ones(101, 3)}, xlabel="size", ylabel="loss",
                              logx=True, baseline=1.0, title="spread")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [50.0, 100.0, 150.0])  # the medians
    assert len(ax.collections) == 2 and ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["grows (median)", "flat (median)", "unperturbed"]


def test_image_stats_row_rescales_only_images_outside_the_unit_range():
    image = torch.rand(3, 16, 20)
    normalised = (image - 0.5) / 0.1
    fig = plots.image_stats_row({"photo": image, "normalised": normalised, "grey": image[:1]}, title="stats")
    assert isinstance(fig, Figure) and len(fig.axes) == 6
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["photo", "normalised\n(rescaled to show)", "grey"]
    shown = fig.axes[1].get_images()[0].get_array()  # row 1: the images, row 2: their histograms
    assert shown.min() >= 0.0 and shown.max() <= 1.0 and shown.shape == (16, 20, 3)
    assert fig.axes[2].get_images()[0].get_array().shape == (16, 20)  # one channel: grey
    legend = [t.get_text() for t in fig.axes[4].get_legend().get_texts()]  # the normalised image's
    means = normalised.mean(dim=(1, 2))
    assert legend[0].startswith(f"{means[0]:+.2f}") and len(legend) == 3


def test_train_val_curves_draws_train_solid_and_validation_dashed():
    run = {"steps": [1, 2, 3], "train_acc": [0.5, 0.7, 0.9], "val_acc": [0.4, 0.6, 0.7],
           "train_loss": [1.0, 0.5, 0.2], "val_loss": [1.1, 0.7, 0.6]}
    fig = plots.train_val_curves({"a": run, "b": run}, title="t")
    acc, loss = fig.axes
    assert [line.get_linestyle() for line in acc.lines] == ["-", "--", "-", "--"]
    assert loss.get_yscale() == "log"
    plt.close(fig)


def test_grouped_bars_makes_one_bar_per_series_and_group():
    fig = plots.grouped_bars({"x": [1.0, 2.0, 3.0], "y": [0.5, 0.2, 0.1]}, ["g1", "g2", "g3"], ylabel="v",
                             baseline=1.0)
    (ax,) = fig.axes
    assert len(ax.patches) == 6
    plt.close(fig)


def test_grouped_bars_zoom_and_size():
    fig = plots.grouped_bars({"x": [0.91, 0.93]}, ["g1", "g2"], ylabel="v", ylim=(0.9, 0.95), figsize=(5.0, 3.0))
    (ax,) = fig.axes
    assert ax.get_ylim() == (0.9, 0.95) and tuple(fig.get_size_inches()) == (5.0, 3.0)
    plt.close(fig)
