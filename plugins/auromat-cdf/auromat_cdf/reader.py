"""Read mappings back from CDF files written by :class:`~auromat_cdf.writer.CdfExporter`.

A file written with all variables gives back an equal mapping: coordinates as
stored (see :mod:`auromat_core.encoding`), NaNs and image mask, time to the
microsecond, altitude, camera position, identifier and metadata. Files written
without pixel corners get corners estimated from the centers; files without
geodetic coordinates get them from MLat/MLT through the magnetic model named in
``mcrs``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from spacepy import pycdf

from auromat_core import InputError, Mapping, MappingFileProvider
from auromat_core.encoding import (
    IDENTIFIER_ATTRIBUTE,
    corners_from_centers,
    decode_image,
    geodetic_from_magnetic,
    has_coordinates,
    image_variables,
    length_km,
    restored_mapping,
)

from .lock import IO_LOCK

log = logging.getLogger(__name__)

_REQUIRED = ("Epoch", "altitude", "camera_pos", "zenith_angle")


@contextlib.contextmanager
def _open(path: Path) -> Iterator[pycdf.CDF]:
    with IO_LOCK:
        try:
            cdf = pycdf.CDF(str(path))
        except pycdf.CDFError as error:
            raise InputError(f"{path}: not a readable CDF file ({error})") from None
        try:
            yield cdf
        finally:
            cdf.close()


def is_mapping_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a CDF file holding a mapping (Epoch, altitude, camera_pos, zenith_angle, lat/lon or mlat/mlt/mcrs)."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".cdf"):
        return False
    try:
        with _open(path) as cdf:
            return all(name in cdf for name in _REQUIRED) and has_coordinates(cdf)
    except InputError:
        return False


def _global_attributes(cdf: pycdf.CDF) -> dict[str, Any]:
    """First entry of every global attribute."""
    return {name: cdf.attrs[name][0] for name in cdf.attrs if len(cdf.attrs[name])}


def _require(cdf: pycdf.CDF, names: Sequence[str], path: Path) -> None:
    missing = [name for name in names if name not in cdf]
    if missing:
        raise InputError(f"{path}: missing CDF variable(s) {', '.join(missing)}; not an auromat mapping file")


def _altitude_km(cdf: pycdf.CDF, path: Path) -> float:
    variable = cdf["altitude"]
    return length_km(float(variable[...]), variable.attrs.get("UNITS", "km"), str(path), "altitude")


def _camera_position_km(cdf: pycdf.CDF, path: Path) -> np.ndarray:
    variable = cdf["camera_pos"]
    return length_km(np.asarray(variable[0], dtype=np.float64), variable.attrs.get("UNITS", "km"), str(path), "camera_pos")


def _floats(cdf: pycdf.CDF, name: str) -> np.ndarray:
    """Record 0 of a float variable as float64, FILLVAL as NaN."""
    variable = cdf[name]
    values = variable[0]
    fill = variable.attrs.get("FILLVAL")
    if fill is not None:
        values[values == np.asarray(fill, dtype=values.dtype)] = np.nan
    return values.astype(np.float64, copy=False)


def _image(cdf: pycdf.CDF, path: Path) -> tuple[np.ndarray, np.ndarray]:
    channels = ((name, cdf[name][0], cdf[name].attrs.get("FILLVAL")) for name in image_variables(cdf, str(path)))
    return decode_image(channels, str(path), "FILLVAL")


def _bounds_name(cdf: pycdf.CDF, center: str) -> str | None:
    name = str(cdf[center].attrs.get("bounds", f"{center}_bounds"))
    return name if name in cdf else None


def _geodetic(cdf: pycdf.CDF, path: Path, altitude: float, time: datetime) -> tuple[np.ndarray, ...]:
    """lat_bounds, lon_bounds, lat, lon from the stored geodetic or, failing that, magnetic coordinates."""
    if "lat" in cdf and "lon" in cdf:
        lat, lon = _floats(cdf, "lat"), _floats(cdf, "lon")
        names = _bounds_name(cdf, "lat"), _bounds_name(cdf, "lon")
        corners = (_floats(cdf, names[0]), _floats(cdf, names[1])) if None not in names else None
    elif "mlat" in cdf and "mlt" in cdf and "mcrs" in cdf:
        names = _bounds_name(cdf, "mlat"), _bounds_name(cdf, "mlt")
        lat, lon, corners = geodetic_from_magnetic(
            str(cdf["mcrs"].attrs.get("magnetic_model", "dipole")), (_floats(cdf, "mlat"), _floats(cdf, "mlt")),
            (_floats(cdf, names[0]), _floats(cdf, names[1])) if None not in names else None, altitude, time, str(path),
        )
    else:
        raise InputError(f"{path}: has neither geodetic (lat, lon) nor magnetic (mlat, mlt, mcrs) coordinates")
    if corners is None:
        log.info("%s has no pixel corners; estimating them from the centers", path)
        corners = corners_from_centers(lat, lon)
    return corners[0], corners[1], lat, lon


def read_cdf(path: str | os.PathLike) -> Mapping:
    """The mapping stored in a CDF file.

    Raises
    ------
    InputError
        If the file is not readable or lacks a variable a mapping needs.
    """
    path = Path(path)
    with _open(path) as cdf:
        _require(cdf, _REQUIRED, path)
        attributes = _global_attributes(cdf)
        time = cdf["Epoch"][0]
        altitude = _altitude_km(cdf, path)
        return restored_mapping(
            path, attributes, _geodetic(cdf, path, altitude, time), _floats(cdf, "zenith_angle"), _image(cdf, path),
            altitude, time, _camera_position_km(cdf, path),
        )


def _header(path: Path) -> tuple[datetime, str, float]:
    with _open(path) as cdf:
        _require(cdf, _REQUIRED, path)
        identifier = cdf.attrs[IDENTIFIER_ATTRIBUTE][0] if IDENTIFIER_ATTRIBUTE in cdf.attrs else path.stem
        return cdf["Epoch"][0], str(identifier), _altitude_km(cdf, path)


class CdfProvider(MappingFileProvider):
    """Mappings from one CDF file or a folder of them (registered as provider ``cdf``).

    See :class:`auromat_core.providers.MappingFileProvider` for the parameters.
    """

    suffix = ".cdf"
    format_name = "CDF"
    is_mapping_file = staticmethod(is_mapping_file)
    read_header = staticmethod(_header)
    read = staticmethod(read_cdf)
