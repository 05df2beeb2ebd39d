"""Camera-independent ray mapping: lines of sight -> geodetic lat/lon and elevation.

A camera at a known position looks along per-pixel directions. Each ray is
rotated to ITRS (one matrix per frame), intersected with the WGS84 ellipsoid
inflated by the mapping altitude (semi-axes ``a + h, a + h, b + h``; from
inside it, the far root is used), and the hit point is converted to geodetic
latitude/longitude by one Bowring (1976) step started from the normal of the
inflated ellipsoid, which is exact to rounding (1e-13 deg) for points on that
surface at any altitude from -10 to 100000 km. The elevation is the angle
between the line of sight and the plane perpendicular to the WGS84 geodetic
normal at the hit point: 90 when the point is seen straight from above (or
below), 0 at grazing incidence.

The work is done in chunks of a few thousand rays whose temporaries stay in the
CPU cache, with numpy releasing the GIL so that threads run chunks in parallel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InputError
from ..parallel import run_blocks
from .ellipsoid import (
    WGS84_A_KM,
    WGS84_B_KM,
    WGS84_E2,
    WGS84_F,
    ellipsoid_line_intersects,
)
from .frames import gcrs_to_itrs_matrix

Array = NDArray[np.float64]
DirectionsForRows = Callable[[slice], ArrayLike]

CHUNK_RAYS = 8192
"""Rays per kernel pass: its 13 float64 work arrays stay in a 1 MB L2 cache."""
BLOCK_RAYS = 8 * CHUNK_RAYS
"""Rays per task handed to a thread (and per ``directions_for_rows`` call by default)."""

_DEG = 180.0 / np.pi
_E2_A = WGS84_E2 * WGS84_A_KM
_EP2_B = WGS84_E2 / (1.0 - WGS84_E2) * WGS84_B_KM
_N_SCRATCH = 10


class RayHits(NamedTuple):
    """Per-ray results in degrees; NaN where the ray misses the (inflated) Earth."""

    lat: Array
    lon: Array
    elevation: Array



def _to_itrs(camera_position_km: ArrayLike, time: datetime | None, frame: str) -> tuple[Array, Array]:
    """Camera position in ITRS and the rotation matrix applied to directions."""
    camera = np.asarray(camera_position_km, dtype=np.float64)
    if camera.shape != (3,):
        raise InputError(f"camera_position_km must have shape (3,), got {camera.shape}")
    if frame == "itrs":
        return camera, np.eye(3)
    if frame != "gcrs":
        raise InputError(f"frame must be 'gcrs' or 'itrs', got {frame!r}")
    if time is None:
        raise InputError("time is required to map GCRS directions")
    rotation = gcrs_to_itrs_matrix(time)
    return rotation @ camera, rotation


class _Kernel:
    """Intersection + geodetic conversion + elevation for one camera, altitude and rotation."""

    def __init__(self, camera_itrs: Array, rotation: Array, altitude_km: float) -> None:
        semi_a = WGS84_A_KM + altitude_km
        semi_b = WGS84_B_KM + altitude_km
        if not semi_b > 0:
            raise InputError(f"altitude_km must be above {-WGS84_B_KM} km, got {altitude_km}")
        alpha = 1.0 / semi_a**2
        beta = 1.0 / semi_b**2
        ox, oy, oz = camera_itrs
        self.rotation = np.ascontiguousarray(rotation)
        self.qb_coefficients = (alpha * ox, alpha * oy, beta * oz)
        self.alpha, self.beta = alpha, beta
        self.qc = alpha * (ox * ox + oy * oy) + beta * oz * oz - 1.0
        self.origin = camera_itrs
        self.c0 = (1.0 - WGS84_F) * semi_a**2 / semi_b**2
        self._local = threading.local()

    def _scratch(self) -> tuple[Array, Array, NDArray[np.bool_]]:
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = (np.empty((3, CHUNK_RAYS)), np.empty((_N_SCRATCH, CHUNK_RAYS)), np.empty(CHUNK_RAYS, bool))
            self._local.scratch = scratch
        return scratch

    def map_flat(self, directions: Array, lat: Array, lon: Array, elevation: Array) -> None:
        """Map directions (n, 3) into the 1-D outputs, chunk by chunk."""
        for start in range(0, len(directions), CHUNK_RAYS):
            stop = min(start + CHUNK_RAYS, len(directions))
            self._chunk(directions[start:stop], lat[start:stop], lon[start:stop], elevation[start:stop])

    def _chunk(self, directions: Array, lat: Array, lon: Array, elevation: Array) -> None:
        n = len(directions)
        rotated, scratch, mask = self._scratch()
        d = rotated[:, :n]
        np.matmul(self.rotation, directions.T, out=d)
        dx, dy, dz = d
        b = [buffer[:n] for buffer in scratch]
        with np.errstate(invalid="ignore", divide="ignore"):
            # ray-ellipsoid quadratic qa t² + 2 qb t + qc = 0 in scaled coordinates
            dd = np.multiply(dx, dx, out=b[0])
            dd += np.multiply(dy, dy, out=b[1])
            np.multiply(dz, dz, out=b[1])
            qa = np.multiply(dd, self.alpha, out=b[2])
            qa += np.multiply(b[1], self.beta, out=b[3])
            ca, cb, cc = self.qb_coefficients
            qb = np.multiply(dx, ca, out=b[3])
            qb += np.multiply(dy, cb, out=b[4])
            qb += np.multiply(dz, cc, out=b[4])
            root = np.multiply(qb, qb, out=b[4])
            root -= np.multiply(qa, self.qc, out=b[5])
            outside = self.qc > 0
            # from outside, a ray hits iff root >= 0 and qb < 0; skip chunks without any (e.g. sky)
            if outside and np.minimum(root, np.negative(qb, out=b[5]), out=b[5]).max() < 0:
                for output in (lat, lon, elevation):
                    output.fill(np.nan)
                return
            dd += b[1]  # |d|²
            np.sqrt(root, out=root)
            t = np.subtract(root, qb, out=b[4])
            if outside:  # near root qc / (sqrt - qb), valid when positive
                np.divide(self.qc, t, out=t)
                np.less(t, 0.0, out=mask[:n])
                np.copyto(t, np.nan, where=mask[:n])
            else:  # camera inside: far root, always a hit
                t /= qa
            # hit point (km)
            ox, oy, oz = self.origin
            x = np.multiply(dx, t, out=b[5])
            x += ox
            y = np.multiply(dy, t, out=b[6])
            y += oy
            z = np.multiply(dz, t, out=b[7])
            z += oz
            # geodetic latitude: one Bowring step from the normal of the inflated ellipsoid,
            # whose parametric latitude beta has tan(beta) = c0 z / rho
            rho2 = np.multiply(x, x, out=b[1])
            rho2 += np.multiply(y, y, out=b[2])
            zz = np.multiply(z, z, out=b[2])
            inv3 = np.multiply(zz, self.c0 * self.c0, out=b[3])
            inv3 += rho2
            root_w = np.sqrt(inv3, out=b[8])
            inv3 *= root_w
            np.reciprocal(inv3, out=inv3)  # (rho² + c0² z²)^(-3/2)
            num = np.multiply(zz, inv3, out=b[2])
            num *= _EP2_B * self.c0**3
            num += 1.0
            num *= z  # z + e'² b sin³(beta), ∝ sin(lat)
            scale = np.multiply(rho2, inv3, out=b[3])
            scale *= -_E2_A
            scale += 1.0  # (rho - e² a cos³(beta)) / rho, ∝ cos(lat) / rho
            rho = np.sqrt(rho2, out=b[9])
            rho *= scale
            np.divide(num, rho, out=lat)
            np.arctan(lat, out=lat)  # rho >= 0: no quadrant ambiguity; ±inf at the poles
            lat *= _DEG
            np.arctan2(y, x, out=lon)
            lon *= _DEG
            # elevation: |sin| of the angle between the ray and the normal (scale x, scale y, num)
            nn = np.multiply(rho, rho, out=b[1])
            nn += np.multiply(num, num, out=b[8])
            nd = np.multiply(x, dx, out=b[9])
            nd += np.multiply(y, dy, out=b[8])
            nd *= scale
            nd += np.multiply(num, dz, out=b[8])
            np.abs(nd, out=nd)
            nn *= dd
            np.sqrt(nn, out=nn)
            nd /= nn
            np.minimum(nd, 1.0, out=nd)
            np.arcsin(nd, out=elevation)
            elevation *= _DEG


def map_directions(
    camera_position_km: ArrayLike,
    directions: ArrayLike,
    time: datetime | None,
    altitude_km: float,
    frame: str = "gcrs",
) -> RayHits:
    """Map lines of sight from a camera onto the Earth inflated by ``altitude_km``.

    Parameters
    ----------
    camera_position_km
        Camera position (3,) in km, in ``frame``.
    directions
        Line-of-sight vectors (..., 3) in ``frame``; need not be unit vectors.
    time
        Naive UTC (or aware) datetime of the observation; unused for ``frame="itrs"``.
    altitude_km
        Height of the mapping surface above the WGS84 ellipsoid.
    frame
        ``"gcrs"`` or ``"itrs"``.

    Returns
    -------
    RayHits
        ``lat``, ``lon``, ``elevation`` in degrees, shape ``directions.shape[:-1]``.
    """
    camera, rotation = _to_itrs(camera_position_km, time, frame)
    directions = np.asarray(directions, dtype=np.float64)
    if directions.shape[-1:] != (3,):
        raise InputError(f"directions must have shape (..., 3), got {directions.shape}")
    shape = directions.shape[:-1]
    flat = directions.reshape(-1, 3)
    kernel = _Kernel(camera, rotation, altitude_km)
    out = np.empty((3, flat.shape[0]))

    def run(start: int) -> None:
        stop = start + BLOCK_RAYS
        kernel.map_flat(flat[start:stop], out[0, start:stop], out[1, start:stop], out[2, start:stop])

    run_blocks(run, range(0, flat.shape[0], BLOCK_RAYS), "map")
    return RayHits(out[0].reshape(shape), out[1].reshape(shape), out[2].reshape(shape))


def map_grid(
    camera_position_km: ArrayLike,
    time: datetime | None,
    altitude_km: float,
    shape: tuple[int, int],
    directions_for_rows: DirectionsForRows,
    frame: str = "gcrs",
    rows_per_block: int | None = None,
) -> RayHits:
    """Map a (h, w) grid of lines of sight whose directions are produced block-wise.

    Like :func:`map_directions`, but the (h, w, 3) direction grid never exists
    at once: ``directions_for_rows(row_slice)`` returns the directions
    (rows, w, 3) of the rows ``row_slice`` (a slice with start and stop). It is
    called from several threads at once and must be thread-safe.

    Parameters
    ----------
    camera_position_km, time, altitude_km, frame
        As for :func:`map_directions`.
    shape
        Grid shape (h, w).
    directions_for_rows
        ``(row_slice) -> (rows, w, 3)`` directions of those rows, in ``frame``.
    rows_per_block
        Rows per call of ``directions_for_rows``; by default about :data:`BLOCK_RAYS` rays.

    Returns
    -------
    RayHits
        ``lat``, ``lon``, ``elevation`` (h, w) float64 in degrees.
    """
    camera, rotation = _to_itrs(camera_position_km, time, frame)
    height, width = shape
    kernel = _Kernel(camera, rotation, altitude_km)
    rows = rows_per_block or max(1, BLOCK_RAYS // max(width, 1))
    lat, lon, elevation = (np.empty((height, width)) for _ in range(3))
    flat_outputs = [array.reshape(-1) for array in (lat, lon, elevation)]

    def run(row: int) -> None:
        block = slice(row, min(row + rows, height))
        directions = np.asarray(directions_for_rows(block), dtype=np.float64)
        expected = (block.stop - block.start, width, 3)
        if directions.shape != expected:
            raise InputError(f"directions_for_rows({block}) returned shape {directions.shape}, expected {expected}")
        span = slice(block.start * width, block.stop * width)
        kernel.map_flat(directions.reshape(-1, 3), *(output[span] for output in flat_outputs))

    run_blocks(run, range(0, height, rows), "map")
    return RayHits(lat, lon, elevation)


def intersects_earth(
    camera_position_km: ArrayLike, directions: ArrayLike, time: datetime | None, frame: str = "gcrs"
) -> NDArray[np.bool_]:
    """Whether each line of sight (..., 3) from the camera hits the WGS84 ellipsoid (altitude 0)."""
    camera, rotation = _to_itrs(camera_position_km, time, frame)
    directions = np.asarray(directions, dtype=np.float64) @ rotation.T
    return ellipsoid_line_intersects(camera, directions, WGS84_A_KM, WGS84_B_KM)


__all__ = ["BLOCK_RAYS", "CHUNK_RAYS", "RayHits", "intersects_earth", "map_directions", "map_grid"]
