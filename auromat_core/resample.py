"""Resample mappings onto plate-carrée grids in geodetic or magnetic axes.

The target grid is the original toolkit's globally aligned grid
(:func:`fixed_grid`): for a resolution of ``p`` pixels per degree, grid points
lie at ``linspace(-90, 90, round(180 p + 1))`` in latitude and
``linspace(-180, 180, round(360 p + 1))`` in longitude, so all resamplings at one
resolution share one grid. The mapping's bounding box is snapped outward to grid
points; target pixel centers are the interior grid points and target corners the
midpoints between consecutive grid points. Rows run from north to south, columns
from west to east. As in the original, the outermost grid points are not
centers, so up to half a target pixel along the edges of the bounding box is
not covered.

Methods
-------
``mean`` (default)
    Every defined source pixel center falls into one target cell; image
    channels and elevation are averaged per cell in one vectorised pass
    (:func:`numpy.bincount`). Cells without a source center are undefined, so
    oversampling leaves holes; nothing is interpolated or extrapolated.
``nearest``, ``linear``
    Values at the target centers: the nearest source center (k-d tree on unit
    vectors) or linear interpolation in the triangles of the source pixel-center
    grid (two per quad of 4 neighbouring centers; barycentric weights in the
    gnomonic sense, i.e. exact on great-circle triangles). A target cell is
    defined only if all 4 of its corners lie inside a defined source pixel, so
    neither method extrapolates beyond the footprint; ``linear`` also leaves
    the half-pixel border outside the outermost source centers undefined (and
    regions one pixel wide, which have no triangle of centers). A full
    12-megapixel frame takes about 5 s, mostly to build the k-d tree.

Antimeridian and poles
----------------------
Across the antimeridian the grid simply continues past 180° (longitudes are
wrapped back into (-180, 180] in the result). When the bounding box contains a
pole, the grid spans all longitudes, one column per longitude step, up to the
pole: the result stays plate carrée in true latitude/longitude (the original
rotated the coordinates instead, which made the result not plate carrée). Cells
near the pole are narrow, so ``mean`` leaves holes there where they are
narrower than the source pixels; ``nearest`` and ``linear`` fill them.

Magnetic grids
--------------
``grid="mag"`` uses magnetic latitude and SM longitude ``(MLT - 12) * 15°`` as
the regular axes: the source is converted with the magnetic model, resampled
there, and the grid is converted back to geodetic coordinates with the model's
inverse. The result is a normal geodetic :class:`~auromat_core.Mapping` whose
:meth:`~auromat_core.Mapping.magnetic` coordinates form the regular grid.
"""

from __future__ import annotations

import logging
import math
import os
import time as timing
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.spatial

from . import geodesy
from .boundingbox import BoundingBox
from .errors import InputError
from .mapping import Mapping, MappingCollection
from .registry import get_magnetic_model

__all__ = [
    "DEFAULT_PX_PER_DEG",
    "FALLBACK_MEMORY_LIMIT",
    "MEMORY_FRACTION",
    "Resolution",
    "fixed_grid",
    "is_plate_carree",
    "memory_limit",
    "resample",
    "resolution_for",
]

log = logging.getLogger(__name__)

DEFAULT_PX_PER_DEG = 25.0
"""Pixels per degree along both axes when neither a pixel scale nor a resolution is given."""

Grid = Literal["geo", "mag"]
Method = Literal["mean", "nearest", "linear"]

_SNAP_TOLERANCE = 1e-9
"""Box limits within this many grid steps of a grid point snap to that point."""
_WALK_STEPS = 16
"""Steps a walk from the source center nearest to a target point may take to the cell holding the point.

Near the horizon source pixels are long, thin and sheared, so the one holding a
point is often not among the centers nearest to it; but a walk through the pixel
grid, each step jumping by the point's position relative to the current cell,
reaches it in one or two steps."""
_WALK_JUMP = 8
"""Rows or columns one step of a walk may jump."""
_BARYCENTRIC_TOLERANCE = 1e-9
_WORKERS = min(2, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
"""Threads of mean rebinning (numpy releases the GIL in its loops)."""
_BLOCK_PIXELS = 1 << 19
"""Source pixels per block of rows in mean rebinning (a few MB per temporary array)."""
MEMORY_FRACTION = 0.5
"""Share of the physical memory one resampling may need (see :func:`memory_limit`).

Half, because the process also holds the source mapping (about 1 GB for a
12-megapixel photo); beyond the limit a request is refused at once instead of
swapping the machine or being killed by the kernel without a message. The
limit is per resampling: the workers of ``auromat convert`` each have it, so
several grids near it at once can still exhaust the memory."""
FALLBACK_MEMORY_LIMIT = 8 << 30
"""The limit, in bytes, where the physical memory cannot be read (no ``os.sysconf``)."""
_BYTES_PER_CELL = {"mean": 128, "nearest": 448, "linear": 448}
"""Peak bytes per target cell while resampling a 3-channel mapping (the most a mapping has).

Measured (tracemalloc) for the 4256 x 2832 ISS029-E-8492 onto 1.8-4.9 million
cells: mean 121, nearest and linear 373-447 (unit vectors of corners and
centers, the walk's temporaries). The result keeps :data:`_RESULT_BYTES_PER_CELL`."""
_RESULT_BYTES_PER_CELL = 72
"""Bytes per cell of a resampled mapping (measured 68: five float64 coordinate arrays, image, masks)."""


class Resolution(NamedTuple):
    """Grid resolution in pixels per degree of latitude and of longitude."""

    lat: float
    lon: float


# -- grid -------------------------------------------------------------------------------


def _positive(name: str, value: Any) -> float:
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive number, got {value!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise InputError(f"{name} must be a positive number, got {value!r}")
    return value


def _as_resolution(px_per_deg: float | Sequence[float]) -> Resolution:
    if np.ndim(px_per_deg) == 0:
        value = _positive("px_per_deg", px_per_deg)  # type: ignore[arg-type]
        return Resolution(value, value)
    values = list(np.ravel(px_per_deg))
    if len(values) != 2:
        raise InputError(f"px_per_deg must be a number or a (lat, lon) pair, got {px_per_deg!r}")
    return Resolution(_positive("px_per_deg[0] (latitude)", values[0]), _positive("px_per_deg[1] (longitude)", values[1]))


def _spherical_arc_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle angle in degrees (haversine)."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def resolution_for(box: BoundingBox, arcsec_per_px: float, spherical: bool = False) -> Resolution:
    """Pixels per degree that give ``arcsec_per_px`` at the middle of ``box``.

    Latitude: ``3600 / arcsec_per_px``. Longitude: the angular distance between
    the west and east edge along the box's mid-latitude (auxiliary-sphere arc
    of the WGS84 geodesic, or the great-circle angle if ``spherical``) divided
    by the pixel size and by the longitude span, as in the original toolkit;
    so only the box center has the requested scale. For boxes containing a pole
    or spanning more than 180°, the 1° arc along the mid-latitude is used.
    """
    arcsec = _positive("arcsec_per_px", arcsec_per_px)
    deg_per_px = arcsec / 3600.0
    mid_lat = (box.lat_south + box.lat_north) / 2
    span = box.lon_span
    if box.contains_pole or span > 180.0 or span < 1e-6:
        west, span = 0.0, 1.0
    else:
        west = box.lon_west
    east = west + span
    if spherical:
        arc = _spherical_arc_deg(mid_lat, west, mid_lat, east)
    else:
        arc = float(geodesy.angular_distance_deg(mid_lat, west, mid_lat, east))
    if not arc > 0:
        raise InputError(f"cannot derive a longitude resolution at latitude {mid_lat:g}° (the box is at a pole)")
    return Resolution(1.0 / deg_per_px, arc / deg_per_px / span)


def fixed_grid(box: BoundingBox, px_per_deg: float | Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Points of the globally aligned grid covering ``box``, snapped outward.

    Parameters
    ----------
    box
        Area to cover (``lon_west > lon_east`` crosses the antimeridian).
    px_per_deg
        Resolution, one number or ``(lat, lon)``.

    Returns
    -------
    lat, lon
        1-D grid point coordinates in degrees: latitudes decreasing (north
        first), longitudes increasing and continuous, so they exceed 180 when
        the box crosses the antimeridian. Target centers are the interior points
        ``[1:-1]``, target corners the midpoints of consecutive points. For a box
        containing a pole the longitudes run from -180 to 180 plus one step,
        so the centers cover every longitude exactly once.
    """
    n_lat, n_lon, (south, north), (west, east) = _grid_indices(box, _as_resolution(px_per_deg))
    lat = -90.0 + 180.0 * np.arange(north, south - 1, -1) / (n_lat - 1)
    lon = -180.0 + 360.0 * np.arange(west, east + 1) / (n_lon - 1)
    return lat, lon


def _grid_indices(box: BoundingBox, resolution: Resolution) -> tuple[int, int, tuple[int, int], tuple[int, int]]:
    """Points of the global grid per axis and the first and last point covering ``box`` (see :func:`fixed_grid`)."""
    n_lat = round(resolution.lat * 180 + 1)
    n_lon = round(resolution.lon * 360 + 1)
    if n_lat < 3 or n_lon < 3:
        raise InputError(f"px_per_deg {tuple(resolution)} is too coarse: the global grid needs at least 3 points per axis")
    lat_step, lon_step = 180.0 / (n_lat - 1), 360.0 / (n_lon - 1)
    south = math.floor((box.lat_south + 90) / lat_step + _SNAP_TOLERANCE)
    north = math.ceil((box.lat_north + 90) / lat_step - _SNAP_TOLERANCE)
    if box.contains_pole or box.lon_span >= 360.0:
        west, east = 0, n_lon
    else:
        east_lon = box.lon_west + box.lon_span
        west = math.floor((box.lon_west + 180) / lon_step + _SNAP_TOLERANCE)
        east = math.ceil((east_lon + 180) / lon_step - _SNAP_TOLERANCE)
    return n_lat, n_lon, (max(south, 0), min(north, n_lat - 1)), (west, east)


def _cells(box: BoundingBox, resolution: Resolution) -> tuple[int, int]:
    """Rows and columns of the resampled grid covering ``box``, without building it."""
    _, _, (south, north), (west, east) = _grid_indices(box, resolution)
    return max(north - south - 1, 0), max(east - west - 1, 0)


def _wrap_lon(lon: np.ndarray) -> np.ndarray:
    """Wrap into (-180, 180]."""
    return 180.0 - np.mod(180.0 - lon, 360.0)


def _regular(values: np.ndarray, tolerance: float) -> bool:
    """Whether defined ``values`` (one per row or column, NaN = none) follow ``a + i * step``."""
    index = np.flatnonzero(np.isfinite(values))
    if index.size < 2:
        return False
    known = values[index]
    step = (known[-1] - known[0]) / (index[-1] - index[0])
    return bool(np.abs(known[0] + (index - index[0]) * step - known).max() <= tolerance)


def _lon_diff(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """Difference of longitudes wrapped into [-180, 180)."""
    return np.mod(a - b + 180.0, 360.0) - 180.0


def is_plate_carree(lat_bounds: npt.ArrayLike, lon_bounds: npt.ArrayLike, tolerance: float = 1e-4) -> bool:
    """Whether the defined corners lie on a regular latitude/longitude grid.

    Every row must have one latitude, decreasing from row to row by a constant
    step, and every column one longitude, increasing (across the antimeridian:
    continued past 180°) by a constant step. Undefined (NaN) corners are
    ignored, so a resampled mapping with holes still qualifies; nothing defined
    means no.

    Parameters
    ----------
    lat_bounds, lon_bounds
        Equal-shaped 2-D arrays in degrees.
    tolerance
        Largest allowed deviation in degrees, for both axes.
    """
    lat = np.ma.filled(np.ma.asarray(lat_bounds, dtype=np.float64), np.nan)
    lon = np.ma.filled(np.ma.asarray(lon_bounds, dtype=np.float64), np.nan)
    if lat.shape != lon.shape or lat.ndim != 2:
        raise InputError(f"lat_bounds and lon_bounds must be equal-shaped 2-D arrays, got {lat.shape} and {lon.shape}")
    defined = np.isfinite(lat) & np.isfinite(lon)
    if not defined.any():
        return False
    lat, lon = np.where(defined, lat, np.nan), np.where(defined, lon, np.nan)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        row_lat = np.nanmedian(lat, axis=1)
        first = np.argmax(defined, axis=0)
        col_lon = np.where(defined.any(axis=0), lon[first, np.arange(lon.shape[1])], np.nan)
    if np.nanmax(np.abs(lat - row_lat[:, np.newaxis])) > tolerance:
        return False
    if np.nanmax(np.abs(_lon_diff(lon, col_lon))) > tolerance:
        return False
    # continue the column longitudes eastward across the antimeridian
    known = np.flatnonzero(np.isfinite(col_lon))
    steps = _lon_diff(np.diff(col_lon[known]), 0.0)
    col_lon[known] = col_lon[known[0]] + np.concatenate([[0.0], np.cumsum(steps)])
    lat_steps, lon_steps = np.diff(row_lat[np.isfinite(row_lat)]), steps
    if not ((lat_steps < 0).all() and (lon_steps > 0).all()):
        return False
    return _regular(row_lat, tolerance) and _regular(col_lon, tolerance)


# -- working coordinates ----------------------------------------------------------------


def _to_magnetic_frame(mapping: Mapping, model: str) -> Mapping:
    """The mapping with (MLat, SM longitude) in place of geodetic (lat, lon)."""
    magnetic = mapping.magnetic(model)
    return Mapping(
        lat_bounds=magnetic.mlat_bounds.copy(),
        lon_bounds=(magnetic.mlt_bounds - 12.0) * 15.0,
        lat=magnetic.mlat.copy(),
        lon=(magnetic.mlt - 12.0) * 15.0,
        elevation=mapping.elevation.copy(),
        image=mapping.image,
        altitude=mapping.altitude,
        time=mapping.time,
        camera_position=mapping.camera_position,
        identifier=mapping.identifier,
    )


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    cos_lat = np.cos(lat_r)
    return np.stack([cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)], axis=-1)


# -- methods ----------------------------------------------------------------------------


def _bin_mean(frame: Mapping, box: BoundingBox, lat_grid: np.ndarray, lon_grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of image channels and elevation per target cell.

    Each defined source center goes to the cell of its nearest grid point. Rows
    are processed in blocks that fit the CPU cache; within a block, runs of
    consecutive pixels in one cell are summed first (:meth:`numpy.ufunc.reduceat`),
    then the run sums are added per cell (:func:`numpy.bincount`).

    Returns the (h, w, c + 1) means (elevation last; NaN in empty cells) and the
    (h, w) number of source centers per cell.
    """
    defined = frame.defined
    rows = np.flatnonzero(defined.any(axis=1))
    cols = np.flatnonzero(defined.any(axis=0))
    col_crop = slice(cols[0], cols[-1] + 1)
    n_rows, n_cols = len(lat_grid), len(lon_grid)
    lat_step = (lat_grid[0] - lat_grid[-1]) / (n_rows - 1)
    lon_step = (lon_grid[-1] - lon_grid[0]) / (n_cols - 1)
    if box.contains_pole or box.lon_span >= 360.0:
        wrap_below = lon_grid[0] + lon_step / 2
    elif box.lon_west > box.lon_east:
        wrap_below = (box.lon_west + box.lon_east) / 2
    else:
        wrap_below = None

    def cells(block: slice) -> np.ndarray:
        # index of the nearest grid point, counting the dropped border cells.
        # Truncation maps (-1, 0) to the first border row/column; NaN (undefined
        # centers) and anything else off the grid go to the last one, because
        # as unsigned integers negative values are huge
        row = np.multiply(frame.lat[block, col_crop], -1.0 / lat_step)
        row += lat_grid[0] / lat_step + 0.5
        lon = frame.lon[block, col_crop]
        col = np.multiply(lon, 1.0 / lon_step)
        col += 0.5 - lon_grid[0] / lon_step
        if wrap_below is not None:
            np.add(col, 360.0 / lon_step, out=col, where=lon < wrap_below)
        with np.errstate(invalid="ignore"):
            row_index = row.astype(np.int64).view(np.uint64)
            col_index = col.astype(np.int64).view(np.uint64)
        np.minimum(row_index, n_rows - 1, out=row_index)
        np.minimum(col_index, n_cols - 1, out=col_index)
        row_index *= n_cols
        row_index += col_index
        return row_index.view(np.int64).ravel()

    def runs(block: slice) -> tuple[np.ndarray, list[np.ndarray]]:
        cell = cells(block)
        starts = np.flatnonzero(cell[1:] != cell[:-1])
        starts += 1
        starts = np.concatenate([[0], starts])
        image = frame.image[block, col_crop]
        sums = [np.diff(np.append(starts, cell.size)).astype(np.float64)]
        sums += [np.add.reduceat(image[:, :, c].ravel(), starts, dtype=np.float64) for c in range(image.shape[2])]
        sums.append(np.add.reduceat(frame.elevation[block, col_crop].ravel(), starts))
        return cell[starts], sums

    block_rows = max(1, _BLOCK_PIXELS // (col_crop.stop - col_crop.start))
    blocks = [slice(first, min(first + block_rows, rows[-1] + 1)) for first in range(rows[0], rows[-1] + 1, block_rows)]
    if len(blocks) > 1 and _WORKERS > 1:
        with ThreadPoolExecutor(_WORKERS) as pool:
            parts = list(pool.map(runs, blocks))
    else:
        parts = [runs(block) for block in blocks]
    run_cells = [cell for cell, _ in parts]
    run_sums = list(zip(*(sums for _, sums in parts)))
    cell = np.concatenate(run_cells)
    size = n_rows * n_cols
    totals = np.stack([np.bincount(cell, weights=np.concatenate(sums), minlength=size) for sums in run_sums], axis=-1)
    totals = totals.reshape(n_rows, n_cols, -1)[1:-1, 1:-1]
    counts = totals[:, :, 0]
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals[:, :, 1:] / counts[:, :, np.newaxis]
    return means, counts.astype(np.int64)


def _det(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, np.cross(b, c))


def _barycentric(p: np.ndarray, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weights (n, 3) of ``p`` in the spherical triangles ``abc`` and whether ``p`` is inside.

    The weights solve ``p ∝ wa a + wb b + wc c`` normalised to sum 1; they are
    linear interpolation weights in a gnomonic projection.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        total = _det(a, b, c)
        weights = np.stack([_det(p, b, c), _det(a, p, c), _det(a, b, p)], axis=-1) / total[:, np.newaxis]
        inside = np.all(weights >= -_BARYCENTRIC_TOLERANCE, axis=-1) & (weights.sum(axis=-1) > 0)
        weights /= weights.sum(axis=-1, keepdims=True)
    return weights, inside


class _Source:
    """Defined source centers of a frame with a k-d tree over their unit vectors.

    Searches are limited to ``reach``, twice the largest sampled source pixel
    size: no point inside a source pixel (or a triangle of neighbouring
    centers) is farther from its nearest center, and unbounded searches far
    from all data are slow.
    """

    def __init__(self, frame: Mapping) -> None:
        self.frame = frame
        self.pixels = np.flatnonzero(frame.defined)
        vectors = _unit_vectors(frame.lat.ravel()[self.pixels], frame.lon.ravel()[self.pixels])
        self.tree = scipy.spatial.cKDTree(vectors)
        scale = frame.pixel_scale
        largest = max(scale.width.max, scale.height.max, scale.diagonal.max)
        self.reach = 2 * math.sin(math.radians(min(180.0, 2 * largest / 3600.0)) / 2)

    def nearest(self, points: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row, column and existence (n, k) of the ``k`` source centers nearest to each point."""
        k = min(k, len(self.pixels))
        _, index = self.tree.query(points, k=k, distance_upper_bound=self.reach)
        index = index.reshape(len(points), k)
        found = index < len(self.pixels)
        rows, cols = np.divmod(self.pixels[np.where(found, index, 0)], self.frame.shape[1])
        return rows, cols, found

    def inside(self, points: np.ndarray) -> np.ndarray:
        """Whether each point (n, 3) lies in a defined source pixel."""
        rows, cols, found = self.nearest(points, 1)
        frame = self.frame
        rows, cols, found, _ = _walk(points, frame.lat_bounds, frame.lon_bounds, rows[:, 0], cols[:, 0], found[:, 0])
        found[found] = frame.defined[rows[found], cols[found]]
        return found

    def values(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """(n, c + 1) image channels and elevation of source centers."""
        frame = self.frame
        return np.concatenate([frame.image[rows, cols].astype(np.float64), frame.elevation[rows, cols, np.newaxis]], axis=-1)

    def interpolate_nearest(self, points: np.ndarray) -> np.ndarray:
        rows, cols, found = self.nearest(points, 1)
        values = np.full((len(points), self.frame.image.shape[2] + 1), np.nan)
        values[found[:, 0]] = self.values(rows[found[:, 0], 0], cols[found[:, 0], 0])
        return values

    def interpolate_linear(self, points: np.ndarray) -> np.ndarray:
        """Linear interpolation in the triangles of the center grid (two per quad of 4 neighbouring centers)."""
        frame = self.frame
        result = np.full((len(points), frame.image.shape[2] + 1), np.nan)
        if min(frame.shape) < 2:
            return result
        rows, cols, found = self.nearest(points, 1)
        rows, cols, found, triangles = _walk(points, frame.lat, frame.lon, rows[:, 0], cols[:, 0], found[:, 0])
        for triangle, vertices in enumerate(_TRIANGLES):
            todo = np.flatnonzero(found & (triangles == triangle))
            corners = [(rows[todo] + dr, cols[todo] + dc) for dr, dc in vertices]
            weights, _ = _barycentric(points[todo], *(_unit_vectors(frame.lat[r, c], frame.lon[r, c]) for r, c in corners))
            result[todo] = sum(weights[:, i, np.newaxis] * self.values(r, c) for i, (r, c) in enumerate(corners))
        return result


_TRIANGLES = (((0, 0), (0, 1), (1, 1)), ((0, 0), (1, 1), (1, 0)))
"""The two triangles of a quad of grid nodes, as row and column offsets from its top-left node."""
_EDGE_STEPS = np.array([(-1, 0), (1, 0), (0, -1), (0, 1)])
"""The step across the top, bottom, left and right edge of a quad."""


def _walk(
    points: np.ndarray, lat: np.ndarray, lon: np.ndarray, rows: np.ndarray, cols: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The quads of a grid of nodes at ``lat``, ``lon`` (NaN where undefined) that hold ``points`` (unit vectors).

    Quad ``(r, c)`` has the nodes ``(r, c)``, ``(r, c + 1)``, ``(r + 1, c + 1)``
    and ``(r + 1, c)``, split into the two :data:`_TRIANGLES`. Each ``active``
    point walks from quad ``(rows, cols)``: at every step it either lies in one of
    the quad's triangles or jumps by its affine position relative to the quad (at
    least across the nearest edge, at most :data:`_WALK_JUMP`). A walk ends
    without a quad where it would leave the grid or the quad has no estimate
    (undefined nodes). Returns the quad rows, columns, whether it was found and
    which triangle holds the point.
    """
    last_row, last_col = lat.shape[0] - 2, lat.shape[1] - 2
    rows, cols = np.clip(rows, 0, last_row), np.clip(cols, 0, last_col)
    found = np.zeros(len(points), dtype=bool)
    triangles = np.zeros(len(points), dtype=np.int8)
    todo = np.flatnonzero(active)
    for _ in range(_WALK_STEPS):
        if todo.size == 0:
            break
        r, c, p = rows[todo], cols[todo], points[todo]
        tl, tr, br, bl = (_unit_vectors(lat[r + dr, c + dc], lon[r + dr, c + dc]) for dr, dc in ((0, 0), (0, 1), (1, 1), (1, 0)))
        first = _barycentric(p, tl, tr, br)[1]
        hit = first | _barycentric(p, tl, br, bl)[1]
        found[todo[hit]] = True
        triangles[todo[hit]] = np.where(first[hit], 0, 1)
        miss = ~hit
        todo, r, c = todo[miss], r[miss], c[miss]
        u, v = _quad_coordinates(p[miss], tl[miss], tr[miss], br[miss], bl[miss])
        step = np.column_stack([np.floor(v), np.floor(u)])
        stuck = np.isfinite(u) & np.isfinite(v) & (step == 0).all(axis=1)
        step[stuck] = _EDGE_STEPS[np.argmin(np.column_stack([v, 1 - v, u, 1 - u])[stuck], axis=1)]
        moving = np.isfinite(step).all(axis=1)
        step = np.clip(step[moving], -_WALK_JUMP, _WALK_JUMP).astype(np.intp)
        todo, r, c = todo[moving], r[moving] + step[:, 0], c[moving] + step[:, 1]
        within = (r >= 0) & (r <= last_row) & (c >= 0) & (c <= last_col)
        todo = todo[within]
        rows[todo], cols[todo] = r[within], c[within]
    return rows, cols, found, triangles


def _quad_coordinates(p: np.ndarray, tl: np.ndarray, tr: np.ndarray, br: np.ndarray, bl: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Affine position (u across the columns, v down the rows; 0-1 inside) of points ``p`` relative to quads, by least squares."""
    middle = (tl + tr + br + bl) / 4
    across, down = (tr - tl + br - bl) / 2, (bl - tl + br - tr) / 2
    offset = p - middle
    aa, ad, dd = (np.einsum("ij,ij->i", x, y) for x, y in ((across, across), (across, down), (down, down)))
    ao, do = np.einsum("ij,ij->i", across, offset), np.einsum("ij,ij->i", down, offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        determinant = aa * dd - ad * ad
        return (dd * ao - ad * do) / determinant + 0.5, (aa * do - ad * ao) / determinant + 0.5


def _interpolate(frame: Mapping, method: Method, lat_grid: np.ndarray, lon_grid: np.ndarray) -> np.ndarray:
    """(h, w, c + 1) values at the target centers; NaN where a cell corner is outside the footprint."""
    source = _Source(frame)
    corner_lat = (lat_grid[:-1] + lat_grid[1:]) / 2
    corner_lon = (lon_grid[:-1] + lon_grid[1:]) / 2
    corners = _unit_vectors(*np.meshgrid(corner_lat, corner_lon, indexing="ij")).reshape(-1, 3)
    corner_inside = source.inside(corners).reshape(len(corner_lat), len(corner_lon))
    cell_inside = corner_inside[:-1, :-1] & corner_inside[:-1, 1:] & corner_inside[1:, :-1] & corner_inside[1:, 1:]
    center_lat, center_lon = np.meshgrid(lat_grid[1:-1], lon_grid[1:-1], indexing="ij")
    points = _unit_vectors(center_lat[cell_inside], center_lon[cell_inside])
    values = np.full(cell_inside.shape + (frame.image.shape[2] + 1,), np.nan)
    if points.size:
        if method == "nearest":
            values[cell_inside] = source.interpolate_nearest(points)
        else:
            values[cell_inside] = source.interpolate_linear(points)
    return values


# -- assembly ---------------------------------------------------------------------------


def _grid_coordinates(
    lat_grid: np.ndarray, lon_grid: np.ndarray, wrap: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Corner and center 2-D coordinates of the cells of a snapped grid.

    Longitudes are wrapped into (-180, 180] if ``wrap``, else left continuous.
    """
    corner_lon, center_lon = (lon_grid[:-1] + lon_grid[1:]) / 2, lon_grid[1:-1]
    if wrap:
        corner_lon, center_lon = _wrap_lon(corner_lon), _wrap_lon(center_lon)
    corner_lat, corner_lon = np.meshgrid((lat_grid[:-1] + lat_grid[1:]) / 2, corner_lon, indexing="ij")
    center_lat, center_lon = np.meshgrid(lat_grid[1:-1], center_lon, indexing="ij")
    return corner_lat, corner_lon, center_lat, center_lon


def memory_limit() -> int:
    """Bytes one resampling may need: :data:`MEMORY_FRACTION` of the physical memory, else :data:`FALLBACK_MEMORY_LIMIT`."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return FALLBACK_MEMORY_LIMIT
    return int(physical * MEMORY_FRACTION) if physical > 0 else FALLBACK_MEMORY_LIMIT


def _check_memory(boxes: list[BoundingBox], resolution: Resolution, arcsec_per_px: float | None, method: Method, what: str) -> None:
    """Refuse, before anything is allocated, grids whose resampling would need more than :func:`memory_limit`.

    The members of a collection are resampled one after the other while the
    earlier results are kept: the estimate is every result plus the peak of the
    largest grid.
    """
    shapes = [_cells(box, resolution) for box in boxes]
    cells = [rows * columns for rows, columns in shapes]
    largest = max(range(len(cells)), key=cells.__getitem__)
    needed = sum(cells) * _RESULT_BYTES_PER_CELL + cells[largest] * (_BYTES_PER_CELL[method] - _RESULT_BYTES_PER_CELL)
    limit = memory_limit()
    if needed <= limit:
        return
    factor = math.sqrt(needed / limit)  # cells scale with the square of the resolution
    if arcsec_per_px is not None:
        asked, coarser = f"{float(arcsec_per_px):g} arcsec/px", f"{math.ceil(float(arcsec_per_px) * factor):d} arcsec/px or more"
    else:
        asked = f"{resolution.lat:g} x {resolution.lon:g} px/deg"
        coarser = f"{math.floor(min(resolution) / factor * 1000) / 1000:g} px/deg or less"
    rows, columns = shapes[largest]
    raise InputError(
        f"resampling {what} at {asked} needs a grid of {rows} x {columns} cells "
        f"({cells[largest] / 1e6:.1f} million{f', {sum(cells) / 1e6:.1f} million in all' if len(cells) > 1 else ''}) "
        f"and about {needed / 2**30:.1f} GiB with method {method!r}, more than the limit of {limit / 2**30:.1f} GiB "
        f"({MEMORY_FRACTION:.0%} of the physical memory); use a coarser resolution, e.g. {coarser}"
    )


def _check_options(arcsec_per_px: float | None, px_per_deg: Any, grid: str, method: str) -> None:
    if grid not in ("geo", "mag"):
        raise InputError(f"resample grid must be 'geo' or 'mag', got {grid!r}")
    if method not in ("mean", "nearest", "linear"):
        raise InputError(f"resample method must be 'mean', 'nearest' or 'linear', got {method!r}")
    if arcsec_per_px is not None and px_per_deg is not None:
        raise InputError("give either arcsec_per_px or px_per_deg to resample, not both")
    if arcsec_per_px is not None:
        _positive("arcsec_per_px", arcsec_per_px)
    if px_per_deg is not None:
        _as_resolution(px_per_deg)


def _resample_frame(
    mapping: Mapping,
    frame: Mapping,
    box: BoundingBox,
    resolution: Resolution,
    grid: Grid,
    method: Method,
    magnetic_model: str,
    metadata: dict[str, Any],
) -> Mapping:
    start = timing.perf_counter()
    lat_grid, lon_grid = fixed_grid(box, resolution)
    if len(lat_grid) < 3 or len(lon_grid) < 3:
        raise InputError(
            f"mapping {mapping.identifier} is smaller than one target pixel at {resolution.lat:g} x {resolution.lon:g} px/deg"
        )
    if method == "mean":
        values, _ = _bin_mean(frame, box, lat_grid, lon_grid)
    else:
        values = _interpolate(frame, method, lat_grid, lon_grid)
    corner_lat, corner_lon, center_lat, center_lon = _grid_coordinates(lat_grid, lon_grid, wrap=grid == "geo")
    if grid == "mag":
        model = get_magnetic_model(magnetic_model)
        time, altitude = mapping.time, mapping.altitude
        corner_lat, corner_lon = model.from_magnetic(corner_lat, np.mod(corner_lon / 15.0 + 12.0, 24.0), altitude, time)
        center_lat, center_lon = model.from_magnetic(center_lat, np.mod(center_lon / 15.0 + 12.0, 24.0), altitude, time)
    defined = np.isfinite(values[:, :, -1])
    if not defined.any():
        raise InputError(
            f"resampling mapping {mapping.identifier} at {resolution.lat:g} x {resolution.lon:g} px/deg leaves no pixel defined"
        )
    center_lat = np.where(defined, center_lat, np.nan)
    image_values = values[:, :, :-1]
    dtype = mapping.image.dtype
    image = np.clip(np.rint(np.nan_to_num(image_values)), 0, np.iinfo(dtype).max).astype(dtype)
    result = Mapping(
        lat_bounds=corner_lat,
        lon_bounds=corner_lon,
        lat=center_lat,
        lon=center_lon,
        elevation=values[:, :, -1],
        image=image,
        altitude=mapping.altitude,
        time=mapping.time,
        camera_position=mapping.camera_position,
        identifier=mapping.identifier,
        metadata={**mapping.metadata, **metadata},
    )
    log.debug(
        "resampled %s (%s, %s) to %dx%d px in %.3f s",
        mapping.identifier, grid, method, *result.shape, timing.perf_counter() - start,
    )
    return result


def resample(
    mapping: Mapping | MappingCollection,
    *,
    arcsec_per_px: float | None = None,
    px_per_deg: float | Sequence[float] | None = None,
    grid: Grid = "geo",
    method: Method = "mean",
    magnetic_model: str = "dipole",
) -> Mapping | MappingCollection:
    """Resample a mapping (or every member of a collection) onto a plate-carrée grid.

    Parameters
    ----------
    mapping
        A mapping, or a collection whose members are all resampled onto one
        common grid (the resolution follows from the merged bounding box).
    arcsec_per_px
        Target pixel size at the middle of the bounding box, see
        :func:`resolution_for`; the metadata records it as ``resampled_arcsec_per_px``.
    px_per_deg
        Resolution as one number or ``(lat, lon)``; default
        :data:`DEFAULT_PX_PER_DEG` when ``arcsec_per_px`` is not given either.
    grid
        ``"geo"``: geodetic latitude/longitude axes; ``"mag"``: magnetic latitude
        and SM longitude ``(MLT - 12) * 15°`` of ``magnetic_model``.
    method
        ``"mean"`` (rebinning), ``"nearest"`` or ``"linear"``; see the module docstring.
    magnetic_model
        Registered magnetic model used for ``grid="mag"``.

    Returns
    -------
    A new mapping (or collection, without the members that have no pixel left)
    with the same time, altitude, camera position, identifier and metadata, the
    latter extended by ``resampled_grid``, ``resampled_method``,
    ``resampled_px_per_deg_lat``, ``resampled_px_per_deg_lon`` and, if given,
    ``resampled_arcsec_per_px`` and ``resampled_magnetic_model``.

    Raises
    ------
    InputError
        For an invalid option, both ``arcsec_per_px`` and ``px_per_deg``, a
        mapping that would have no pixel left (e.g. smaller than one target
        pixel), or a grid so fine that resampling would need more than
        :func:`memory_limit` (checked before anything is allocated; the message
        names the grid, the memory and a coarser resolution that fits).
    """
    _check_options(arcsec_per_px, px_per_deg, grid, method)
    collection = mapping if isinstance(mapping, MappingCollection) else None
    members = [m for m in collection if m.defined.any()] if collection is not None else [mapping]
    frames = [_to_magnetic_frame(m, magnetic_model) if grid == "mag" else m for m in members]
    boxes = [frame.bounding_box for frame in frames]
    if not boxes:  # a collection without any defined pixel
        return collection.with_members([])  # type: ignore[union-attr]
    metadata: dict[str, Any] = {"resampled_grid": grid, "resampled_method": method}
    if grid == "mag":
        metadata["resampled_magnetic_model"] = magnetic_model
    if arcsec_per_px is not None:
        resolution = resolution_for(BoundingBox.merged(boxes), arcsec_per_px, spherical=grid == "mag")
        metadata["resampled_arcsec_per_px"] = float(arcsec_per_px)
    else:
        resolution = _as_resolution(DEFAULT_PX_PER_DEG if px_per_deg is None else px_per_deg)
    metadata["resampled_px_per_deg_lat"] = resolution.lat
    metadata["resampled_px_per_deg_lon"] = resolution.lon
    what = f"mapping {members[0].identifier}" if collection is None else f"collection {collection.identifier}"
    _check_memory(boxes, resolution, arcsec_per_px, method, what)
    if collection is None:
        return _resample_frame(members[0], frames[0], boxes[0], resolution, grid, method, magnetic_model, metadata)
    results = []
    for member, frame, box in zip(members, frames, boxes):
        try:
            results.append(_resample_frame(member, frame, box, resolution, grid, method, magnetic_model, metadata))
        except InputError as error:  # options were checked: the member is too small for the grid
            log.info("dropping %s from collection %s: %s", member.identifier, collection.identifier, error)
    return collection.with_members(results)
