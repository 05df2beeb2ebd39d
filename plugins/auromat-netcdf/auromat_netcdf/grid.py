"""Grid layouts of CF files: 1-D axes for plate-carrée mappings, 4-vertex bounds for pixel grids."""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Protocol

import numpy as np

VERTEX_ORDERS = {
    "A": ((0, 0), (0, 1), (1, 1), (1, 0)),
    "B": ((0, 0), (1, 0), (1, 1), (0, 1)),
}
"""Corner offsets ``(dy, dx)`` of the 4 vertices of pixel ``(y, x)``, per vertex order."""


MLT_PERIOD_HOURS = 24.0
"""Period of magnetic local time."""


def wrap_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes wrapped into (-180, 180]."""
    return 180.0 - np.mod(180.0 - lon, 360.0)


class Axes(NamedTuple):
    """1-D axes of a plate-carrée mapping (longitudes continuous across the antimeridian)."""

    lat: np.ndarray
    lon: np.ndarray
    lat_edges: np.ndarray
    lon_edges: np.ndarray


def _line_values(values: np.ndarray, axis: int) -> np.ndarray | None:
    """The one value per row (axis 1) or column (axis 0) of ``values``, NaN where none; None if not constant."""
    defined = np.isfinite(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanmin(values, axis=axis), np.nanmax(values, axis=axis)
    if not np.array_equal(low, high, equal_nan=True):
        return None
    return np.where(defined.any(axis=axis), low, np.nan)


def _fill_regular(values: np.ndarray) -> np.ndarray | None:
    """``values`` with NaN entries filled along the straight line through the defined ones."""
    known = np.flatnonzero(np.isfinite(values))
    if known.size < 2:
        return None
    if known.size == values.size:
        return values
    step = (values[known[-1]] - values[known[0]]) / (known[-1] - known[0])
    index = np.arange(values.size)
    filled = values[known[0]] + (index - known[0]) * step
    inner = (index > known[0]) & (index < known[-1])
    filled[inner] = np.interp(index[inner], known, values[known])
    filled[known] = values[known]
    return filled


def _unwrapped(lon: np.ndarray) -> np.ndarray:
    """Defined longitudes continued eastward past 180° (NaN kept)."""
    known = np.flatnonzero(np.isfinite(lon))
    out = lon.copy()
    if known.size:
        steps = np.mod(np.diff(lon[known]), 360.0)
        out[known] = lon[known[0]] + np.concatenate([[0.0], np.cumsum(steps)])
    return out


def plate_carree_axes(lat_bounds: np.ndarray, lon_bounds: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> Axes | None:
    """1-D axes that reproduce the mapping's coordinates exactly, or None if there are none.

    Every row must have a single latitude and every column a single longitude
    (undefined entries ignored), both strictly monotonic; rows or columns
    without any defined value are filled along the regular grid. Stored
    longitudes continue past 180° across the antimeridian; :func:`wrap_lon` of
    them must give back the mapping's values bit for bit.
    """
    lines = [
        _line_values(lat, 1), _line_values(lon, 0), _line_values(lat_bounds, 1), _line_values(lon_bounds, 0),
    ]
    if any(line is None for line in lines):
        return None
    center_lat, center_lon, edge_lat, edge_lon = lines
    center_lon, edge_lon = _unwrapped(center_lon), _unwrapped(edge_lon)
    filled = [_fill_regular(line) for line in (center_lat, center_lon, edge_lat, edge_lon)]
    if any(line is None for line in filled):
        return None
    axes = Axes(*filled)
    for values, original, decreasing in (
        (axes.lat, center_lat, True), (axes.lat_edges, edge_lat, True),
        (axes.lon, lines[1], False), (axes.lon_edges, lines[3], False),
    ):
        steps = np.diff(values)
        if not ((steps < 0).all() if decreasing else (steps > 0).all()):
            return None
        decoded = values if decreasing else wrap_lon(values)
        known = np.isfinite(original)
        if not np.array_equal(decoded[known], original[known]):
            return None
    if not (np.all(axes.lat_edges[:-1] > axes.lat) and np.all(axes.lat > axes.lat_edges[1:])):
        return None
    return axes


ORDER_SAMPLE_LINES = 128
"""Pixel rows and columns (evenly spaced) on whose signed areas the vertex order of a grid is decided."""


def vertex_order(lat_bounds: np.ndarray, lon_bounds: np.ndarray) -> str:
    """The vertex order (``"A"`` or ``"B"``) that runs anticlockwise seen from above (CF 7.1).

    Decided by the majority of the signed areas of the defined pixels in a
    local east/north plane, on up to :data:`ORDER_SAMPLE_LINES` evenly spaced
    pixel rows and columns; ``"A"`` (top-left, top-right, bottom-right,
    bottom-left) when undecidable.
    """
    h, w = lat_bounds.shape[0] - 1, lat_bounds.shape[1] - 1
    rows, columns = (max(1, -(-n // ORDER_SAMPLE_LINES)) for n in (h, w))
    tl_lat, tl_lon = lat_bounds[:-1:rows, :-1:columns], lon_bounds[:-1:rows, :-1:columns]
    with np.errstate(invalid="ignore"):
        east_scale = np.cos(np.radians(tl_lat))

        def local(dy: int, dx: int) -> tuple[np.ndarray, np.ndarray]:
            window = slice(dy, dy + h, rows), slice(dx, dx + w, columns)
            corner_lat, corner_lon = lat_bounds[window], lon_bounds[window]
            east = corner_lon - tl_lon
            east += 180.0
            np.mod(east, 360.0, out=east)
            east -= 180.0
            east *= east_scale
            return east, corner_lat - tl_lat

        br_x, br_y = local(1, 1)
        tr_x, tr_y = local(0, 1)
        bl_x, bl_y = local(1, 0)
        area = br_x * (bl_y - tr_y) - br_y * (bl_x - tr_x)
        votes = np.sign(area[np.isfinite(area)]).sum()
    return "B" if votes < 0 else "A"


def vertices(corners: np.ndarray, rows: slice, order: str) -> np.ndarray:
    """``(rows, w, 4)`` vertex array of pixel rows ``rows`` from an ``(h+1, w+1)`` corner grid."""
    w = corners.shape[1] - 1
    return np.stack(
        [corners[rows.start + dy : rows.stop + dy, dx : dx + w] for dy, dx in VERTEX_ORDERS[order]], axis=-1
    )


def unwrap_vertices(block: np.ndarray, centers: np.ndarray, period: float) -> np.ndarray:
    """Vertices ``(rows, w, 4)`` of a cyclic coordinate shifted by ``period`` where more than half a period from their pixel's center.

    A vertex above its center is shifted down (exactly, for values of at least half
    the period), one below it up.
    """
    offset = block - centers[..., np.newaxis]
    half = 0.5 * period
    return np.where(offset > half, block - period, np.where(offset < -half, block + period, block)).astype(block.dtype, copy=False)


class VertexArray(Protocol):
    """An ``(h, w, 4)`` array of pixel vertices read in slices: a numpy array, or a view of a file variable."""

    shape: tuple[int, ...]

    def __getitem__(self, key: Any) -> np.ndarray:
        """The values of a slice, as float64 with NaN where undefined."""
        ...


def corners_from_vertices(bounds: VertexArray) -> np.ndarray:
    """``(h+1, w+1)`` corner grid from an ``(h, w, 4)`` vertex array in either vertex order.

    Corner ``(y, x)`` is the top-left vertex of pixel ``(y, x)``; the last row
    and column of corners come from the bottom and right vertices of the last
    pixel row and column. Which vertex is the top-right one (order ``"A"`` or
    ``"B"``) is the one under which neighbouring pixels agree on their shared
    corners (NaN-aware), judged on the pixel row with the most defined vertices,
    else on the whole array; ties give ``"A"``. Of a file variable chunked by
    vertex this reads the top-left and top-right vertices, plus single rows.
    """
    h, w = bounds.shape[:2]
    top_left = bounds[:, :, 0]
    row = int(np.argmax(np.isfinite(top_left).sum(axis=1)))
    votes = _votes(bounds[row : row + 1, :, 1], bounds[row : row + 1, :, 3], top_left[row : row + 2])
    if votes[0] == votes[1]:
        votes = _votes(bounds[:, :, 1], bounds[:, :, 3], top_left)
    order = VERTEX_ORDERS["B" if votes[1] > votes[0] else "A"]
    corners = np.full((h + 1, w + 1), np.nan)
    corners[:h, :w] = top_left
    corners[h, :w] = bounds[h - 1, :, order.index((1, 0))]
    corners[:h, w] = bounds[:, w - 1, order.index((0, 1))]
    corners[h, w] = bounds[h - 1, w - 1, order.index((1, 1))]
    return corners


def _votes(first: np.ndarray, third: np.ndarray, top_left: np.ndarray) -> tuple[int, int]:
    """Shared corners agreeing under orders A and B, from vertices 1 and 3 of ``n`` pixel rows.

    ``top_left`` holds the top-left vertices of the same rows and of the row below them, if any.
    """
    rows, next_rows = first.shape[0], top_left.shape[0] - 1

    def agreement(a: np.ndarray, b: np.ndarray) -> int:
        both = np.isfinite(a) & np.isfinite(b)
        return int((a[both] == b[both]).sum())

    def votes(top_right: np.ndarray, bottom_left: np.ndarray) -> int:
        return agreement(top_right[:, :-1], top_left[:rows, 1:]) + agreement(bottom_left[:next_rows], top_left[1 : next_rows + 1])

    return votes(first, third), votes(third, first)
