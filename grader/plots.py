"""The figures the notebooks share.

Every function builds its figure with ``plt.subplots`` and returns it; none calls
``plt.show`` and importing this module changes no matplotlib setting.
"""
from __future__ import annotations

import math
from typing import Callable, Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = [
    "activation_grid",
    "contour_paths",
    "image_grid",
    "image_stats_row",
    "layer_histograms",
    "layer_stats_plot",
    "loss_curves",
    "paths_2d",
    "results_table",
    "scatter_row",
    "spread_curves", "train_val_curves", "grouped_bars"]


def _grid(n: int, ncols: int, panel=(3.2, 2.6), **kwargs) -> tuple[Figure, list]:
    """A figure with exactly ``n`` axes laid out on ``ncols`` columns (spare cells removed)."""
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows),
                             squeeze=False, **kwargs)
    flat = list(axes.ravel())
    for ax in flat[n:]:
        fig.delaxes(ax)
    return fig, flat[:n]


def _numpy(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().to("cpu", torch.float64).numpy()
    return np.asarray(t, dtype=np.float64)


# ---------------------------------------------------------------------------
# activations


def _value_and_slope(forward: Callable, backward: Callable, x: torch.Tensor):
    """f(x) and f'(x), the slope taken from the given backward with dout = 1."""
    out, cache = forward(x)
    dx = backward(torch.ones_like(out), cache)
    return _numpy(out), _numpy(dx)


def activation_grid(pairs: Mapping[str, tuple[Callable, Callable]], *, x_range=(-10, 10),
                    marks=(-10.0, 0.0, 10.0), ncols: int = 4) -> Figure:
    """One panel per activation: f(x) (solid) and f'(x) (dashed) on ``x_range``.

    f'(x) is what the given backward returns for dout = 1, so the plot shows the
    gradient as implemented. The slope at each of ``marks`` is dotted and written
    out. A pair that raises NotImplementedError gets a "not implemented yet" panel.
    """
    if not pairs:
        raise ValueError("activation_grid: no activations given")
    fig, axes = _grid(len(pairs), ncols)
    x = torch.linspace(float(x_range[0]), float(x_range[1]), 801, dtype=torch.float64)
    at = torch.tensor(marks, dtype=torch.float64)
    for ax, (name, (forward, backward)) in zip(axes, pairs.items()):
        ax.set_title(name)
        try:
            f, slope = _value_and_slope(forward, backward, x)
            _, slope_at = _value_and_slope(forward, backward, at)
        except NotImplementedError:
            ax.text(0.5, 0.5, "not implemented yet", ha="center", va="center",
                    transform=ax.transAxes, color="grey")
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.axhline(0.0, color="0.8", lw=0.8)
        ax.axvline(0.0, color="0.8", lw=0.8)
        ax.plot(x.numpy(), f, label="f(x)")
        ax.plot(x.numpy(), slope, "--", label="f'(x)")
        ax.plot(at.numpy(), slope_at, "o", color="C3", ms=4)
        for xm, g in zip(at.tolist(), slope_at.tolist()):
            # keep the labels at the edges inside the panel
            ha = "left" if xm <= x_range[0] else "right" if xm >= x_range[1] else "center"
            ax.annotate(f"{g:.3g}", (xm, g), textcoords="offset points", xytext=(0, 6),
                        ha=ha, fontsize=8, color="C3")
        ax.set_xlim(*x_range)
        ax.margins(y=0.2)  # room for the slope labels above the curves
        if not any(a.get_legend() for a in axes):  # one legend, on the first drawn panel
            ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# training runs


def _as_dict(histories) -> dict:
    if isinstance(histories, Mapping):
        return dict(histories)
    return {h.name: h for h in histories}


def _moving_average(values: Sequence[float], window: int) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if window <= 1 or len(values) < window:
        return values
    return np.convolve(values, np.ones(window) / window, mode="valid")


def loss_curves(histories, *, smooth: int = 10, title: str | None = None) -> Figure:
    """Left: training loss (moving average over ``smooth`` steps, log scale). Right: validation accuracy."""
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for name, h in _as_dict(histories).items():
        loss = _moving_average(h.train_loss, smooth)
        steps = np.asarray(h.steps)[len(h.steps) - len(loss):]  # each average ends at its last step
        ax_loss.plot(steps, loss, label=name)
        ax_acc.plot(h.eval_steps, h.val_acc, label=name)
    ax_loss.set(yscale="log", xlabel="step", ylabel=f"training loss (mean of {smooth} steps)")
    ax_acc.set(xlabel="step", ylabel="validation accuracy")
    ax_acc.legend(fontsize=8)
    for ax in (ax_loss, ax_acc):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def results_table(histories, *, target_acc: float) -> str:
    """An aligned text table: name, steps to ``target_acc``, final validation accuracy, seconds."""
    rows = [("name", f"steps to {target_acc:.0%}", "final val acc", "seconds")]
    for name, h in _as_dict(histories).items():
        reached = h.steps_to(target_acc)
        rows.append((name, "never" if reached is None else str(reached),
                     f"{h.final_val_acc:.3f}", f"{h.seconds:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = []
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# activation statistics


def layer_stats_plot(stats: Mapping[str, torch.Tensor], *, title: str | None = None) -> Figure:
    """Mean (left) and std (right, log scale) of the activations per layer.

    ``stats[name]`` is ``(L, 2)``: column 0 the mean, column 1 the std of layer
    1..L. Dotted lines mark mean 0 and std 1.
    """
    fig, (ax_mean, ax_std) = plt.subplots(1, 2, figsize=(11, 4))
    for name, s in stats.items():
        s = _numpy(s)
        layers = np.arange(1, len(s) + 1)
        ax_mean.plot(layers, s[:, 0], marker=".", label=name)
        ax_std.plot(layers, s[:, 1], marker=".", label=name)
    ax_mean.axhline(0.0, color="k", ls=":", lw=1)
    ax_std.axhline(1.0, color="k", ls=":", lw=1)
    ax_mean.set(xlabel="layer", ylabel="mean of activations")
    ax_std.set(xlabel="layer", ylabel="std of activations", yscale="log")
    ax_mean.legend(fontsize=8)
    for ax in (ax_mean, ax_std):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def layer_histograms(activations: Sequence[torch.Tensor], *, title: str | None = None,
                     bins: int = 50, range=None) -> Figure:
    """One histogram per layer, one layer per row, titled with its index, mean and std."""
    fig, axes = _grid(len(activations), 1, panel=(6, 1.6), sharex=range is not None)
    for i, (ax, a) in enumerate(zip(axes, activations), start=1):
        values = _numpy(a).ravel()
        ax.hist(values, bins=bins, range=range, color="C0")
        ax.set_title(f"layer {i}: mean {values.mean():+.3f}, std {values.std():.3f}", fontsize=9)
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# optimisation paths and images


def paths_2d(paths: Mapping[str, np.ndarray], *, optimum=None, title: str | None = None) -> Figure:
    """One panel per path of a 2-D parameter ``(T, 2)``: start (circle), end (square), optimum (star)."""
    fig, axes = _grid(len(paths), len(paths), panel=(4.5, 4.2))
    for ax, (name, path) in zip(axes, paths.items()):
        path = _numpy(path)
        ax.plot(path[:, 0], path[:, 1], "-", lw=0.8, marker=".", ms=3)
        ax.plot(*path[0], "o", color="C2", ms=8, label="start")
        ax.plot(*path[-1], "s", color="C3", ms=7, label="end")
        if optimum is not None:
            ax.plot(*_numpy(optimum), "*", color="gold", mec="k", ms=15, label="optimum")
        ax.set(title=name, xlabel="$w_1$", ylabel="$w_2$", aspect="equal")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def image_grid(images: torch.Tensor, *, titles: Sequence[str] | None = None, ncols: int = 8) -> Figure:
    """Images ``(N, C, H, W)`` in [0, 1] (C = 1 grey, C = 3 colour) on a grid, one axes each."""
    images = _numpy(images).clip(0.0, 1.0)
    fig, axes = _grid(len(images), ncols, panel=(1.6, 1.7))
    for i, (ax, img) in enumerate(zip(axes, images)):
        if img.shape[0] == 1:
            ax.imshow(img[0], cmap="gray", vmin=0.0, vmax=1.0)
        else:
            ax.imshow(img.transpose(1, 2, 0))
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
        ax.axis("off")
    fig.tight_layout()
    return fig



def contour_paths(panels: Mapping[str, tuple[Callable, np.ndarray]], *, optimum=None,
                  limits=None, levels: int = 12, title: str | None = None) -> Figure:
    """:func:`paths_2d` drawn over the contour lines of a loss of the two weights.

    ``panels[name] = (loss, path)``: ``loss`` maps a float64 tensor ``(M, 2)`` of weight
    pairs to ``(M,)`` losses, ``path`` is ``(T, 2)``. Every panel has the same
    ``limits`` ``((w1_min, w1_max), (w2_min, w2_max))``, by default a box around all
    paths and the optimum, so the shapes of the valleys compare. The contour levels are
    spaced geometrically above the lowest loss on the grid, so the floor of a narrow
    valley shows as well as its walls.
    """
    paths = {name: _numpy(path) for name, (_, path) in panels.items()}
    fig = paths_2d(paths, optimum=optimum, title=title)
    if limits is None:
        points = np.concatenate([*paths.values(), *([_numpy(optimum)[None]] if optimum is not None else [])])
        lo, hi = points.min(axis=0), points.max(axis=0)
        pad = 0.15 * (hi - lo).max() + 1e-9
        limits = ((lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad))
    w1 = torch.linspace(float(limits[0][0]), float(limits[0][1]), 161, dtype=torch.float64)
    w2 = torch.linspace(float(limits[1][0]), float(limits[1][1]), 161, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(w1, w2, indexing="xy"), dim=-1)  # (161, 161, 2): row i has w2[i]
    for ax, (loss, _) in zip(fig.axes, panels.values()):
        values = _numpy(loss(grid.reshape(-1, 2))).reshape(grid.shape[:2])
        low, high = values.min(), values.max()
        ax.contour(w1.numpy(), w2.numpy(), values, colors="0.6", linewidths=0.7, zorder=0,
                   levels=low + (high - low) * np.geomspace(1e-3, 1.0, levels))
        ax.set(xlim=limits[0], ylim=limits[1])
    return fig


# ---------------------------------------------------------------------------
# repeated measurements


def spread_curves(x, curves: Mapping[str, torch.Tensor], *, xlabel: str, ylabel: str,
                  logx: bool = False, logy: bool = False, baseline: float | None = None,
                  title: str | None = None) -> Figure:
    """Curves measured over repeats: the median and the band from the 10th to the 90th percentile.

    ``curves[name]`` is ``(R, S)``: R repeats (random directions, seeds) of a quantity
    measured at the S values of ``x``. ``baseline`` draws a dotted horizontal line.
    """
    fig, ax = plt.subplots(figsize=(6.5, 4))
    x = _numpy(x)
    for i, (name, values) in enumerate(curves.items()):
        low, mid, high = np.percentile(_numpy(values), [10, 50, 90], axis=0)
        ax.plot(x, mid, color=f"C{i}", marker=".", label=f"{name} (median)")
        ax.fill_between(x, low, high, color=f"C{i}", alpha=0.2, lw=0)
    if baseline is not None:
        ax.axhline(baseline, color="k", ls=":", lw=1, label="unperturbed")
    ax.set(xlabel=xlabel, ylabel=ylabel, xscale="log" if logx else "linear",
           yscale="log" if logy else "linear")
    ax.legend(fontsize=8, title="band: 10th to 90th percentile", title_fontsize=8)
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------
# preprocessing


def _line_through_box(w1: float, w2: float, b: float, xlim, ylim) -> tuple[np.ndarray, np.ndarray]:
    """Two points of the line w1·x + w2·y + b = 0 far enough apart to cross the whole box."""
    if abs(w2) >= abs(w1):
        xs = np.array(xlim, dtype=np.float64)
        return xs, -(w1 * xs + b) / w2
    ys = np.array(ylim, dtype=np.float64)
    return -(w2 * ys + b) / w1, ys


def scatter_row(panels: Mapping[str, torch.Tensor], *, labels=None,
                label_names: Sequence[str] | None = None, boundaries=None,
                title: str | None = None) -> Figure:
    """One row of 2-D point clouds ``(N, 2)``, all on the same scale.

    Every panel has equal aspect, the same limits (which include the origin) and the
    two coordinate axes drawn through the origin, so shifts and stretches between
    panels show as they are. ``labels`` ``(N,)`` integers 0, 1, ... colour the points
    (the same labels in every panel: a class, or a group to follow from panel to
    panel); ``label_names[k]`` names label k in a legend. ``boundaries[name]``
    ``(K, 3)`` draws on that panel the lines w1·x + w2·y + b = 0 of its rows
    (w1, w2, b): row 0 bold, the others thin (variations of it).
    """
    clouds = {name: _numpy(points) for name, points in panels.items()}
    points = np.concatenate([np.zeros((1, 2)), *clouds.values()])
    lo, hi = points.min(axis=0), points.max(axis=0)
    pad = 0.06 * (hi - lo).max()
    xlim, ylim = (lo[0] - pad, hi[0] + pad), (lo[1] - pad, hi[1] + pad)
    height = 3.0 * (ylim[1] - ylim[0]) / (xlim[1] - xlim[0]) + 0.5  # panels 3 inches wide, room for titles
    fig, axes = _grid(len(clouds), len(clouds), panel=(3.0, height))
    labels = None if labels is None else _numpy(labels).astype(int)
    for ax, (name, cloud) in zip(axes, clouds.items()):
        ax.axhline(0.0, color="k", lw=0.8, zorder=0)
        ax.axvline(0.0, color="k", lw=0.8, zorder=0)
        groups = np.zeros(len(cloud), dtype=int) if labels is None else labels
        for k in np.unique(groups):
            ax.scatter(*cloud[groups == k].T, s=5, alpha=0.6, color=f"C{k}", lw=0,
                       label=None if label_names is None else label_names[k])
        lines = _numpy(boundaries[name]) if boundaries is not None and name in boundaries else ()
        for i, (w1, w2, b) in enumerate(lines):
            first = i == 0
            ax.plot(*_line_through_box(w1, w2, b, xlim, ylim), color="k" if first else "C3",
                    lw=1.6 if first else 0.6, alpha=1.0 if first else 0.5, zorder=3 if first else 2)
        ax.set(xlim=xlim, ylim=ylim, aspect="equal", title=name)
        ax.tick_params(labelsize=7)
    if label_names is not None:
        axes[0].legend(fontsize=7, markerscale=2, loc="upper left")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


_CHANNEL_COLOURS = {1: ("0.3",), 3: ("tab:red", "tab:green", "tab:blue")}


def image_stats_row(images: Mapping[str, torch.Tensor], *, bins: int = 60,
                    title: str | None = None) -> Figure:
    """Each image ``(C, H, W)`` above the histogram of its values, channel by channel.

    An image with values outside [0, 1] (a normalised one) is displayed rescaled from its
    own minimum and maximum to [0, 1], and its title says so; the histograms and the
    per-channel mean ± std (population) in the legends are of the true values.
    """
    fig, axes = plt.subplots(2, len(images), figsize=(2.8 * len(images), 5.2), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 2]})
    for (ax_img, ax_hist), (name, image) in zip(axes.T, images.items()):
        image = _numpy(image)
        shown = image
        if image.min() < 0.0 or image.max() > 1.0:
            shown = (image - image.min()) / max(image.max() - image.min(), 1e-12)
            name = f"{name}\n(rescaled to show)"
        if len(shown) == 1:
            ax_img.imshow(shown[0], cmap="gray", vmin=0.0, vmax=1.0)
        else:
            ax_img.imshow(shown.transpose(1, 2, 0))
        ax_img.set_title(name, fontsize=9)
        ax_img.axis("off")
        colours = _CHANNEL_COLOURS.get(len(image), [f"C{c}" for c in range(len(image))])
        for channel, colour in zip(image, colours):
            ax_hist.hist(channel.ravel(), bins=bins, histtype="step", color=colour,
                         label=f"{channel.mean():+.2f} ± {channel.std():.2f}")
        ax_hist.axvline(0.0, color="k", lw=0.6)
        ax_hist.set_yticks([])
        ax_hist.tick_params(labelsize=7)
        ax_hist.legend(fontsize=7, title="mean ± std", title_fontsize=7, handlelength=1)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def train_val_curves(runs: Mapping[str, Mapping[str, Sequence[float]]], *,
                     title: str | None = None) -> Figure:
    """Accuracy (left) and loss (right, log scale) on the training and the validation set.

    ``runs[name]`` holds equally long lists ``"steps"``, ``"train_acc"``, ``"val_acc"``,
    ``"train_loss"``, ``"val_loss"``, all measured in eval mode. One colour per run:
    solid for the training set, dashed for the validation set, so the gap between
    the two lines of a colour is that run's generalisation gap.
    """
    fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 4))
    for i, (name, run) in enumerate(runs.items()):
        for part, style in (("train", "-"), ("val", "--")):
            label = f"{name}, {'training' if part == 'train' else 'validation'}"
            ax_acc.plot(run["steps"], run[f"{part}_acc"], style, color=f"C{i}", label=label)
            ax_loss.plot(run["steps"], run[f"{part}_loss"], style, color=f"C{i}", label=label)
    ax_acc.set(xlabel="step", ylabel="accuracy")
    ax_loss.set(xlabel="step", ylabel="cross-entropy loss", yscale="log")
    ax_acc.legend(fontsize=7, ncol=2, loc="lower right")
    for ax in (ax_acc, ax_loss):
        ax.grid(alpha=0.3)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def grouped_bars(values: Mapping[str, Sequence[float]], groups: Sequence[str], *, ylabel: str,
                 baseline: float | None = None, legend_title: str | None = None,
                 title: str | None = None) -> Figure:
    """One group of bars per entry of ``groups``, one bar per series, each bar labelled.

    ``values[series][g]`` is the height of that series' bar in group ``g``.
    ``baseline`` draws a dotted horizontal reference line.
    """
    fig, ax = plt.subplots(figsize=(max(6.0, 2.7 * len(groups)), 4))
    positions = np.arange(len(groups))
    width = 0.8 / max(len(values), 1)
    for j, (series, heights) in enumerate(values.items()):
        offset = (j - (len(values) - 1) / 2) * width
        bars = ax.bar(positions + offset, heights, width=width, label=series, color=f"C{j}")
        ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=2)
    if baseline is not None:
        ax.axhline(baseline, color="k", ls=":", lw=1)
    ax.set_xticks(positions, groups, fontsize=8)
    ax.set(ylabel=ylabel)
    ax.margins(y=0.15)  # room for the labels above the bars
    ax.legend(fontsize=8, title=legend_title, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
