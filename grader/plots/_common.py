"""Small helpers shared by the plotting modules."""
from __future__ import annotations

import math
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure


__all__: list[str] = []


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
