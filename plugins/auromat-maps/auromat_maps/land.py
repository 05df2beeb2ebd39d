"""Land and coastlines on a cartopy map, projected in one vectorised step.

Cartopy's features project every polygon in Python, which takes seconds for
intermediate-resolution coasts. Here all vertices of the clipped GSHHS shapes
are projected at once and drawn as a single compound path: land is filled with
the nonzero rule (exteriors counter-clockwise), so pieces cut at the
antimeridian join without a seam.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.path import Path

from .offline import coastlines, land_polygons

if TYPE_CHECKING:
    from cartopy.mpl.geoaxes import GeoAxes

Extent = tuple[float, float, float, float]

MAX_SEGMENT_DEG = 0.25
"""Longer straight lon/lat edges (clip-box sides, crude coasts) are split before projecting."""


def _compound_path(ax: GeoAxes, lines: np.ndarray, closed: bool) -> Path:
    """One path of shapely lines or linear rings (lon/lat), projected onto the map of ``ax``."""
    import shapely

    lines = shapely.segmentize(lines, MAX_SEGMENT_DEG)
    lonlat, which = shapely.get_coordinates(lines, return_index=True)
    if lonlat.size == 0:
        return Path(np.empty((0, 2)))
    projected = ax.projection.transform_points(ax.projection.as_geodetic(), lonlat[:, 0], lonlat[:, 1])[:, :2]
    first = np.r_[True, which[1:] != which[:-1]]
    codes = np.where(first, Path.MOVETO, Path.LINETO).astype(Path.code_type)
    if closed:
        codes[np.r_[first[1:], True]] = Path.CLOSEPOLY
    return Path(projected, codes)


def add_land(ax: GeoAxes, extent: Extent, resolution: str, *, color: Any = "0.82", zorder: float = 0.0) -> PathCollection:
    """Fill the GSHHS land within ``extent`` (lon/lat box around the view) with ``color``."""
    import shapely

    parts = shapely.get_parts(land_polygons(extent, resolution))
    parts = shapely.orient_polygons(parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON])
    path = _compound_path(ax, shapely.get_rings(parts), closed=True)
    artist = PathCollection([path], transform=ax.transData, facecolors=color, edgecolors="none", zorder=zorder)
    ax.add_collection(artist, autolim=False)
    return artist


def add_coastlines(ax: GeoAxes, extent: Extent, resolution: str, *, color: Any = "black", linewidth: float = 0.6,
                   zorder: float = 3.0) -> PathCollection:
    """Draw the GSHHS coastlines within ``extent`` (lon/lat box around the view)."""
    import shapely

    lines = shapely.get_parts(coastlines(extent, resolution))
    path = _compound_path(ax, lines[shapely.get_type_id(lines) == shapely.GeometryType.LINESTRING], closed=False)
    artist = PathCollection([path], transform=ax.transData, facecolors="none", edgecolors=color,
                            linewidths=linewidth, zorder=zorder)
    ax.add_collection(artist, autolim=False)
    return artist
