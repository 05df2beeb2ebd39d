"""Mappings, collections, bounding boxes and providers of the original API (``auromat.mapping.mapping``).

A compat mapping is a thin view of an :class:`auromat_core.Mapping` (its
``core``) with the original's camelCase members; coordinate arrays are
:mod:`numpy.ma` arrays masked where the core array is NaN and share its data.
Providers wrap core providers; "no mapping found" is a :class:`NoMappingError`,
which is both the ``ValueError`` the original raised and core's
:class:`~auromat_core.NoDataError`.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from auromat_core import BoundingBox as CoreBoundingBox
from auromat_core import Location, NoDataError, Provider
from auromat_core import Mapping as CoreMapping
from auromat_core import MappingCollection as CoreCollection

__all__ = [
    "BaseMapping",
    "BaseMappingProvider",
    "BoundingBox",
    "Location",
    "MappingCollection",
    "MappingProperties",
    "MaskByElevationProvider",
    "NoMappingError",
    "WrappingProvider",
    "translated",
    "wrap",
]

T = TypeVar("T")


class NoMappingError(ValueError, NoDataError):
    """No mapping exists for the requested time or identifier (a ValueError, as in the original)."""


def translated(function: Callable[..., T], *args: Any) -> T:
    """Call ``function``, turning core's :class:`~auromat_core.NoDataError` into :class:`NoMappingError`."""
    try:
        return function(*args)
    except NoMappingError:
        raise
    except NoDataError as error:
        raise NoMappingError(str(error)) from error


class BoundingBox(CoreBoundingBox):
    """``BoundingBox(latSouth, lonWest, latNorth, lonEast)`` in degrees; a core bounding box.

    ``lonWest > lonEast`` means the box crosses the antimeridian. ``center``
    and ``size`` (km) are those of the minimum spherical rectangle. Boxes
    compare equal to any core box with the same four numbers.
    """

    def __init__(self, latSouth: float, lonWest: float, latNorth: float, lonEast: float) -> None:  # noqa: N803
        super().__init__(latSouth, lonWest, latNorth, lonEast)

    @classmethod
    def fromCore(cls, box: CoreBoundingBox) -> BoundingBox:  # noqa: N802
        """The compat view of a core bounding box."""
        return box if isinstance(box, cls) else cls(box.lat_south, box.lon_west, box.lat_north, box.lon_east)

    @property
    def latSouth(self) -> float:  # noqa: N802
        return self.lat_south

    @property
    def lonWest(self) -> float:  # noqa: N802
        return self.lon_west

    @property
    def latNorth(self) -> float:  # noqa: N802
        return self.lat_north

    @property
    def lonEast(self) -> float:  # noqa: N802
        return self.lon_east

    @property
    def topLeft(self) -> Location:  # noqa: N802
        return self.top_left

    @property
    def bottomLeft(self) -> Location:  # noqa: N802
        return self.bottom_left

    @property
    def topRight(self) -> Location:  # noqa: N802
        return self.top_right

    @property
    def bottomRight(self) -> Location:  # noqa: N802
        return self.bottom_right

    @property
    def containsDiscontinuity(self) -> bool:  # noqa: N802
        return self.contains_discontinuity

    @property
    def containsPole(self) -> bool:  # noqa: N802
        return self.contains_pole

    @staticmethod
    def minimumBoundingBox(latLons: npt.ArrayLike) -> BoundingBox:  # noqa: N802, N803
        """Smallest box containing the ``(n, 2)`` ``[lat, lon]`` points."""
        return BoundingBox.minimum(latLons)

    @staticmethod
    def mergedBoundingBoxes(boxes: Iterable[CoreBoundingBox]) -> BoundingBox:  # noqa: N802
        """Smallest box containing all ``boxes`` (the longitude gap left out is the largest one)."""
        return BoundingBox.merged(boxes)

    def _numbers(self) -> tuple[float, float, float, float]:
        return self.lat_south, self.lon_west, self.lat_north, self.lon_east

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CoreBoundingBox):
            return NotImplemented
        return self._numbers() == (other.lat_south, other.lon_west, other.lat_north, other.lon_east)

    def __hash__(self) -> int:
        return hash(self._numbers())

    def __repr__(self) -> str:
        return (
            f"BoundingBox(latSouth={self.lat_south!r}, lonWest={self.lon_west!r}, "
            f"latNorth={self.lat_north!r}, lonEast={self.lon_east!r})"
        )


class MappingProperties(NamedTuple):
    """The summary the original's ``BaseMapping.properties`` gave."""

    altitude: float
    cameraPosGCRS: np.ndarray  # noqa: N815
    boundingBox: BoundingBox  # noqa: N815
    photoTime: datetime  # noqa: N815
    centroid: Location
    cameraFootpoint: Location  # noqa: N815
    identifier: str


def _masked(values: np.ndarray, mask: np.ndarray | None = None) -> np.ma.MaskedArray:
    """``values`` (not copied) masked where NaN, or where ``mask`` is True."""
    return np.ma.MaskedArray(values, mask=~np.isfinite(values) if mask is None else mask)


class BaseMapping:
    """The original's mapping API over a core :class:`~auromat_core.Mapping`.

    Parameters
    ----------
    core
        The core mapping, or a function computing it on first use (providers
        deliver lazy mappings, as the original did).
    identifier
        Known without computing the mapping (lazy mappings).
    """

    def __init__(self, core: CoreMapping | Callable[[], CoreMapping], *, identifier: str | None = None) -> None:
        if isinstance(core, CoreMapping):
            self._core: CoreMapping | None = core
            self._load: Callable[[], CoreMapping] | None = None
        else:
            self._core, self._load = None, core
        self._identifier = identifier

    @property
    def core(self) -> CoreMapping:
        """The core mapping (computed now if this mapping is lazy)."""
        if self._core is None:
            assert self._load is not None
            self._core = self._load()
            self._load = None
        return self._core

    def _derive(self, core: CoreMapping) -> BaseMapping:
        """A mapping of the same kind for a masked version of this one."""
        return BaseMapping(core)

    # -- data -----------------------------------------------------------------------------

    @functools.cached_property
    def lats(self) -> np.ma.MaskedArray:
        """(h+1, w+1) corner latitudes, degrees."""
        return _masked(self.core.lat_bounds)

    @functools.cached_property
    def lons(self) -> np.ma.MaskedArray:
        """(h+1, w+1) corner longitudes, degrees in [-180, 180]."""
        return _masked(self.core.lon_bounds)

    @functools.cached_property
    def latsCenter(self) -> np.ma.MaskedArray:  # noqa: N802
        """(h, w) center latitudes, degrees."""
        return _masked(self.core.lat)

    @functools.cached_property
    def lonsCenter(self) -> np.ma.MaskedArray:  # noqa: N802
        """(h, w) center longitudes, degrees."""
        return _masked(self.core.lon)

    @functools.cached_property
    def elevation(self) -> np.ma.MaskedArray:
        """(h, w) elevation of the line of sight at each center, degrees."""
        return _masked(self.core.elevation)

    @property
    def img(self) -> np.ma.MaskedArray:
        """(h, w, c) image, masked where the center is undefined."""
        return self.core.image_masked

    @property
    def img_unmasked(self) -> np.ndarray:
        """(h, w, c) image as a plain array."""
        return self.core.image

    @property
    def rgb(self) -> np.ma.MaskedArray:
        """(h, w, 3) uint8 display image, masked where the center is undefined."""
        rgb = self.core.rgb
        return np.ma.MaskedArray(rgb, mask=np.broadcast_to(~self.core.defined[:, :, np.newaxis], rgb.shape))

    @property
    def rgb_unmasked(self) -> np.ndarray:
        """(h, w, 3) uint8 display image as a plain array."""
        return self.core.rgb

    @functools.cached_property
    def mLatMlt(self) -> tuple[np.ma.MaskedArray, np.ma.MaskedArray]:  # noqa: N802
        """Magnetic latitude (deg) and MLT (h) of the corners (centred dipole), masked like :attr:`lats`."""
        magnetic = self.core.magnetic()
        return _masked(magnetic.mlat_bounds, self.lats.mask), _masked(magnetic.mlt_bounds, self.lats.mask)

    @functools.cached_property
    def mLatMltCenter(self) -> tuple[np.ma.MaskedArray, np.ma.MaskedArray]:  # noqa: N802
        """Magnetic latitude (deg) and MLT (h) of the centers, masked like :attr:`latsCenter`."""
        magnetic = self.core.magnetic()
        mask = self.latsCenter.mask
        return _masked(magnetic.mlat, mask), _masked(magnetic.mlt, mask)

    # -- derived values -------------------------------------------------------------------

    @property
    def outline(self) -> np.ndarray:
        """(n, 2) ``[lat, lon]`` along the outer contour of the defined corners."""
        return self.core.outline

    @property
    def outlineConvexHull(self) -> np.ndarray:  # noqa: N802
        """(n, 2) ``[lat, lon]`` of the convex hull of the outline."""
        return self.core.outline_convex_hull

    @property
    def boundingBox(self) -> BoundingBox:  # noqa: N802
        """Bounding box of the defined corners (antimeridian and pole aware)."""
        return BoundingBox.fromCore(self.core.bounding_box)

    @property
    def containsDiscontinuity(self) -> bool:  # noqa: N802
        return self.boundingBox.containsDiscontinuity

    @property
    def containsPole(self) -> bool:  # noqa: N802
        return self.boundingBox.containsPole

    @property
    def centroid(self) -> Location:
        """Area centroid of the outline."""
        return self.core.centroid

    @property
    def arcSecPerPx(self) -> Any:  # noqa: N802
        """``PixelScales(width, height, diagonal)`` of ``PixelScale(mean, median, min, max)``, arcsec."""
        return self.core.pixel_scale

    @property
    def cameraFootpoint(self) -> Location:  # noqa: N802
        """Geodetic lat/lon below the camera."""
        return self.core.camera_footpoint

    @property
    def altitude(self) -> float:
        """Mapping altitude, km."""
        return self.core.altitude

    @property
    def cameraPosGCRS(self) -> np.ndarray:  # noqa: N802
        """(3,) camera position in GCRS, km."""
        return self.core.camera_position

    @property
    def photoTime(self) -> datetime:  # noqa: N802
        """Photo time, naive UTC."""
        return self.core.time

    @property
    def identifier(self) -> str:
        return self._identifier if self._identifier is not None else self.core.identifier

    @property
    def metadata(self) -> dict[str, Any]:
        return self.core.metadata

    @property
    def properties(self) -> MappingProperties:
        return MappingProperties(self.altitude, self.cameraPosGCRS, self.boundingBox, self.photoTime,
                                 self.centroid, self.cameraFootpoint, self.identifier)

    @property
    def isPlateCarree(self) -> bool:  # noqa: N802
        """Whether the corners form a regular latitude/longitude grid."""
        return self.core.is_plate_carree

    def checkPlateCarree(self) -> bool:  # noqa: N802
        return self.isPlateCarree

    # -- operations -----------------------------------------------------------------------

    def maskedByElevation(self, minElevation: float = 10) -> BaseMapping:  # noqa: N802, N803
        """A new mapping without the pixels seen below ``minElevation`` degrees (ValueError if none is left)."""
        return self._derive(self.core.masked_by_elevation(minElevation))

    def maskedByPolygon(self, polygon: npt.ArrayLike) -> BaseMapping:  # noqa: N802
        """A new mapping keeping the pixels inside the unclosed ``[lat, lon]`` polygon."""
        return self._derive(self.core.masked_by_polygon(np.asarray(polygon, dtype=np.float64)))

    def createMasked(self, centerMask: npt.ArrayLike) -> BaseMapping:  # noqa: N802, N803
        """A new mapping with the centers where ``centerMask`` (h, w) is True masked."""
        return self._derive(self.core.masked(~np.asarray(centerMask, dtype=bool)))

    def checkGuarantees(self) -> None:  # noqa: N802
        """Raise AssertionError if a masking invariant is violated."""
        self.core.check_invariants()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.identifier!r})"


class MappingCollection(Sequence[BaseMapping]):
    """Several mappings at about the same time (e.g. the THEMIS stations).

    Parameters
    ----------
    mappings
        Compat mappings.
    identifier
        Name of the collection.
    mayOverlap
        Whether members may cover the same area (drawing paints higher elevations last).
    """

    def __init__(self, mappings: Iterable[BaseMapping], identifier: str, mayOverlap: bool = True) -> None:  # noqa: N803
        self.mappings = list(mappings)
        self.identifier = identifier
        self.mayOverlap = mayOverlap

    @classmethod
    def fromCore(cls, collection: CoreCollection) -> MappingCollection:  # noqa: N802
        """The compat view of a core collection."""
        return cls([BaseMapping(m) for m in collection], collection.identifier, collection.may_overlap)

    @functools.cached_property
    def core(self) -> CoreCollection:
        """The core collection of the members' core mappings."""
        return CoreCollection([m.core for m in self.mappings], self.identifier, self.mayOverlap)

    def __getitem__(self, index):  # type: ignore[override]
        return self.mappings[index]

    def __len__(self) -> int:
        return len(self.mappings)

    def __iter__(self) -> Iterator[BaseMapping]:
        return iter(self.mappings)

    @property
    def empty(self) -> bool:
        return not self.mappings

    @property
    def boundingBox(self) -> BoundingBox:  # noqa: N802
        """Merged bounding box of all members."""
        return BoundingBox.fromCore(self.core.bounding_box)

    @property
    def photoTime(self) -> datetime:  # noqa: N802
        """Upper median of the member times."""
        return self.core.time

    def maskedByElevation(self, minElevation: float = 10) -> MappingCollection:  # noqa: N802, N803
        """Every member masked below ``minElevation``; members left empty are dropped."""
        return MappingCollection.fromCore(self.core.masked_by_elevation(minElevation))

    def __repr__(self) -> str:
        return f"MappingCollection({self.identifier!r}, {len(self)} mappings)"


Compat = BaseMapping | MappingCollection


def wrap(item: CoreMapping | CoreCollection) -> Compat:
    """The compat view of a core mapping or collection."""
    if isinstance(item, CoreCollection):
        return MappingCollection.fromCore(item)
    return BaseMapping(item)


class BaseMappingProvider:
    """The original's provider API (``range``, ``contains``, ``get``, ``getById``, ``getSequence``) over a core provider."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def _wrap(self, item: CoreMapping | CoreCollection) -> Compat:
        return wrap(item)

    @property
    def maxTimeOffset(self) -> float:  # noqa: N802
        """Seconds between a requested time and the delivered mapping."""
        return self.provider.max_time_offset

    @property
    def range(self) -> tuple[datetime, datetime]:
        """First and last available time."""
        return translated(lambda: self.provider.range)

    def contains(self, date: datetime) -> bool:
        """Whether a mapping exists within ``maxTimeOffset`` of ``date``."""
        return self.provider.contains(date)

    def containsAny(self, dates: Iterable[datetime]) -> bool:  # noqa: N802
        return any(self.contains(date) for date in dates)

    def get(self, date: datetime) -> Compat:
        """The mapping nearest to ``date`` within ``maxTimeOffset``; :class:`NoMappingError` if none."""
        return self._wrap(translated(self.provider.get, date))

    def getById(self, identifier: str) -> Compat:  # noqa: N802
        """The mapping whose identifier is ``identifier`` or contains it as the only match."""
        return self._wrap(translated(self.provider.get_by_id, identifier))

    def getSequence(self, dateBegin: datetime | None = None, dateEnd: datetime | None = None) -> Iterator[Compat]:  # noqa: N802, N803
        """The mappings from ``dateBegin`` to ``dateEnd`` (inclusive; None = open), in time order."""
        for item in self.provider.sequence(dateBegin, dateEnd):
            yield self._wrap(item)

    def __len__(self) -> int:
        return len(self.provider)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"


class WrappingProvider(abc.ABC):
    """A provider delivering the mappings of another compat provider transformed."""

    def __init__(self, provider: BaseMappingProvider | WrappingProvider) -> None:
        self.provider = provider

    @abc.abstractmethod
    def transform(self, mapping: Compat) -> Compat:
        """Transform one mapping (or collection) of the wrapped provider."""

    @property
    def maxTimeOffset(self) -> float:  # noqa: N802
        return self.provider.maxTimeOffset

    @property
    def range(self) -> tuple[datetime, datetime]:
        return self.provider.range

    def contains(self, date: datetime) -> bool:
        return self.provider.contains(date)

    def containsAny(self, dates: Iterable[datetime]) -> bool:  # noqa: N802
        return self.provider.containsAny(dates)

    def get(self, date: datetime) -> Compat:
        return self.transform(self.provider.get(date))

    def getById(self, identifier: str) -> Compat:  # noqa: N802
        return self.transform(self.provider.getById(identifier))

    def getSequence(self, dateBegin: datetime | None = None, dateEnd: datetime | None = None) -> Iterator[Compat]:  # noqa: N802, N803
        for mapping in self.provider.getSequence(dateBegin, dateEnd):
            yield self.transform(mapping)

    def __len__(self) -> int:
        return len(self.provider)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"


class MaskByElevationProvider(WrappingProvider):
    """Deliver the mappings of ``provider`` masked below ``minElevation`` degrees."""

    def __init__(self, provider: BaseMappingProvider | WrappingProvider, minElevation: float = 10) -> None:  # noqa: N803
        super().__init__(provider)
        self.minElevation = minElevation

    def transform(self, mapping: Compat) -> Compat:
        return mapping.maskedByElevation(self.minElevation)
