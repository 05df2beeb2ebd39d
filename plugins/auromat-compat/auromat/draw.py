"""Drawing (``auromat.draw``): the original's functions over the draw styles of auromat-maps.

Every function returns ``(figure, axes)``; :func:`saveFig` writes and closes
it. Mappings may be compat mappings, collections, lists of them or core
mappings; photo overlays and astrometry plots use the photo's ``.wcs`` file,
which mappings of the spacecraft and ISS providers know.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Any

from auromat_maps import save_fig

from auromat_core import BoundingBox, InputError, get_draw_style
from auromat_core import Mapping as CoreMapping
from auromat_core import MappingCollection as CoreCollection

from .mapping.mapping import BaseMapping, MappingCollection
from .mapping.spacecraft import SpacecraftMapping

__all__ = [
    "drawAstrometryPixelScales",
    "drawAstrometryRotationAngles",
    "drawCameraFootpoints",
    "drawDate",
    "drawHorizon",
    "drawMLatMLTPolar",
    "drawParallelsAndMeridians",
    "drawPlot",
    "drawRaDec",
    "drawReferenceStars",
    "drawStereographic",
    "drawStereographicMLatMLT",
    "saveFig",
]

FigAx = tuple[Any, Any]


def _core(drawable: Any) -> Any:
    """Core mapping(s) of a compat mapping, collection or (nested) list."""
    if isinstance(drawable, (BaseMapping, MappingCollection)):
        return drawable.core
    if isinstance(drawable, (CoreMapping, CoreCollection)):
        return drawable
    if isinstance(drawable, Iterable) and not isinstance(drawable, (str, bytes)):
        return [_core(item) for item in drawable]
    raise InputError(f"cannot draw {type(drawable).__name__!r}: expected a mapping, a collection or a list of them")


def _wcs(mapping: Any) -> os.PathLike | None:
    return mapping.wcsPath if isinstance(mapping, SpacecraftMapping) else None


def _solutions(items: Iterable[Any]) -> list[Any]:
    """WCS sources for the astrometry plots: ``.wcs`` files of photo mappings, anything else as given."""
    return [_wcs(item) or (item.core if isinstance(item, BaseMapping) else item) for item in items]


def _center(lat0: float | None, lon0: float | None) -> tuple[float, float] | None:
    if lat0 is None and lon0 is None:
        return None
    if lat0 is None or lon0 is None:
        raise InputError("give both lat0 and lon0 (the map center), or neither")
    return lat0, lon0


def drawStereographic(  # noqa: N802
    mappings: Any,
    lat0: float | None = None,
    lon0: float | None = None,
    width: float | None = None,
    height: float | None = None,
    boundingBox: BoundingBox | None = None,  # noqa: N803
    sizeFactor: float = 1,  # noqa: N803
    lineDelta: float = 10,  # noqa: N803
    bottomTitle: str | None = None,  # noqa: N803
    drawlsmask: bool = True,
    drawCities: bool = False,  # noqa: N803
    figWidth: float = 8.0,  # noqa: N803
    figHeight: float = 5.0,  # noqa: N803
    rasterized: bool = True,
) -> FigAx:
    """Stereographic map (WGS84) of a mapping, a collection or a list.

    ``lat0``/``lon0`` (map center) and ``width``/``height`` (km) default to the
    center and 1.05 x ``sizeFactor`` x the size of ``boundingBox`` (default: the
    merged box of the mappings); ``drawlsmask`` draws land and coastlines.
    """
    return get_draw_style("stereographic")(
        _core(mappings), bounding_box=boundingBox, center=_center(lat0, lon0), width_km=width, height_km=height,
        size_factor=sizeFactor, line_delta=lineDelta, bottom_title=bottomTitle, land=drawlsmask,
        coastlines=drawlsmask, cities=drawCities, fig_width=figWidth, fig_height=figHeight, rasterized=rasterized,
    )


def drawStereographicMLatMLT(  # noqa: N802
    mappings: Any,
    lat0: float | None = None,
    lon0: float | None = None,
    width: float | None = None,
    height: float | None = None,
    boundingBox: BoundingBox | None = None,  # noqa: N803
    sizeFactor: float = 1,  # noqa: N803
    lineDelta: float = 10,  # noqa: N803
    bottomTitle: str = "MLat/MLT",  # noqa: N803
    figWidth: float = 8.0,  # noqa: N803
    figHeight: float = 5.0,  # noqa: N803
    rasterized: bool = True,
) -> FigAx:
    """Stereographic map in magnetic latitude and MLT; the center and box are in (MLat, SM longitude)."""
    return get_draw_style("mlat-mlt-stereographic")(
        _core(mappings), bounding_box=boundingBox, center=_center(lat0, lon0), width_km=width, height_km=height,
        size_factor=sizeFactor, line_delta=lineDelta, bottom_title=bottomTitle, fig_width=figWidth,
        fig_height=figHeight, rasterized=rasterized,
    )


def drawMLatMLTPolar(  # noqa: N802
    mappings: Any, lineDelta: float = 10, figWidth: float = 8.0, figHeight: float = 5.0, rasterized: bool = True,  # noqa: N803
) -> FigAx:
    """Round polar MLat/MLT map, midnight at the bottom."""
    return get_draw_style("mlat-mlt-polar")(
        _core(mappings), line_delta=lineDelta, fig_width=figWidth, fig_height=figHeight, rasterized=rasterized,
    )


def drawPlot(mapping: Any) -> FigAx:  # noqa: N802
    """The mapping on plain longitude/latitude axes."""
    return get_draw_style("plot")(_core(mapping))


def drawParallelsAndMeridians(  # noqa: N802
    mapping: BaseMapping,
    lineThickness: float = 5,  # noqa: N803
    color: str = "white",
    alpha: float = 0.5,
    figax: FigAx | None = None,
) -> FigAx:
    """Parallels and meridians every 2 degrees on top of the original photo (at its size, as the original)."""
    return get_draw_style("grid-overlay")(_core(mapping), line_width=lineThickness, color=color, alpha=alpha, scale=1.0, figax=figax)


def drawHorizon(  # noqa: N802
    mapping: BaseMapping,
    color: str = "blue",
    channel: str | None = None,
    lineThickness: float = 2,  # noqa: N803
    useMappingAltitude: bool = False,  # noqa: N803
    figax: FigAx | None = None,
) -> FigAx:
    """The modelled Earth limb on the original photo at its size (inflated by the mapping altitude with ``useMappingAltitude``)."""
    return get_draw_style("horizon")(
        _core(mapping), wcs=_wcs(mapping), use_mapping_altitude=useMappingAltitude, color=color, channel=channel,
        line_width=lineThickness, scale=1.0, figax=figax,
    )


def drawReferenceStars(mapping: BaseMapping, scale: float = 2, figax: FigAx | None = None) -> FigAx:  # noqa: N802
    """Bright catalogue stars (circles of radius 4 x ``scale`` px) on the original photo."""
    return get_draw_style("reference-stars")(_core(mapping), wcs=_wcs(mapping), scale=scale, figax=figax)


def drawDate(figax: FigAx, mapping: BaseMapping, color: str = "white") -> FigAx:  # noqa: N802
    """Write the photo time at the top of ``figax``."""
    return get_draw_style("date")(_core(mapping), figax=figax, color=color)


def drawAstrometryPixelScales(wcsHeaders: Iterable[Any], x: Sequence[Any] | None = None) -> FigAx:  # noqa: N802, N803
    """Celestial pixel scale of each solution (headers, ``.wcs`` paths or photo mappings)."""
    return get_draw_style("astrometry-pixel-scales")(_solutions(wcsHeaders), x=x)


def drawAstrometryRotationAngles(wcsHeaders: Iterable[Any], x: Sequence[Any] | None = None) -> FigAx:  # noqa: N802, N803
    """Rotation angle atan2(CD2_1, CD1_1) of each solution."""
    return get_draw_style("astrometry-rotation-angles")(_solutions(wcsHeaders), x=x)


def drawRaDec(wcsHeaders: Iterable[Any]) -> FigAx:  # noqa: N802, N803
    """Path of the image-center right ascension and declination over the solutions."""
    return get_draw_style("ra-dec")(_solutions(wcsHeaders))


def drawCameraFootpoints(mappings: Iterable[Any]) -> FigAx:  # noqa: N802
    """Camera footpoints of a sequence on a map."""
    return get_draw_style("camera-footpoints")(_core(mappings))


def saveFig(  # noqa: N802
    outputFile: str | os.PathLike,  # noqa: N803
    figax: Any,
    bgcolor: str = "white",
    transparent: bool = False,
    widthPx: int | None = None,  # noqa: N803
    heightPx: int | None = None,  # noqa: N803
    dpi: float | None = None,
    dontClose: bool = False,  # noqa: N803
) -> None:
    """Write the figure of ``figax`` (format from the file extension), then close it unless ``dontClose``."""
    save_fig(outputFile, figax, dpi=dpi, width_px=widthPx, height_px=heightPx, transparent=transparent,
             bgcolor=bgcolor, close=not dontClose)
