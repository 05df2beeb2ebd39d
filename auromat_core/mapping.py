"""The data model: a :class:`Mapping` is one georeferenced image at one altitude.

Pixel grid ``h x w``, row 0 is the image top. Corner arrays are ``(h+1, w+1)``
(corner ``[y, x]`` is the top-left corner of pixel ``[y, x]``), center arrays are
``(h, w)``. Undefined values are NaN. After construction and after every
operation the masking invariants hold:

* a corner's latitude is NaN exactly where its longitude is; likewise centers;
* a defined center has its 4 corners defined;
* a defined corner has at least one defined adjacent center;
* elevation is defined exactly where the center is; the image mask
  (:attr:`Mapping.defined`) is the center mask.

A Mapping owns the arrays it is given: undefined entries are set to NaN in place.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Sequence
from collections.abc import Mapping as MappingABC
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from .errors import InputError
from .options import number_option
from .timeutil import as_utc

if TYPE_CHECKING:
    import xarray

    from .boundingbox import BoundingBox
    from .geodesy import Location
    from .outline import PixelScales

SOLUTION_PATH_KEY = "wcs_path"
"""Metadata key naming the astrometric solution (``.wcs`` file) a photo's mapping was computed from."""
IMAGE_CONTENT_KEY = "image_content"
"""Metadata key saying what the image values are (e.g. ``"counts above dark offset"``); writers describe the image with it."""


class MagneticCoordinates(NamedTuple):
    """Magnetic latitude (deg) and magnetic local time (hours) of corners and centers."""

    mlat_bounds: np.ndarray
    mlt_bounds: np.ndarray
    mlat: np.ndarray
    mlt: np.ndarray


def _corner_any(center: np.ndarray) -> np.ndarray:
    """(h+1, w+1) mask: at least one of the up to 4 adjacent centers is set."""
    h, w = center.shape
    corner = np.zeros((h + 1, w + 1), dtype=bool)
    corner[:-1, :-1] |= center
    corner[:-1, 1:] |= center
    corner[1:, :-1] |= center
    corner[1:, 1:] |= center
    return corner


def _center_all(corner: np.ndarray) -> np.ndarray:
    """(h, w) mask: all 4 corners of the pixel are set."""
    return corner[:-1, :-1] & corner[:-1, 1:] & corner[1:, :-1] & corner[1:, 1:]


def _writable_float(values: Any) -> np.ndarray:
    """``values`` as float64, copied when it cannot be written (a mapping sets its undefined values to NaN in place)."""
    array = np.asarray(values, dtype=np.float64)
    return array if array.flags.writeable else array.copy()


def _at_or_above(elevation: np.ndarray, min_elevation: float) -> np.ndarray:
    """Pixels whose elevation is at least ``min_elevation`` (undefined ones, NaN, are not)."""
    with np.errstate(invalid="ignore"):
        return elevation >= min_elevation


def _set_nan(array: np.ndarray, keep: np.ndarray) -> None:
    np.copyto(array, np.nan, where=~keep)


class Mapping:
    """One image georeferenced pixel by pixel at one altitude.

    Parameters
    ----------
    lat_bounds, lon_bounds
        (h+1, w+1) geodetic latitude/longitude (WGS84, degrees) of pixel corners.
    lat, lon
        (h, w) geodetic latitude/longitude of pixel centers.
    elevation
        (h, w) elevation angle (deg) of the line of sight of each center: for a
        camera above the mapping altitude, above the horizon at the mapped point
        (90 when seen from straight above); for a ground camera, seen from the
        camera (90 at its zenith). See :attr:`seen_from_below`.
    image
        (h, w) or (h, w, c) unsigned integer image.
    altitude
        Mapping altitude above the WGS84 ellipsoid, km.
    time
        Photo time, UTC (naive; aware datetimes are converted).
    camera_position
        (3,) camera position in GCRS, km.
    identifier
        Name usable in file names, e.g. ``ISS029-E-8492``.
    metadata
        Flat dict of strings, numbers and booleans (exported as global attributes).
    """

    def __init__(
        self,
        *,
        lat_bounds: np.ndarray,
        lon_bounds: np.ndarray,
        lat: np.ndarray,
        lon: np.ndarray,
        elevation: np.ndarray,
        image: np.ndarray,
        altitude: float,
        time: datetime,
        camera_position: Sequence[float] | np.ndarray,
        identifier: str,
        metadata: MappingABC[str, Any] | None = None,
    ) -> None:
        self.lat_bounds = _writable_float(lat_bounds)
        self.lon_bounds = _writable_float(lon_bounds)
        self.lat = _writable_float(lat)
        self.lon = _writable_float(lon)
        self.elevation = _writable_float(elevation)
        image = np.asarray(image)
        self.image = image[:, :, np.newaxis] if image.ndim == 2 else image
        self.altitude = float(altitude)
        self.time = as_utc(time)
        self.camera_position = np.asarray(camera_position, dtype=np.float64)
        self.identifier = str(identifier)
        self.metadata = dict(metadata or {})
        self._validate()
        self.defined = self._sanitize()

    def _validate(self) -> None:
        h, w = self.lat.shape if self.lat.ndim == 2 else (None, None)
        if h is None:
            raise InputError(f"mapping {self.identifier}: lat must be 2-D (h, w), got shape {self.lat.shape}")
        expectations = {
            "lon": (self.lon.shape, (h, w)),
            "elevation": (self.elevation.shape, (h, w)),
            "lat_bounds": (self.lat_bounds.shape, (h + 1, w + 1)),
            "lon_bounds": (self.lon_bounds.shape, (h + 1, w + 1)),
            "image": (self.image.shape[:2], (h, w)),
            "camera_position": (self.camera_position.shape, (3,)),
        }
        for name, (found, expected) in expectations.items():
            if found != expected:
                raise InputError(f"mapping {self.identifier}: {name} has shape {found}, expected {expected}")
        if self.image.ndim != 3 or self.image.dtype.kind != "u" or self.image.shape[2] not in (1, 3):
            raise InputError(
                f"mapping {self.identifier}: image must be an unsigned integer array (h, w) or (h, w, 1|3), "
                f"got {self.image.dtype} with shape {self.image.shape}"
            )
        if not (math.isfinite(self.altitude) and self.altitude >= 0):
            raise InputError(f"mapping {self.identifier}: altitude must be a finite number >= 0 km, got {self.altitude}")

    def _sanitize(self) -> np.ndarray:
        corner = np.isfinite(self.lat_bounds) & np.isfinite(self.lon_bounds)
        center = np.isfinite(self.lat) & np.isfinite(self.lon) & np.isfinite(self.elevation)
        center &= _center_all(corner)
        corner &= _corner_any(center)
        for array in (self.lat_bounds, self.lon_bounds):
            _set_nan(array, corner)
        for array in (self.lat, self.lon, self.elevation):
            _set_nan(array, center)
        return center

    # -- basic views ---------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """Image size (h, w)."""
        return self.lat.shape

    @functools.cached_property
    def corner_defined(self) -> np.ndarray:
        """(h+1, w+1) boolean mask of defined corners."""
        return np.isfinite(self.lat_bounds)

    @property
    def image_masked(self) -> np.ma.MaskedArray:
        """The image as a masked array, masked where the center is undefined."""
        mask = np.broadcast_to(~self.defined[:, :, np.newaxis], self.image.shape)
        return np.ma.MaskedArray(self.image, mask=mask)

    @property
    def rgb(self) -> np.ndarray:
        """(h, w, 3) uint8 display image; 16-bit data is scaled, gray is repeated."""
        image = self.image
        if image.dtype != np.uint8:
            scale = 255.0 / np.iinfo(image.dtype).max
            image = np.round(image * scale).astype(np.uint8)
        if image.shape[2] == 1:
            image = np.repeat(image, 3, axis=2)
        return image

    # -- derived values (lazy, cached) ------------------------------------------------

    @functools.cached_property
    def _outline_regions(self) -> list[np.ndarray]:
        from .outline import outline_regions

        if not self.defined.any():
            raise InputError(f"mapping {self.identifier}: no pixel is defined, so it has no outline")
        return outline_regions(self.corner_defined)

    @property
    def _outline_indices(self) -> np.ndarray:
        return self._outline_regions[0]

    def _corner_latlon(self, indices: np.ndarray) -> np.ndarray:
        rows, cols = indices.T
        return np.column_stack([self.lat_bounds[rows, cols], self.lon_bounds[rows, cols]])

    @functools.cached_property
    def outline(self) -> np.ndarray:
        """(n, 2) ``[lat, lon]`` along the outer contour of the (largest region of) defined corners."""
        return self._corner_latlon(self._outline_indices)

    @functools.cached_property
    def outline_convex_hull(self) -> np.ndarray:
        """(n, 2) ``[lat, lon]`` of the convex hull of the outline (in pixel space)."""
        from .outline import convex_hull_indices

        return self._corner_latlon(convex_hull_indices(self._outline_indices))

    @functools.cached_property
    def bounding_box(self) -> BoundingBox:
        """Bounding box of all defined corners, over every separate region (antimeridian and pole aware)."""
        from .boundingbox import BoundingBox, bounding_box_away_from_poles, bounding_box_of
        from .outline import convex_hull_indices

        boxes = []
        for region in self._outline_regions:
            outline = self._corner_latlon(region)
            box = bounding_box_away_from_poles(outline)
            boxes.append(box if box is not None else bounding_box_of(outline, self._corner_latlon(convex_hull_indices(region))))
        return boxes[0] if len(boxes) == 1 else BoundingBox.merged(boxes)

    @functools.cached_property
    def centroid(self) -> Location:
        """Area centroid of the outline, see :func:`auromat_core.outline.centroid_latlon`.

        Without a pole inside it is the reference's planar centroid in (lat, lon)
        degrees, which leans towards the pole side of a large field of view:
        for a THEMIS all-sky field (2000 km across) it lies about 50 km from the
        centroid on the ellipsoid, for an ISS photograph under 10 km.
        """
        from .outline import centroid_latlon

        box = self.bounding_box
        return centroid_latlon(self.outline, box.contains_pole, crosses_antimeridian=box.lon_west > box.lon_east)

    @functools.cached_property
    def pixel_scale(self) -> PixelScales:
        """Pixel scale statistics (arcsec) along width, height and diagonal."""
        from .outline import pixel_scales

        return pixel_scales(self.lat_bounds, self.lon_bounds)

    @functools.cached_property
    def camera_footpoint(self) -> Location:
        """Geodetic lat/lon below the camera."""
        from .geodesy import Location
        from .geometry.frames import gcrs_position_to_geodetic

        lat, lon, _ = gcrs_position_to_geodetic(self.camera_position, self.time)
        return Location(float(lat), float(lon))

    @property
    def seen_from_below(self) -> bool:
        """Whether the camera is below the mapping altitude (a ground camera).

        Its :attr:`elevation` is then the elevation of each line of sight seen
        from the camera; otherwise (a camera in orbit) the elevation of the line
        of sight above the horizon at the mapped point.
        """
        from .geometry.frames import gcrs_position_to_geodetic

        return float(gcrs_position_to_geodetic(self.camera_position, self.time)[2]) < self.altitude

    def magnetic(self, model: str = "dipole") -> MagneticCoordinates:
        """MLat/MLT of corners and centers from a registered magnetic model (cached)."""
        cache = self.__dict__.setdefault("_magnetic_cache", {})
        if model not in cache:
            from .registry import get_magnetic_model

            converter = get_magnetic_model(model)
            mlat_bounds, mlt_bounds = converter.to_magnetic(self.lat_bounds, self.lon_bounds, self.altitude, self.time)
            mlat, mlt = converter.to_magnetic(self.lat, self.lon, self.altitude, self.time)
            cache[model] = MagneticCoordinates(mlat_bounds, mlt_bounds, mlat, mlt)
        return cache[model]

    @property
    def is_plate_carree(self) -> bool:
        """Whether the corners form a regular lat/lon grid (rows of constant latitude)."""
        from .resample import is_plate_carree

        return is_plate_carree(self.lat_bounds, self.lon_bounds)

    # -- operations returning new mappings --------------------------------------

    def replace(self, **changes: Any) -> Mapping:
        """A new mapping with some constructor arguments replaced (arrays are copied)."""
        arguments = {
            "lat_bounds": self.lat_bounds.copy(),
            "lon_bounds": self.lon_bounds.copy(),
            "lat": self.lat.copy(),
            "lon": self.lon.copy(),
            "elevation": self.elevation.copy(),
            "image": self.image,
            "altitude": self.altitude,
            "time": self.time,
            "camera_position": self.camera_position,
            "identifier": self.identifier,
            "metadata": self.metadata,
        }
        arguments.update(changes)
        return Mapping(**arguments)

    def masked(self, keep: np.ndarray) -> Mapping:
        """A new mapping keeping only the centers where ``keep`` (h, w) is True.

        Raises
        ------
        InputError
            If no pixel would remain defined.
        """
        keep = np.asarray(keep, dtype=bool)
        if keep.shape != self.shape:
            raise InputError(f"mapping {self.identifier}: mask has shape {keep.shape}, expected {self.shape}")
        keep = keep & self.defined
        if not keep.any():
            raise InputError(f"mapping {self.identifier}: masking would leave no pixel defined")
        lat, lon, elevation = self.lat.copy(), self.lon.copy(), self.elevation.copy()
        for array in (lat, lon, elevation):
            _set_nan(array, keep)
        return self.replace(lat=lat, lon=lon, elevation=elevation)

    def masked_by_elevation(self, min_elevation: float = 10.0) -> Mapping:
        """A new mapping without the pixels seen below ``min_elevation`` degrees.

        Raises
        ------
        InputError
            Naming ``min_elevation``, unless it is a finite number (degrees;
            numeric strings are read as by the other number options).
        """
        keep = _at_or_above(self.elevation, number_option("min_elevation", min_elevation))
        return self.masked(keep)

    def masked_by_polygon(self, polygon: np.ndarray) -> Mapping:
        """A new mapping keeping the pixels whose 4 corners lie inside ``polygon``.

        ``polygon`` is an unclosed (n, 2) array of ``[lat, lon]`` vertices; the test
        is done on the sphere (gnomonic projection about the polygon center), so it
        works across the antimeridian and around a pole.
        """
        from .polygon import points_in_polygon

        inside = points_in_polygon(self.lat_bounds, self.lon_bounds, np.asarray(polygon, dtype=np.float64))
        return self.masked(_center_all(inside))

    def resample(self, **options: Any) -> Mapping:
        """Resample onto a plate-carrée grid; see :func:`auromat_core.resample.resample`."""
        from .resample import resample

        return resample(self, **options)

    def check_invariants(self) -> None:
        """Raise :class:`AssertionError` if a masking invariant is violated (also under ``python -O``)."""
        corner = np.isfinite(self.lat_bounds)
        center = np.isfinite(self.lat)
        violations = {
            "corner lat/lon masks differ": not np.array_equal(corner, np.isfinite(self.lon_bounds)),
            "center lat/lon masks differ": not np.array_equal(center, np.isfinite(self.lon)),
            "elevation mask differs from center mask": not np.array_equal(center, np.isfinite(self.elevation)),
            "image mask differs from center mask": not np.array_equal(center, self.defined),
            "a defined center has an undefined corner": bool((center & ~_center_all(corner)).any()),
            "a defined corner has no defined center": bool((corner & ~_corner_any(center)).any()),
        }
        broken = [problem for problem, violated in violations.items() if violated]
        if broken:
            raise AssertionError(f"mapping {self.identifier}: {'; '.join(broken)}")

    def to_xarray(self) -> xarray.Dataset:
        """The mapping as an :class:`xarray.Dataset` with CF names and units."""
        from .cf import mapping_to_dataset

        return mapping_to_dataset(self)

    def __repr__(self) -> str:
        h, w = self.shape
        return f"Mapping({self.identifier!r}, {self.time.isoformat()}, {w}x{h} px, {self.altitude:g} km)"


class MappingCollection(Sequence[Mapping]):
    """Several mappings at about the same time, e.g. the stations of a camera network.

    Parameters
    ----------
    mappings
        The member mappings.
    identifier
        Name of the collection, e.g. ``THEMIS.2011.01.06.17.00.00``.
    may_overlap
        Whether members may cover the same area (drawing then paints higher
        elevations last).
    time
        The collection's time, e.g. a provider's time step (naive UTC or
        aware); default None: the upper median of the member times.
    """

    def __init__(
        self, mappings: Iterable[Mapping], identifier: str, may_overlap: bool = True, *, time: datetime | None = None
    ) -> None:
        self.mappings = list(mappings)
        self.identifier = identifier
        self.may_overlap = may_overlap
        self._time = None if time is None else as_utc(time)

    def __getitem__(self, index):  # type: ignore[override]
        return self.mappings[index]

    def __len__(self) -> int:
        return len(self.mappings)

    def __iter__(self) -> Iterator[Mapping]:
        return iter(self.mappings)

    @property
    def empty(self) -> bool:
        """Whether the collection has no member."""
        return not self.mappings

    @property
    def time(self) -> datetime:
        """The time given when it was made, else the upper median of the member times."""
        if self._time is not None:
            return self._time
        if self.empty:
            raise InputError(f"collection {self.identifier} is empty, so it has no time")
        times = sorted(m.time for m in self.mappings)
        return times[len(times) // 2]

    @functools.cached_property
    def bounding_box(self) -> BoundingBox:
        """Merged bounding box of all members."""
        from .boundingbox import BoundingBox

        return BoundingBox.merged([m.bounding_box for m in self.mappings])

    def masked_by_elevation(self, min_elevation: float = 10.0) -> MappingCollection:
        """Mask every member below ``min_elevation``; members left empty are dropped (see :meth:`Mapping.masked_by_elevation`)."""
        min_elevation = number_option("min_elevation", min_elevation)
        members = []
        for mapping in self.mappings:
            keep = _at_or_above(mapping.elevation, min_elevation)
            if keep.any():
                members.append(mapping.masked(keep))
        return self.with_members(members)

    def with_members(self, mappings: Iterable[Mapping]) -> MappingCollection:
        """A collection of ``mappings`` with this one's identifier, overlap and given time (e.g. the same members masked)."""
        return MappingCollection(mappings, self.identifier, self.may_overlap, time=self._time)

    def resample(self, **options: Any) -> MappingCollection:
        """Resample every member onto one shared grid; see :func:`auromat_core.resample.resample`."""
        from .resample import resample

        return resample(self, **options)

    def __repr__(self) -> str:
        return f"MappingCollection({self.identifier!r}, {len(self)} mappings)"


def members_of(item: Mapping | MappingCollection) -> list[Mapping]:
    """The mappings of a mapping (itself) or of a collection (its members)."""
    return list(item) if isinstance(item, MappingCollection) else [item]
