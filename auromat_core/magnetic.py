"""Magnetic coordinates: MLat/MLT of the IGRF-14 centred dipole in the Solar Magnetic frame.

The dipole comes from the degree-1 Gauss coefficients ``g10, g11, h11`` of
IGRF-14 (``IGRF14.shc`` shipped with the ``ppigrf`` package), linearly
interpolated between the five-yearly epochs 1900.0-2025.0 and extrapolated
with the IGRF secular variation to 2030.0 (the file's last column is
``2025 + 5 * SV``). The Solar Magnetic (SM) frame has its z axis along the
northern dipole axis and the Sun in its x-z plane (x towards the Sun);
MLat is the geocentric latitude in SM and MLT = SM longitude * 24/360 + 12 h,
so 12 h faces the Sun and 0 h is anti-sunward.

This module is a built-in plugin: it registers the model ``"dipole"``.
"""

from __future__ import annotations

import importlib.util
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import AuromatError, InputError
from .geometry.ellipsoid import WGS84_A_KM, WGS84_B_KM, ecef_to_geodetic, geodetic_to_ecef
from .geometry.frames import sun_direction_itrs
from .hookspecs import Register, hookimpl
from .timeutil import as_utc

Array = NDArray[np.float64]

IGRF_FILE = "IGRF14.shc"
_NEWTON_STEPS = 3


class MagneticModel(Protocol):
    """What a registered magnetic coordinate model provides (angles in degrees, MLT in hours)."""

    def to_magnetic(
        self, lat: ArrayLike, lon: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[Array, Array]:
        """Geodetic lat/lon at ``altitude_km`` to (MLat, MLT)."""
        ...

    def from_magnetic(
        self, mlat: ArrayLike, mlt: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[Array, Array]:
        """(MLat, MLT) at ``altitude_km`` to geodetic (lat, lon)."""
        ...


def _igrf_path() -> Path:
    spec = importlib.util.find_spec("ppigrf")  # locates the package without importing pandas
    if spec is None or not spec.submodule_search_locations:
        raise AuromatError(f"the IGRF coefficients need the 'ppigrf' package, which provides {IGRF_FILE}")
    return Path(next(iter(spec.submodule_search_locations))) / IGRF_FILE


@lru_cache(maxsize=1)
def igrf_dipole_table() -> tuple[Array, Array, Array, Array]:
    """Epochs (decimal years) and the ``g10, g11, h11`` columns (nT) of IGRF-14."""
    path = _igrf_path()
    rows = [line.split() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    epochs = np.array(rows[1], dtype=float)
    coefficients = {(int(row[0]), int(row[1])): np.array(row[2:], dtype=float) for row in rows[2:]}
    try:
        g10, g11, h11 = coefficients[1, 0], coefficients[1, 1], coefficients[1, -1]
    except KeyError as error:
        raise AuromatError(f"{path}: no degree-1 coefficient {error.args[0]}") from error
    if not len(epochs) == len(g10) == len(g11) == len(h11):
        raise AuromatError(f"{path}: {len(epochs)} epochs but {len(g10)} coefficient values")
    return epochs, g10, g11, h11


def decimal_year(time: datetime) -> float:
    """Calendar year plus the elapsed fraction of it (UTC)."""
    time = as_utc(time)
    start = datetime(time.year, 1, 1)
    return time.year + (time - start) / (datetime(time.year + 1, 1, 1) - start)


def dipole_coefficients(time: datetime) -> tuple[float, float, float]:
    """IGRF-14 ``g10, g11, h11`` (nT) at ``time``; :class:`InputError` outside 1900.0-2030.0."""
    epochs, g10, g11, h11 = igrf_dipole_table()
    year = decimal_year(time)
    if not epochs[0] <= year <= epochs[-1]:
        raise InputError(
            f"{time.isoformat()} is outside the IGRF-14 span {epochs[0]:.1f}-{epochs[-1]:.1f} "
            f"of {IGRF_FILE}; the dipole model is not defined then"
        )
    return float(np.interp(year, epochs, g10)), float(np.interp(year, epochs, g11)), float(np.interp(year, epochs, h11))


def dipole_axis(time: datetime) -> Array:
    """Unit vector (3,) along the northern dipole axis (towards the north geomagnetic pole) in ITRS."""
    g10, g11, h11 = dipole_coefficients(time)
    axis = -np.array([g11, h11, g10])
    return axis / np.linalg.norm(axis)


@lru_cache(maxsize=256)
def _sm_matrix(time: datetime) -> Array:
    z_axis = dipole_axis(time)
    y_axis = np.cross(z_axis, sun_direction_itrs(time))
    y_axis /= np.linalg.norm(y_axis)
    matrix = np.array([np.cross(y_axis, z_axis), y_axis, z_axis])
    matrix.setflags(write=False)
    return matrix


def itrs_to_sm_matrix(time: datetime) -> Array:
    """Rotation (3, 3) from ITRS to Solar Magnetic coordinates at ``time`` (rows: SM axes)."""
    return _sm_matrix(as_utc(time))


class DipoleModel:
    """Centred IGRF-14 dipole; MLat/MLT in the Solar Magnetic frame (see module docstring)."""

    def pole(self, time: datetime) -> tuple[float, float]:
        """North geomagnetic pole: geocentric latitude and longitude (deg, in [-180, 180]).

        ``lon = atan2(h11, g11) + 180°`` and ``lat = 90° - atan((g11 cos lon + h11 sin lon) / g10)``.
        The geodetic latitude of the point where the axis pierces the WGS84
        surface is about 0.06-0.07° larger (published tables often give that one).
        """
        x, y, z = dipole_axis(time)
        return float(np.degrees(np.arctan2(z, np.hypot(x, y)))), float(np.degrees(np.arctan2(y, x)))

    def to_magnetic(
        self, lat: ArrayLike, lon: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[Array, Array]:
        """Geodetic lat/lon (deg) at ``altitude_km`` to MLat (deg) and MLT (h, in [0, 24)).

        Arrays broadcast against each other; NaN propagates.
        """
        position = np.stack(geodetic_to_ecef(lat, lon, altitude_km), axis=-1)
        x, y, z = np.moveaxis(position @ itrs_to_sm_matrix(time).T, -1, 0)
        mlat = np.degrees(np.arctan2(z, np.hypot(x, y)))
        mlt = np.mod(np.degrees(np.arctan2(y, x)) / 15.0 + 12.0, 24.0)
        return mlat, np.where(mlt >= 24.0, 0.0, mlt)

    def from_magnetic(
        self, mlat: ArrayLike, mlt: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[Array, Array]:
        """MLat (deg) and MLT (h) to the geodetic lat/lon (deg) of the point at ``altitude_km``.

        The SM direction is rotated to ITRS and scaled so that the point's
        geodetic height equals ``altitude_km`` (Newton steps on the radius), so
        the conversion inverts :meth:`to_magnetic` exactly.
        """
        mlat = np.radians(mlat)
        sm_lon = np.radians((np.asarray(mlt, dtype=float) - 12.0) * 15.0)
        cos_mlat = np.cos(mlat)
        sm = np.stack(np.broadcast_arrays(cos_mlat * np.cos(sm_lon), cos_mlat * np.sin(sm_lon), np.sin(mlat)), -1)
        ux, uy, uz = np.moveaxis(sm @ itrs_to_sm_matrix(time), -1, 0)
        altitude = np.asarray(altitude_km, dtype=float)
        # start on the inflated ellipsoid (within a metre of the target height)
        semi_a, semi_b = WGS84_A_KM + altitude, WGS84_B_KM + altitude
        radius = 1.0 / np.sqrt((ux * ux + uy * uy) / semi_a**2 + uz * uz / semi_b**2)
        for _ in range(_NEWTON_STEPS):
            lat, lon, height = ecef_to_geodetic(radius * ux, radius * uy, radius * uz)
            lat_r, lon_r = np.radians(lat), np.radians(lon)
            normal_dot_u = np.cos(lat_r) * (np.cos(lon_r) * ux + np.sin(lon_r) * uy) + np.sin(lat_r) * uz
            radius = radius - (height - altitude) / normal_dot_u
        lat, lon, _ = ecef_to_geodetic(radius * ux, radius * uy, radius * uz)
        return lat, lon


@hookimpl
def register_magnetic_models(register: Register) -> None:
    """Register the built-in ``dipole`` model."""
    register(
        "dipole",
        DipoleModel(),
        "Centred dipole from IGRF-14 Gauss coefficients (1900-2030), MLat/MLT in the SM frame",
    )


__all__ = [
    "DipoleModel",
    "MagneticModel",
    "decimal_year",
    "dipole_axis",
    "dipole_coefficients",
    "igrf_dipole_table",
    "itrs_to_sm_matrix",
    "register_magnetic_models",
]
