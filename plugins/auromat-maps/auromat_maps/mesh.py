"""Draw mappings as quad meshes: one :class:`~matplotlib.collections.QuadMesh` per mapping.

Pixel corners are projected once with the axes' projection and handed to a
plain QuadMesh (no per-pixel Python polygons, no cartopy re-wrapping).
Undefined pixels are transparent. Where mappings of a collection overlap,
higher elevations are painted last: the pixels inside another member's convex
outline are drawn as one vectorised polygon collection sorted by elevation.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection, QuadMesh
from scipy import ndimage

from auromat_core import BoundingBox, InputError, Mapping, MappingCollection

from .figures import members

Projector = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``(lon, lat) -> (x, y)`` in the axes' data coordinates."""

GRID_TOLERANCE_DEG = 1e-6
"""Largest spread of a row's latitudes (a column's longitudes) of a regular lat/lon grid."""


class Coloring:
    """How mapping images become colours: RGB as is, gray through a colormap.

    Parameters
    ----------
    mappings
        The mappings drawn together; a gray scale is shared between them.
    cmap
        Colormap for single-channel images (default ``"gray"``).
    vmin, vmax
        Range of single-channel values (default: 1st and 99.5th percentile of
        the defined pixels of all mappings).
    """

    def __init__(self, mappings: Sequence[Mapping], cmap: str = "gray",
                 vmin: float | None = None, vmax: float | None = None) -> None:
        import matplotlib

        if cmap not in matplotlib.colormaps:
            raise InputError(f"cmap {cmap!r} is not a matplotlib colormap, e.g. 'gray', 'viridis', 'inferno'")
        self.cmap = matplotlib.colormaps[cmap]
        gray = [m for m in mappings if m.image.shape[2] == 1]
        if gray and (vmin is None or vmax is None):
            values = np.concatenate([m.image[:, :, 0][m.defined] for m in gray])
            if values.size:
                low, high = np.percentile(values, [1.0, 99.5])
                vmin = low if vmin is None else vmin
                vmax = high if vmax is None else vmax
        self.vmin = 0.0 if vmin is None else float(vmin)
        self.vmax = self.vmin + 1.0 if vmax is None or vmax <= self.vmin else float(vmax)

    def rgba(self, mapping: Mapping, rows: slice, cols: slice) -> np.ndarray:
        """(rows, cols, 4) uint8 colours of a window of ``mapping``; undefined pixels transparent."""
        image = mapping.image[rows, cols]
        if image.shape[2] == 1:
            scaled = (image[:, :, 0].astype(np.float32) - self.vmin) / (self.vmax - self.vmin)
            colors = self.cmap(np.clip(scaled, 0.0, 1.0), bytes=True)
        else:
            colors = np.empty(image.shape[:2] + (4,), dtype=np.uint8)
            colors[:, :, :3] = mapping.rgb[rows, cols]
        colors[:, :, 3] = np.where(mapping.defined[rows, cols], 255, 0)
        return colors


def defined_window(defined: np.ndarray) -> tuple[slice, slice] | None:
    """Row and column slices (of pixels) around the defined pixels, or None if none is."""
    rows = np.flatnonzero(defined.any(axis=1))
    cols = np.flatnonzero(defined.any(axis=0))
    if rows.size == 0:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _unwrap_deg(lon: np.ndarray, reference: float) -> np.ndarray:
    """Longitudes shifted by multiples of 360 into ``[reference - 180, reference + 180)``."""
    return reference + (lon - reference + 180.0) % 360.0 - 180.0


def regular_axes(lat_bounds: np.ndarray, lon_bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Row latitudes and column longitudes of a regular (plate-carrée) corner grid, else None.

    Rows or columns without any defined corner are interpolated from the
    others; the longitude axis is unwrapped (it may run past 180).
    """
    defined = np.isfinite(lat_bounds)
    if not defined.any(axis=1).any():
        return None
    with warnings.catch_warnings(), np.errstate(invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        row_lat = np.nanmean(lat_bounds, axis=1)
        row_spread = np.nanmax(lat_bounds, axis=1) - np.nanmin(lat_bounds, axis=1)
        reference = float(lon_bounds[defined][0])
        unwrapped = _unwrap_deg(lon_bounds, reference)
        col_lon = np.nanmean(unwrapped, axis=0)
        col_spread = np.nanmax(unwrapped, axis=0) - np.nanmin(unwrapped, axis=0)
    rows_known = np.isfinite(row_lat)
    cols_known = np.isfinite(col_lon)
    if (row_spread[rows_known] > GRID_TOLERANCE_DEG).any() or (col_spread[cols_known] > GRID_TOLERANCE_DEG).any():
        return None
    if rows_known.sum() < 2 or cols_known.sum() < 2:
        return None
    lat_axis = _fill_axis(row_lat, rows_known)
    lon_axis = _fill_axis(np.where(cols_known, col_lon, 0.0), cols_known, unwrap=True)
    return lat_axis, lon_axis


def _fill_axis(values: np.ndarray, known: np.ndarray, unwrap: bool = False) -> np.ndarray:
    """Interpolate the unknown entries of a regular axis; extrapolate with its median step."""
    index = np.flatnonzero(known)
    found = values[known]
    if unwrap:
        found = np.unwrap(found, period=360.0)
    step = float(np.median(np.diff(found) / np.diff(index)))
    positions = np.arange(values.size)
    axis = np.interp(positions, index, found)
    axis[: index[0]] = found[0] + step * (positions[: index[0]] - index[0])
    axis[index[-1] + 1:] = found[-1] + step * (positions[index[-1] + 1:] - index[-1])
    return axis


def corner_grid(lat_bounds: np.ndarray, lon_bounds: np.ndarray, lon_reference: float) -> tuple[np.ndarray, np.ndarray]:
    """Finite (h+1, w+1) corner lat/lon for a mesh.

    A regular grid is rebuilt from its axes; otherwise undefined corners (which
    belong to transparent pixels only) take the value of the nearest defined
    corner. Longitudes are unwrapped about ``lon_reference``.
    """
    axes = regular_axes(lat_bounds, lon_bounds)
    if axes is not None:
        lat_axis, lon_axis = axes
        lon_axis = lon_axis + (_unwrap_deg(lon_axis[0], lon_reference) - lon_axis[0])
        shape = lat_bounds.shape
        return np.broadcast_to(lat_axis[:, np.newaxis], shape), np.broadcast_to(lon_axis[np.newaxis, :], shape)
    defined = np.isfinite(lat_bounds)
    lat, lon = lat_bounds, _unwrap_deg(lon_bounds, lon_reference)
    if not defined.all():
        nearest = ndimage.distance_transform_edt(~defined, return_distances=False, return_indices=True)
        lat, lon = lat[tuple(nearest)], lon[tuple(nearest)]
    return lat, lon


def add_quadmesh(ax: Axes, x: np.ndarray, y: np.ndarray, colors: np.ndarray, *, zorder: float = 1.0,
                 rasterized: bool = True) -> QuadMesh:
    """Add a QuadMesh of (h+1, w+1) corner coordinates and (h, w, 4) uint8 colours to ``ax``."""
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.all():
        hidden = ~(finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, :-1] & finite[1:, 1:])
        colors = colors.copy()
        colors[hidden, 3] = 0
        x, y = np.where(finite, x, 0.0), np.where(finite, y, 0.0)
    mesh = QuadMesh(np.stack([x, y], axis=-1), antialiased=False, edgecolors="none", linewidth=0,
                    zorder=zorder, rasterized=rasterized)
    mesh.set_array(colors)
    mesh.set_transform(ax.transData)
    ax.add_collection(mesh, autolim=False)
    return mesh


class _Projected(NamedTuple):
    """Projected corners (h+1, w+1) and colours (h, w, 4) of a window of a mapping."""

    rows: slice
    cols: slice
    x: np.ndarray
    y: np.ndarray
    colors: np.ndarray


def _project_window(mapping: Mapping, shown: np.ndarray, project: Projector, coloring: Coloring,
                    lat_lon: tuple[np.ndarray, np.ndarray] | None, lon_reference: float) -> _Projected | None:
    window = defined_window(shown)
    if window is None:
        return None
    rows, cols = window
    corner_rows, corner_cols = slice(rows.start, rows.stop + 1), slice(cols.start, cols.stop + 1)
    lat_bounds, lon_bounds = lat_lon if lat_lon is not None else (mapping.lat_bounds, mapping.lon_bounds)
    lat, lon = corner_grid(lat_bounds[corner_rows, corner_cols], lon_bounds[corner_rows, corner_cols], lon_reference)
    colors = coloring.rgba(mapping, rows, cols)
    colors[~shown[rows, cols], 3] = 0
    x, y = project(lon, lat)
    return _Projected(rows, cols, np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), colors)


def _lon_intervals_meet(a: BoundingBox, b: BoundingBox) -> bool:
    def interval(box: BoundingBox) -> tuple[float, float]:
        return box.lon_west, box.lon_west + box.lon_span

    (a0, a1), (b0, b1) = interval(a), interval(b)
    return any(a0 <= b1 + shift and b0 + shift <= a1 for shift in (-360.0, 0.0, 360.0))


def contested_pixels(items: Sequence[Mapping]) -> list[np.ndarray]:
    """Per mapping, the (h, w) pixels inside or on the convex outline of another mapping.

    Pixels with all corners inside the outline, grown by one pixel to catch
    those the outline crosses.
    """
    masks = [np.zeros(m.shape, dtype=bool) for m in items]
    boxes = [m.bounding_box for m in items]
    for i, mapping in enumerate(items):
        for j, other in enumerate(items):
            a, b = boxes[i], boxes[j]
            if i == j or a.lat_north < b.lat_south or b.lat_north < a.lat_south or not _lon_intervals_meet(a, b):
                continue
            try:
                masks[i] |= mapping.masked_by_polygon(other.outline_convex_hull).defined
            except InputError:  # no pixel of ``mapping`` lies inside ``other``
                continue
    return [ndimage.binary_dilation(mask, structure=np.ones((3, 3), bool)) & m.defined for mask, m in zip(masks, items)]


def _sorted_polygons(ax: Axes, parts: list[tuple[_Projected, np.ndarray, np.ndarray]], zorder: float,
                     rasterized: bool) -> PolyCollection | None:
    """One collection of the given pixels of all mappings, painted in order of increasing elevation."""
    vertices, colors, elevations = [], [], []
    for projected, chosen, elevation in parts:
        rows, cols = np.nonzero(chosen[projected.rows, projected.cols])
        if rows.size == 0:
            continue
        x, y = projected.x, projected.y
        corners = [(rows, cols), (rows, cols + 1), (rows + 1, cols + 1), (rows + 1, cols)]
        vertices.append(np.stack([np.stack([x[r, c], y[r, c]], axis=-1) for r, c in corners], axis=1))
        colors.append(projected.colors[rows, cols])
        elevations.append(elevation[projected.rows, projected.cols][rows, cols])
    if not vertices:
        return None
    order = np.argsort(np.concatenate(elevations), kind="stable")
    polygons = np.concatenate(vertices)[order]
    finite = np.isfinite(polygons).all(axis=(1, 2))
    collection = PolyCollection(polygons[finite], facecolors=np.concatenate(colors)[order][finite] / 255.0,
                                edgecolors="none", linewidths=0, antialiaseds=False, zorder=zorder,
                                rasterized=rasterized, transform=ax.transData)
    ax.add_collection(collection, autolim=False)
    return collection


def draw_all(ax: Axes, drawable: Mapping | MappingCollection | Sequence[Mapping], project: Projector, coloring: Coloring,
             *, coordinates: Callable[[Mapping], tuple[np.ndarray, np.ndarray]] | None = None,
             lon_reference: float = 0.0, zorder: float = 1.0, rasterized: bool = True) -> list:
    """Draw a mapping, a collection or a list; where members overlap, higher elevations are painted last.

    Pixels that no other member can cover are drawn as one quad mesh per
    member; pixels inside another member's convex outline are drawn together,
    sorted by elevation. ``coordinates(mapping)`` may give other corner
    coordinates (lat-like, lon-like) than the geodetic ones.
    """
    if isinstance(drawable, Mapping):
        items, overlap = [drawable], False
    elif isinstance(drawable, MappingCollection):
        items, overlap = members(drawable), drawable.may_overlap
    else:
        items, overlap = members(drawable), True
    contested = contested_pixels(items) if overlap and len(items) > 1 else [np.zeros(m.shape, bool) for m in items]
    artists: list = []
    parts = []
    for mapping, disputed in zip(items, contested):
        lat_lon = coordinates(mapping) if coordinates is not None else None
        projected = _project_window(mapping, mapping.defined, project, coloring, lat_lon, lon_reference)
        if projected is None:
            continue
        colors = projected.colors
        if disputed.any():
            parts.append((projected, disputed & mapping.defined, mapping.elevation))
            colors = colors.copy()
            colors[disputed[projected.rows, projected.cols], 3] = 0
        artists.append(add_quadmesh(ax, projected.x, projected.y, colors, zorder=zorder, rasterized=rasterized))
    polygons = _sorted_polygons(ax, parts, zorder + 0.01, rasterized)
    if polygons is not None:
        artists.append(polygons)
    return artists
