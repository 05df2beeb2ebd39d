"""Pixel geometry of a THEMIS camera at a mapping altitude, from its skymap.

* Corners: at a calibrated height (90, 110, 150 km) the skymap's corner grid
  is used as it is. At any other altitude each corner's line of sight is
  reconstructed from the station (WGS84 position at its altitude) through the
  corner's calibrated point on the reference grid nearest 110 km, and that ray
  is intersected with the WGS84 ellipsoid inflated by the altitude (the core
  engine, :func:`auromat_core.geometry.engine.map_directions`). The UCalgary
  grids follow this model: rays reconstructed from the 110 km grid meet the
  90 and 150 km grids within 3e-5 degrees (float32 rounding).
* Centers: the skymap's azimuth/elevation of each pixel center gives a ray in
  the station's local east-north-up frame, rotated to ITRS and mapped the same
  way at every altitude (at 110 km within 0.01 degrees of the mean of the 4
  calibrated corners above 10 degrees elevation; down to 1 degree, where a
  pixel spans tens of km, within 0.01 degrees latitude and 0.025 longitude).
* Elevation: the skymap's center elevation (seen from the station); pixels
  below ``min_elevation`` are left undefined.
"""

from __future__ import annotations

import attrs
import numpy as np

from auromat_core import InputError
from auromat_core.geometry import gcrs_to_itrs_matrices, geodetic_to_ecef, horizontal_directions, map_directions

from .skymap import Skymap

REFERENCE_HEIGHT_KM = 110.0
"""Reprojection starts from the calibrated corner grid nearest this height."""


@attrs.frozen(eq=False)
class PixelGeometry:
    """Corner and center coordinates of one camera at one altitude (read-only float64 arrays)."""

    lat_bounds: np.ndarray
    lon_bounds: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    elevation: np.ndarray
    altitude: float
    station_itrs: np.ndarray
    """(3,) station position, ITRS km."""
    calibrated: bool
    """Whether the corners are the skymap's own grid (a calibrated height)."""


def station_itrs(skymap: Skymap) -> np.ndarray:
    """The station position (3,) in ITRS, km."""
    return np.array(geodetic_to_ecef(skymap.station_lat, skymap.station_lon, skymap.station_alt_km))


def _frozen(array: np.ndarray) -> np.ndarray:
    array = np.ascontiguousarray(array, dtype=np.float64)
    array.setflags(write=False)
    return array


def check_altitude(skymap: Skymap, altitude_km: float) -> None:
    """Raise :class:`InputError` unless ``altitude_km`` is above the camera of ``skymap``."""
    if not altitude_km > skymap.station_alt_km:
        raise InputError(
            f"altitude {altitude_km:g} km is not above THEMIS site {skymap.info.site} ({skymap.station_alt_km:g} km): "
            "the mapping altitude must be above the camera"
        )


def pixel_geometry(skymap: Skymap, altitude_km: float, min_elevation: float | None = 1.0) -> PixelGeometry:
    """Corners, centers and elevation of every pixel at ``altitude_km``.

    Parameters
    ----------
    skymap
        The camera calibration.
    altitude_km
        Mapping altitude above the WGS84 ellipsoid.
    min_elevation
        Pixels whose center elevation is below this (deg) are undefined (NaN);
        None keeps every pixel with a calibrated elevation.
    """
    check_altitude(skymap, altitude_km)
    station = station_itrs(skymap)
    calibrated = np.flatnonzero(np.isclose(skymap.heights_km, altitude_km, rtol=0.0, atol=1e-6))
    if calibrated.size:
        index = int(calibrated[0])
        lat_bounds = skymap.corner_lat[index].copy()
        lon_bounds = skymap.corner_lon[index].copy()
    else:
        reference = int(np.argmin(np.abs(skymap.heights_km - REFERENCE_HEIGHT_KM)))
        points = np.stack(
            geodetic_to_ecef(skymap.corner_lat[reference], skymap.corner_lon[reference], skymap.heights_km[reference]),
            axis=-1,
        )
        hits = map_directions(station, points - station, None, altitude_km, frame="itrs")
        lat_bounds, lon_bounds = hits.lat, hits.lon
    elevation = skymap.elevation.copy()
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(elevation) & np.isfinite(skymap.azimuth)
        if min_elevation is not None:
            keep &= elevation >= min_elevation
    rays = horizontal_directions(skymap.station_lat, skymap.station_lon, np.where(keep, skymap.azimuth, 0.0), np.where(keep, elevation, 0.0))
    centers = map_directions(station, rays, None, altitude_km, frame="itrs")
    lat, lon = centers.lat, centers.lon
    for array in (lat, lon, elevation):
        array[~keep] = np.nan
    return PixelGeometry(
        _frozen(lat_bounds), _frozen(lon_bounds), _frozen(lat), _frozen(lon), _frozen(elevation),
        float(altitude_km), _frozen(station), bool(calibrated.size),
    )


def station_gcrs(station: np.ndarray, times: np.ndarray) -> np.ndarray:
    """GCRS positions (n, 3) km of an ITRS position (3,) at ``times`` (datetime64), in one astropy call.

    The Earth orientation at these times stays cached in the core, so the
    frames' magnetic coordinates need no further astropy call.
    """
    if np.size(times) == 0:
        return np.empty((0, 3))
    return np.einsum("nkj,k->nj", gcrs_to_itrs_matrices(np.asarray(times, dtype="datetime64[us]")), np.asarray(station, dtype=np.float64))

