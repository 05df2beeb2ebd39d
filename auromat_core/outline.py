"""Outlines, centroids and pixel scales of mappings on pixel-corner grids.

Grids follow the mapping convention: corner arrays are ``(h+1, w+1)`` with row 0
at the image top, undefined corners are NaN (or masked).
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse
import scipy.spatial
from scipy.sparse import csgraph

from . import geodesy
from .errors import InputError
from .geodesy import Location

__all__ = [
    "DEFAULT_PIXEL_SAMPLE",
    "PixelScale",
    "PixelScales",
    "centroid_latlon",
    "convex_hull_indices",
    "outline_indices",
    "outline_regions",
    "pixel_scales",
    "polygon_area",
    "polygon_centroid",
]

log = logging.getLogger(__name__)

DEFAULT_PIXEL_SAMPLE = 100_000
"""Pixels (evenly sampled among the fully defined ones) used by :func:`pixel_scales`."""

# Directions of travel along pixel edges as (d_row, d_col): east, south, west, north.
# An edge is walked with the defined pixel on its right as seen on screen (rows
# down), so outer contours run clockwise on screen.
_STEP = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]])
# Offsets from an edge's start vertex to the defined pixel on its right.
_INSIDE = np.array([[0, 0], [0, -1], [-1, -1], [-1, 0]])
# Offsets from an edge's end vertex to the pixels ahead-left and ahead-right.
_AHEAD_LEFT = np.array([[-1, 0], [0, 0], [0, -1], [-1, -1]])
_AHEAD_RIGHT = np.array([[0, 0], [0, -1], [-1, -1], [-1, 0]])


class _Contours(NamedTuple):
    successor: np.ndarray
    labels: np.ndarray
    area: np.ndarray
    row: np.ndarray
    col: np.ndarray
    direction: np.ndarray


class PixelScale(NamedTuple):
    """Statistics of one pixel dimension in arcseconds."""

    mean: float
    median: float
    min: float
    max: float


class PixelScales(NamedTuple):
    """Angular pixel sizes: top edge (width), right edge (height) and TL→BR diagonal."""

    width: PixelScale
    height: PixelScale
    diagonal: PixelScale


def _nan_filled(values: npt.ArrayLike) -> np.ndarray:
    return np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan)


def _trace(mask: npt.ArrayLike) -> _Contours:
    """Trace every contour of the defined region of a boolean grid.

    Follows the pixel edges between defined and undefined pixels (all found at
    once with array operations) and links each edge to its successor, so the
    work is proportional to the grid size only for the first, vectorised step.
    Defined pixels touching diagonally are connected (8-connectivity), holes are
    ignored.

    Parameters
    ----------
    mask
        ``(H, W)`` boolean, True where a corner (pixel of the grid) is defined.

    Returns
    -------
    _Contours
        The edges with their successors; each contour is a cycle, labelled,
        and outer contours have positive area.

    Raises
    ------
    InputError
        If nothing is defined.
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise InputError(f"outline mask must be 2-D, got shape {mask.shape}")
    padded = np.zeros((mask.shape[0] + 2, mask.shape[1] + 2), dtype=bool)
    padded[1:-1, 1:-1] = mask
    width = padded.shape[1]

    # horizontal edges between rows r and r+1 (on vertex row r+1), vertical edges
    # between columns c and c+1 (on vertex column c+1)
    horizontal = np.flatnonzero(padded[:-1] != padded[1:])
    vertical = np.flatnonzero(padded[:, :-1] != padded[:, 1:])
    if horizontal.size == 0:
        raise InputError("cannot outline a mask without any defined value")
    h_row, h_col = np.divmod(horizontal, width)
    v_row, v_col = np.divmod(vertical, width - 1)
    below_inside = padded[h_row + 1, h_col]
    left_inside = padded[v_row, v_col]
    # start vertex and direction of each edge
    row = np.concatenate([h_row + 1, h_row + 1, v_row, v_row + 1])
    col = np.concatenate([h_col, h_col + 1, v_col + 1, v_col + 1])
    direction = np.repeat([0, 2, 1, 3], [h_row.size, h_row.size, v_row.size, v_row.size])
    keep = np.concatenate([below_inside, ~below_inside, left_inside, ~left_inside])
    row, col, direction = row[keep], col[keep], direction[keep]

    # successor: turn left if the pixel ahead-left is defined, else go straight if
    # the pixel ahead-right is defined, else turn right
    end_row, end_col = row + _STEP[direction, 0], col + _STEP[direction, 1]
    ahead_left = padded[end_row + _AHEAD_LEFT[direction, 0], end_col + _AHEAD_LEFT[direction, 1]]
    ahead_right = padded[end_row + _AHEAD_RIGHT[direction, 0], end_col + _AHEAD_RIGHT[direction, 1]]
    turn = np.where(ahead_left, -1, np.where(ahead_right, 0, 1))
    keys = (row * width + col) * 4 + direction
    next_keys = (end_row * width + end_col) * 4 + (direction + turn) % 4
    order = np.argsort(keys)
    successor = order[np.searchsorted(keys, next_keys, sorter=order)]

    # each contour is a cycle of edges; outer contours have positive shoelace area
    n = row.size
    graph = scipy.sparse.csr_array(
        (np.ones(n, dtype=np.int8), (np.arange(n), successor)), shape=(n, n)
    )
    count, labels = csgraph.connected_components(graph, directed=True, connection="weak")
    area = np.bincount(labels, weights=(col * end_row - end_col * row) / 2, minlength=count)
    return _Contours(successor, labels, area, row, col, direction)


def _steps_to_start(successor: np.ndarray, is_start: np.ndarray) -> np.ndarray:
    """For every edge, the steps along ``successor`` to the start edge of its cycle (pointer jumping)."""
    jump = np.where(is_start, np.arange(len(successor)), successor)
    steps = (~is_start).astype(np.int64)
    while not is_start[jump].all():
        steps += steps[jump]
        jump = jump[jump]
    return steps


def _contour_pixels(contours: _Contours, wanted: np.ndarray) -> list[np.ndarray]:
    """The boundary pixels of each contour label in ``wanted``, in contour order (see :func:`outline_indices`).

    All wanted contours are ordered at once: each starts at its top-left-most
    edge, and an edge's position is the number of steps from that start, found
    by pointer jumping over the successor permutation in O(n log n).
    """
    rank = np.full(len(contours.area), -1)
    rank[wanted] = np.arange(len(wanted))
    chosen = np.flatnonzero(rank[contours.labels] >= 0)
    local = np.empty(len(contours.labels), dtype=np.intp)
    local[chosen] = np.arange(len(chosen))
    successor = local[contours.successor[chosen]]
    region = rank[contours.labels[chosen]]
    row, col, direction = contours.row[chosen], contours.col[chosen], contours.direction[chosen]
    by_region = np.lexsort((col, row, region))
    is_start = np.zeros(len(chosen), dtype=bool)
    is_start[by_region[np.r_[True, region[by_region][1:] != region[by_region][:-1]]]] = True
    length = np.bincount(region, minlength=len(wanted))
    position = (length[region] - _steps_to_start(successor, is_start)) % length[region]
    edges = np.lexsort((position, region))
    inside = _INSIDE[direction[edges]]
    pixels = np.column_stack([row[edges] + inside[:, 0] - 1, col[edges] + inside[:, 1] - 1])
    starts = np.cumsum(np.r_[0, length[:-1]])
    following = np.arange(1, len(edges) + 1)
    following[starts + length - 1] = starts  # the last edge of a contour is followed by its first
    distinct = np.any(pixels != pixels[following], axis=1)
    regions = []
    for start, size in zip(starts, length):
        block, keep = pixels[start : start + size], distinct[start : start + size]
        regions.append(block[keep] if keep.any() else block[:1])
    return regions


def outline_regions(mask: npt.ArrayLike) -> list[np.ndarray]:
    """Outer contours of every separate defined region, largest area first.

    Each contour is as described for :func:`outline_indices`.
    """
    contours = _trace(mask)
    outer = np.flatnonzero(contours.area > 0)
    return _contour_pixels(contours, outer[np.argsort(-contours.area[outer], kind="stable")])


def outline_indices(mask: npt.ArrayLike) -> np.ndarray:
    """Trace the outer contour of the defined region of a boolean grid.

    Follows the pixel edges between defined and undefined pixels (all found at
    once with array operations) and links each edge to its successor.
    Defined pixels touching diagonally are connected (8-connectivity), holes are
    ignored, and of several separate regions the one with the largest area is
    returned (a warning is logged; see :func:`outline_regions` for all).

    Parameters
    ----------
    mask
        ``(H, W)`` boolean, True where a corner (pixel of the grid) is defined.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` int ``[row, col]`` of the boundary pixels in contour order,
        clockwise on screen (rows down), starting at the top-left-most one and
        not repeating it at the end. Consecutive entries are 8-neighbours;
        pixels on one-pixel-wide parts appear once per pass.

    Raises
    ------
    InputError
        If nothing is defined.
    """
    contours = _trace(mask)
    regions = np.count_nonzero(contours.area > 0)
    if regions > 1:
        log.warning("the mask has %d separate regions; outlining the largest", regions)
    return _contour_pixels(contours, np.array([np.argmax(contours.area)]))[0]


def convex_hull_indices(outline: npt.ArrayLike) -> np.ndarray:
    """Convex hull vertices of an ``(n, 2)`` outline, counterclockwise in its axes.

    Degenerate outlines (fewer than three points, or all on a line) give their
    distinct points, or the two end points of the line.
    """
    points = np.asarray(outline)
    unique = np.unique(points.reshape(-1, 2), axis=0)
    if len(unique) < 3:
        return unique
    try:
        hull = scipy.spatial.ConvexHull(points)
    except scipy.spatial.QhullError:
        return unique[[0, -1]]
    return points[hull.vertices]


def _shoelace(points: npt.ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vertices relative to their mean, their edge cross products, and that mean."""
    p = np.asarray(points, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2 or len(p) == 0:
        raise InputError(f"a polygon must be a non-empty (n, 2) array of vertices, got {p.shape}")
    origin = p.mean(axis=0)
    p = p - origin
    q = np.roll(p, -1, axis=0)
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    return p, q, cross, origin


def polygon_area(points: npt.ArrayLike) -> float:
    """Area of a simple planar polygon given by its ``(n, 2)`` unclosed vertices."""
    _, _, cross, _ = _shoelace(points)
    return float(abs(cross.sum()) / 2)


def polygon_centroid(points: npt.ArrayLike) -> tuple[float, float]:
    """Area centroid of a simple planar polygon given by its ``(n, 2)`` unclosed vertices.

    A polygon of zero area gives the mean of its vertices.
    """
    p, q, cross, origin = _shoelace(points)
    twice_area = cross.sum()
    if twice_area == 0:
        return float(origin[0]), float(origin[1])
    centroid = ((p + q) * cross[:, None]).sum(axis=0) / (3 * twice_area) + origin
    return float(centroid[0]), float(centroid[1])


def _to_unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Directions from the Earth's center to geodetic positions on the ellipsoid."""
    psi = np.arctan((1 - geodesy.WGS84.es) * np.tan(np.deg2rad(lat)))  # geocentric latitude
    lam = np.deg2rad(lon)
    return np.column_stack([np.cos(psi) * np.cos(lam), np.cos(psi) * np.sin(lam), np.sin(psi)])


def _spherical_centroid(outline_latlon: np.ndarray) -> Location:
    """Centroid of the smaller of the two regions an outline bounds on the sphere.

    The area-weighted mean direction of a region is ``∮ r × dr / 2`` over its
    boundary, i.e. the sum over great-circle edges of ``angle · unit normal / 2``.
    """
    v = _to_unit_vectors(outline_latlon[:, 0], outline_latlon[:, 1])
    w = np.roll(v, -1, axis=0)
    normal = np.cross(v, w)
    sin_angle = np.linalg.norm(normal, axis=1)
    angle = np.arctan2(sin_angle, np.einsum("ij,ij->i", v, w))
    scale = np.divide(angle, sin_angle, out=np.zeros_like(angle), where=sin_angle > 0)
    moment = (normal * scale[:, None]).sum(axis=0) / 2
    if moment @ v.mean(axis=0) < 0:
        moment = -moment
    x, y, z = moment
    psi = np.arctan2(z, np.hypot(x, y))
    lat = np.rad2deg(np.arctan(np.tan(psi) / (1 - geodesy.WGS84.es)))
    return Location(float(lat), float(np.rad2deg(np.arctan2(y, x))))


def centroid_latlon(
    outline_latlon: npt.ArrayLike, contains_pole: bool, crosses_antimeridian: bool | None = None
) -> Location:
    """Centroid of a mapping from its outline.

    Without a pole: the area centroid of the outline as a planar polygon in
    (lat, lon) degrees, as in the reference; across the antimeridian the
    longitudes are shifted by 180° for the computation and back.

    With a pole inside (where the reference raised): the area centroid on the
    sphere, from the boundary integral ``∮ r × dr / 2`` over the outline's
    great-circle edges in geocentric directions, converted back to geodetic
    latitude. It is exact for the spherical polygon and needs no unwrapping.

    Parameters
    ----------
    outline_latlon
        ``(n, 2)`` ``[lat, lon]`` of the outline in contour order.
    contains_pole
        Whether the outline contains or crosses a pole (see the bounding box).
    crosses_antimeridian
        Whether the outline straddles ±180°; None detects it as a longitude
        spread over 180° (mappings are smaller than 180°).
    """
    outline = np.asarray(outline_latlon, dtype=np.float64)
    if outline.ndim != 2 or outline.shape[1] != 2 or len(outline) == 0:
        raise InputError(f"outline must be a non-empty (n, 2) array of [lat, lon], got {outline.shape}")
    if not np.all(np.isfinite(outline)):
        raise InputError("outline coordinates must be finite (no undefined corners)")
    if contains_pole:
        return _spherical_centroid(outline)
    lons = outline[:, 1]
    if crosses_antimeridian is None:
        crosses_antimeridian = bool(lons.max() - lons.min() > 180.0)
    if not crosses_antimeridian:
        return Location(*polygon_centroid(outline))
    shifted = (lons + 360.0) % 360.0 - 180.0
    lat, lon = polygon_centroid(np.column_stack([outline[:, 0], shifted]))
    return Location(lat, float((lon + 360.0) % 360.0 - 180.0))


def _stats(arcsec: np.ndarray) -> PixelScale:
    return PixelScale(
        float(arcsec.mean()), float(np.median(arcsec)), float(arcsec.min()), float(arcsec.max())
    )


def pixel_scales(
    lat_bounds: npt.ArrayLike, lon_bounds: npt.ArrayLike, sample: int | None = None
) -> PixelScales:
    """Angular pixel sizes in arcseconds over the fully defined pixels.

    Width is the auxiliary-sphere arc (geographiclib's ``a12``) from the top-left
    to the top-right corner, height from the top-right to the bottom-right,
    diagonal from the top-left to the bottom-right.

    Parameters
    ----------
    lat_bounds, lon_bounds
        ``(h+1, w+1)`` corner degrees; NaN or masked where undefined. Pixels with
        any undefined corner are skipped.
    sample
        At most this many pixels are measured; None means
        :data:`DEFAULT_PIXEL_SAMPLE` (100 000: three inverse geodesics per pixel
        take about 0.15 s on one core). Grids with more than four times as many
        pixels are first thinned to every k-th row and column (k as large as
        keeps at least that many), then the fully defined pixels are sampled
        evenly in row-major order. Pass ``h * w`` to use every pixel.

    Raises
    ------
    InputError
        If the shapes differ, or no pixel has four defined corners.
    """
    lat = _nan_filled(lat_bounds)
    lon = _nan_filled(lon_bounds)
    if lat.shape != lon.shape or lat.ndim != 2 or min(lat.shape) < 2:
        raise InputError(
            f"corner arrays must share one (h+1, w+1) shape, got {lat.shape} and {lon.shape}"
        )
    limit = DEFAULT_PIXEL_SAMPLE if sample is None else sample
    if limit < 1:
        raise InputError(f"sample must be a positive pixel count, got {sample}")
    # on large grids look only at every stride-th row and column, keeping about
    # four times the sample so that a partly defined frame still fills it
    stride = max(1, math.isqrt((lat.shape[0] - 1) * (lat.shape[1] - 1) // (4 * limit)))
    # corner rows/columns: first = top/left of each pixel, second = bottom/right
    first, second = slice(None, -1, stride), slice(1, None, stride)
    tl, tr, br, bl = (
        (lat[rows, cols], lon[rows, cols])
        for rows, cols in ((first, first), (first, second), (second, second), (second, first))
    )
    full = np.logical_and.reduce([np.isfinite(a) for corner in (tl, tr, br, bl) for a in corner])
    pixels = np.flatnonzero(full)
    if pixels.size == 0:
        raise InputError("no pixel has four defined corners; cannot compute pixel scales")
    if pixels.size > limit:
        pixels = pixels[np.round(np.linspace(0, pixels.size - 1, limit)).astype(np.intp)]
    log.debug("pixel scales from %d pixels (grid stride %d)", pixels.size, stride)
    index = np.unravel_index(pixels, full.shape)
    # one inverse solution over the three edge sets: TL->TR, TR->BR, TL->BR
    (tl_lat, tl_lon), (tr_lat, tr_lon), (br_lat, br_lon) = (
        (a[index], b[index]) for a, b in (tl, tr, br)
    )
    arcsec = 3600.0 * geodesy.angular_distance_deg(
        np.concatenate([tl_lat, tr_lat, tl_lat]),
        np.concatenate([tl_lon, tr_lon, tl_lon]),
        np.concatenate([tr_lat, br_lat, br_lat]),
        np.concatenate([tr_lon, br_lon, br_lon]),
    )
    width, height, diagonal = np.split(arcsec, 3)
    return PixelScales(_stats(width), _stats(height), _stats(diagonal))
