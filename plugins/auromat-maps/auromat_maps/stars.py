"""Reference stars: an offline bright-star catalogue projected into a photo with its WCS.

The built-in catalogue is the bright-star list shipped by the PyPI package
``ephem`` (116 names of 108 distinct stars to magnitude 4.3, Hipparcos
positions and proper motions); positions are astrometric (ICRS axes) at the photo time.
Any other catalogue can be given as a :class:`StarCatalogue`.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from astropy.wcs import WCS

from auromat_core import InputError


class StarCatalogue(NamedTuple):
    """Stars as parallel arrays: name, RA and Dec (ICRS degrees), visual magnitude."""

    name: np.ndarray
    ra: np.ndarray
    dec: np.ndarray
    magnitude: np.ndarray

    @classmethod
    def from_arrays(cls, name: npt.ArrayLike, ra: npt.ArrayLike, dec: npt.ArrayLike, magnitude: npt.ArrayLike) -> StarCatalogue:
        """Build a catalogue from sequences of equal length."""
        arrays = [np.asarray(name, dtype=str)] + [np.asarray(v, dtype=np.float64) for v in (ra, dec, magnitude)]
        if len({a.shape for a in arrays}) != 1 or arrays[0].ndim != 1:
            raise InputError(f"star catalogue arrays must be 1-D of one length, got shapes {[a.shape for a in arrays]}")
        return cls(*arrays)

    def brighter_than(self, magnitude: float) -> StarCatalogue:
        """The stars of magnitude <= ``magnitude``."""
        keep = self.magnitude <= magnitude
        return StarCatalogue(*(a[keep] for a in self))


@functools.lru_cache(maxsize=8)
def bright_stars(time: datetime | None = None) -> StarCatalogue:
    """The ``ephem`` bright-star list at ``time`` (default J2000.0); aliases of one star appear once."""
    import ephem
    import ephem.stars

    date = ephem.Date(time) if time is not None else ephem.J2000
    names, ra, dec, magnitude, seen = [], [], [], [], set()
    for name in sorted(ephem.stars.stars):
        star = ephem.star(name)
        star.compute(date)
        key = (round(float(star.a_ra), 6), round(float(star.a_dec), 6))
        if key in seen:
            continue
        seen.add(key)
        names.append(name)
        ra.append(np.degrees(float(star.a_ra)))
        dec.append(np.degrees(float(star.a_dec)))
        magnitude.append(float(star.mag))
    return StarCatalogue.from_arrays(names, ra, dec, magnitude)


class ImageStars(NamedTuple):
    """Catalogue stars inside an image: pixel coordinates (x = column, y = row)."""

    name: np.ndarray
    x: np.ndarray
    y: np.ndarray
    magnitude: np.ndarray


def stars_in_image(wcs: WCS, shape: tuple[int, int], catalogue: StarCatalogue) -> ImageStars:
    """The catalogue stars that fall on an image of ``shape`` (h, w), in front of the camera."""
    height, width = shape
    center_ra, center_dec = (float(v) for v in wcs.all_pix2world((width - 1) / 2, (height - 1) / 2, 0))
    c_ra, c_dec, s_ra, s_dec = (np.radians(v) for v in (center_ra, center_dec, catalogue.ra, catalogue.dec))
    cos_angle = np.sin(c_dec) * np.sin(s_dec) + np.cos(c_dec) * np.cos(s_dec) * np.cos(s_ra - c_ra)
    ahead = cos_angle > 0.05
    x = np.full(catalogue.ra.shape, np.nan)
    y = np.full(catalogue.ra.shape, np.nan)
    if ahead.any():
        x[ahead], y[ahead] = wcs.all_world2pix(catalogue.ra[ahead], catalogue.dec[ahead], 0, quiet=True)
    with np.errstate(invalid="ignore"):
        inside = ahead & (x >= -0.5) & (x <= width - 0.5) & (y >= -0.5) & (y <= height - 0.5)
    return ImageStars(catalogue.name[inside], x[inside], y[inside], catalogue.magnitude[inside])
