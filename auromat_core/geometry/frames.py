"""Celestial (GCRS) to Earth-fixed (ITRS) rotation through astropy, strictly offline.

Importing this module configures astropy never to download anything:
``astropy.utils.iers.conf.auto_download = False`` (the IERS-A/B tables and the
leap-second file bundled with astropy, via ``astropy-iers-data``, are used),
``auto_max_age = None`` (predictions in the bundled table are used however old
the table is, instead of raising or trying to refresh it) and
``iers_degraded_accuracy = "warn"`` (if IERS-B alone is selected, dates outside
it warn instead of failing).

Precision: within the bundled table (measured values, then about one year of
predictions after its release; astropy-iers-data 0.2026.11 reaches 2027-10) the
rotation is the full IAU 2006/2000A one with UT1-UTC and polar motion. Past the
end of the table astropy keeps the last tabulated UT1-UTC (the true value
drifts by up to a few tenths of a second per year; 0.1 s is 1.5 arcsec of Earth
rotation, 46 m at the equator) and uses the 50-year mean polar motion (an error
of a fraction of an arcsec); the same holds before 1962, and UTC itself is
ill-defined before 1960. Together this is a few arcsec a few years past the
table end. The warnings astropy emits in those cases are logged once per
message instead.

Times are naive UTC datetimes; aware ones are converted to UTC
(:func:`auromat_core.as_utc`).
"""

from __future__ import annotations

import logging
import warnings
from datetime import datetime
from functools import lru_cache

import astropy.units as u
import numpy as np
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation, get_sun
from astropy.time import Time
from astropy.utils import iers
from numpy.typing import ArrayLike, NDArray

from ..timeutil import as_utc
from .ellipsoid import ecef_to_geodetic

iers.conf.auto_download = False
iers.conf.auto_max_age = None
iers.conf.iers_degraded_accuracy = "warn"

log = logging.getLogger(__name__)

_logged_messages: set[str] = set()


def _log_astropy_warnings(caught: list[warnings.WarningMessage]) -> None:
    for item in caught:
        message = str(item.message)
        if message not in _logged_messages:
            _logged_messages.add(message)
            log.warning("astropy (reduced precision, see auromat_core.geometry.frames): %s", message)


@lru_cache(maxsize=256)
def _gcrs_to_itrs_matrix(time: datetime) -> NDArray[np.float64]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        obstime = Time(time, scale="utc")
        basis = GCRS(CartesianRepresentation(np.eye(3) * u.km), obstime=obstime)
        itrs = basis.transform_to(ITRS(obstime=obstime)).cartesian.xyz.to_value(u.km)
    _log_astropy_warnings(caught)
    matrix = np.ascontiguousarray(itrs)  # column j is the image of GCRS unit vector j
    matrix.setflags(write=False)
    return matrix


def gcrs_to_itrs_matrix(time: datetime) -> NDArray[np.float64]:
    """Rotation matrix (3, 3) taking GCRS vectors to ITRS at ``time`` (cached, read-only)."""
    return _gcrs_to_itrs_matrix(as_utc(time))


def gcrs_to_itrs(vectors: ArrayLike, time: datetime) -> NDArray[np.float64]:
    """Rotate GCRS vectors (..., 3) to ITRS at ``time``."""
    return np.asarray(vectors, dtype=np.float64) @ gcrs_to_itrs_matrix(time).T


def itrs_to_gcrs(vectors: ArrayLike, time: datetime) -> NDArray[np.float64]:
    """Rotate ITRS vectors (..., 3) to GCRS at ``time``."""
    return np.asarray(vectors, dtype=np.float64) @ gcrs_to_itrs_matrix(time)


def gcrs_position_to_geodetic(
    position_km: ArrayLike, time: datetime
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Geodetic latitude, longitude (deg) and height (km) of GCRS positions (..., 3) in km."""
    itrs = gcrs_to_itrs(position_km, time)
    return ecef_to_geodetic(itrs[..., 0], itrs[..., 1], itrs[..., 2])


@lru_cache(maxsize=256)
def _sun_direction_itrs(time: datetime) -> NDArray[np.float64]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sun = get_sun(Time(time, scale="utc")).cartesian.xyz.to_value(u.km)
    _log_astropy_warnings(caught)
    direction = _gcrs_to_itrs_matrix(time) @ sun
    direction /= np.linalg.norm(direction)
    direction.setflags(write=False)
    return direction


def sun_direction_itrs(time: datetime) -> NDArray[np.float64]:
    """Unit vector (3,) from the Earth's centre to the (apparent) Sun in ITRS at ``time``."""
    return _sun_direction_itrs(as_utc(time))


__all__ = [
    "gcrs_position_to_geodetic",
    "gcrs_to_itrs",
    "gcrs_to_itrs_matrix",
    "itrs_to_gcrs",
    "sun_direction_itrs",
]
