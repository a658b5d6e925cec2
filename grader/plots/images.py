"""Images and histograms: batches of images, per-channel statistics, per-layer
activation histograms."""
from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure

from grader.plots._common import _grid, _numpy

__all__ = ['layer_histograms', 'image_grid', 'image_stats_row']


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


def image_grid(images: torch.Tensor | Sequence[torch.Tensor], *, titles: Sequence[str] | None = None,
               ncols: int = 8, panel: tuple[float, float] = (1.6, 1.7)) -> Figure:
    """Images ``(N, C, H, W)`` in [0, 1] (C = 1 grey, C = 3 colour), or a list of ``(C, H, W)``
    images of any sizes, on a grid, one axes each; values outside [0, 1] are clipped for display."""
    images = [_numpy(image).clip(0.0, 1.0) for image in images]
    fig, axes = _grid(len(images), ncols, panel=panel)
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
