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

The rotation and the Sun direction are cached per time (the
:data:`ORIENTATION_CACHE_SIZE` most recent); :func:`gcrs_to_itrs_matrices`
evaluates many times in one vectorised astropy call, which is some twenty times
cheaper per time than one call each.

Times are naive UTC datetimes; aware ones are converted to UTC
(:func:`auromat_core.as_utc`).
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

import astropy.units as u
import erfa
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


ORIENTATION_CACHE_SIZE = 2**15
"""Times whose rotation and Sun direction are kept (least recently used dropped; ~15 MB when full)."""


class _Orientation(NamedTuple):
    matrix: NDArray[np.float64]
    """GCRS -> ITRS rotation (3, 3), read-only."""
    sun: NDArray[np.float64]
    """Unit vector (3,) towards the Sun in ITRS, read-only."""


class _OrientationCache:
    """Earth orientation and Sun direction per naive UTC time, evaluated by astropy in batches."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[datetime, _Orientation] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, times: list[datetime]) -> list[_Orientation]:
        """The orientations at ``times``; those not kept are evaluated in one vectorised call."""
        with self._lock:
            found = {time: self._entries.get(time) for time in times}
        missing = [time for time, entry in found.items() if entry is None]
        if missing:
            found.update(zip(missing, _evaluate(missing)))
        with self._lock:
            for time, entry in found.items():
                self._entries[time] = entry
                self._entries.move_to_end(time)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return [found[time] for time in times]

    def clear(self) -> None:
        """Forget every time (the next calls evaluate astropy again)."""
        with self._lock:
            self._entries.clear()


def _evaluate(times: list[datetime]) -> list[_Orientation]:
    """One astropy transform of the GCRS unit vectors (and one ``get_sun``) at all ``times``."""
    count = len(times)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        obstime = Time(np.array(times, dtype="datetime64[us]"), scale="utc")
        units = np.moveaxis(np.broadcast_to(np.eye(3), (count, 3, 3)), -1, 0)  # [component, time, vector]
        basis = GCRS(CartesianRepresentation(units * u.km), obstime=obstime[:, np.newaxis])
        images = basis.transform_to(ITRS(obstime=obstime[:, np.newaxis])).cartesian.xyz.to_value(u.km)
        sun = get_sun(obstime).cartesian.xyz.to_value(u.km)
    _log_astropy_warnings(caught)
    matrices = np.ascontiguousarray(np.moveaxis(images, 0, 1))  # [time, component, vector]: column j is the image of unit vector j
    directions = np.einsum("nkj,jn->nk", matrices, sun)
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    matrices.setflags(write=False)
    directions.setflags(write=False)
    return [_Orientation(matrix, direction) for matrix, direction in zip(matrices, directions)]


_ORIENTATIONS = _OrientationCache(ORIENTATION_CACHE_SIZE)


def _naive_utc(times: Iterable[datetime] | NDArray[np.datetime64]) -> list[datetime]:
    if isinstance(times, np.ndarray) and times.dtype.kind == "M":
        return list(times.astype("datetime64[us]").astype(datetime))
    return [as_utc(time) for time in times]


def gcrs_to_itrs_matrix(time: datetime) -> NDArray[np.float64]:
    """Rotation matrix (3, 3) taking GCRS vectors to ITRS at ``time`` (cached, read-only)."""
    return _ORIENTATIONS.get([as_utc(time)])[0].matrix


def gcrs_to_itrs_matrices(times: Iterable[datetime] | NDArray[np.datetime64]) -> NDArray[np.float64]:
    """Rotation matrices (n, 3, 3) at many times (datetimes or datetime64 UTC), in one astropy call.

    The rotations and Sun directions at these times are cached, so the
    per-time functions (mapping, magnetic coordinates) need no astropy call
    later: a provider that knows its frame times can evaluate them all at once
    (0.15 ms per time instead of a few ms).
    """
    entries = _ORIENTATIONS.get(_naive_utc(times))
    return np.array([entry.matrix for entry in entries]).reshape(-1, 3, 3)


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


def sun_direction_itrs(time: datetime) -> NDArray[np.float64]:
    """Unit vector (3,) from the Earth's centre to the (apparent) Sun in ITRS at ``time`` (cached, read-only)."""
    return _ORIENTATIONS.get([as_utc(time)])[0].sun


ANNUAL_ABERRATION_MAX_RAD = 1.03e-4
"""Largest annual aberration: the Earth's orbital speed over the speed of light (at most 1.02e-4, 21 arcsec)."""


@functools.lru_cache(maxsize=64)
def _aberration_at(time: datetime) -> tuple[NDArray[np.float64], float, float]:
    tdb = Time(time, scale="utc").tdb
    astrom, _ = erfa.apci13(tdb.jd1, tdb.jd2)
    return np.array(astrom["v"], dtype=np.float64), float(astrom["em"]), float(astrom["bm1"])


def apparent_directions(directions: ArrayLike, time: datetime) -> NDArray[np.float64]:
    """Apparent geocentric (GCRS) directions (..., 3) of distant sources from their ICRS (catalogue) unit directions.

    A celestial WCS maps each pixel to the catalogue direction of the stars it
    was fitted to. Seen from the geocentre at ``time``, light from that
    direction arrives from the direction displaced by the annual aberration (up
    to :data:`ANNUAL_ABERRATION_MAX_RAD`; ``erfa.ab`` with the Earth's
    barycentric velocity from ``erfa.apci13``): that is the line of sight of the
    pixel in GCRS. The camera's own velocity displaces the stars and the Earth
    alike and cancels out. NaN directions stay NaN.
    """
    velocity, sun_distance, bm1 = _aberration_at(as_utc(time))
    return erfa.ab(np.asarray(directions, dtype=np.float64), velocity, sun_distance, bm1)


__all__ = [
    "ANNUAL_ABERRATION_MAX_RAD",
    "apparent_directions",
    "gcrs_position_to_geodetic",
    "gcrs_to_itrs",
    "gcrs_to_itrs_matrices",
    "gcrs_to_itrs_matrix",
    "itrs_to_gcrs",
    "sun_direction_itrs",
]
