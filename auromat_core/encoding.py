"""Format-independent storage encodings for exporters: coordinate precision, image fill values, metadata types, corners.

Coordinates
    By default coordinate arrays are float64 values rounded to a multiple of a
    power of two, the coarsest one for which the horizontal position error
    stays below ``precision_m`` metres at the mapping altitude (latitude and
    longitude each get ``precision_m / sqrt(2)``). The dropped low mantissa bits
    are zero, which deflate (with shuffle in netCDF) compresses well; readers
    see plain float64 degrees. ``float32=True`` stores float32 instead (error
    at most half a float32 step: 0.87 m for longitudes beyond ±128° at the
    equator), ``precision_m=None`` stores exact float64.
Images
    Unsigned channels are widened to the next signed type and undefined pixels
    hold that type's minimum (the ISTP fill value), so every valid count stays
    representable: uint8 -> int16, uint16 -> int32, uint32 -> int64.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Collection, Iterable
from collections.abc import Mapping as MappingABC
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np

from .errors import ExportError, InputError
from .geometry.ellipsoid import WGS84_A_KM, WGS84_B_KM
from .mapping import IMAGE_CONTENT_KEY, Mapping

log = logging.getLogger(__name__)

ZENITH_STEP_DEG = 2.0**-17
"""Rounding step of stored zenith angles (error at most 3.8e-6 degrees)."""
ZENITH_ANGLE_AT: dict[bool, tuple[str, str]] = {
    False: ("at the mapped point", "Angle between the local vertical at the mapped point and the direction to the camera."),
    True: ("seen from the camera", "Angle between the local vertical at the camera and the line of sight (a ground camera)."),
}
"""Where a stored zenith angle is measured, by :attr:`auromat_core.Mapping.seen_from_below`: a phrase and a sentence for file attributes."""

METADATA_TYPES_ATTRIBUTE = "auromat_metadata_types"
"""Global attribute holding ``{key: "str"|"int"|"float"|"bool"}`` (JSON) of the mapping's metadata."""

IDENTIFIER_ATTRIBUTE = "auromat_identifier"
"""Global attribute holding the mapping's identifier."""

_MAX_RADIUS_M = (WGS84_A_KM**2 / WGS84_B_KM) * 1000.0
"""Largest radius of curvature of the WGS84 ellipsoid (meridional, at the poles)."""

_LARGEST_STEP = 2.0**-10
"""Steps never exceed this (in degrees or hours), so ±90, ±180 and 24 stay multiples of them."""

_SIGNED = {np.dtype(np.uint8): np.dtype(np.int16), np.dtype(np.uint16): np.dtype(np.int32), np.dtype(np.uint32): np.dtype(np.int64)}
_UNSIGNED = {signed: unsigned for unsigned, signed in _SIGNED.items()}


@attrs.frozen
class CoordinateEncoding:
    """How coordinate arrays (and zenith angles) are stored.

    Parameters
    ----------
    float32
        Store float32 (no further rounding).
    precision_m
        Largest horizontal position error in metres of the float64 rounding;
        ``None`` stores exact float64. Ignored with ``float32``.
    """

    float32: bool = False
    precision_m: float | None = 1.0

    def __attrs_post_init__(self) -> None:
        if self.precision_m is not None and not (math.isfinite(self.precision_m) and self.precision_m > 0):
            raise InputError(f"coordinate_precision must be a positive number of metres or None, got {self.precision_m!r}")

    @property
    def dtype(self) -> np.dtype:
        """Stored floating-point type."""
        return np.dtype(np.float32 if self.float32 else np.float64)

    @property
    def rounds(self) -> bool:
        """Whether float64 values are rounded to a step."""
        return not self.float32 and self.precision_m is not None

    def steps(self, altitude_km: float, lat: np.ndarray, mlat: np.ndarray | None) -> dict[str, float]:
        """Rounding step per coordinate kind (``lat``, ``lon``, ``mlat``, ``mlt`` in their units, ``zenith``).

        ``lat`` and ``mlat`` are the (corner) latitudes of the frame; the longitude
        and MLT steps follow the largest cosine of latitude found there (a degree
        of longitude is shorter away from the equator, so its step can be coarser).
        """
        if not self.rounds:
            return {}
        assert self.precision_m is not None
        per_axis = self.precision_m / math.sqrt(2.0)
        metres_per_degree = (_MAX_RADIUS_M + altitude_km * 1000.0) * math.pi / 180.0
        steps = {
            "lat": _step(per_axis, metres_per_degree),
            "lon": _step(per_axis, metres_per_degree * _largest_cos(lat)),
            "zenith": ZENITH_STEP_DEG,
        }
        if mlat is not None:
            steps["mlat"] = steps["lat"]
            steps["mlt"] = _step(per_axis, 15.0 * metres_per_degree * _largest_cos(mlat))
        return steps

    def encode(self, values: np.ndarray, step: float | None) -> np.ndarray:
        """The array as stored: float32, exact float64, or float64 rounded to a multiple of ``step``."""
        if self.float32:
            return values.astype(np.float32)
        if step is None:
            return np.asarray(values, dtype=np.float64)
        stored = np.divide(values, step)
        np.round(stored, out=stored)
        stored *= step
        return stored

    def describe(self, step: float | None, unit: str, position: bool = True) -> str:
        """One sentence on the stored precision, for a variable's notes.

        ``position``: the values are coordinates of points, whose rounding error
        is stated in metres; else (an angle such as the zenith angle) in ``unit``.
        """
        if self.float32:
            return "Stored as float32."
        if step is None:
            return "Stored as exact float64."
        exponent = round(math.log2(step))
        error = f"horizontal error below {self.precision_m:g} m" if position else f"error at most {step / 2:.2g} {unit}"
        return f"Rounded to multiples of 2^{exponent} {unit} ({error})."


def _step(error_m: float, metres_per_unit: float) -> float:
    """Largest power of two (at most 2^-10) whose half, times ``metres_per_unit``, stays within ``error_m``."""
    return min(2.0 ** math.floor(math.log2(2.0 * error_m / metres_per_unit)), _LARGEST_STEP)


def _largest_cos(latitudes: np.ndarray) -> float:
    with np.errstate(invalid="ignore"):
        smallest = np.nanmin(np.abs(latitudes)) if np.isfinite(latitudes).any() else 0.0
    return max(math.cos(math.radians(float(smallest))), 1e-6)


# -- images ---------------------------------------------------------------------------------


def signed_type(unsigned: np.dtype, identifier: str) -> np.dtype:
    """The signed type an unsigned image type is stored in."""
    try:
        return _SIGNED[np.dtype(unsigned)]
    except KeyError:
        raise ExportError(f"mapping {identifier}: image type {unsigned} cannot be stored; expected uint8, uint16 or uint32") from None


def encode_channel(channel: np.ndarray, defined: np.ndarray, identifier: str) -> tuple[np.ndarray, int]:
    """Channel ``(h, w)`` widened to the signed type, undefined pixels set to its minimum (returned too)."""
    signed = signed_type(channel.dtype, identifier)
    fill = int(np.iinfo(signed).min)
    stored = channel.astype(signed)
    stored[~defined] = fill
    return stored, fill


def decode_channel(stored: np.ndarray, fill: int, source: str) -> tuple[np.ndarray, np.ndarray]:
    """Unsigned channel (0 where filled) and its defined mask, from a stored signed channel."""
    unsigned = _UNSIGNED.get(np.dtype(stored.dtype))
    if unsigned is None:
        raise InputError(f"{source}: image type {stored.dtype} is not int16, int32 or int64")
    defined = stored != fill
    valid = stored[defined]
    if valid.size and (valid.min() < 0 or valid.max() > np.iinfo(unsigned).max):
        raise InputError(f"{source}: image values {valid.min()}..{valid.max()} lie outside 0..{np.iinfo(unsigned).max} ({unsigned})")
    channel = np.where(defined, stored, 0).astype(unsigned)
    return channel, defined


def image_variables(names: Collection[str], source: str) -> list[str]:
    """The image variables among a file's variable ``names``, in channel order (see :func:`channel_names`)."""
    for candidates in (["img"], ["img_red", "img_green", "img_blue"]):
        if all(name in names for name in candidates):
            return candidates
    numbered = sorted((name for name in names if name.startswith("img_ch")), key=lambda name: int(name[6:]))
    if not numbered:
        raise InputError(f"{source}: no image variable (img, img_red/img_green/img_blue or img_ch<i>)")
    return numbered


def decode_image(channels: Iterable[tuple[str, np.ndarray, Any]], source: str, fill_attribute: str) -> tuple[np.ndarray, np.ndarray]:
    """The ``(h, w, n)`` unsigned image and the mask where every channel is defined.

    ``channels`` yields ``(name, stored values, fill value or None)`` per channel;
    ``fill_attribute`` names the attribute a missing fill value should have come from.
    """
    decoded, defined = [], None
    for name, stored, fill in channels:
        if fill is None:
            raise InputError(f"{source}: image variable {name} has no {fill_attribute}")
        channel, mask = decode_channel(stored, int(fill), f"{source} variable {name}")
        decoded.append(channel)
        defined = mask if defined is None else defined & mask
    if defined is None:
        raise InputError(f"{source}: no image channel")
    return np.stack(decoded, axis=-1), defined


def channel_names(count: int) -> list[str]:
    """Variable names of image channels: ``img``, ``img_red/green/blue`` or ``img_ch<i>``."""
    if count == 1:
        return ["img"]
    if count == 3:
        return ["img_red", "img_green", "img_blue"]
    return [f"img_ch{i}" for i in range(count)]


def image_description(mapping: Mapping, color: str) -> str:
    """What channel ``color`` of the mapping's image holds: its :data:`~auromat_core.IMAGE_CONTENT_KEY` metadata, else values."""
    content = mapping.metadata.get(IMAGE_CONTENT_KEY)
    return f"Image {color} channel, {content}" if content else f"Image values, {color} channel"


# -- metadata ---------------------------------------------------------------------------------


def metadata_values(metadata: MappingABC[str, Any], identifier: str) -> dict[str, bool | int | float | str]:
    """Metadata as plain Python scalars; anything else is an :class:`ExportError` naming the key."""
    values: dict[str, bool | int | float | str] = {}
    for key, value in metadata.items():
        if isinstance(value, np.generic):
            value = value.item()
        if not isinstance(key, str) or not key or not isinstance(value, (bool, int, float, str)):
            raise ExportError(
                f"mapping {identifier}: cannot store metadata {key!r} = {value!r}; "
                "expected a non-empty string key and a str, int, float or bool value"
            )
        values[key] = value
    return values


def metadata_types(values: MappingABC[str, bool | int | float | str]) -> str:
    """JSON ``{key: type name}`` that lets a reader restore the metadata exactly."""
    return json.dumps({key: type(value).__name__ for key, value in values.items()}, sort_keys=True)


def bookkeeping_attributes(mapping: Any, user: MappingABC[str, bool | int | float | str]) -> dict[str, Any]:
    """Global attributes every mapping file ends with: its geospatial extent (when any pixel is defined),
    identifier and the types of the user metadata ``user``."""
    attributes: dict[str, Any] = {}
    if mapping.defined.any():
        box = mapping.bounding_box
        attributes.update(
            geospatial_lat_min=box.lat_south,
            geospatial_lat_max=box.lat_north,
            geospatial_lon_min=box.lon_west,
            geospatial_lon_max=box.lon_east,
            geospatial_lat_units="degrees_north",
            geospatial_lon_units="degrees_east",
        )
    attributes[IDENTIFIER_ATTRIBUTE] = mapping.identifier
    attributes[METADATA_TYPES_ATTRIBUTE] = metadata_types(user)
    return attributes


def pole_attributes(model_name: str, time: datetime) -> dict[str, float]:
    """``north_geomagnetic_pole_lat/lon`` of a registered magnetic model at ``time``, if the model has a pole."""
    from .registry import get_magnetic_model

    pole = getattr(get_magnetic_model(model_name), "pole", None)
    if pole is None:
        return {}
    pole_lat, pole_lon = pole(time)
    return {"north_geomagnetic_pole_lat": float(pole_lat), "north_geomagnetic_pole_lon": float(pole_lon)}


COORDINATE_SETS = (("lat", "lon"), ("mlat", "mlt", "mcrs"))
"""Variables of the geodetic and of the magnetic coordinates in a mapping file; a file holds one set or both."""
LENGTH_UNITS_KM = {"km": 1.0, "kilometers": 1.0, "m": 1e-3, "meters": 1e-3}
"""Length units a reader accepts (altitude, camera position), with their size in km."""


def has_coordinates(names: Collection[str]) -> bool:
    """Whether the variable ``names`` of a file include a whole set of :data:`COORDINATE_SETS`."""
    return any(all(name in names for name in names_of_set) for names_of_set in COORDINATE_SETS)


def length_km(values: Any, units: Any, source: str, name: str) -> Any:
    """``values`` given in ``units`` (a :data:`LENGTH_UNITS_KM` key), in km.

    Raises
    ------
    InputError
        Naming ``source`` and the variable ``name``, for other units.
    """
    units = str(units).strip()
    if units not in LENGTH_UNITS_KM:
        raise InputError(f"{source}: {name} units {units!r}, expected one of {', '.join(LENGTH_UNITS_KM)}")
    return values * LENGTH_UNITS_KM[units]


def geodetic_from_magnetic(
    model_name: str, centers: tuple[np.ndarray, np.ndarray], corners: tuple[np.ndarray, np.ndarray] | None,
    altitude: float, time: datetime, source: str,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray] | None]:
    """lat, lon and corner lat/lon (if ``corners``) of a file storing only MLat/MLT, through the model named in it."""
    from .registry import get_magnetic_model

    model = get_magnetic_model(model_name)
    log.info("%s has no geodetic coordinates; converting MLat/MLT with magnetic model %r", source, model_name)
    lat, lon = model.from_magnetic(*centers, altitude, time)
    return lat, lon, None if corners is None else model.from_magnetic(*corners, altitude, time)


def restored_mapping(
    source: Path, attributes: MappingABC[str, Any], coordinates: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    zenith_angle: np.ndarray, image: tuple[np.ndarray, np.ndarray], altitude: float, time: datetime, camera_position: np.ndarray,
) -> Mapping:
    """The mapping a file stores, from what a reader decoded.

    ``coordinates`` are lat_bounds, lon_bounds, lat, lon; ``image`` is the image
    and its defined mask (undefined image pixels become undefined centers);
    identifier and metadata come from the global ``attributes``.
    """
    lat_bounds, lon_bounds, lat, lon = coordinates
    pixels, defined = image
    lat[~defined] = np.nan
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=90.0 - zenith_angle, image=pixels,
        altitude=altitude, time=time, camera_position=camera_position,
        identifier=str(attributes.get(IDENTIFIER_ATTRIBUTE, source.stem)),
        metadata=restore_metadata(attributes, attributes.get(METADATA_TYPES_ATTRIBUTE), str(source)),
    )


def restore_metadata(attributes: MappingABC[str, Any], types_json: str | None, source: str) -> dict[str, Any]:
    """The mapping metadata from global attributes and their recorded types."""
    if types_json is None:
        return {}
    try:
        types = json.loads(types_json)
    except json.JSONDecodeError as error:
        raise InputError(f"{source}: global attribute {METADATA_TYPES_ATTRIBUTE} is not JSON ({error})") from None
    converters = {"str": str, "int": int, "float": float, "bool": bool}
    metadata = {}
    for key, type_name in types.items():
        if key not in attributes or type_name not in converters:
            raise InputError(f"{source}: metadata {key!r} ({type_name}) is listed in {METADATA_TYPES_ATTRIBUTE} but not stored")
        value = attributes[key]
        if isinstance(value, np.generic):
            value = value.item()
        metadata[key] = converters[type_name](value)
    return metadata


# -- corners ------------------------------------------------------------------------------------


def corners_from_centers(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimate ``(h+1, w+1)`` corner lat/lon from ``(h, w)`` centers (for files without bounds).

    Interior corners are the mean direction of their neighbouring centers; at
    the edge of the defined area they are extrapolated by half a pixel (or, for
    a single defined pixel, equal to its center). Works on unit vectors, so it
    is safe across the antimeridian.
    """
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    vectors = np.stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)], axis=-1)
    corners = _edges(_edges(vectors, axis=1), axis=0)
    x, y, z = np.moveaxis(corners, -1, 0)
    with np.errstate(invalid="ignore"):
        return np.degrees(np.arctan2(z, np.hypot(x, y))), np.degrees(np.arctan2(y, x))


def _edges(vectors: np.ndarray, axis: int) -> np.ndarray:
    """``n + 1`` points between and beyond ``n`` vectors along ``axis`` (NaN-aware)."""
    v = np.moveaxis(vectors, axis, 0)
    nan = np.full((2,) + v.shape[1:], np.nan)
    padded = np.concatenate([nan, v, nan])  # index k + 2 holds v[k]
    before, after = padded[1:-2], padded[2:-1]  # v[k - 1], v[k] for edge k
    before2, after2 = padded[:-3], padded[3:]  # v[k - 2], v[k + 1]
    has_before, has_after = np.isfinite(before[..., :1]), np.isfinite(after[..., :1])
    from_before = np.where(np.isfinite(before2[..., :1]), before + (before - before2) / 2, before)
    from_after = np.where(np.isfinite(after2[..., :1]), after + (after - after2) / 2, after)
    edges = np.where(has_before & has_after, (before + after) / 2, np.where(has_before, from_before, from_after))
    return np.moveaxis(edges, 0, axis)


__all__ = [
    "COORDINATE_SETS",
    "IDENTIFIER_ATTRIBUTE",
    "LENGTH_UNITS_KM",
    "METADATA_TYPES_ATTRIBUTE",
    "ZENITH_ANGLE_AT",
    "ZENITH_STEP_DEG",
    "CoordinateEncoding",
    "bookkeeping_attributes",
    "channel_names",
    "corners_from_centers",
    "decode_channel",
    "decode_image",
    "encode_channel",
    "geodetic_from_magnetic",
    "has_coordinates",
    "image_description",
    "image_variables",
    "length_km",
    "metadata_types",
    "metadata_values",
    "pole_attributes",
    "restore_metadata",
    "restored_mapping",
    "signed_type",
]
