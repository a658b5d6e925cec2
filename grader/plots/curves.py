"""Training curves, per-layer statistics and the tables and bars that go with them."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from grader.plots._common import _numpy

__all__ = ['loss_curves', 'results_table', 'layer_stats_plot', 'spread_curves', 'train_val_curves', 'grouped_bars']


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
                 title: str | None = None, ylim: tuple[float, float] | None = None,
                 figsize: tuple[float, float] | None = None) -> Figure:
    """One group of bars per entry of ``groups``, one bar per series, each bar labelled.

    ``values[series][g]`` is the height of that series' bar in group ``g``.
    ``baseline`` draws a dotted horizontal reference line; ``ylim`` zooms in on the tops of
    the bars; ``figsize`` defaults to 2.7 inches per group (at least 6).
    """
    fig, ax = plt.subplots(figsize=figsize or (max(6.0, 2.7 * len(groups)), 4))
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
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.legend(fontsize=8, title=legend_title, title_fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    if title:
        ax.set_title(title)
    fig.tight_layout()
    return fig
