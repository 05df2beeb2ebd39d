"""Styles drawn on the original photo: coordinate grid, Earth horizon, reference stars, date."""

from __future__ import annotations

import logging

import numpy as np

from auromat_core import InputError, Mapping, MappingCollection

from .figures import Color, FigAx, as_figax, check_line_delta, checked_options, image_figure
from .stars import StarCatalogue, bright_stars, stars_in_image
from .wcsutil import WcsLike, names_solution, photo_wcs, pixel_directions

log = logging.getLogger(__name__)

MAX_CONTOUR_POINTS = 2_000_000
"""Grid lines are traced on a strided center grid of at most this many points."""


def _photo_figax(mapping: Mapping, figax: FigAx | None, image: np.ndarray | None, channel: str | None,
                 scale: float | None) -> FigAx:
    if figax is not None:
        return as_figax(figax)
    return image_figure(mapping.image if image is None else image, channel=channel, scale=scale)


def one_camera(item: Mapping | MappingCollection, style: str) -> Mapping:
    """The mapping whose photo an overlay is drawn on: ``item``, or the only member of a collection.

    Raises
    ------
    InputError
        For a collection of several cameras (naming them, to choose one by identifier).
    """
    if not isinstance(item, MappingCollection):
        return item
    if len(item) != 1:
        names = ", ".join(member.identifier for member in item)
        raise InputError(f"{style} draws on the image of one camera, but {item.identifier} holds {len(item)}: {names}; choose one by its identifier")
    return item[0]


def _stride(shape: tuple[int, int], step: int | None) -> int:
    if step is not None:
        if step < 1:
            raise InputError(f"step must be a positive number of pixels, got {step}")
        return int(step)
    return max(1, int(np.ceil(np.sqrt(shape[0] * shape[1] / MAX_CONTOUR_POINTS))))


def format_lat(value: float) -> str:
    """``55°N`` / ``10°S`` / ``0°``."""
    value = round(float(value), 6)
    return f"{abs(value):g}°{'N' if value > 0 else 'S' if value < 0 else ''}"


def format_lon(value: float) -> str:
    """``100°W`` / ``20°E`` / ``180°`` (wrapped into (-180, 180])."""
    value = round(180.0 - (180.0 - float(value)) % 360.0, 6)
    return f"{abs(value):g}°{'E' if 0 < value < 180 else 'W' if value < 0 else ''}"


LABELS_PER_HEIGHT = 70
"""Grid labels are this many times smaller than the photo is high (at least 6 points)."""


@checked_options
def draw_grid_overlay(
    mapping: Mapping | MappingCollection,
    *,
    line_delta: float = 2.0,
    labels: bool = True,
    line_width: float = 2.0,
    color: Color = "white",
    alpha: float = 0.5,
    image: np.ndarray | None = None,
    step: int | None = None,
    scale: float | None = None,
    figax: FigAx | None = None,
) -> FigAx:
    """Parallels and meridians every ``line_delta`` degrees on top of the original photo.

    The lines are contours of the pixel-center latitude and longitude (traced
    on every ``step``-th pixel; by default so that at most ~2 million points
    are used), so they follow the mapping exactly and stop where it is undefined.

    Parameters
    ----------
    mapping
        A mapping of the photo (not resampled): its ``image`` is the photo.
    line_delta
        Spacing of parallels and meridians, degrees.
    labels
        Label the lines (``55°N``, ``20°E``), in the line colour.
    line_width, color, alpha
        Width (points), colour and opacity of the lines.
    image
        Another image of the same size to draw on.
    step
        Trace the lines on every ``step``-th pixel (default: see above).
    scale
        Figure pixels per image pixel; default 1, or what enlarges an image narrower than
        :data:`~auromat_maps.figures.MIN_PHOTO_FIGURE_WIDTH_PX` (800 px) to that width.
    figax
        Draw on this ``(figure, axes)`` of the photo (pixel data coordinates, as
        :func:`~auromat_maps.figures.image_figure` makes) instead of a new figure; ``image`` and ``scale`` are then unused.
    """
    mapping = one_camera(mapping, "grid-overlay")
    check_line_delta(line_delta)
    if not mapping.defined.any():
        raise InputError(f"mapping {mapping.identifier}: no pixel is defined, so there is no grid to draw")
    figure, ax = _photo_figax(mapping, figax, image, None, scale)
    stride = _stride(mapping.shape, step)
    rows = np.arange(0, mapping.shape[0], stride)
    cols = np.arange(0, mapping.shape[1], stride)
    lat = mapping.lat[::stride, ::stride]
    lon = mapping.lon[::stride, ::stride]
    center_lon = float(np.nanmedian(lon))
    lon = center_lon + (lon - center_lon + 180.0) % 360.0 - 180.0
    style = {"colors": color, "linewidths": line_width, "alpha": alpha, "linestyles": "dashed"}
    label_size = max(6.0, figure.get_size_inches()[1] * 72.0 / LABELS_PER_HEIGHT)  # points: a fraction of the figure height
    for values, formatter in ((lat, format_lat), (lon, format_lon)):
        low, high = np.nanmin(values), np.nanmax(values)
        levels = np.arange(np.ceil(low / line_delta), np.floor(high / line_delta) + 1) * line_delta
        if levels.size == 0:
            continue
        contours = ax.contour(cols, rows, np.ma.masked_invalid(values), levels=levels, **style)
        if labels:
            ax.clabel(contours, fmt=formatter, fontsize=label_size, colors=color)
    return figure, ax


def _region_mask(mapping: Mapping, wcs: WcsLike | None, intersects_earth: np.ndarray | None,
                 use_mapping_altitude: bool, stride: int) -> np.ndarray:
    """Strided (h, w) boolean of where the line of sight meets the Earth (or the mapping shell)."""
    if intersects_earth is not None:
        mask = np.asarray(intersects_earth, dtype=bool)
        if mask.shape != mapping.shape:
            raise InputError(f"intersects_earth has shape {mask.shape}, expected the image shape {mapping.shape}")
        return mask[::stride, ::stride]
    if wcs is None and not names_solution(mapping):
        if use_mapping_altitude:
            return mapping.defined[::stride, ::stride]
        raise InputError(
            f"horizon of mapping {mapping.identifier}: give the style intersects_earth=<(h, w) bool mask> or "
            "wcs=<the photo's WCS>, or use_mapping_altitude=True to outline the mapped region "
            "(-o wcs=FILE or -o use_mapping_altitude=true on the command line)"
        )
    from auromat_core.geometry import apparent_directions, map_directions
    from auromat_core.geometry import intersects_earth as rays_hit_earth

    y, x = np.mgrid[0:mapping.shape[0]:stride, 0:mapping.shape[1]:stride]
    directions = apparent_directions(pixel_directions(photo_wcs(mapping, wcs), x, y), mapping.time)
    if use_mapping_altitude:
        return np.isfinite(map_directions(mapping.camera_position, directions, mapping.time, mapping.altitude).lat)
    return rays_hit_earth(mapping.camera_position, directions, mapping.time)


@checked_options
def draw_horizon(
    mapping: Mapping | MappingCollection,
    *,
    wcs: WcsLike | None = None,
    intersects_earth: np.ndarray | None = None,
    use_mapping_altitude: bool = False,
    color: Color = "blue",
    channel: str | None = None,
    line_width: float = 2.0,
    step: int = 4,
    scale: float | None = None,
    figax: FigAx | None = None,
) -> FigAx:
    """The modelled Earth limb on top of the original photo.

    The limb is the boundary of the pixels whose line of sight hits the WGS84
    ellipsoid: from ``intersects_earth`` if given, else computed from ``wcs``
    (default: the solution the mapping names) and the camera position. With ``use_mapping_altitude`` the Earth is inflated
    by the mapping altitude (e.g. a cloud-top height); without a WCS the
    boundary of the mapping's defined pixels is drawn then. Nothing is drawn
    (a warning is logged) when the Earth fills the whole photo or none of it.

    Parameters
    ----------
    mapping
        A mapping of the photo (not resampled), or a collection of one camera.
    wcs
        The photo's WCS (astropy WCS, FITS header or ``.wcs`` path); default:
        the one the mapping names.
    intersects_earth
        (h, w) boolean image, true where the line of sight hits the Earth; used instead of a WCS.
    use_mapping_altitude
        Inflate the Earth by the mapping altitude; without a WCS, outline the defined pixels.
    color, line_width
        Colour and width (points) of the limb.
    channel
        Show only this image channel (``"red"``, ``"green"``, ``"blue"``).
    step
        Trace the limb on every ``step``-th pixel.
    scale
        Figure pixels per image pixel; default 1, or what enlarges an image narrower than
        :data:`~auromat_maps.figures.MIN_PHOTO_FIGURE_WIDTH_PX` (800 px) to that width.
    figax
        Draw on this ``(figure, axes)`` of the photo instead of a new figure (see :func:`draw_grid_overlay`); ``channel`` and ``scale`` are then unused.
    """
    mapping = one_camera(mapping, "horizon")
    stride = _stride(mapping.shape, step)
    mask = _region_mask(mapping, wcs, intersects_earth, use_mapping_altitude, stride)
    figure, ax = _photo_figax(mapping, figax, None, channel, scale)
    if mask.all() or not mask.any():
        log.warning("mapping %s: the Earth %s the photo, so no horizon is drawn", mapping.identifier,
                    "fills" if mask.any() else "is not in")
        return figure, ax
    rows = np.arange(0, mapping.shape[0], stride)
    cols = np.arange(0, mapping.shape[1], stride)
    ax.contour(cols, rows, mask.astype(np.float32), levels=[0.5], colors=color, linewidths=line_width)
    return figure, ax


@checked_options
def draw_reference_stars(
    mapping: Mapping | MappingCollection,
    *,
    wcs: WcsLike | None = None,
    catalogue: StarCatalogue | None = None,
    max_magnitude: float | None = None,
    scale: float = 2.0,
    color: Color = "lime",
    labels: bool = True,
    hide_behind_earth: bool = True,
    image: np.ndarray | None = None,
    figax: FigAx | None = None,
) -> FigAx:
    """Catalogue stars (circles, radius 4 x ``scale`` px) on the original photo.

    Parameters
    ----------
    mapping
        A mapping of the photo (not resampled), or a collection of one camera.
    wcs
        The photo's WCS (astropy WCS, FITS header or ``.wcs`` path); default:
        the one the mapping carries.
    catalogue
        Stars to draw; default :func:`auromat_maps.stars.bright_stars` at the photo time.
    max_magnitude
        Faintest magnitude drawn.
    scale
        Size factor of the circles, their line width and the names; the figure itself has one pixel per image pixel.
    color
        Colour of the circles and names.
    labels
        Write each star's name beside its circle.
    hide_behind_earth
        Leave out stars on pixels the mapping maps (the Earth and its
        atmosphere up to the mapping altitude are in front of them).
    image
        Another image of the same size to draw on.
    figax
        Draw on this ``(figure, axes)`` of the photo instead of a new figure (see :func:`draw_grid_overlay`); ``image`` is then unused.
    """
    mapping = one_camera(mapping, "reference-stars")
    solution = photo_wcs(mapping, wcs)
    stars = catalogue if catalogue is not None else bright_stars(mapping.time)
    if max_magnitude is not None:
        stars = stars.brighter_than(max_magnitude)
    figure, ax = _photo_figax(mapping, figax, image, None, 1.0)
    found = stars_in_image(solution, mapping.shape, stars)
    if hide_behind_earth:
        rows = np.clip(np.round(found.y).astype(int), 0, mapping.shape[0] - 1)
        cols = np.clip(np.round(found.x).astype(int), 0, mapping.shape[1] - 1)
        visible = ~mapping.defined[rows, cols]
        found = type(found)(*(values[visible] for values in found))
    log.debug("mapping %s: %d catalogue stars in the image", mapping.identifier, found.x.size)
    radius_points = 4.0 * scale * 72.0 / figure.dpi
    ax.scatter(found.x, found.y, s=(2 * radius_points) ** 2, facecolors="none", edgecolors=color,
               linewidths=max(1.0, scale / 2))
    if labels:
        for name, x, y in zip(found.name, found.x, found.y):
            ax.annotate(str(name), (x, y), xytext=(6 * scale, 6 * scale), textcoords="offset pixels",
                        color=color, fontsize=6 * scale)
    return figure, ax


@checked_options
def draw_date(
    mapping: Mapping | MappingCollection,
    *,
    color: Color = "white",
    fontsize: float | None = None,
    time_format: str = "%Y-%m-%d %H:%M:%S UTC",
    image: np.ndarray | None = None,
    scale: float | None = None,
    figax: FigAx | None = None,
) -> FigAx:
    """The photo time written at the top of the photo (or of ``figax``)."""
    mapping = one_camera(mapping, "date")
    figure, ax = _photo_figax(mapping, figax, image, None, scale)
    height_px = figure.get_size_inches()[1] * figure.dpi
    size = fontsize if fontsize is not None else max(8.0, height_px / 30.0 * 72.0 / figure.dpi)
    figure.text(0.5, 0.98, mapping.time.strftime(time_format), color=color, fontsize=size, ha="center", va="top")
    return figure, ax
