"""The figures the notebooks share.

Every function builds its figure with ``plt.subplots`` and returns it; none calls
``plt.show`` and importing this module changes no matplotlib setting.
"""

from grader.plots.curves import (grouped_bars, layer_stats_plot, loss_curves, results_table, spread_curves,
                                 train_val_curves)
from grader.plots.planes import activation_grid, paths_2d, contour_paths, scatter_row
from grader.plots.images import layer_histograms, image_grid, image_stats_row

__all__ = ["loss_curves", "results_table", "layer_stats_plot", "spread_curves", "train_val_curves", "grouped_bars",
           "activation_grid", "paths_2d", "contour_paths", "scatter_row",
           "layer_histograms", "image_grid", "image_stats_row"]
