"""The plain longitude/latitude plot (rectilinear axes, no map projection)."""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import FuncFormatter

from auromat_core import BoundingBox

from .figures import Drawable, FigAx, as_drawable, checked_options, members, new_figure, time_title
from .mesh import Coloring, draw_all
from .overlays import format_lat, format_lon


@checked_options
def draw_plot(
    mappings: Drawable,
    *,
    bounding_box: BoundingBox | None = None,
    title: str | None = None,
    fig_width: float = 8.0,
    fig_height: float = 5.0,
    dpi: float = 100.0,
    rasterized: bool = True,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> FigAx:
    """Mappings on plain longitude/latitude axes.

    Across the antimeridian the longitudes continue past ±180 and the tick
    labels are wrapped back (``170°E``, ``180°``, ``170°W``). A pixel around a
    pole covers all longitudes up to that pole, as in plate carrée.
    """
    mappings = as_drawable(mappings)
    items = members(mappings)
    box = bounding_box if bounding_box is not None else BoundingBox.merged([m.bounding_box for m in items])
    west = box.lon_west
    east = west + box.lon_span
    center = (west + east) / 2
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1)
    draw_all(ax, mappings, lambda lon, lat: (np.asarray(lon), np.asarray(lat)), Coloring(items, cmap, vmin, vmax),
             lon_reference=center, lon_axis=True, rasterized=rasterized)
    ax.set_xlim(west, east)
    ax.set_ylim(box.lat_south, box.lat_north)
    ax.set_aspect(1.0 / max(np.cos(np.radians((box.lat_south + box.lat_north) / 2)), 0.05), adjustable="box")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, pos: format_lon(value)))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, pos: format_lat(value)))
    ax.set_xlabel("Longitude")
    ax.set_ylabel("Latitude")
    ax.grid(True, color="0.5", linestyle=":", linewidth=0.6)
    ax.set_title(time_title(m.time for m in items) if title is None else title, fontsize=10)
    return figure, ax
