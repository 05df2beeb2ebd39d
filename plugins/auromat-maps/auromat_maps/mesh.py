"""Draw mappings as quad meshes whose level of detail is chosen when the figure is drawn.

Pixel corners are projected once with the axes' projection. Agg's
non-antialiased fill drops the output pixels to which a polygon adds less
than 1/256 of a pixel (coverage is counted in 1/256ths), so a tiling of quads
far thinner than an output pixel, as of a full-resolution photo on a small
map, paints nothing in places or at all (measured: affine tilings 0.06 px
thick paint nothing, 0.07 px thick everything, in any orientation). Each time
the figure is drawn, so at its final dpi, every pixel therefore gets the
finest block of ``2**i`` rows by ``2**j`` columns whose quad is at least
:data:`MIN_QUAD_PX` output pixels thick across both directions (measured from
the projected corners with the axes' data-to-display transform). The blocks
that pixels need are drawn level by level, coarse first and fine on top, each
in the mean colour of its defined pixels (gray values are averaged before the
colormap). Rows and columns are coarsened independently, so the long, thin
quads near the horizon keep their length. Where every quad is thick enough
(all-sky frames, resampled mappings) only the full-resolution mesh is drawn,
exactly as before.

Undefined pixels are transparent. Where mappings of a collection overlap,
higher elevations are painted last: the pixels inside another member's convex
outline are drawn as one polygon collection of the same blocks, sorted by
(block mean) elevation.

On plain longitude/latitude axes (``lon_axis``), longitudes are unwrapped
about a reference, so a quad across the opposite meridian would span the
whole width: such quads are drawn as their own polygons, unwrapped per quad,
and a quad around a pole as what it covers in plate carrée, all longitudes up
to that pole.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.artist import Artist, allow_rasterization
from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.collections import PolyCollection, QuadMesh
from scipy import ndimage

from auromat_core import BoundingBox, InputError, Mapping, MappingCollection

from .figures import members

Projector = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``(lon, lat) -> (x, y)`` in the axes' data coordinates."""

GRID_TOLERANCE_DEG = 1e-6
"""Largest spread of a row's latitudes (a column's longitudes) of a regular lat/lon grid."""

MIN_QUAD_PX = 0.15
"""Thinnest quad drawn, in output pixels: over twice the 1/16 px below which Agg's tilings break up.

Not larger: thicker blocks would average away detail that Agg draws
correctly (a mapping resampled at 100"/px on a 40 dpi map has quads down to
0.15 px thick), and blocks across the edge of the data would spill further.
"""

BAND_ROWS = 128
"""Pixel rows measured at a time (bounds the memory of measuring a full-resolution photo)."""

_EXPONENT_BASE = 32
"""Level codes are ``row_exponent * 32 + column_exponent`` (exponents < 32)."""
_NO_LEVEL = _EXPONENT_BASE**2
"""Level code of pixels that are not drawn."""


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

    def block_rgba(self, mapping: Mapping, rows: slice, cols: slice, keep: np.ndarray, kr: int, kc: int) -> np.ndarray:
        """(ceil(h / kr), ceil(w / kc), 4) uint8 mean colours of blocks of a window of ``mapping``.

        Only the pixels where ``keep`` (the window's (h, w) mask) is True are
        averaged; blocks without any are transparent.
        """
        count = _block_sum(keep, kr, kc, np.uint32)
        divisor = np.maximum(count, 1)
        image = mapping.image[rows, cols]
        if image.shape[2] == 1:
            mean = _block_sum(np.where(keep, image[:, :, 0], 0), kr, kc, np.float64) / divisor
            colors = self.cmap(np.clip((mean - self.vmin) / (self.vmax - self.vmin), 0.0, 1.0), bytes=True)
        else:
            total = _block_sum(np.where(keep[:, :, np.newaxis], mapping.rgb[rows, cols], 0), kr, kc, np.uint32)
            colors = np.empty(count.shape + (4,), dtype=np.uint8)
            colors[:, :, :3] = np.rint(total / divisor[:, :, np.newaxis])
        colors[:, :, 3] = np.where(count > 0, 255, 0)
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


def _block_sum(values: np.ndarray, kr: int, kc: int, dtype: type) -> np.ndarray:
    """Sums of ``values`` over blocks of ``kr`` rows by ``kc`` columns (the last ones may be smaller).

    The axis with the larger block is reduced first, so the intermediate array stays small.
    """
    for axis, k in sorted(((0, kr), (1, kc)), key=lambda item: -item[1]):
        if k > 1 or values.dtype != dtype:
            values = np.add.reduceat(values, np.arange(0, values.shape[axis], k), axis=axis, dtype=dtype)
    return values


def _wrap_deg(delta: np.ndarray) -> np.ndarray:
    """Longitude differences in ``[-180, 180)``."""
    return (delta + 180.0) % 360.0 - 180.0


def _exponent(thickness: np.ndarray, top: int) -> np.ndarray:
    """Smallest ``e`` (uint8, at most ``top``) with ``2**e * thickness >= MIN_QUAD_PX``; 0 for degenerate quads."""
    with np.errstate(divide="ignore", invalid="ignore"):
        exponent = np.ceil(np.log2(MIN_QUAD_PX / thickness))
    exponent[~(np.isfinite(exponent) & (exponent > 0))] = 0
    return np.minimum(exponent, top).astype(np.uint8)


def level_codes(x: np.ndarray, y: np.ndarray, linear: np.ndarray, *, lon_axis: bool = False) -> np.ndarray:
    """(h, w) uint16 level code ``i * 32 + j`` per quad of (h+1, w+1) corners: blocks of ``2**i`` x ``2**j``.

    ``linear`` is the 2 x 2 linear part of the data-to-display transform. A
    quad's thickness across its rows is its display area over the length of
    its mid-line along the row (the same across its columns); a block of
    ``kr`` x ``kc`` quads of a smooth grid is ``kr`` (``kc``) times as thick.
    With ``lon_axis``, x differences are taken modulo 360 degrees.
    """
    h, w = x.shape[0] - 1, x.shape[1] - 1
    top = min(int(np.ceil(np.log2(max(h, w, 1)))), _EXPONENT_BASE - 1)
    codes = np.empty((h, w), dtype=np.uint16)
    (a, b), (c, d) = linear
    for start in range(0, h, BAND_ROWS):
        xs, ys = x[start:start + BAND_ROWS + 1], y[start:start + BAND_ROWS + 1]
        dx_row, dy_row = np.diff(xs, axis=1), np.diff(ys, axis=1)
        dx_col, dy_col = np.diff(xs, axis=0), np.diff(ys, axis=0)
        if lon_axis:
            dx_row, dx_col = _wrap_deg(dx_row), _wrap_deg(dx_col)
        ux, uy = dx_row[:-1] + dx_row[1:], dy_row[:-1] + dy_row[1:]
        vx, vy = dx_col[:, :-1] + dx_col[:, 1:], dy_col[:, :-1] + dy_col[:, 1:]
        ux, uy = a * ux + b * uy, c * ux + d * uy
        vx, vy = a * vx + b * vy, c * vx + d * vy
        area = np.abs(ux * vy - uy * vx) / 4.0
        with np.errstate(divide="ignore", invalid="ignore"):
            across_rows = area / (np.hypot(ux, uy) / 2.0)
            across_cols = area / (np.hypot(vx, vy) / 2.0)
        codes[start:start + BAND_ROWS] = _exponent(across_rows, top).astype(np.uint16) * _EXPONENT_BASE
        codes[start:start + BAND_ROWS] += _exponent(across_cols, top)
    return codes


def _seam_polygons(qx: np.ndarray, qy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plate-carrée polygons (m, 7, 2) of quads (n, 4) whose longitudes wrap, and the quad of each.

    A quad is unwrapped from its first corner; one around a pole (its corner
    longitudes wind by 360 degrees) is closed along that pole's latitude. Each
    polygon is repeated 360 degrees west and east, so that it covers any view.
    """
    n = qx.shape[0]
    steps = _wrap_deg(np.diff(qx, axis=1, append=qx[:, :1]))
    lon = qx[:, :1] + np.concatenate([np.zeros((n, 1)), np.cumsum(steps, axis=1)], axis=1)
    pole = np.abs(lon[:, 4] - lon[:, 0]) > 180.0
    pole_lat = np.where(qy.mean(axis=1) >= 0.0, 90.0, -90.0)[:, np.newaxis]
    xs = np.concatenate([lon, lon[:, 4:], lon[:, :1]], axis=1)
    ys = np.concatenate([qy, qy[:, :1], pole_lat, pole_lat], axis=1)
    xs[~pole, 4:] = xs[~pole, :1]
    ys[~pole, 4:] = ys[~pole, :1]
    vertices = np.stack([xs, ys], axis=-1)
    shifted = [vertices + np.array([shift, 0.0]) for shift in (-360.0, 0.0, 360.0)]
    return np.concatenate(shifted), np.tile(np.arange(n), 3)


def _polygons(qx: np.ndarray, qy: np.ndarray, lon_axis: bool) -> tuple[np.ndarray, np.ndarray]:
    """Polygons of quads (n, 4) and the quad of each: (n, 4, 2) as they are, or with ``lon_axis`` (m, 7, 2)
    where wrapping quads are drawn as by :func:`_seam_polygons` and the others repeat their first corner."""
    vertices = np.stack([qx, qy], axis=-1)
    source = np.arange(qx.shape[0])
    if not lon_axis:
        return vertices, source
    seam = np.ptp(qx, axis=1) > 180.0
    wrapped, index = _seam_polygons(qx[seam], qy[seam])
    plain = np.concatenate([vertices[~seam], np.repeat(vertices[~seam, :1], 3, axis=1)], axis=1)
    return np.concatenate([plain, wrapped]), np.concatenate([source[~seam], source[seam][index]])


def _quad_corners(corners: np.ndarray, chosen: np.ndarray | tuple[np.ndarray, ...]) -> np.ndarray:
    """(n, 4) corner values of the ``chosen`` quads of (h+1, w+1) corners, in drawing order."""
    return np.stack([corners[:-1, :-1][chosen], corners[:-1, 1:][chosen], corners[1:, 1:][chosen],
                     corners[1:, :-1][chosen]], axis=-1)


class _Member(NamedTuple):
    """A mapping's window: projected finite corners (h+1, w+1), drawn and contested pixels (h, w)."""

    mapping: Mapping
    rows: slice
    cols: slice
    x: np.ndarray
    y: np.ndarray
    drawn: np.ndarray
    contested: np.ndarray


class _Level(NamedTuple):
    """The blocks of one level that some pixel needs, within their bounding window."""

    kr: int
    kc: int
    needed: np.ndarray
    block_rows: slice
    block_cols: slice

    def pixels(self, shape: tuple[int, int]) -> tuple[slice, slice]:
        """Pixel rows and columns of the window (in the member's window)."""
        return (slice(self.block_rows.start * self.kr, min(self.block_rows.stop * self.kr, shape[0])),
                slice(self.block_cols.start * self.kc, min(self.block_cols.stop * self.kc, shape[1])))

    def corners(self, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """Corner rows and columns of the window's blocks (every ``kr``/``kc``, the last one included)."""
        rows = np.minimum(np.arange(self.block_rows.start, self.block_rows.stop + 1) * self.kr, shape[0])
        cols = np.minimum(np.arange(self.block_cols.start, self.block_cols.stop + 1) * self.kc, shape[1])
        return rows, cols


def _levels(codes: np.ndarray, chosen: np.ndarray) -> list[_Level]:
    """The levels that the ``chosen`` pixels need, coarsest first."""
    masked = np.where(chosen, codes, _NO_LEVEL)
    present = np.flatnonzero(np.bincount(masked.ravel(), minlength=_NO_LEVEL + 1)[:_NO_LEVEL])
    levels = []
    for code in sorted(present, key=lambda value: -(value // _EXPONENT_BASE + value % _EXPONENT_BASE)):
        kr, kc = 1 << int(code // _EXPONENT_BASE), 1 << int(code % _EXPONENT_BASE)
        needed = _block_sum(masked == code, kr, kc, np.uint32) > 0
        window = defined_window(needed)
        if window is not None:
            levels.append(_Level(kr, kc, needed[window], *window))
    return levels


def _level_colors(coloring: Coloring, member: _Member, level: _Level, keep: np.ndarray) -> np.ndarray:
    """Colours (blocks of the level's window, 4) of the ``keep`` pixels; transparent where not needed."""
    rows, cols = level.pixels(member.drawn.shape)
    mapping_rows = slice(member.rows.start + rows.start, member.rows.start + rows.stop)
    mapping_cols = slice(member.cols.start + cols.start, member.cols.start + cols.stop)
    if level.kr == level.kc == 1:
        colors = coloring.rgba(member.mapping, mapping_rows, mapping_cols)
        colors[~keep[rows, cols], 3] = 0
    else:
        colors = coloring.block_rgba(member.mapping, mapping_rows, mapping_cols, keep[rows, cols], level.kr, level.kc)
    colors[~level.needed, 3] = 0
    return colors


def _level_elevation(member: _Member, level: _Level, keep: np.ndarray) -> np.ndarray:
    """Mean elevation of the ``keep`` pixels of each block of the level's window."""
    rows, cols = level.pixels(member.drawn.shape)
    chosen = keep[rows, cols]
    elevation = member.mapping.elevation[member.rows, member.cols][rows, cols]
    total = _block_sum(np.where(chosen, elevation, 0.0), level.kr, level.kc, np.float64)
    return total / np.maximum(_block_sum(chosen, level.kr, level.kc, np.uint32), 1)


class MappingsArtist(Artist):
    """The mappings of one :func:`draw_all`, with the level of detail of the dpi they are drawn at.

    The meshes are rebuilt when the data-to-display scale changes (another
    dpi, other axes limits), else reused. The axes' data-to-display transform
    must be affine (linear axes), as it is for all map styles.
    """

    def __init__(self, items: list[_Member], coloring: Coloring, *, lon_axis: bool, zorder: float,
                 rasterized: bool) -> None:
        super().__init__()
        self.set_zorder(zorder)
        self.set_rasterized(rasterized)
        self._items = items
        self._coloring = coloring
        self._lon_axis = lon_axis
        self._scale: bytes | None = None
        self._children: list[QuadMesh | PolyCollection] = []

    def _children_at(self, linear: np.ndarray) -> list[QuadMesh | PolyCollection]:
        """The collections drawn at the 2 x 2 linear data-to-display scale ``linear``, in drawing order."""
        children: list[QuadMesh | PolyCollection] = []
        contested: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for member in self._items:
            codes = level_codes(member.x, member.y, linear, lon_axis=self._lon_axis)
            shown = member.drawn & ~member.contested
            for level in _levels(codes, shown):
                children.extend(self._meshes(member, level, shown))
            disputed = member.drawn & member.contested
            contested.extend(self._blocks(member, level, disputed) for level in _levels(codes, disputed))
        if contested:
            vertices, colors, elevation = (np.concatenate(parts) for parts in zip(*contested))
            order = np.argsort(elevation, kind="stable")
            children.append(self._collection(vertices[order], colors[order]))
        return children

    def _meshes(self, member: _Member, level: _Level, shown: np.ndarray) -> list[QuadMesh | PolyCollection]:
        rows, cols = level.corners(member.drawn.shape)
        x, y = member.x[np.ix_(rows, cols)], member.y[np.ix_(rows, cols)]
        colors = _level_colors(self._coloring, member, level, shown)
        seams: list[QuadMesh | PolyCollection] = []
        if self._lon_axis:
            drawn = np.nonzero(colors[:, :, 3])
            quad_x = _quad_corners(x, drawn)
            seam = np.ptp(quad_x, axis=1) > 180.0
            if seam.any():
                seam_at = tuple(index[seam] for index in drawn)
                vertices, source = _seam_polygons(quad_x[seam], _quad_corners(y, seam_at))
                seams.append(self._collection(vertices, colors[seam_at][source]))
                colors[seam_at + (3,)] = 0
        mesh = QuadMesh(np.stack([x, y], axis=-1), antialiased=False, edgecolors="none", linewidth=0)
        mesh.set_array(colors)
        return [self._adopt(mesh)] + seams

    def _blocks(self, member: _Member, level: _Level, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Polygons, uint8 colours and mean elevations of the needed blocks of a level."""
        rows, cols = level.corners(member.drawn.shape)
        x, y = member.x[np.ix_(rows, cols)], member.y[np.ix_(rows, cols)]
        chosen = np.nonzero(level.needed)
        vertices, source = _polygons(_quad_corners(x, chosen), _quad_corners(y, chosen), self._lon_axis)
        colors = _level_colors(self._coloring, member, level, keep)[chosen][source]
        return vertices, colors, _level_elevation(member, level, keep)[chosen][source]

    def _collection(self, vertices: np.ndarray, colors: np.ndarray) -> PolyCollection:
        """A polygon collection of (n, k, 2) vertices and (n, 4) uint8 colours."""
        return self._adopt(PolyCollection(vertices, facecolors=colors / 255.0, edgecolors="none", linewidths=0,
                                          antialiaseds=False))

    def _adopt(self, collection: QuadMesh | PolyCollection) -> QuadMesh | PolyCollection:
        collection.set_figure(self.get_figure())
        collection.set_transform(self.axes.transData)
        return collection

    @allow_rasterization
    def draw(self, renderer: RendererBase) -> None:
        if not self.get_visible():
            return
        linear = self.axes.transData.get_affine().get_matrix()[:2, :2]
        if linear.tobytes() != self._scale:
            self._children = self._children_at(linear)
            self._scale = linear.tobytes()
        for child in self._children:
            child.set_clip_on(self.get_clip_on())
            child.set_clip_box(self.get_clip_box())
            child.set_clip_path(self.get_clip_path())
            child.draw(renderer)
        self.stale = False


def _member(mapping: Mapping, contested: np.ndarray, project: Projector,
            lat_lon: tuple[np.ndarray, np.ndarray] | None, lon_reference: float) -> _Member | None:
    window = defined_window(mapping.defined)
    if window is None:
        return None
    rows, cols = window
    corner_rows, corner_cols = slice(rows.start, rows.stop + 1), slice(cols.start, cols.stop + 1)
    lat_bounds, lon_bounds = lat_lon if lat_lon is not None else (mapping.lat_bounds, mapping.lon_bounds)
    lat, lon = corner_grid(lat_bounds[corner_rows, corner_cols], lon_bounds[corner_rows, corner_cols], lon_reference)
    x, y = (np.asarray(value, dtype=np.float64) for value in project(lon, lat))
    drawn = mapping.defined[rows, cols].copy()
    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.all():
        drawn &= finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, 1:] & finite[1:, :-1]
        x, y = np.where(finite, x, 0.0), np.where(finite, y, 0.0)
    return _Member(mapping, rows, cols, x, y, drawn, contested[rows, cols])


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


def draw_all(ax: Axes, drawable: Mapping | MappingCollection | Sequence[Mapping], project: Projector, coloring: Coloring,
             *, coordinates: Callable[[Mapping], tuple[np.ndarray, np.ndarray]] | None = None,
             lon_reference: float = 0.0, lon_axis: bool = False, zorder: float = 1.0,
             rasterized: bool = True) -> list[MappingsArtist]:
    """Draw a mapping, a collection or a list; where members overlap, higher elevations are painted last.

    Pixels that no other member can cover are drawn as quad meshes per
    member; pixels inside another member's convex outline are drawn together,
    sorted by elevation (see the module's description of levels of detail).
    ``coordinates(mapping)`` may give other corner coordinates (lat-like,
    lon-like) than the geodetic ones. ``lon_axis`` says that x is the
    longitude itself (plain lon/lat axes), unwrapped about ``lon_reference``.
    """
    if isinstance(drawable, Mapping):
        items, overlap = [drawable], False
    elif isinstance(drawable, MappingCollection):
        items, overlap = members(drawable), drawable.may_overlap
    else:
        items, overlap = members(drawable), True
    contested = contested_pixels(items) if overlap and len(items) > 1 else [np.zeros(m.shape, bool) for m in items]
    drawn = []
    for mapping, disputed in zip(items, contested):
        lat_lon = coordinates(mapping) if coordinates is not None else None
        member = _member(mapping, disputed, project, lat_lon, lon_reference)
        if member is not None:
            drawn.append(member)
    artist = MappingsArtist(drawn, coloring, lon_axis=lon_axis, zorder=zorder, rasterized=rasterized)
    ax.add_artist(artist)
    return [artist]
