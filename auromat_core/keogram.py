"""Keograms: brightness along a geographic or magnetic meridian over time (as in asilib).

For every mapping (or collection of several cameras) the pixels the meridian
passes through are found: a pixel is on the meridian when the meridian's
longitude lies within the pixel's own east-west extent (from its corners). The
latitude axis is a regular grid of bin centers; a bin takes, among the
on-meridian pixels whose latitude extent contains the bin center, the one whose
center is nearest to the meridian, and the keogram value is that pixel's image
value (every channel). Bins without such a pixel are NaN. Pixels longer than
a bin (near the horizon) fill several bins, so a keogram has no gaps where the
pixels are coarser than the bins.

The meridian passes through a point fixed by the first mapping: its camera
footpoint (for a ground camera: the station), or, when that meridian misses
the mapping (a camera in orbit looking away from its nadir), the median
position of its defined pixels; ``meridian_lon`` replaces the longitude.

* Geographic (default): the meridian of that longitude; latitudes are geodetic.
* Magnetic (``magnetic=True``): the magnetic meridian through the point, i.e.
  the line of the point's magnetic local time at each frame time, from a
  registered magnetic model (``model``); the latitude axis is magnetic latitude.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from .errors import InputError, NoDataError
from .mapping import Mapping, MappingCollection, members_of
from .providers import Provider
from .registry import get_magnetic_model
from .timeutil import as_utc, period_phrase


class Keogram(NamedTuple):
    """``times`` (n,) datetime64[us], ``lats`` (m,) bin centers in degrees, ``values`` (n, m) or (n, m, channels).

    ``values`` is float64, NaN where no pixel lies on the meridian; one channel
    gives (n, m).
    """

    times: np.ndarray
    lats: np.ndarray
    values: np.ndarray


def _wrap(degrees: Any) -> Any:
    """Angles (deg) into [-180, 180]."""
    return degrees - 360.0 * np.round(np.divide(degrees, 360.0))


def _corners(bounds: np.ndarray) -> tuple[np.ndarray, ...]:
    """The four corner grids (h, w) of every pixel, as views of the (h+1, w+1) ``bounds``."""
    return bounds[:-1, :-1], bounds[:-1, 1:], bounds[1:, :-1], bounds[1:, 1:]


def _items(source: Any, start: datetime | None, end: datetime | None) -> Iterable[Mapping | MappingCollection]:
    if isinstance(source, Provider):
        return source.sequence(start, end)
    if isinstance(source, (Mapping, MappingCollection)):
        source = [source]
    low = as_utc(start) if start is not None else None
    high = as_utc(end) if end is not None else None
    return (
        item for item in source
        if not (isinstance(item, MappingCollection) and item.empty)
        and (low is None or item.time >= low) and (high is None or item.time <= high)
    )


RECENT_GEOMETRIES = 8
"""Geographic pixel coordinates kept for reuse: one per camera of a collection, up to this many."""


class _OnMeridian(NamedTuple):
    """The pixels of a mapping the meridian passes through."""

    on: np.ndarray
    """(h, w) bool: the pixel's east-west extent holds the meridian."""
    distance: np.ndarray
    """(k,) east-west distance of each such pixel's center to the meridian (deg of arc)."""
    low: np.ndarray
    """(k,) lowest latitude of its corners."""
    high: np.ndarray
    """(k,) highest latitude of its corners."""


class _Meridian:
    """The pixels of each mapping on the meridian, in the keogram's latitude (geodetic or magnetic).

    The geographic coordinates of a mapping whose lat/lon equal those of a
    recent one (a fixed camera, or each camera of a collection) are reused
    instead of computed again.
    """

    def __init__(self, lat: float, lon: float, magnetic: bool, model: str) -> None:
        self.lat = lat
        self.lon = lon
        self.magnetic = magnetic
        self.model = model
        self._recent: deque[tuple[tuple[np.ndarray, ...], _OnMeridian]] = deque(maxlen=RECENT_GEOMETRIES)

    def pixels(self, mapping: Mapping) -> _OnMeridian:
        """The pixels of ``mapping`` on the meridian."""
        if self.magnetic:
            coordinates = mapping.magnetic(self.model)
            _, mlt0 = get_magnetic_model(self.model).to_magnetic(np.array([self.lat]), np.array([self.lon]), mapping.altitude, mapping.time)
            y0 = float(np.asarray(mlt0).reshape(-1)[0]) * 15.0
            return _on_meridian(coordinates.mlat, coordinates.mlt * 15.0, coordinates.mlat_bounds, coordinates.mlt_bounds * 15.0, y0)
        arrays = (mapping.lat, mapping.lon, mapping.lat_bounds, mapping.lon_bounds)
        for known, result in self._recent:
            if all(_equal(a, b) for a, b in zip(arrays, known)):
                return result
        result = _on_meridian(*arrays, self.lon)
        self._recent.append((arrays, result))
        return result


def _equal(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are equal (NaN equal to NaN); a sample of 1024 values is compared first."""
    if a.shape != b.shape:
        return False
    step = max(1, a.size // 1024)
    return np.array_equal(a.flat[::step], b.flat[::step], equal_nan=True) and np.array_equal(a, b, equal_nan=True)


def _on_meridian(x: np.ndarray, y: np.ndarray, x_bounds: np.ndarray, y_bounds: np.ndarray, y0: float) -> _OnMeridian:
    """The pixels whose extent along ``y`` holds ``y0``: distances along ``y`` (scaled by cos x) and extents in ``x``."""
    with np.errstate(invalid="ignore"):
        cos_x = np.cos(np.radians(x))
        distance = np.abs(_wrap(y - y0))
        distance *= cos_x
        half_width = None
        for corner in _corners(y_bounds):
            offset = np.abs(_wrap(corner - y))
            half_width = offset if half_width is None else np.maximum(half_width, offset, out=half_width)
        half_width *= cos_x
        on = np.isfinite(x) & (distance <= half_width)
        corners = [corner[on] for corner in _corners(x_bounds)]
    return _OnMeridian(on, distance[on], np.minimum.reduce(corners), np.maximum.reduce(corners))


def _meridian(mapping: Mapping, meridian_lon: float | None, magnetic: bool, model: str) -> _Meridian:
    """The meridian through the first mapping's camera footpoint, else through the median of its pixels."""
    footpoint = mapping.camera_footpoint
    if meridian_lon is not None:
        return _Meridian(footpoint.lat, float(meridian_lon), magnetic, model)
    meridian = _Meridian(footpoint.lat, footpoint.lon, magnetic, model)
    if meridian.pixels(mapping).distance.size or not mapping.defined.any():
        return meridian
    lat, lon = mapping.lat[mapping.defined], mapping.lon[mapping.defined]
    reference = float(lon[0])
    return _Meridian(float(np.median(lat)), float(_wrap(np.median(_wrap(lon - reference)) + reference)), magnetic, model)


def keogram(
    source: Provider | Mapping | MappingCollection | Iterable[Mapping | MappingCollection],
    start: datetime | None = None,
    end: datetime | None = None,
    meridian_lon: float | None = None,
    magnetic: bool = False,
    lats: np.ndarray | None = None,
    model: str = "dipole",
) -> Keogram:
    """Brightness along a meridian for every mapping of ``source`` between ``start`` and ``end``.

    Parameters
    ----------
    source
        A provider (its :meth:`~auromat_core.Provider.sequence` is used), or
        mappings / collections (filtered by ``start``/``end``; the keogram is
        in time order whatever their order).
    start, end
        Period of the mappings (UTC, both inclusive); default: all.
    meridian_lon
        Geographic longitude of the meridian (deg); default that of the first
        mapping's camera footpoint (see the module docstring).
    magnetic
        Follow the magnetic meridian through the point and use magnetic latitude as the axis.
    lats
        Latitude bin centers (ascending, evenly spaced); default: from the first
        mapping, spanning its on-meridian pixels at their median latitude extent.
    model
        Magnetic model name (``magnetic=True``).

    Returns
    -------
    Keogram
        ``(times, lats, values)``.

    Raises
    ------
    NoDataError
        If ``source`` yields nothing in the period, or the meridian misses the first mapping.
    InputError
        If ``lats`` are not ascending and evenly spaced, or the mappings differ
        in their number of image channels.
    """
    meridian: _Meridian | None = None
    times: list[datetime] = []
    rows: list[np.ndarray] = []
    axis = None if lats is None else _latitude_axis(lats)
    for item in _items(source, start, end):
        members = members_of(item)
        if meridian is None:
            meridian = _meridian(members[0], meridian_lon, magnetic, model)
        found = [meridian.pixels(m) for m in members]
        first = rows[0].shape[1] if rows else members[0].image.shape[-1]
        for m in members:
            if m.image.shape[-1] != first:
                raise InputError(f"mapping {m.identifier} has {m.image.shape[-1]} image channel(s), the first ones {first}")
        distance, low, high = (np.concatenate([getattr(pixels, name) for pixels in found]) for name in ("distance", "low", "high"))
        values = np.concatenate([m.image[pixels.on] for m, pixels in zip(members, found)]).astype(np.float64)
        if axis is None:
            axis = _default_axis(low, high)
        rows.append(_row(axis, distance, low, high, values))
        times.append(item.time)
    if not times:
        raise NoDataError(f"no mappings{period_phrase(start, end)} for a keogram")
    stamps = np.array(times, dtype="datetime64[us]")
    order = np.argsort(stamps, kind="stable")
    stacked = np.stack(rows)[order]
    return Keogram(stamps[order], axis, stacked[..., 0] if stacked.shape[2] == 1 else stacked)


def _latitude_axis(lats: Any) -> np.ndarray:
    """``lats`` as a float64 axis, checked: 1-D, finite, ascending and evenly spaced."""
    try:
        axis = np.asarray(lats, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"lats must be latitudes in degrees, got {lats!r}") from None
    if axis.ndim != 1 or axis.size == 0 or not np.isfinite(axis).all():
        raise InputError(f"lats must be a 1-D array of finite latitudes, got shape {axis.shape}")
    steps = np.diff(axis)
    if (steps <= 0).any():
        raise InputError(f"lats must be ascending (bin centers south to north), got {axis[:4].tolist()}{' ...' if axis.size > 4 else ''}")
    if steps.size and not np.allclose(steps, steps[0], rtol=1e-6, atol=0.0):
        raise InputError(f"lats must be evenly spaced, got steps from {steps.min():g} to {steps.max():g} degrees")
    return axis


def _default_axis(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Bins of the median latitude extent of the on-meridian pixels, spanning all of them."""
    if low.size == 0:
        raise NoDataError("the meridian does not cross the first mapping; choose meridian_lon inside its field of view")
    step = float(np.median(high - low))
    if not step > 0:
        raise InputError("cannot derive a latitude step from the mapping; pass lats=")
    count = int(np.floor((high.max() - low.min()) / step - 0.5)) + 1
    return low.min() + step * (0.5 + np.arange(count))


def _row(axis: np.ndarray, distance: np.ndarray, low: np.ndarray, high: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Per bin of ``axis``: the channels (k, c) -> (m, c) of the covering pixel nearest to the meridian (NaN if none)."""
    row = np.full(axis.shape + values.shape[1:], np.nan)
    if axis.size == 0 or distance.size == 0:
        return row
    step = axis[1] - axis[0] if axis.size > 1 else max(float(np.max(high - low)), 1e-9)
    first = np.maximum(np.ceil((low - axis[0]) / step - 1e-9), 0).astype(np.int64)
    last = np.minimum(np.floor((high - axis[0]) / step + 1e-9), axis.size - 1).astype(np.int64)
    counts = np.maximum(last - first + 1, 0)
    pixel = np.repeat(np.arange(distance.size), counts)
    bins = np.repeat(first, counts) + (np.arange(pixel.size) - np.repeat(np.cumsum(counts) - counts, counts))
    order = np.lexsort((distance[pixel], bins))
    chosen = np.unique(bins[order], return_index=True)[1]
    row[bins[order][chosen]] = values[pixel[order][chosen]]
    return row


__all__ = ["Keogram", "keogram"]
