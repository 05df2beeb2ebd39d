"""The registry of draw styles of this plugin: name, function, what it takes, description."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from auromat_core import InputError

from .astrometry import draw_astrometry_pixel_scales, draw_astrometry_rotation_angles, draw_ra_dec
from .maps import draw_cities_map, draw_mlat_mlt_polar, draw_stereographic, draw_stereographic_mlat_mlt
from .overlays import draw_date, draw_grid_overlay, draw_horizon, draw_reference_stars
from .plot import draw_plot
from .sequences import draw_camera_footpoints, draw_keogram

Takes = Literal["mapping", "sequence", "wcs-sequence"]


class Style(NamedTuple):
    """A draw style: ``function(drawable, **options) -> (figure, axes)``."""

    function: Callable[..., Any]
    takes: Takes
    """``mapping``: one mapping (or collection, or list); ``sequence``: mappings over
    time; ``wcs-sequence``: WCS solutions (headers, ``.wcs`` paths or mappings)."""
    description: str


STYLES: dict[str, Style] = {
    "stereographic": Style(draw_stereographic, "mapping",
                           "Stereographic map (WGS84) with coastlines, land, parallels and meridians"),
    "mlat-mlt-stereographic": Style(draw_stereographic_mlat_mlt, "mapping",
                                    "Stereographic map in magnetic latitude and MLT"),
    "mlat-mlt-polar": Style(draw_mlat_mlt_polar, "mapping", "Round polar MLat/MLT map, midnight at the bottom"),
    "plot": Style(draw_plot, "mapping", "Plain longitude/latitude plot"),
    "grid-overlay": Style(draw_grid_overlay, "mapping", "Parallels and meridians on the original photo"),
    "horizon": Style(draw_horizon, "mapping", "Modelled Earth horizon on the original photo"),
    "reference-stars": Style(draw_reference_stars, "mapping",
                             "Bright catalogue stars on the original photo (needs its WCS)"),
    "date": Style(draw_date, "mapping", "The photo time written on the photo"),
    "cities": Style(draw_cities_map, "mapping", "Stereographic map with city markers (GeoNames)"),
    "astrometry-pixel-scales": Style(draw_astrometry_pixel_scales, "wcs-sequence",
                                     "Celestial pixel scale of each WCS solution of a sequence"),
    "astrometry-rotation-angles": Style(draw_astrometry_rotation_angles, "wcs-sequence",
                                        "Rotation angle of each WCS solution of a sequence"),
    "ra-dec": Style(draw_ra_dec, "wcs-sequence", "Path of the image-center RA/Dec over a sequence"),
    "camera-footpoints": Style(draw_camera_footpoints, "sequence", "Camera footpoints of a sequence on a map"),
    "keogram": Style(draw_keogram, "sequence", "Keogram (latitude vs time) along a meridian"),
}


def check_options(name: str, options: dict[str, Any]) -> None:
    """Raise :class:`InputError` naming the accepted options if ``options`` has an unknown one."""
    import inspect

    parameters = list(inspect.signature(STYLES[name].function).parameters.values())[1:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return
    accepted = {p.name for p in parameters}
    unknown = sorted(set(options) - accepted)
    if unknown:
        raise InputError(f"style {name} has no option {', '.join(unknown)}; its options: {', '.join(sorted(accepted))}")
