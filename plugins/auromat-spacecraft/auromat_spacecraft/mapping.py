"""Map a photograph taken from orbit: image + WCS solution -> :class:`auromat_core.Mapping`.

Photo time and camera position are resolved in the order of reference §3.3:

1. ``DATE-OBS`` is mandatory.
2. A ``timeshift`` argument gives ``DATE-OBS + timeshift``; the position then
   comes from the orbit (TLEs).
3. Otherwise ``DATESHIF`` with ``POSXSHIF/POSYSHIF/POSZSHIF`` gives the
   shifted time and position. (``DATESHIF`` alone: the shifted time, with the
   position from the orbit -- the original silently ignored the shift.)
4. Otherwise ``DATE-OBS`` with ``POSX/POSY/POSZ``; without them the position
   comes from the orbit, with a warning.

Orbit positions use the NORAD id given, else ``NORADID``, else 25544 (ISS,
with a warning), from ``<tle_folder>/<id>.tle``, updated through ``spacetrack``
when given and needed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping as MappingABC
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from astropy.io import fits

from auromat_core import SOLUTION_PATH_KEY, InputError, Mapping
from auromat_core.geometry import ANNUAL_ABERRATION_MAX_RAD, WGS84_A_KM, apparent_directions, map_grid
from auromat_core.geometry import intersects_earth as engine_intersects_earth

from .images import RawOptions, load_image
from .lens import LensCorrection
from .orbit import DEFAULT_NORAD_ID, norad_id_option, position_from_tles
from .spacetrack import SpaceTrack
from .wcs import WcsSolution

log = logging.getLogger(__name__)

ImageInput = str | os.PathLike | np.ndarray
WcsInput = str | os.PathLike | fits.Header | WcsSolution

_ROWS_PER_BLOCK = 64


@attrs.frozen
class CameraPose:
    """Where and when a photo was taken."""

    time: datetime
    """Photo time used for mapping (naive UTC, shift applied)."""
    position: np.ndarray = attrs.field(eq=False)
    """Camera position, GCRS km."""
    original_time: datetime
    """``DATE-OBS`` before any shift."""
    source: str
    """Where the position came from: ``"header"``, ``"header (shifted)"`` or ``"tle"``."""


def resolve_pose(
    solution: WcsSolution,
    timeshift: timedelta | float | None = None,
    norad_id: str | int | None = None,
    tle_folder: str | os.PathLike | None = None,
    spacetrack: SpaceTrack | None = None,
) -> CameraPose:
    """Photo time and camera position of ``solution`` (see the module docstring for the order)."""
    original = solution.date_obs
    if timeshift is not None:
        shift = timeshift if isinstance(timeshift, timedelta) else timedelta(seconds=float(timeshift))
        time = original + shift
        reason = f"{solution.source}: with timeshift {shift.total_seconds():g} s "
        return CameraPose(time, _orbit(solution, time, norad_id, tle_folder, spacetrack, reason), original, "tle")
    if solution.date_shift is not None:
        time = solution.shifted_time
        if solution.position_shifted is not None:
            return CameraPose(time, solution.position_shifted, original, "header (shifted)")
        log.warning("%s: DATESHIF without POSXSHIF/POSYSHIF/POSZSHIF, position from the orbit", solution.source)
        reason = f"{solution.source}: DATESHIF is set without POSXSHIF/POSYSHIF/POSZSHIF, so "
        return CameraPose(time, _orbit(solution, time, norad_id, tle_folder, spacetrack, reason), original, "tle")
    if solution.position is not None:
        return CameraPose(original, solution.position, original, "header")
    log.warning("%s: no POSX/POSY/POSZ, camera position from the orbit", solution.source)
    reason = f"{solution.source}: POSX/POSY/POSZ are missing, so "
    return CameraPose(original, _orbit(solution, original, norad_id, tle_folder, spacetrack, reason), original, "tle")


def _orbit(
    solution: WcsSolution,
    time: datetime,
    norad_id: str | int | None,
    tle_folder: str | os.PathLike | None,
    spacetrack: SpaceTrack | None,
    reason: str,
) -> np.ndarray:
    norad_id = norad_id_option(norad_id, digits=True)
    if norad_id is None:
        norad_id = solution.norad_id
    if norad_id is None:
        log.warning("%s: no NORADID and no norad_id given, assuming the ISS (%s)", solution.source, DEFAULT_NORAD_ID)
        norad_id = DEFAULT_NORAD_ID
    return position_from_tles(time, str(int(norad_id)), tle_folder, spacetrack, context=reason)


@attrs.define
class SpacecraftCamera:
    """A solved photo's camera: WCS directions plus pose; maps pixels onto the Earth."""

    solution: WcsSolution
    pose: CameraPose

    @classmethod
    def from_wcs(cls, wcs: WcsInput, **pose_options: Any) -> SpacecraftCamera:
        """Load the solution and resolve the pose (options of :func:`resolve_pose`)."""
        solution = WcsSolution.load(wcs)
        return cls(solution, resolve_pose(solution, **pose_options))

    def map(self, altitude: float = 110.0) -> tuple[np.ndarray, ...]:
        """Corner lat/lon, center lat/lon and elevation at ``altitude`` km."""
        height, width = self.solution.shape
        corners = self._map_grid(altitude, (height + 1, width + 1), corners=True)
        centers = self._map_grid(altitude, (height, width), corners=False)
        return corners[0], corners[1], centers[0], centers[1], centers[2]

    def _map_grid(self, altitude: float, shape: tuple[int, int], corners: bool) -> tuple[np.ndarray, ...]:
        """lat, lon, elevation (h, w) of the corner or center grid at ``altitude`` km.

        Rays outside the cone from the camera around the sphere of radius
        ``a + altitude`` (which encloses the inflated ellipsoid) cannot hit it,
        so only the bounding rectangle of the other rays goes through the engine.
        """
        camera = self.pose.position
        rows, columns = self._possible_rectangle(altitude, shape, corners)
        if rows.stop <= rows.start:
            return tuple(np.full(shape, np.nan) for _ in range(3))
        rays = self.solution.corner_rows if corners else self.solution.center_rows

        def directions_for_rows(block: slice) -> np.ndarray:
            return self._lines_of_sight(rays(slice(rows.start + block.start, rows.start + block.stop), columns=columns))

        part_shape = (rows.stop - rows.start, columns.stop - columns.start)
        hits = map_grid(camera, self.pose.time, altitude, part_shape, directions_for_rows)
        if part_shape == shape:
            return tuple(hits)
        return tuple(_embedded(values, shape, rows, columns) for values in hits)

    def _possible_rectangle(self, altitude: float, shape: tuple[int, int], corners: bool) -> tuple[slice, slice]:
        """Rows and columns of the grid whose rays may reach the inflated Earth."""
        camera = self.pose.position
        distance = float(np.linalg.norm(camera))
        radius = WGS84_A_KM + altitude
        if distance <= radius:
            return slice(0, shape[0]), slice(0, shape[1])
        axis = -camera / distance
        # widened by the largest aberration: the cone is about the catalogue directions the solution gives
        cos_angle = float(np.cos(np.arcsin(radius / distance) + ANNUAL_ABERRATION_MAX_RAD))
        any_row = np.zeros(shape[0], dtype=bool)
        any_column = np.zeros(shape[1], dtype=bool)
        for start in range(0, shape[0], _ROWS_PER_BLOCK):
            block = slice(start, min(start + _ROWS_PER_BLOCK, shape[0]))
            possible = self.solution.cone_mask(block, corners, axis, cos_angle)
            any_row[block] = possible.any(axis=1)
            any_column |= possible.any(axis=0)
        hit_rows, hit_columns = np.flatnonzero(any_row), np.flatnonzero(any_column)
        if not hit_rows.size:
            return slice(0, 0), slice(0, 0)
        return slice(int(hit_rows[0]), int(hit_rows[-1]) + 1), slice(int(hit_columns[0]), int(hit_columns[-1]) + 1)

    def _lines_of_sight(self, sky: np.ndarray) -> np.ndarray:
        """GCRS lines of sight (..., 3) of pixels from the unit catalogue directions the solution gives them."""
        return apparent_directions(sky, self.pose.time)

    def intersects_earth(self, step: int = 1) -> np.ndarray:
        """``(h, w)`` (every ``step``-th pixel) bool: the center ray hits the WGS84 surface."""
        height, width = self.solution.shape
        x = np.arange(0, width, step, dtype=np.float64)
        out = np.empty((len(range(0, height, step)), len(x)), dtype=bool)
        for index, start in enumerate(range(0, height, step * _ROWS_PER_BLOCK)):
            y = np.arange(start, min(start + step * _ROWS_PER_BLOCK, height), step, dtype=np.float64)
            directions = self._lines_of_sight(self.solution.directions(*np.meshgrid(x, y)))
            block = engine_intersects_earth(self.pose.position, directions, self.pose.time)
            out[index * _ROWS_PER_BLOCK : index * _ROWS_PER_BLOCK + len(y)] = block
        return out

    def is_consistent(self, star_pixels: np.ndarray | None = None, step: int = 1) -> bool:
        """Plausibility (reference F20): some but not all center rays hit the Earth, and no star does.

        ``star_pixels`` is an optional ``(n, 2)`` array of 0-based ``(x, y)``
        pixel coordinates of identified stars.
        """
        hits = self.intersects_earth(step)
        if hits.all() or not hits.any():
            return False
        if star_pixels is not None and len(star_pixels):
            stars = np.asarray(star_pixels, dtype=np.float64)
            directions = self._lines_of_sight(self.solution.directions(stars[:, 0], stars[:, 1]))
            if engine_intersects_earth(self.pose.position, directions, self.pose.time).any():
                return False
        return True


def _embedded(part: np.ndarray, shape: tuple[int, int], rows: slice, columns: slice) -> np.ndarray:
    """``part`` placed at ``[rows, columns]`` of a NaN array of ``shape`` (each page written once)."""
    full = np.empty(shape)
    full[: rows.start] = np.nan
    full[rows.stop :] = np.nan
    full[rows, : columns.start] = np.nan
    full[rows, columns.stop :] = np.nan
    full[rows, columns] = part
    return full


def _image_array(
    image: ImageInput, solution: WcsSolution, raw_options: RawOptions | None, lens: LensCorrection | None
) -> tuple[np.ndarray, str]:
    if isinstance(image, np.ndarray):
        array, name = image, f"image array for {solution.source}"
    else:
        array, name = load_image(image, raw_options), str(image)
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    if array.ndim != 3 or array.dtype.kind != "u":
        raise InputError(f"{name}: image must be an unsigned integer (h, w[, c]) array, got {array.dtype} {array.shape}")
    if lens is not None:
        array = lens.apply(array)
    solution.check_image_shape(array.shape, name)
    return array, name


def _identifier(image: ImageInput, solution: WcsSolution) -> str:
    if not isinstance(image, np.ndarray):
        return Path(image).stem
    if solution.source != "<header>":
        return Path(solution.source).stem
    return "spacecraft-photo"


def map_photo(
    image_or_path: ImageInput,
    wcs_path_or_header: WcsInput,
    altitude: float = 110.0,
    timeshift: timedelta | float | None = None,
    norad_id: str | int | None = None,
    tle_folder: str | os.PathLike | None = None,
    spacetrack: SpaceTrack | None = None,
    metadata: MappingABC[str, Any] | None = None,
    identifier: str | None = None,
    raw_options: RawOptions | None = None,
    lens_correction: LensCorrection | None = None,
) -> Mapping:
    """Georeference every pixel of a photo taken from orbit at ``altitude`` km.

    Parameters
    ----------
    image_or_path
        Image file (JPEG/PNG/TIFF/RAW) or ``(h, w[, c])`` unsigned array of
        ``IMAGEH × IMAGEW`` pixels.
    wcs_path_or_header
        ``.wcs`` file, FITS header or :class:`WcsSolution`.
    altitude
        Mapping altitude above the WGS84 ellipsoid, km.
    timeshift
        Correction of ``DATE-OBS`` (timedelta or seconds); the camera position
        then comes from TLEs.
    norad_id, tle_folder, spacetrack
        Orbit source when a position must be computed (see module docstring).
    metadata
        Flat dict stored in the mapping; a solution read from a file is named
        in it as ``SOLUTION_PATH_KEY`` (``wcs_path``, the absolute path) unless given.
    identifier
        Defaults to the image file's base name (for arrays: the WCS file's).
    raw_options, lens_correction
        RAW post-processing and lens correction applied to image files.

    Raises
    ------
    WcsError, InputError, NoDataError
        One-line messages naming the file and keyword or option.
    """
    solution = WcsSolution.load(wcs_path_or_header)
    image, _ = _image_array(image_or_path, solution, raw_options, lens_correction)
    pose = resolve_pose(solution, timeshift, norad_id, tle_folder, spacetrack)
    camera = SpacecraftCamera(solution, pose)
    lat_bounds, lon_bounds, lat, lon, elevation = camera.map(altitude)
    info = dict(metadata or {})
    if solution.path is not None:
        info.setdefault(SOLUTION_PATH_KEY, str(solution.path.resolve()))
    return Mapping(
        lat_bounds=lat_bounds,
        lon_bounds=lon_bounds,
        lat=lat,
        lon=lon,
        elevation=elevation,
        image=image,
        altitude=altitude,
        time=pose.time,
        camera_position=pose.position,
        identifier=identifier or _identifier(image_or_path, solution),
        metadata=info,
    )


def intersects_earth(wcs_path_or_header: WcsInput, step: int = 1, **pose_options: Any) -> np.ndarray:
    """``(h, w)`` bool: which pixel-center rays hit the Earth's surface (options of :func:`resolve_pose`)."""
    return SpacecraftCamera.from_wcs(wcs_path_or_header, **pose_options).intersects_earth(step)


def is_consistent(
    wcs_path_or_header: WcsInput, star_pixels: np.ndarray | None = None, step: int = 1, **pose_options: Any
) -> bool:
    """Whether the solution is plausible: see :meth:`SpacecraftCamera.is_consistent`."""
    return SpacecraftCamera.from_wcs(wcs_path_or_header, **pose_options).is_consistent(star_pixels, step)


__all__ = [
    "CameraPose",
    "SpacecraftCamera",
    "intersects_earth",
    "is_consistent",
    "map_photo",
    "resolve_pose",
]
