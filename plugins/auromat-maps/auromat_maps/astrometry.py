"""Astrometry diagnostics over a sequence of WCS solutions: pixel scale, rotation, pointing."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

import numpy as np
from astropy.wcs import WCS

from auromat_core import InputError, Mapping, MappingCollection

from .figures import FigAx, checked_options, new_figure, time_axis
from .wcsutil import WcsLike, as_header, as_wcs, cd_matrix, image_size, photo_time


class Solutions(NamedTuple):
    """Per-solution values of a sequence of WCS headers."""

    time: list[datetime | None]
    cd: np.ndarray
    """(n, 2, 2) CD matrices, degrees per pixel."""
    ra: np.ndarray
    """Right ascension of the image center (degrees)."""
    dec: np.ndarray
    """Declination of the image center (degrees)."""

    @property
    def pixel_scale(self) -> np.ndarray:
        """Celestial pixel scale sqrt(CD1_1² + CD2_1²) in arcsec."""
        return np.hypot(self.cd[:, 0, 0], self.cd[:, 1, 0]) * 3600.0

    @property
    def rotation(self) -> np.ndarray:
        """atan2(CD2_1, CD1_1) in degrees, unwrapped about the circular mean (no jump at ±180)."""
        angle = np.degrees(np.arctan2(self.cd[:, 1, 0], self.cd[:, 0, 0]))
        mean = np.degrees(np.angle(np.exp(1j * np.radians(angle)).mean()))
        return mean + (angle - mean + 180.0) % 360.0 - 180.0


def solutions(items: Iterable[WcsLike]) -> Solutions:
    """Read WCS headers, ``.wcs`` paths, astropy WCS objects or mappings carrying a WCS.

    The pointing is the sky position of the image center (IMAGEW/IMAGEH), or of
    the reference pixel when the image size is unknown.
    """
    times, cds, ras, decs = [], [], [], []
    for item in items:
        sources = list(item) if isinstance(item, MappingCollection) else [item]
        for source in sources:
            header = as_header(source)
            wcs = as_wcs(source if isinstance(source, WCS) else header)
            size = image_size(header, wcs)
            if size is None:
                pixel = np.asarray(wcs.wcs.crpix, dtype=np.float64) - 1.0
            else:
                pixel = (np.asarray(size, dtype=np.float64) - 1.0) / 2.0
            ra, dec = wcs.all_pix2world(pixel[0], pixel[1], 0)
            time = source.time if isinstance(source, Mapping) else photo_time(header)
            times.append(time)
            cds.append(cd_matrix(wcs))
            ras.append(float(ra))
            decs.append(float(dec))
    if not cds:
        raise InputError("no WCS solution given (the sequence is empty)")
    return Solutions(times, np.asarray(cds), np.asarray(ras), np.asarray(decs))


def _x_values(found: Solutions, x: Sequence[Any] | None) -> tuple[Sequence[Any], bool]:
    if x is not None:
        if len(x) != len(found.time):
            raise InputError(f"x has {len(x)} values for {len(found.time)} WCS solutions")
        return x, False
    if all(t is not None for t in found.time):
        return found.time, True
    return np.arange(len(found.time)), False


_ROUNDING = 1e-12
"""Relative spread of a series below which it is float rounding of equal values."""


def _series_figure(found: Solutions, values: np.ndarray, x: Sequence[Any] | None, ylabel: str, xlabel: str | None,
                   unit: str, fig_width: float, fig_height: float, dpi: float) -> FigAx:
    xs, is_time = _x_values(found, x)
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1)
    spread = float(np.std(values))
    if spread <= _ROUNDING * float(np.max(np.abs(values))):
        spread = 0.0  # equal solutions: the rest is float rounding
    ax.scatter(xs, values, s=18, color="tab:blue", zorder=3, label=f"σ = {spread:.3g}{unit}")
    ax.axhline(float(np.mean(values)), color="tab:red", linewidth=1, label=f"mean {np.mean(values):.4g}{unit}")
    ax.axhline(float(np.median(values)), color="tab:green", linewidth=1, linestyle="--",
               label=f"median {np.median(values):.4g}{unit}")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel if xlabel is not None else ("Photo time (UTC)" if is_time else "Frame"))
    if is_time:
        time_axis(ax)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    figure.tight_layout()
    return figure, ax


@checked_options
def draw_astrometry_pixel_scales(items: Iterable[WcsLike], *, x: Sequence[Any] | None = None,
                                 xlabel: str | None = None, fig_width: float = 8.0, fig_height: float = 4.0,
                                 dpi: float = 100.0) -> FigAx:
    """Celestial pixel scale (arcsec/px) of each solution, with mean, median and σ."""
    found = solutions(items)
    return _series_figure(found, found.pixel_scale, x, "Pixel scale (arcsec/px)", xlabel, "″",
                          fig_width, fig_height, dpi)


@checked_options
def draw_astrometry_rotation_angles(items: Iterable[WcsLike], *, x: Sequence[Any] | None = None,
                                    xlabel: str | None = None, fig_width: float = 8.0, fig_height: float = 4.0,
                                    dpi: float = 100.0) -> FigAx:
    """Rotation angle atan2(CD2_1, CD1_1) of each solution (degrees)."""
    found = solutions(items)
    return _series_figure(found, found.rotation, x, "Rotation angle (deg)", xlabel, "°",
                          fig_width, fig_height, dpi)


@checked_options
def draw_ra_dec(items: Iterable[WcsLike], *, fig_width: float = 6.0, fig_height: float = 5.0,
                dpi: float = 100.0) -> FigAx:
    """Path of the image-center right ascension and declination over the sequence."""
    found = solutions(items)
    figure = new_figure(fig_width, fig_height, dpi)
    ax = figure.add_subplot(1, 1, 1)
    ra = np.degrees(np.unwrap(np.radians(found.ra)))
    ax.plot(ra, found.dec, "-", color="0.6", linewidth=1, zorder=2)
    points = ax.scatter(ra, found.dec, c=np.arange(ra.size), cmap="viridis", s=20, zorder=3)
    figure.colorbar(points, ax=ax, label="Frame")
    ax.set_xlabel("Right ascension (deg)")
    ax.set_ylabel("Declination (deg)")
    ax.invert_xaxis()
    ax.grid(True, alpha=0.3)
    ax.ticklabel_format(useOffset=False)
    figure.tight_layout()
    return figure, ax


__all__ = [
    "Solutions",
    "draw_astrometry_pixel_scales",
    "draw_astrometry_rotation_angles",
    "draw_ra_dec",
    "solutions",
]
