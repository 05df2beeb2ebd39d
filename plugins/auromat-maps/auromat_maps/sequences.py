"""Styles over a time sequence of mappings: camera footpoints and keograms."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import numpy as np

from auromat_core import InputError, Mapping, MappingCollection

from .figures import FigAx, new_figure, time_axis, time_title
from .land import add_coastlines, add_land
from .offline import extent_size_km, resolution_for


def _each_mapping(items: Iterable[Any]) -> Iterable[Mapping]:
    for item in [items] if isinstance(items, Mapping) else items:
        if isinstance(item, MappingCollection):
            yield from item
        elif isinstance(item, Mapping):
            yield item
        else:
            raise InputError(f"expected mappings, got {type(item).__name__!r}")


def draw_camera_footpoints(
    mappings: Iterable[Mapping | MappingCollection],
    *,
    land: bool = True,
    coastlines: bool = True,
    margin_deg: float = 5.0,
    color: str = "tab:red",
    fig_width: float = 8.0,
    fig_height: float = 5.0,
    dpi: float = 100.0,
) -> FigAx:
    """Longitude/latitude path of the camera footpoints of a sequence, on a plate-carrée map.

    The sequence is consumed once; only footpoints and times are kept.
    """
    import cartopy.crs as ccrs

    points = [(m.time, m.camera_footpoint) for m in _each_mapping(mappings)]
    if not points:
        raise InputError("no mapping given, so there are no camera footpoints to draw")
    points.sort(key=lambda p: p[0])
    times = [t for t, _ in points]
    lat = np.array([p.lat for _, p in points], dtype=np.float64)
    lon = np.degrees(np.unwrap(np.radians([p.lon for _, p in points])))
    center = float(np.mean(lon))
    projection = ccrs.PlateCarree(central_longitude=center)
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1, projection=projection)
    x = lon - center
    ax.set_xlim(max(-180.0, x.min() - margin_deg), min(180.0, x.max() + margin_deg))
    ax.set_ylim(max(-90.0, lat.min() - margin_deg), min(90.0, lat.max() + margin_deg))
    if land or coastlines:
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        extent = (center + x0, center + x1, y0, y1)
        resolution = resolution_for(extent_size_km(extent))
    if land:
        add_land(ax, extent, resolution, color="0.85", zorder=0)
    if coastlines:
        add_coastlines(ax, extent, resolution, color="black", linewidth=0.5, zorder=1)
    ax.plot(x, lat, "-", color=color, linewidth=1.2, zorder=3, transform=ax.transData)
    ax.scatter(x, lat, s=12, color=color, zorder=4, transform=ax.transData)
    for index in {0, len(times) - 1}:
        ax.annotate(times[index].strftime("%H:%M:%S"), (x[index], lat[index]), xytext=(4, 4),
                    textcoords="offset points", fontsize=8, zorder=5)
    gridlines = ax.gridlines(crs=ccrs.PlateCarree(), draw_labels=True, color="0.4", linestyle=":", linewidth=0.6)
    gridlines.top_labels = gridlines.right_labels = False
    ax.set_title(f"Camera footpoints {time_title(times)}", fontsize=10)
    return figure, ax


class Keogram(NamedTuple):
    """Brightness along a meridian over time.

    ``values[i, j]`` is the mean of the pixels in latitude bin ``i`` (edges
    ``lat_edges[i]`` .. ``lat_edges[i + 1]``, north first) at ``times[j]``;
    NaN where no pixel fell. Shape (m, n) or (m, n, c).
    """

    times: list[datetime]
    lat_edges: np.ndarray
    values: np.ndarray


def make_keogram(mappings: Iterable[Mapping], *, longitude: float | None = None, lat_step: float = 0.1,
                 lon_half_width: float = 0.5) -> Keogram:
    """A keogram along ``longitude`` (default: the median longitude of the first mapping).

    Each defined pixel center within ``lon_half_width`` degrees of the meridian
    adds its image value to the latitude bin of its center; bins are
    ``lat_step`` degrees on a global grid, cropped to the latitudes with data.
    """
    if lat_step <= 0 or lon_half_width <= 0:
        raise InputError(f"lat_step and lon_half_width must be > 0, got {lat_step} and {lon_half_width}")
    edges = np.linspace(90.0, -90.0, int(round(180.0 / lat_step)) + 1)
    bins = edges.size - 1
    times, columns = [], []
    for mapping in _each_mapping(mappings):
        if longitude is None:
            if not mapping.defined.any():
                raise InputError(f"mapping {mapping.identifier}: no pixel is defined, so no keogram meridian")
            longitude = float(np.nanmedian(mapping.lon))
        with np.errstate(invalid="ignore"):
            near = mapping.defined & (np.abs((mapping.lon - longitude + 180.0) % 360.0 - 180.0) <= lon_half_width)
        index = np.clip(((90.0 - mapping.lat[near]) / (180.0 / bins)).astype(np.int64), 0, bins - 1)
        pixels = mapping.image[near].astype(np.float64)
        counts = np.bincount(index, minlength=bins)
        sums = np.stack([np.bincount(index, weights=channel, minlength=bins) for channel in pixels.T], axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            columns.append(sums / counts[:, np.newaxis])
        times.append(mapping.time)
    if not columns:
        raise InputError("no mapping given, so there is no keogram")
    values = np.stack(columns, axis=1)
    rows = np.flatnonzero(np.isfinite(values).any(axis=(1, 2)))
    if rows.size == 0:
        raise InputError(f"no mapped pixel lies within {lon_half_width}° of longitude {longitude:.3f}")
    values = values[rows[0]:rows[-1] + 1]
    order = np.argsort(np.array(times, dtype="datetime64[us]"), kind="stable")
    values = values[:, order]
    if values.shape[2] == 1:
        values = values[:, :, 0]
    return Keogram([times[i] for i in order], edges[rows[0]:rows[-1] + 2], values)


def _time_edges(times: list[datetime]) -> list[datetime]:
    if len(times) == 1:
        return [times[0] - timedelta(seconds=0.5), times[0] + timedelta(seconds=0.5)]
    middles = [a + (b - a) / 2 for a, b in zip(times[:-1], times[1:])]
    return [times[0] - (middles[0] - times[0])] + middles + [times[-1] + (times[-1] - middles[-1])]


KeogramLike = Keogram | tuple | Iterable[Mapping]


def _as_keogram(source: KeogramLike, options: dict[str, Any]) -> Keogram:
    if isinstance(source, Keogram):
        return source
    if isinstance(source, tuple) and len(source) == 3 and not isinstance(source[0], Mapping):
        times, lats, values = source
        lats, values = np.asarray(lats, dtype=np.float64), np.asarray(values, dtype=np.float64)
        return _keogram_from_arrays(list(times), lats, values)
    return make_keogram(source, **options)


def _keogram_from_arrays(times: list[datetime], lats: np.ndarray, values: np.ndarray) -> Keogram:
    """Accept latitude bin edges (m+1) or centers (m) for values of shape (m, n[, c])."""
    if values.ndim not in (2, 3) or values.shape[1] != len(times):
        raise InputError(f"keogram values must have shape (lats, {len(times)} times[, channels]), got {values.shape}")
    rows = values.shape[0]
    if lats.shape == (rows + 1,):
        return Keogram(times, lats, values)
    if lats.shape == (rows,) and rows >= 2:
        middles = (lats[:-1] + lats[1:]) / 2
        edges = np.concatenate([[2 * lats[0] - middles[0]], middles, [2 * lats[-1] - middles[-1]]])
        return Keogram(times, edges, values)
    raise InputError(f"keogram latitudes must be {rows} centers or {rows + 1} edges, got {lats.shape}")


def draw_keogram(
    source: KeogramLike,
    *,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    fig_width: float = 8.0,
    fig_height: float = 4.0,
    dpi: float = 100.0,
    **keogram_options: Any,
) -> FigAx:
    """A keogram image: time on x, latitude on y.

    ``source`` is a :class:`Keogram`, a tuple ``(times, lats, values)`` (lats as
    bin centers or edges) or a sequence of mappings (then
    :func:`make_keogram` is called with ``keogram_options``).
    """
    import matplotlib.dates as mdates

    keogram = _as_keogram(source, keogram_options)
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1)
    x = mdates.date2num(_time_edges(keogram.times))
    values = keogram.values
    if values.ndim == 3:
        finite = np.isfinite(values).all(axis=2)
        scale = 255.0 if np.nanmax(values) <= 255 else float(np.nanmax(values))
        colors = np.zeros(values.shape[:2] + (4,), dtype=np.float64)
        colors[:, :, :3] = np.clip(np.nan_to_num(values[:, :, :3]) / scale, 0.0, 1.0)
        colors[:, :, 3] = finite
        ax.pcolormesh(x, keogram.lat_edges, colors, shading="flat")
    else:
        mesh = ax.pcolormesh(x, keogram.lat_edges, np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax,
                             shading="flat")
        figure.colorbar(mesh, ax=ax, label="Brightness")
    ax.set_facecolor("0.15")
    ax.xaxis_date()
    time_axis(ax)
    ax.set_ylabel("Latitude (deg)")
    ax.set_title(f"Keogram {time_title(keogram.times)}", fontsize=10)
    return figure, ax
