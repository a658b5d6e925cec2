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
    "image_grid",
    "layer_histograms",
    "layer_stats_plot",
    "loss_curves",
    "paths_2d",
    "results_table",
]


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
