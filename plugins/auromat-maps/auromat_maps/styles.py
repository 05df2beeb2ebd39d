"""The draw styles of this plugin (name, function, what it takes, description) and the option checks of any style.

What a style draws is its function's ``takes`` attribute, which ``auromat
draw`` reads of every registered style, this plugin's or another's (see
:func:`takes`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NamedTuple

import auromat_core
from auromat_core import InputError

from .astrometry import draw_astrometry_pixel_scales, draw_astrometry_rotation_angles, draw_ra_dec
from .maps import draw_cities_map, draw_mlat_mlt_polar, draw_stereographic, draw_stereographic_mlat_mlt
from .overlays import draw_date, draw_grid_overlay, draw_horizon, draw_reference_stars
from .plot import draw_plot
from .sequences import draw_camera_footpoints, draw_keogram

Takes = Literal["mapping", "sequence", "wcs-sequence"]


TAKES: tuple[Takes, ...] = ("mapping", "sequence", "wcs-sequence")
"""What a style can draw: one mapping (or collection, or list); mappings over time; WCS
solutions (headers, ``.wcs`` paths or mappings)."""


class Style(NamedTuple):
    """A draw style of this plugin: ``function(drawable, **options) -> (figure, axes)``; ``function.takes`` says what it draws."""

    function: Callable[..., Any]
    description: str


def takes(name: str, style: Callable[..., Any]) -> Takes:
    """What the registered draw style ``name`` draws: its ``takes`` attribute, by default one mapping.

    Raises
    ------
    InputError
        For a ``takes`` that is none of :data:`TAKES` (naming the style).
    """
    draws = getattr(style, "takes", "mapping")
    if draws not in TAKES:
        raise InputError(f"draw style {name} says it takes {draws!r}; a style takes one of {', '.join(TAKES)}")
    return draws


def _style(function: Callable[..., Any], draws: Takes, description: str) -> Style:
    function.takes = draws  # type: ignore[attr-defined]
    return Style(function, description)


STYLES: dict[str, Style] = {
    "stereographic": _style(draw_stereographic, "mapping",
                            "Stereographic map (WGS84) with coastlines, land, parallels and meridians"),
    "mlat-mlt-stereographic": _style(draw_stereographic_mlat_mlt, "mapping",
                                     "Stereographic map in magnetic latitude and MLT"),
    "mlat-mlt-polar": _style(draw_mlat_mlt_polar, "mapping", "Round polar MLat/MLT map, midnight at the bottom"),
    "plot": _style(draw_plot, "mapping", "Plain longitude/latitude plot"),
    "grid-overlay": _style(draw_grid_overlay, "mapping", "Parallels and meridians on the original photo"),
    "horizon": _style(draw_horizon, "mapping", "Modelled Earth horizon on the original photo"),
    "reference-stars": _style(draw_reference_stars, "mapping",
                              "Bright catalogue stars on the original photo (needs its WCS)"),
    "date": _style(draw_date, "mapping", "The photo time written on the photo"),
    "cities": _style(draw_cities_map, "mapping", "Stereographic map with city markers (GeoNames)"),
    "astrometry-pixel-scales": _style(draw_astrometry_pixel_scales, "wcs-sequence",
                                      "Celestial pixel scale of each WCS solution of a sequence"),
    "astrometry-rotation-angles": _style(draw_astrometry_rotation_angles, "wcs-sequence",
                                         "Rotation angle of each WCS solution of a sequence"),
    "ra-dec": _style(draw_ra_dec, "wcs-sequence", "Path of the image-center RA/Dec over a sequence"),
    "camera-footpoints": _style(draw_camera_footpoints, "sequence", "Camera footpoints of a sequence on a map"),
    "keogram": _style(draw_keogram, "sequence", "Keogram (latitude vs time) along a meridian"),
}


def check_options(name: str, style: Callable[..., Any], options: dict[str, Any]) -> None:
    """Check the options of the draw style ``name`` against the keyword parameters of its function ``style`` and their types.

    See :func:`auromat_core.check_options`: values of parameters annotated with
    ``bool``, ``int``, ``float``, ``str``, ``dict`` or a fixed-length ``tuple[float, float]``
    (optionally ``| None``) must have that type (JSON from the command line:
    ``true``, ``5``, ``"gray"``, ``[62, -145]``); others are checked by the style itself.

    Raises
    ------
    InputError
        For an unknown option (naming the accepted ones) or a value of the wrong type.
    """
    auromat_core.check_options("draw style", name, style, 1, options)
