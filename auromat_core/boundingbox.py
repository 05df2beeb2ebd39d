"""Geographic bounding boxes that may cross the antimeridian or contain a pole."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from typing import NamedTuple

import attrs
import numpy as np
import numpy.typing as npt

from . import geodesy
from .errors import InputError
from .geodesy import Location

__all__ = ["POLE_TEST_MAX_POINTS", "BoundingBox", "Size", "bounding_box_away_from_poles", "bounding_box_of"]

log = logging.getLogger(__name__)

POLE_TEST_MAX_POINTS = 50
"""Hull points (evenly sampled) used by :func:`bounding_box_of` for the pole test."""


class Size(NamedTuple):
    """Width and height in km."""

    width: float
    height: float


def _latlon_points(values: npt.ArrayLike, what: str) -> np.ndarray:
    points = np.asarray(values, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise InputError(f"{what} must be a non-empty (n, 2) array of [lat, lon], got {points.shape}")
    return points


def _wrap_west(lon: float) -> float:
    """Wrap into [-180, 180)."""
    return float((lon + 180.0) % 360.0 - 180.0)


def _in_range(low: float, high: float) -> Callable[[object, attrs.Attribute, float], None]:
    def check(instance: object, attribute: attrs.Attribute, value: float) -> None:
        if not low <= value <= high:
            raise InputError(
                f"bounding box {attribute.name} must be in [{low:g}, {high:g}] degrees, "
                f"got {value!r}"
            )

    return check


@attrs.frozen
class BoundingBox:
    """A latitude/longitude box in degrees.

    ``lon_west > lon_east`` means the box crosses the antimeridian. A box
    containing a pole spans all longitudes (``lon_west=-180, lon_east=180``) and
    reaches latitude ±90.

    Raises
    ------
    InputError
        If a latitude is outside [-90, 90], a longitude outside [-180, 180], or
        ``lat_south > lat_north``.
    """

    lat_south: float = attrs.field(converter=float, validator=_in_range(-90, 90))
    lon_west: float = attrs.field(converter=float, validator=_in_range(-180, 180))
    lat_north: float = attrs.field(converter=float, validator=_in_range(-90, 90))
    lon_east: float = attrs.field(converter=float, validator=_in_range(-180, 180))

    def __attrs_post_init__(self) -> None:
        if self.lat_south > self.lat_north:
            raise InputError(
                f"bounding box lat_south ({self.lat_south}) is north of "
                f"lat_north ({self.lat_north})"
            )

    @property
    def top_left(self) -> Location:
        """North-west corner."""
        return Location(self.lat_north, self.lon_west)

    @property
    def bottom_left(self) -> Location:
        """South-west corner."""
        return Location(self.lat_south, self.lon_west)

    @property
    def top_right(self) -> Location:
        """North-east corner."""
        return Location(self.lat_north, self.lon_east)

    @property
    def bottom_right(self) -> Location:
        """South-east corner."""
        return Location(self.lat_south, self.lon_east)

    @property
    def contains_pole(self) -> bool:
        """Whether the box contains the north or south pole."""
        return (
            self.lon_west == -180.0
            and self.lon_east == 180.0
            and (self.lat_north == 90.0 or self.lat_south == -90.0)
        )

    @property
    def contains_discontinuity(self) -> bool:
        """Whether the box crosses the antimeridian or contains a pole."""
        return self.lon_west > self.lon_east or self.contains_pole

    @property
    def lon_span(self) -> float:
        """Longitude extent in degrees, [0, 360]."""
        east = self.lon_east + 360.0 if self.lon_west > self.lon_east else self.lon_east
        return east - self.lon_west

    @functools.cached_property
    def _spherical_rectangle(self) -> tuple[Location, Size]:
        """Center and size of the minimum spherical rectangle around the box.

        Pole boxes: the pole, and twice the distance from it to the other
        latitude. Otherwise the width is the longer of the top and bottom
        geodesic edges; the height runs from the mid-longitude point on that
        edge's latitude to the geodesic midpoint of the shorter edge, and the
        center is the midpoint of the height geodesic.
        """
        if self.contains_pole:
            if self.lat_north == 90.0:
                pole_lat, other_lat = 90.0, self.lat_south
            else:
                pole_lat, other_lat = -90.0, self.lat_north
            width = 2 * float(geodesy.distance_m(pole_lat, 0.0, other_lat, 0.0))
            return Location(pole_lat, 0.0), Size(width / 1000, width / 1000)
        lon_mid = _wrap_west(self.lon_west + self.lon_span / 2)
        bottom = float(geodesy.distance_m(*self.bottom_left, *self.bottom_right))
        top = float(geodesy.distance_m(*self.top_left, *self.top_right))
        if top > bottom:
            short_mid = geodesy.intermediate(self.bottom_left, self.bottom_right)
            long_mid = Location(self.lat_north, lon_mid)
        else:
            short_mid = geodesy.intermediate(self.top_left, self.top_right)
            long_mid = Location(self.lat_south, lon_mid)
        height = float(geodesy.distance_m(*long_mid, *short_mid))
        center = geodesy.intermediate(long_mid, short_mid)
        size = Size(max(top, bottom) / 1000, height / 1000)
        return Location(float(center.lat), float(center.lon)), size

    @property
    def center(self) -> Location:
        """Center of the minimum spherical rectangle around the box."""
        return self._spherical_rectangle[0]

    @property
    def size(self) -> Size:
        """Width and height in km of the minimum spherical rectangle.

        Only meaningful for boxes spanning less than 180° of longitude (a
        warning is logged otherwise): the edges are shortest geodesics.
        """
        if not self.contains_pole and self.lon_span > 180.0:
            log.warning("%r spans more than 180° of longitude; its size is wrong", self)
        return self._spherical_rectangle[1]

    @classmethod
    def minimum(cls, latlons: npt.ArrayLike) -> BoundingBox:
        """Smallest box containing all ``(n, 2)`` ``[lat, lon]`` points."""
        points = _latlon_points(latlons, "points")
        west, east = _smallest_lon_interval(points[:, 1], points[:, 1])
        return cls(float(points[:, 0].min()), west, float(points[:, 0].max()), east)

    @classmethod
    def merged(cls, boxes: Iterable[BoundingBox]) -> BoundingBox:
        """Smallest box containing all ``boxes``.

        The longitude interval is the complement of the largest longitude gap
        not covered by any box.
        """
        boxes = list(boxes)
        if not boxes:
            raise InputError("cannot merge zero bounding boxes")
        west, east = _smallest_lon_interval(
            np.array([b.lon_west for b in boxes]), np.array([b.lon_east for b in boxes])
        )
        return cls(min(b.lat_south for b in boxes), west, max(b.lat_north for b in boxes), east)


def _smallest_lon_interval(west: np.ndarray, east: np.ndarray) -> tuple[float, float]:
    """(west, east) of the shortest circular interval covering all [west_i, east_i]: one of the given wests and easts."""
    unwrapped = np.where(east < west, east + 360.0, east)
    if np.any(unwrapped - west >= 360.0):
        return -180.0, 180.0
    order = np.argsort(west, kind="stable")
    turns = np.concatenate([order, order])
    # intervals sorted by start, repeated one turn later so gaps across ±180 are seen
    starts = np.concatenate([west[order], west[order] + 360.0])
    ends = np.concatenate([unwrapped[order], unwrapped[order] + 360.0])
    reach = np.maximum.accumulate(ends)
    gaps = starts[1:] - reach[:-1]
    # only gaps of the second turn: by then every interval, also one wrapping past 180, has been reached
    i = len(west) - 1 + int(np.argmax(gaps[len(west) - 1:]))
    if gaps[i] <= 0:
        return -180.0, 180.0
    farthest = int(np.flatnonzero(ends[: i + 1] == reach[i])[0])
    first, last = float(west[turns[i + 1]]), float(east[turns[farthest]])
    if first == last:  # one meridian
        return first, last
    return -180.0 if first == 180.0 else first, 180.0 if last == -180.0 else last  # 180 starts as -180, -180 ends as 180


def bounding_box_away_from_poles(outline_latlon: npt.ArrayLike) -> BoundingBox | None:
    """The bounding box of an outline that cannot surround or touch a pole, else None.

    An outline spanning less than 180° of longitude, with no vertex at a pole,
    cannot: its geodesic edges stay within that longitude range. Its box is then
    that of its extremes, as :func:`bounding_box_of` would find, without the
    outline's hull or a pole test. None means: use :func:`bounding_box_of`.
    """
    outline = _latlon_points(outline_latlon, "outline")
    lats, lons = outline[:, 0], outline[:, 1]
    lat_min, lat_max, lon_min, lon_max = float(lats.min()), float(lats.max()), float(lons.min()), float(lons.max())
    if not (lon_max - lon_min < 180.0 and -90.0 < lat_min and lat_max < 90.0):
        return None
    return BoundingBox(lat_min, lon_min, lat_max, lon_max)


def bounding_box_of(outline_latlon: npt.ArrayLike, hull_latlon: npt.ArrayLike) -> BoundingBox:
    """Bounding box of a mapping from its outline and the outline's convex hull.

    Latitude/longitude extremes come from the full outline. The pole test runs
    on at most :data:`POLE_TEST_MAX_POINTS` evenly sampled hull points (the hull
    cannot self-intersect, a thinned outline could). With a pole inside, the box
    spans all longitudes and reaches the pole of the hemisphere of the maximum
    latitude's sign. Otherwise a longitude spread over 180° is taken as a
    crossing of the antimeridian (mappings are smaller than 180°): west is the
    smallest positive longitude, east the largest non-positive one.

    Parameters
    ----------
    outline_latlon, hull_latlon
        ``(n, 2)`` and ``(m, 2)`` ``[lat, lon]`` in degrees, finite.
    """
    outline = _latlon_points(outline_latlon, "outline")
    hull = _latlon_points(hull_latlon, "hull")
    if not (np.all(np.isfinite(outline)) and np.all(np.isfinite(hull))):
        raise InputError("outline and hull coordinates must be finite (no undefined corners)")
    lats, lons = outline[:, 0], outline[:, 1]
    lat_min, lat_max = float(lats.min()), float(lats.max())
    lon_min, lon_max = float(lons.min()), float(lons.max())
    count = min(len(hull), POLE_TEST_MAX_POINTS)
    sample = hull[np.round(np.linspace(0, len(hull) - 1, count)).astype(np.intp)]
    if geodesy.contains_or_crosses_pole(sample) != "none":
        if lat_max < 0:
            return BoundingBox(-90.0, -180.0, lat_max, 180.0)
        return BoundingBox(lat_min, -180.0, 90.0, 180.0)
    if lon_max - lon_min > 180.0:
        west = float(lons[lons > 0].min())
        east = float(lons[lons <= 0].max())
        return BoundingBox(lat_min, west, lat_max, east)
    return BoundingBox(lat_min, lon_min, lat_max, lon_max)
