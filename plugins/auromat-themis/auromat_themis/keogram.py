"""Keograms: brightness along a geographic or magnetic meridian over time (as in asilib).

For every mapping (or collection of several cameras) the pixels the meridian
passes through are found: a pixel is on the meridian when the meridian's
longitude lies within the pixel's own east-west extent (from its corners). The
latitude axis is a regular grid of bin centers; a bin takes, among the
on-meridian pixels whose latitude extent contains the bin center, the one whose
center is nearest to the meridian, and the keogram value is that pixel's image
value (first channel). Bins without such a pixel are NaN. Pixels longer than
a bin (near the horizon) fill several bins.

* Geographic (default): the meridian of longitude ``meridian_lon`` (default:
  the station longitude of a THEMIS mapping); latitudes are geodetic.
* Magnetic (``magnetic=True``): the magnetic meridian through the station
  latitude at ``meridian_lon``, i.e. the line of the magnetic local time of that
  point at each frame time, from the core's magnetic model (``model``); the
  latitude axis is magnetic latitude.

Drawing a keogram is left to the maps plugin.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np

from auromat_core import InputError, Mapping, MappingCollection, NoDataError, Provider, as_utc, get_magnetic_model


class Keogram(NamedTuple):
    """``times`` (n,) datetime64[us], ``lats`` (m,) degrees, ``values`` (n, m) float64 (NaN: no pixel)."""

    times: np.ndarray
    lats: np.ndarray
    values: np.ndarray


def _wrap(degrees: np.ndarray) -> np.ndarray:
    return (degrees + 180.0) % 360.0 - 180.0


def _members(item: Mapping | MappingCollection) -> list[Mapping]:
    return list(item) if isinstance(item, MappingCollection) else [item]


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


def _station(mapping: Mapping) -> tuple[float, float]:
    metadata = mapping.metadata
    if "station_latitude" in metadata and "station_longitude" in metadata:
        return float(metadata["station_latitude"]), float(metadata["station_longitude"])
    footpoint = mapping.camera_footpoint
    return footpoint.lat, footpoint.lon


class _Meridian:
    """Per-mapping pixel coordinates in the keogram frame: (x: latitude, offset from the meridian)."""

    def __init__(self, meridian_lon: float | None, magnetic: bool, model: str) -> None:
        self.meridian_lon = meridian_lon
        self.magnetic = magnetic
        self.model = model

    def coordinates(self, mapping: Mapping) -> tuple[np.ndarray, ...]:
        """Center latitude, |east-west distance| to the meridian (deg), whether on it, latitude extent (low, high)."""
        station_lat, station_lon = _station(mapping)
        lon0 = station_lon if self.meridian_lon is None else float(self.meridian_lon)
        if self.magnetic:
            coordinates = mapping.magnetic(self.model)
            x, y = coordinates.mlat, coordinates.mlt * 15.0
            x_bounds, y_bounds = coordinates.mlat_bounds, coordinates.mlt_bounds * 15.0
            _, mlt0 = get_magnetic_model(self.model).to_magnetic(
                np.array([station_lat]), np.array([lon0]), mapping.altitude, mapping.time
            )
            y0 = float(np.asarray(mlt0).reshape(-1)[0]) * 15.0
        else:
            x, y, x_bounds, y_bounds, y0 = mapping.lat, mapping.lon, mapping.lat_bounds, mapping.lon_bounds, lon0
        corners_y = np.stack([y_bounds[:-1, :-1], y_bounds[:-1, 1:], y_bounds[1:, :-1], y_bounds[1:, 1:]])
        corners_x = np.stack([x_bounds[:-1, :-1], x_bounds[:-1, 1:], x_bounds[1:, :-1], x_bounds[1:, 1:]])
        with np.errstate(invalid="ignore"):
            cos_x = np.cos(np.radians(x))
            distance = np.abs(_wrap(y - y0)) * cos_x
            half_width = np.max(np.abs(_wrap(corners_y - y)), axis=0) * cos_x
            on = np.isfinite(x) & (distance <= half_width)
        return x, distance, on, np.min(corners_x, axis=0), np.max(corners_x, axis=0)


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
        mappings / collections (filtered by ``start``/``end``).
    meridian_lon
        Geographic longitude of the meridian (deg); default the station's.
    magnetic
        Follow the magnetic meridian through (station latitude, ``meridian_lon``)
        and use magnetic latitude as the axis.
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
    """
    meridian = _Meridian(meridian_lon, magnetic, model)
    times: list[datetime] = []
    rows: list[np.ndarray] = []
    axis = None if lats is None else np.asarray(lats, dtype=np.float64)
    for item in _items(source, start, end):
        members = _members(item)
        x, distance, on, low, high = (np.concatenate([a.ravel() for a in arrays]) for arrays in zip(
            *(meridian.coordinates(m) for m in members)
        ))
        values = np.concatenate([m.image[..., 0].astype(np.float64).ravel() for m in members])
        if axis is None:
            axis = _default_axis(low[on], high[on])
        rows.append(_row(axis, distance[on], low[on], high[on], values[on]))
        times.append(item.time)
    if not times:
        raise NoDataError(f"no mappings between {start} and {end} for a keogram")
    return Keogram(np.array(times, dtype="datetime64[us]"), axis, np.vstack(rows))


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
    """Per bin of ``axis``: the value of the covering pixel nearest to the meridian (NaN if none)."""
    row = np.full(axis.shape, np.nan)
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
