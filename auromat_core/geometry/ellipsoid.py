"""WGS84 ellipsoid: ray intersections and exact geodetic <-> Cartesian conversion.

All lengths are in km, angles in degrees. Cartesian coordinates are Earth-fixed
(ITRS/ECEF) unless a caller says otherwise; the functions themselves only see an
ellipsoid of revolution about the z axis.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

WGS84_A_KM = 6378.137
"""WGS84 equatorial radius (km)."""
WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""
WGS84_B_KM = WGS84_A_KM * (1.0 - WGS84_F)
"""WGS84 polar radius (km), about 6356.752314."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""WGS84 first eccentricity squared."""

Array = NDArray[np.float64]


def _line_roots(origin: ArrayLike, directions: ArrayLike, a: float, b: float) -> tuple[Array, Array, Array]:
    """Parameters ``t_near <= t_far`` where ``origin + t * direction`` meets the ellipsoid.

    Also returns ``c = |origin|^2_scaled - 1`` (positive outside). Roots are NaN
    where the line misses.
    """
    scale = np.array([1.0 / a, 1.0 / a, 1.0 / b])
    o = np.asarray(origin, dtype=np.float64) * scale
    d = np.asarray(directions, dtype=np.float64) * scale
    qa = np.einsum("...i,...i->...", d, d)
    qb = np.einsum("...i,...i->...", o, d)
    qc = np.einsum("...i,...i->...", o, o) - 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        root = np.sqrt(qb * qb - qa * qc)
        t_near = (-qb - root) / qa
        t_far = (-qb + root) / qa
    return t_near, t_far, np.broadcast_to(qc, t_near.shape)


def ellipsoid_line_intersection(
    origin: ArrayLike, directions: ArrayLike, a: float, b: float, directed: bool = True
) -> Array:
    """Intersect rays (or lines) with the ellipsoid ``(x² + y²)/a² + z²/b² = 1``.

    Parameters
    ----------
    origin
        Start point(s), shape (3,) or broadcastable against ``directions``.
    directions
        Direction vectors, shape (..., 3); they need not be unit vectors.
    a, b
        Equatorial and polar semi-axes.
    directed
        True: the first hit along each ray (``t >= 0``); from inside the
        ellipsoid this is the far root. False: the hit closest to the origin
        on the infinite line, in either direction.

    Returns
    -------
    ndarray (..., 3)
        Intersection points, NaN rows where there is none.
    """
    origin = np.asarray(origin, dtype=np.float64)
    directions = np.asarray(directions, dtype=np.float64)
    t_near, t_far, qc = _line_roots(origin, directions, a, b)
    if directed:
        t = np.where(qc > 0, np.where(t_near >= 0, t_near, np.nan), t_far)
    else:
        t = np.where(np.abs(t_near) <= np.abs(t_far), t_near, t_far)
    return origin + t[..., None] * directions


def ellipsoid_line_intersects(
    origin: ArrayLike, directions: ArrayLike, a: float, b: float, directed: bool = True
) -> NDArray[np.bool_]:
    """Whether each ray (or line) hits the ellipsoid; see :func:`ellipsoid_line_intersection`."""
    return ~np.isnan(ellipsoid_line_intersection(origin, directions, a, b, directed)[..., 0])


def sphere_line_intersection(
    radius: float, origin: ArrayLike, directions: ArrayLike, directed: bool = True
) -> Array:
    """Intersect rays (or lines) with a sphere centred at 0; see :func:`ellipsoid_line_intersection`."""
    return ellipsoid_line_intersection(origin, directions, radius, radius, directed)


def geodetic_to_ecef(
    lat_deg: ArrayLike, lon_deg: ArrayLike, height_km: ArrayLike
) -> tuple[Array, Array, Array]:
    """WGS84 geodetic latitude, longitude (deg) and height (km) to Earth-fixed x, y, z (km)."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    height = np.asarray(height_km, dtype=np.float64)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = WGS84_A_KM / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    horizontal = (n + height) * cos_lat
    return horizontal * np.cos(lon), horizontal * np.sin(lon), (n * (1.0 - WGS84_E2) + height) * sin_lat


def horizontal_directions(lat_deg: float, lon_deg: float, azimuth_deg: ArrayLike, elevation_deg: ArrayLike) -> Array:
    """Earth-fixed unit lines of sight (..., 3) of a ground camera from their azimuth (deg east of north) and elevation (deg).

    Elevation is above the plane normal to the WGS84 ellipsoid at the camera's
    geodetic ``lat_deg``, ``lon_deg``: what a calibration (a skymap) gives per pixel.
    Map them with :func:`auromat_core.geometry.map_directions` (``frame="itrs"``).
    """
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    phi, lam = np.radians(lat_deg), np.radians(lon_deg)
    east = np.array([-np.sin(lam), np.cos(lam), 0.0])
    north = np.array([-np.sin(phi) * np.cos(lam), -np.sin(phi) * np.sin(lam), np.cos(phi)])
    up = np.array([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    horizontal = np.cos(el)
    return (horizontal * np.sin(az))[..., None] * east + (horizontal * np.cos(az))[..., None] * north + np.sin(el)[..., None] * up


def ecef_to_geodetic(x: ArrayLike, y: ArrayLike, z: ArrayLike) -> tuple[Array, Array, Array]:
    """Earth-fixed x, y, z (km) to WGS84 geodetic latitude, longitude (deg) and height (km).

    Closed form of Vermeille (2004), "Direct transformation from geocentric
    coordinates to geodetic coordinates", J. Geodesy 76: exact to rounding
    everywhere except within ~43 km of the Earth's centre (the evolute).
    Longitudes are in [-180, 180].
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    e2 = WGS84_E2
    e4 = e2 * e2
    rho = np.hypot(x, y)
    p = np.square(rho / WGS84_A_KM)
    q = (1.0 - e2) * np.square(z / WGS84_A_KM)
    r = (p + q - e4) / 6.0
    s = e4 * p * q / (4.0 * r**3)
    t = np.cbrt(1.0 + s + np.sqrt(s * (2.0 + s)))
    u = r * (1.0 + t + 1.0 / t)
    v = np.sqrt(u * u + e4 * q)
    w = e2 * (u + v - q) / (2.0 * v)
    k = np.sqrt(u + v + w * w) - w
    d = k * rho / (k + e2)
    lat = np.degrees(np.arctan2(z, d))
    height = (k + e2 - 1.0) / k * np.hypot(d, z)
    return lat, np.degrees(np.arctan2(y, x)), height


__all__ = [
    "WGS84_A_KM",
    "WGS84_B_KM",
    "WGS84_E2",
    "WGS84_F",
    "ecef_to_geodetic",
    "ellipsoid_line_intersection",
    "ellipsoid_line_intersects",
    "geodetic_to_ecef",
    "horizontal_directions",
    "sphere_line_intersection",
]
