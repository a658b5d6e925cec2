"""Functions of one or two variables: activations and their slopes, paths on loss
surfaces, point clouds with decision boundaries."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from grader.plots._common import _grid, _numpy

__all__ = ['activation_grid', 'paths_2d', 'contour_paths', 'scatter_row']


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
