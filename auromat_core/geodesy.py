"""Geodesics on the WGS84 ellipsoid, vectorised over numpy arrays.

All solutions come from :class:`pyproj.Geod` (Karney's algorithms, the C
geodesic library inside PROJ). Latitudes and longitudes are geodetic degrees,
azimuths are degrees clockwise from north, distances are metres. Every function
broadcasts its array arguments and returns arrays of the broadcast shape, or
numpy scalars for scalar input.

``angular_distance_deg`` gives geographiclib's ``a12``, the arc length on the
auxiliary sphere, which PROJ computes but pyproj does not return. It is derived
from pyproj's azimuths with Clairaut's relation: on the auxiliary sphere a point
of reduced latitude ``beta`` where the geodesic has azimuth ``alpha`` lies at arc
``sigma`` from the geodesic's equator crossing, with
``(sin sigma, cos sigma) ∝ (sin beta, cos alpha cos beta)`` and norm
``cos alpha0``, so ``a12 = sigma2 - sigma1``. For geodesics within 0.06° of the
equator (``cos alpha0 < 1e-3``) that pair is ill-conditioned and ``a12 = s12 / b``
is used instead; its relative error is below ``e'² cos² alpha0 / 2 < 3.4e-9``.
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
import pyproj

from .errors import InputError

__all__ = [
    "WGS84",
    "Location",
    "PoleRelation",
    "angular_distance_deg",
    "contains_or_crosses_pole",
    "course",
    "destination",
    "distance_m",
    "intermediate",
    "line",
]

log = logging.getLogger(__name__)

WGS84 = pyproj.Geod(ellps="WGS84")
"""The WGS84 ellipsoid used by every function of this module."""

PoleRelation = Literal["none", "contains", "crosses"]

_EQUATORIAL_COS_ALPHA0 = 1e-3
_PARALLEL_MIN_SIZE = 50_000
_WORKERS = min(
    8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)


class Location(NamedTuple):
    """A geodetic position in degrees; the fields may also hold arrays."""

    lat: float
    lon: float


def _as_float_arrays(*values: npt.ArrayLike) -> list[np.ndarray]:
    return np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in values))


def _inverse(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Solve the inverse problem: (azimuth at 1, back azimuth at 2, distance).

    Large inputs are split over threads; pyproj releases the GIL while solving.
    """
    arrays = _as_float_arrays(lat1, lon1, lat2, lon2)
    shape = arrays[0].shape
    la1, lo1, la2, lo2 = (np.ravel(a) for a in arrays)
    n = la1.size
    if n >= _PARALLEL_MIN_SIZE and _WORKERS > 1:
        bounds = np.linspace(0, n, _WORKERS + 1).astype(np.intp)
        chunks = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
        with ThreadPoolExecutor(_WORKERS) as pool:
            parts = list(
                pool.map(
                    lambda s: WGS84.inv(lo1[s], la1[s], lo2[s], la2[s], return_back_azimuth=True),
                    chunks,
                )
            )
        results = [np.concatenate([p[i] for p in parts]) for i in range(3)]
    else:
        results = [np.asarray(r) for r in WGS84.inv(lo1, la1, lo2, la2, return_back_azimuth=True)]
    az12, az21, s12 = (r.reshape(shape) for r in results)
    return az12, az21, s12


def _forward(
    lat: npt.ArrayLike, lon: npt.ArrayLike, azimuth: npt.ArrayLike, meters: npt.ArrayLike
) -> Location:
    la, lo, az, d = _as_float_arrays(lat, lon, azimuth, meters)
    shape = la.shape
    lon2, lat2, _ = WGS84.fwd(np.ravel(lo), np.ravel(la), np.ravel(az), np.ravel(d))
    lat2 = np.asarray(lat2).reshape(shape)
    lon2 = np.asarray(lon2).reshape(shape)
    # a zero-length step returns the start exactly (the solver is off by an ulp)
    at_start = d == 0
    return Location(np.where(at_start, la, lat2)[()], np.where(at_start, lo, lon2)[()])


def distance_m(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Shortest geodesic distance in metres between two sets of points."""
    return _inverse(lat1, lon1, lat2, lon2)[2][()]


def angular_distance_deg(
    lat1: npt.ArrayLike, lon1: npt.ArrayLike, lat2: npt.ArrayLike, lon2: npt.ArrayLike
) -> np.ndarray:
    """Arc length in degrees on the auxiliary sphere of the shortest geodesic.

    Equals geographiclib's ``a12``; see the module docstring for the method.
    """
    la1, lo1, la2, lo2 = _as_float_arrays(lat1, lon1, lat2, lon2)
    az12, az21, s12 = _inverse(la1, lo1, la2, lo2)
    one_minus_f = 1.0 - WGS84.f
    phi1, phi2 = np.deg2rad(la1), np.deg2rad(la2)
    # reduced latitude: (sin beta, cos beta) ∝ ((1 - f) sin phi, cos phi); atan2 below
    # is invariant to the common scale, so the pairs are left unnormalised
    sb1, cb1 = one_minus_f * np.sin(phi1), np.cos(phi1)
    sb2, cb2 = one_minus_f * np.sin(phi2), np.cos(phi2)
    # forward azimuth at point 2 is the back azimuth + 180°
    x1 = np.cos(np.deg2rad(az12)) * cb1
    x2 = -np.cos(np.deg2rad(az21)) * cb2
    sigma12 = np.abs(np.arctan2(x1 * sb2 - sb1 * x2, x1 * x2 + sb1 * sb2))
    equatorial = np.hypot(x1, sb1) < _EQUATORIAL_COS_ALPHA0 * np.hypot(sb1, cb1)
    sigma12 = np.where(equatorial, s12 / WGS84.b, sigma12)
    return np.rad2deg(sigma12)[()]


def course(l1: Location, l2: Location) -> np.ndarray:
    """Initial azimuth in degrees (-180, 180] of the geodesic from ``l1`` to ``l2``."""
    return _inverse(l1.lat, l1.lon, l2.lat, l2.lon)[0][()]


def destination(
    lat: npt.ArrayLike, lon: npt.ArrayLike, azimuth: npt.ArrayLike, meters: npt.ArrayLike
) -> Location:
    """Point reached after ``meters`` along the geodesic starting with ``azimuth``."""
    return _forward(lat, lon, azimuth, meters)


def intermediate(l1: Location, l2: Location, fraction: npt.ArrayLike = 0.5) -> Location:
    """Point at ``fraction`` of the geodesic distance from ``l1`` towards ``l2``."""
    az12, _, s12 = _inverse(l1.lat, l1.lon, l2.lat, l2.lon)
    return _forward(l1.lat, l1.lon, az12, s12 * np.asarray(fraction, dtype=np.float64))


def line(l1: Location, l2: Location, resolution_m: float = 1000) -> np.ndarray:
    """Points along the geodesic from ``l1`` to ``l2``, about ``resolution_m`` apart.

    Returns
    -------
    numpy.ndarray
        ``(n, 2)`` ``[lat, lon]`` with ``n = distance // resolution_m`` evenly
        spaced points including both ends; just the two ends (and a warning in
        the log) when the geodesic is shorter than two steps.
    """
    s12 = float(distance_m(l1.lat, l1.lon, l2.lat, l2.lon))
    n = int(s12 // resolution_m)
    ends = np.array([[l1.lat, l1.lon], [l2.lat, l2.lon]], dtype=np.float64)
    if n < 2:
        log.warning(
            "Geodesic of %.1f m has fewer than two points at %g m resolution; returning its ends",
            s12,
            resolution_m,
        )
        return ends
    points = WGS84.inv_intermediate(
        l1.lon, l1.lat, l2.lon, l2.lat, npts=n, initial_idx=0, terminus_idx=0,
        return_back_azimuth=False,
    )
    out = np.column_stack([np.asarray(points.lats), np.asarray(points.lons)])
    out[[0, -1]] = ends
    return out


def _turn(a1: np.ndarray, a2: np.ndarray) -> np.ndarray:
    """Clockwise turn from azimuth ``a1`` to ``a2`` in (-180, 180); exactly 180 counts as 0."""
    turn = np.mod(a2 - a1, 360.0)
    return np.where(turn == 180.0, 0.0, np.where(turn > 180.0, turn - 360.0, turn))


def contains_or_crosses_pole(points_latlon: npt.ArrayLike) -> PoleRelation:
    """Whether a geodesic polygon encloses a pole or has an edge over one.

    Sums the azimuth changes along and between the edges (element84's method):
    ±360° means no pole, 0° a contained pole, ±180° an edge over a pole.

    Parameters
    ----------
    points_latlon
        ``(n, 2)`` ``[lat, lon]`` vertices of a simple, unclosed polygon.
        Repeated consecutive vertices are ignored; fewer than three distinct
        vertices enclose nothing and give ``"none"``.

    Raises
    ------
    InputError
        If the sum is not a multiple of 180° in [-360, 360], i.e. the polygon
        intersects itself.
    """
    points = np.asarray(points_latlon, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise InputError(f"polygon must be an (n, 2) array of [lat, lon], got shape {points.shape}")
    keep = np.any(points != np.roll(points, -1, axis=0), axis=1)
    points = points[keep]
    if len(points) < 3:
        return "none"
    nxt = np.roll(points, -1, axis=0)
    az_start, az_back, _ = _inverse(points[:, 0], points[:, 1], nxt[:, 0], nxt[:, 1])
    courses = np.column_stack([az_start, az_back + 180.0]).ravel()
    total = float(np.sum(_turn(np.roll(courses, 1), courses)))
    nearest = 180.0 * round(total / 180.0)
    if abs(total - nearest) > 0.05 or abs(nearest) > 360.0:
        raise InputError(
            f"course changes around the polygon sum to {total:.3f}°, expected ±360, ±180 or 0: "
            "the polygon must not intersect itself"
        )
    log.debug("pole test: course change sum %.3f° over %d vertices", total, len(points))
    if abs(nearest) == 360.0:
        return "none"
    return "contains" if nearest == 0.0 else "crosses"
