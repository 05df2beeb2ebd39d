"""Styles over a time sequence of mappings: camera footpoints and keograms (drawn from :func:`auromat_core.keogram`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from auromat_core import InputError, Keogram, Mapping, MappingCollection, Provider, keogram

from .figures import Color, FigAx, checked_options, new_figure, time_axis, time_title
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


@checked_options
def draw_camera_footpoints(
    mappings: Iterable[Mapping | MappingCollection],
    *,
    land: bool = True,
    coastlines: bool = True,
    margin_deg: float = 5.0,
    color: Color = "tab:red",
    fig_width: float = 8.0,
    fig_height: float = 5.0,
    dpi: float = 100.0,
) -> FigAx:
    """Longitude/latitude path of the camera footpoints of a sequence, on a plate-carrée map.

    The sequence is consumed once; only footpoints and times are kept.
    """
    import cartopy.crs as ccrs
    from cartopy.mpl.ticker import LatitudeLocator, LongitudeLocator

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
    first, last = times[0].strftime("%H:%M:%S"), times[-1].strftime("%H:%M:%S")
    if np.allclose([x[0], lat[0]], [x[-1], lat[-1]], rtol=0, atol=1e-6):  # a fixed camera: one label
        labels = {0: first if first == last else f"{first} - {last}"}
    else:
        labels = {0: first, len(times) - 1: last}
    for index, label in labels.items():
        ax.annotate(label, (x[index], lat[index]), xytext=(4, 4), textcoords="offset points", fontsize=8, zorder=5)
    gridlines = ax.gridlines(crs=ccrs.PlateCarree(), draw_labels=True, color="0.4", linestyle=":", linewidth=0.6)
    gridlines.xlocator, gridlines.ylocator = LongitudeLocator(nbins=6), LatitudeLocator(nbins=6)
    gridlines.top_labels = gridlines.right_labels = False
    ax.set_title(f"Camera footpoints {time_title(times)}", fontsize=10)
    return figure, ax


GAP_CADENCES = 2.0
"""Frames farther apart than this many typical intervals (the median) have a gap between them: an empty column."""


def _time_columns(times: list[datetime]) -> tuple[list[datetime], np.ndarray]:
    """Edges of the keogram's columns and the frame each column shows (-1: a gap without frames).

    A frame's column reaches halfway to its neighbours; where they are more than
    :data:`GAP_CADENCES` typical intervals (the median) apart, it reaches half a
    typical interval and an empty column fills the gap, instead of the two frames.
    """
    steps = [b - a for a, b in zip(times[:-1], times[1:])]
    positive = sorted(step for step in steps if step > timedelta(0))
    half = (positive[len(positive) // 2] if positive else timedelta(seconds=1)) / 2
    edges, frames = [times[0] - half], []
    for index, step in enumerate(steps):
        frames.append(index)
        if step > 2 * GAP_CADENCES * half:
            edges += [times[index] + half, times[index + 1] - half]
            frames.append(-1)
        else:
            edges.append(times[index] + step / 2)
    frames.append(len(times) - 1)
    edges.append(times[-1] + half)
    return edges, np.array(frames)


def _lat_edges(lats: np.ndarray, rows: int) -> np.ndarray:
    """Bin edges (m+1) from ``lats`` given as centers (m, at least 2) or edges (m+1)."""
    if lats.shape == (rows + 1,):
        return lats
    if lats.shape == (rows,) and rows >= 2:
        middles = (lats[:-1] + lats[1:]) / 2
        return np.concatenate([[2 * lats[0] - middles[0]], middles, [2 * lats[-1] - middles[-1]]])
    raise InputError(f"keogram latitudes must be {rows} centers or {rows + 1} edges, got {lats.shape}")


KeogramLike = Keogram | tuple | Provider | Iterable[Mapping | MappingCollection]


def _as_arrays(source: KeogramLike, keogram_options: dict[str, Any]) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """Times, latitude edges and values (n times, m lats[, c]) of a keogram, computed from mappings if need be."""
    if isinstance(source, tuple) and len(source) == 3 and not isinstance(source[0], (Mapping, MappingCollection)):
        times, lats, values = source
    else:
        times, lats, values = keogram(source, **keogram_options)
    times = [t.astype(datetime) if isinstance(t, np.datetime64) else t for t in times]
    values = np.asarray(values, dtype=np.float64)
    if values.ndim not in (2, 3) or values.shape[0] != len(times):
        raise InputError(f"keogram values must have shape ({len(times)} times, lats[, channels]), got {values.shape}")
    return times, _lat_edges(np.asarray(lats, dtype=np.float64), values.shape[1]), values


@checked_options
def draw_keogram(
    source: KeogramLike,
    *,
    meridian_lon: float | None = None,
    magnetic: bool = False,
    lats: np.ndarray | None = None,
    model: str = "dipole",
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
    fig_width: float = 8.0,
    fig_height: float = 4.0,
    dpi: float = 100.0,
) -> FigAx:
    """A keogram image: time on x, latitude on y.

    ``source`` is a :class:`~auromat_core.Keogram` or a tuple ``(times, lats,
    values)`` with values (times, lats[, channels]) and lats as bin centers or
    edges; or a provider or sequence of mappings, of which
    :func:`auromat_core.keogram` computes one along ``meridian_lon`` (default:
    the first camera's footpoint), geographic or ``magnetic``, at bin centers ``lats``.
    A data gap (frames farther apart than :data:`GAP_CADENCES` typical intervals)
    stays empty instead of being filled by the frames around it.
    """
    import matplotlib.dates as mdates

    options = {"meridian_lon": meridian_lon, "magnetic": magnetic, "lats": lats, "model": model}
    times, lat_edges, values = _as_arrays(source, options)
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1)
    edges, frames = _time_columns(times)
    x = mdates.date2num(edges)
    columns = np.where((frames >= 0).reshape((-1,) + (1,) * (values.ndim - 1)), values[frames], np.nan)
    planes = np.swapaxes(columns, 0, 1)  # (lats, columns[, channels]), as pcolormesh wants
    if planes.ndim == 3:
        finite = np.isfinite(planes).all(axis=2)
        scale = 255.0 if np.nanmax(planes) <= 255 else float(np.nanmax(planes))
        colors = np.zeros(planes.shape[:2] + (4,), dtype=np.float64)
        colors[:, :, :3] = np.clip(np.nan_to_num(planes[:, :, :3]) / scale, 0.0, 1.0)
        colors[:, :, 3] = finite
        ax.pcolormesh(x, lat_edges, colors, shading="flat")
    else:
        mesh = ax.pcolormesh(x, lat_edges, np.ma.masked_invalid(planes), cmap=cmap, vmin=vmin, vmax=vmax, shading="flat")
        figure.colorbar(mesh, ax=ax, label="Brightness")
    ax.set_facecolor("0.15")
    ax.xaxis_date()
    time_axis(ax)
    ax.set_xlabel("Time (UTC)")
    ax.set_ylabel("Magnetic latitude (deg)" if magnetic else "Latitude (deg)")
    ax.set_title(f"Keogram {time_title(times)}", fontsize=10)
    return figure, ax
