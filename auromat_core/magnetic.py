"""Magnetic coordinates: MLat/MLT of the IGRF-14 centred dipole in the Solar Magnetic frame.

The dipole comes from the degree-1 Gauss coefficients ``g10, g11, h11`` of
IGRF-14 (``IGRF14.shc`` shipped with the ``ppigrf`` package), linearly
interpolated between the five-yearly epochs 1900.0-2025.0 and extrapolated
with the IGRF secular variation to 2030.0 (the file's last column is
``2025 + 5 * SV``). The Solar Magnetic (SM) frame has its z axis along the
northern dipole axis and the Sun in its x-z plane (x towards the Sun);
MLat is the geocentric latitude in SM and MLT = SM longitude * 24/360 + 12 h,
so 12 h faces the Sun and 0 h is anti-sunward.

A centred dipole is a coarse magnetic coordinate system. At 110 km it differs
from AACGM-v2 by about 0.4 degrees MLat and 10 min MLT over Alaska, but by
4-6 degrees MLat and up to an hour of MLT over the southern auroral zone south
of Australia (both in 2011). Comparisons with AACGM-based work need another
model, registered with the ``register_magnetic_models`` hook.

The conversions run over the broadcast inputs in chunks of
:data:`CHUNK_POINTS` on several threads (numpy releases the GIL), with
preallocated work arrays: beyond inputs and outputs they need a few MB, and
points with a NaN input are skipped.

This module is a built-in plugin: it registers the model ``"dipole"``.
"""

from __future__ import annotations

import importlib.util
import threading
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import AuromatError, InputError
from .geometry.ellipsoid import WGS84_A_KM, WGS84_E2
from .geometry.frames import sun_direction_itrs
from .hookspecs import Register, hookimpl
from .parallel import run_blocks
from .timeutil import as_utc

Array = NDArray[np.float64]

IGRF_FILE = "IGRF14.shc"

CHUNK_POINTS = 16384
"""Points per kernel pass: its 12 float64 work arrays (1.5 MB per thread) stay in the CPU cache."""
BLOCK_POINTS = 8 * CHUNK_POINTS
"""Points per task handed to a thread."""
_DEGREE = 180.0 / np.pi
_HALF_DEGREE = np.pi / 360.0
_LATITUDE_STEPS = 3
_N_WORK = 7
_local = threading.local()


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
        return _convert(_ToMagnetic(itrs_to_sm_matrix(time)), ("lat", lat), ("lon", lon), altitude_km)

    def from_magnetic(
        self, mlat: ArrayLike, mlt: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[Array, Array]:
        """MLat (deg) and MLT (h) to the geodetic lat/lon (deg) of the point at ``altitude_km``.

        The SM direction is rotated to ITRS and the geodetic latitude of the
        point along it at geodetic height ``altitude_km`` is found by fixed-point
        iteration on the prime vertical radius (the longitude is that of the
        direction), so the conversion inverts :meth:`to_magnetic` exactly.
        """
        return _convert(_FromMagnetic(itrs_to_sm_matrix(time)), ("mlat", mlat), ("mlt", mlt), altitude_km)


class _Kernel(Protocol):
    def __call__(self, first: Array, second: Array, altitude: Array, out: tuple[Array, Array], work: Array) -> None:
        """Convert defined (non-NaN) 1-D inputs into ``out``, using the rows of ``work`` as temporaries."""


def _half_angle(tangent: Array, denominator: Array, sin_part: Array, cos_part: Array) -> None:
    """From ``t = tan(x / 2)``: ``sin_part = 2t``, ``cos_part = 1 - t²`` and ``denominator = 1 + t²``.

    ``sin x = 2t / (1 + t²)`` and ``cos x = (1 - t²) / (1 + t²)``: one
    vectorised ``tan`` costs a fraction of numpy's float64 ``sin`` plus ``cos``.
    """
    np.multiply(tangent, tangent, out=denominator)
    np.multiply(tangent, 2.0, out=sin_part)
    np.subtract(1.0, denominator, out=cos_part)
    denominator += 1.0


class _ToMagnetic:
    """Geodetic (lat, lon, height) -> (MLat, MLT) for one ITRS -> SM rotation."""

    def __init__(self, matrix: Array) -> None:
        self.rows = [tuple(float(value) for value in row) for row in matrix]

    def __call__(self, lat: Array, lon: Array, height: Array, out: tuple[Array, Array], work: Array) -> None:
        mlat, mlt = out
        t, t2, sin_lat, cos_lat, x, y, z = work
        # geodetic -> ECEF (km) with sin/cos from tan of the half angles
        np.multiply(lat, _HALF_DEGREE, out=t)
        np.tan(t, out=t)
        _half_angle(t, t2, sin_lat, cos_lat)
        sin_lat /= t2
        cos_lat /= t2
        n = np.multiply(sin_lat, sin_lat, out=t)
        n *= -WGS84_E2
        n += 1.0
        np.sqrt(n, out=n)
        np.divide(WGS84_A_KM, n, out=n)  # prime vertical radius
        np.multiply(n, 1.0 - WGS84_E2, out=z)
        z += height
        z *= sin_lat
        n += height
        horizontal = np.multiply(n, cos_lat, out=cos_lat)
        np.multiply(lon, _HALF_DEGREE, out=t)
        np.tan(t, out=t)
        _half_angle(t, t2, y, x)
        np.divide(horizontal, t2, out=t2)
        x *= t2
        y *= t2
        # rotate to SM; the ECEF arrays are reused once consumed
        sx, sy, sz = _rotate(self.rows, x, y, z, (t, t2, sin_lat), cos_lat)
        np.arctan2(sy, sx, out=mlt)
        mlt *= _DEGREE / 15.0
        mlt += 12.0
        np.copyto(mlt, 0.0, where=(mlt < 0.0) | (mlt >= 24.0))  # the antisolar meridian, within rounding
        np.multiply(sx, sx, out=x)
        x += np.multiply(sy, sy, out=y)
        np.sqrt(x, out=x)
        np.arctan2(sz, x, out=mlat)
        mlat *= _DEGREE


class _FromMagnetic:
    """(MLat, MLT, geodetic height) -> geodetic (lat, lon) for one ITRS -> SM rotation."""

    def __init__(self, matrix: Array) -> None:
        self.rows = [tuple(float(value) for value in row) for row in np.transpose(matrix)]

    def __call__(self, mlat: Array, mlt: Array, height: Array, out: tuple[Array, Array], work: Array) -> None:
        lat, lon = out
        t, t2, sin_m, cos_m, sx, sy, spare = work
        np.multiply(mlat, _HALF_DEGREE, out=t)
        np.tan(t, out=t)
        _half_angle(t, t2, sin_m, cos_m)
        sin_m /= t2
        cos_m /= t2
        np.subtract(mlt, 12.0, out=t)
        t *= _HALF_DEGREE * 15.0  # half the SM longitude
        np.tan(t, out=t)
        _half_angle(t, t2, sy, sx)
        np.divide(cos_m, t2, out=t2)
        sx *= t2
        sy *= t2
        # rotate the SM unit vector to ITRS: longitude is that of the direction
        ux, uy, uz = _rotate(self.rows, sx, sy, sin_m, (t, t2, cos_m), spare)
        np.arctan2(uy, ux, out=lon)
        lon *= _DEGREE
        rho = np.multiply(ux, ux, out=ux)
        rho += np.multiply(uy, uy, out=uy)
        np.sqrt(rho, out=rho)
        # fixed point of tan(lat) = uz (N + h) / (rho (N (1 - e²) + h)), N = a / sqrt(1 - e² sin²lat),
        # started from the geocentric latitude; each step gains > 5 digits for -100 to 40000 km
        sin2, n, z_part = uy, sx, sy
        np.multiply(uz, uz, out=sin2)
        for step in range(_LATITUDE_STEPS):
            np.multiply(sin2, -WGS84_E2, out=n)
            n += 1.0
            np.sqrt(n, out=n)
            np.divide(WGS84_A_KM, n, out=n)
            np.add(n, height, out=z_part)
            z_part *= uz
            n *= 1.0 - WGS84_E2
            n += height
            n *= rho  # the horizontal part
            if step + 1 < _LATITUDE_STEPS:
                np.multiply(z_part, z_part, out=sin2)
                np.multiply(n, n, out=spare)
                spare += sin2
                sin2 /= spare
        np.arctan2(z_part, n, out=lat)
        lat *= _DEGREE


def _rotate(
    rows: list[tuple[float, ...]], x: Array, y: Array, z: Array, outputs: tuple[Array, Array, Array], spare: Array
) -> tuple[Array, Array, Array]:
    """``outputs = rows @ (x, y, z)`` component-wise (a 3x3 matmul on (3, n) is far slower)."""
    for (a, b, c), result in zip(rows, outputs):
        np.multiply(x, a, out=result)
        result += np.multiply(y, b, out=spare)
        result += np.multiply(z, c, out=spare)
    return outputs


class _Scratch(NamedTuple):
    """Per-thread work arrays of one chunk."""

    work: Array  # (_N_WORK, CHUNK_POINTS) kernel temporaries
    compact: Array  # (5, CHUNK_POINTS) defined inputs and their results
    invalid: NDArray[np.bool_]  # (2, CHUNK_POINTS)


def _scratch() -> _Scratch:
    scratch = getattr(_local, "scratch", None)
    if scratch is None or scratch.work.shape[1] < CHUNK_POINTS:
        scratch = _local.scratch = _Scratch(
            np.empty((_N_WORK, CHUNK_POINTS)), np.empty((5, CHUNK_POINTS)), np.empty((2, CHUNK_POINTS), bool)
        )
    return scratch


def _convert_chunk(kernel: _Kernel, a: Array, b: Array, height: Array, out: tuple[Array, Array]) -> None:
    """Apply ``kernel`` to one chunk, only where all three inputs are defined (NaN elsewhere).

    Points with a NaN input are dropped before the kernel: besides saving
    work, the vectorised ``tan`` and ``arctan2`` are several times slower on
    vectors that contain NaN.
    """
    scratch = _scratch()
    n = len(a)
    invalid, other = scratch.invalid[:, :n]
    np.isnan(a, out=invalid)
    invalid |= np.isnan(b, out=other)
    invalid |= np.isnan(height, out=other)
    if not invalid.any():
        kernel(a, b, height, out, scratch.work[:, :n])
        return
    for array in out:
        array.fill(np.nan)
    keep = np.flatnonzero(np.logical_not(invalid, out=other))
    if not len(keep):  # e.g. sky above the horizon
        return
    compact = scratch.compact[:, : len(keep)]
    for values, target in zip((a, b, height), compact):
        np.take(values, keep, out=target, mode="clip")
    kernel(*compact[:3], (compact[3], compact[4]), scratch.work[:, : len(keep)])
    for array, result in zip(out, compact[3:]):
        array[keep] = result


def _convert(
    kernel: _Kernel, first: tuple[str, ArrayLike], second: tuple[str, ArrayLike], altitude_km: ArrayLike
) -> tuple[Array, Array]:
    """Run ``kernel`` over the broadcast inputs in cache-sized chunks on several threads."""
    inputs = [np.asarray(first[1]), np.asarray(second[1]), np.asarray(altitude_km)]
    names = (first[0], second[0], "altitude_km")
    for name, values in zip(names, inputs):
        if not np.can_cast(values.dtype, np.float64, casting="same_kind"):
            raise InputError(f"{name} must be real numbers, got dtype {values.dtype}")
    try:
        shape = np.broadcast_shapes(*(values.shape for values in inputs))
    except ValueError:
        raise InputError(
            f"{', '.join(names[:2])} and {names[2]} do not broadcast: shapes "
            + ", ".join(str(values.shape) for values in inputs)
        ) from None
    out = (np.empty(shape), np.empty(shape))
    operands = [*inputs, *out]
    size = out[0].size

    def run(start: int) -> None:
        iterator = np.nditer(
            operands,
            flags=["buffered", "external_loop", "ranged", "zerosize_ok"],
            op_flags=[["readonly"]] * 3 + [["writeonly"]] * 2,
            op_dtypes=[np.float64] * 5,
            casting="same_kind",
            buffersize=CHUNK_POINTS,
        )
        iterator.iterrange = (start, min(start + BLOCK_POINTS, size))
        with np.errstate(invalid="ignore", divide="ignore"), iterator:
            for a, b, height, out_a, out_b in iterator:
                _convert_chunk(kernel, a, b, height, (out_a, out_b))

    run_blocks(run, range(0, size, BLOCK_POINTS), "magnetic")
    if not shape:
        return out[0][()], out[1][()]
    return out


@hookimpl
def register_magnetic_models(register: Register) -> None:
    """Register the built-in ``dipole`` model."""
    register(
        "dipole",
        DipoleModel(),
        "Centred dipole from IGRF-14 Gauss coefficients (1900-2030), MLat/MLT in the SM frame",
    )


__all__ = [
    "BLOCK_POINTS",
    "CHUNK_POINTS",
    "DipoleModel",
    "decimal_year",
    "dipole_axis",
    "dipole_coefficients",
    "igrf_dipole_table",
    "itrs_to_sm_matrix",
    "register_magnetic_models",
]
