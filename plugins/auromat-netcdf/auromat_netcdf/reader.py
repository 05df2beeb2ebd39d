"""Read mappings back from netCDF files written by :class:`~auromat_netcdf.writer.NetcdfExporter`.

A file written with all variables gives back an equal mapping: coordinates as
stored (see :mod:`auromat_core.encoding`), NaNs and image mask, time to the
microsecond, altitude, camera position, identifier and metadata. Files
without bounds get corners estimated from the centers; files without
geodetic coordinates get them from MLat/MLT through the magnetic model named
in ``mcrs``.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import netCDF4
import numpy as np

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

from .grid import MLT_PERIOD_HOURS, corners_from_vertices, wrap_lon
from .lock import IO_LOCK

log = logging.getLogger(__name__)

_REQUIRED = ("time", "altitude", "camera_pos", "zenith_angle")


@contextlib.contextmanager
def _open(path: Path) -> Iterator[netCDF4.Dataset]:
    with IO_LOCK:
        try:
            dataset = netCDF4.Dataset(path, "r")
        except OSError as error:
            raise InputError(f"{path}: not a readable netCDF file ({error})") from None
        try:
            dataset.set_auto_mask(False)
            yield dataset
        finally:
            dataset.close()


def is_mapping_file(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a netCDF file holding a mapping (time, altitude, camera_pos, zenith_angle, lat/lon or mlat/mlt)."""
    path = Path(path)
    if not (path.is_file() and path.suffix.lower() == ".nc"):
        return False
    try:
        with _open(path) as dataset:
            return all(name in dataset.variables for name in _REQUIRED) and has_coordinates(dataset.variables)
    except InputError:
        return False


def _require(dataset: netCDF4.Dataset, path: Path) -> None:
    missing = [name for name in _REQUIRED if name not in dataset.variables]
    if missing:
        raise InputError(f"{path}: missing netCDF variable(s) {', '.join(missing)}; not an auromat mapping file")
    if not has_coordinates(dataset.variables):
        raise InputError(f"{path}: has neither geodetic (lat, lon) nor magnetic (mlat, mlt, mcrs) coordinates")


def _time(dataset: netCDF4.Dataset, path: Path) -> datetime:
    variable = dataset["time"]
    units = getattr(variable, "units", None)
    if units is None or " since " not in units:
        raise InputError(f"{path}: time units {units!r}, expected '<unit> since <date>'")
    try:
        decoded = netCDF4.num2date(
            variable[...].item(), units, getattr(variable, "calendar", "standard"),
            only_use_cftime_datetimes=False, only_use_python_datetimes=True,
        )
    except ValueError as error:
        raise InputError(f"{path}: cannot decode time with units {units!r} ({error})") from None
    # a plain datetime, not cftime's subclass of it
    return datetime(decoded.year, decoded.month, decoded.day, decoded.hour, decoded.minute, decoded.second, decoded.microsecond)


def _altitude_km(dataset: netCDF4.Dataset, path: Path) -> float:
    variable = dataset["altitude"]
    return length_km(float(variable[...]), getattr(variable, "units", "km"), str(path), "altitude")


def _camera_position_km(dataset: netCDF4.Dataset, path: Path) -> np.ndarray:
    variable = dataset["camera_pos"]
    return length_km(np.asarray(variable[:], dtype=np.float64), getattr(variable, "units", "km"), str(path), "camera_pos")


def _floats(variable: netCDF4.Variable, key: Any = slice(None)) -> np.ndarray:
    """``variable[key]`` as float64, its ``_FillValue`` as NaN."""
    values = np.asarray(variable[key], dtype=np.float64)
    fill = getattr(variable, "_FillValue", None)
    if fill is not None and np.isfinite(fill):
        values[values == fill] = np.nan
    return values


class _Floats:
    """A variable read in slices by :func:`_floats` (a :class:`~auromat_netcdf.grid.VertexArray`), wrapped into ``[0, period)`` if given."""

    def __init__(self, variable: netCDF4.Variable, period: float | None = None) -> None:
        self.variable = variable
        self.shape = variable.shape
        self.period = period

    def __getitem__(self, key: Any) -> np.ndarray:
        values = _floats(self.variable, key)
        return values if self.period is None else np.mod(values, self.period)


def _bounds(dataset: netCDF4.Dataset, name: str, path: Path) -> netCDF4.Variable | None:
    """The bounds variable of ``name`` (2 vertices per cell of a 1-D axis, 4 per pixel), or None."""
    bounds = getattr(dataset[name], "bounds", None)
    if bounds not in dataset.variables:
        return None
    variable, centers = dataset[bounds], dataset[name]
    expected = (*centers.shape, 2 if centers.ndim == 1 else 4)
    if variable.shape != expected:
        raise InputError(f"{path}: {bounds} (bounds of {name}) has shape {variable.shape}, expected {expected}")
    return variable


def _from_magnetic(dataset: netCDF4.Dataset, path: Path, altitude: float, time: datetime) -> tuple[np.ndarray, ...]:
    """lat_bounds, lon_bounds, lat, lon converted from the stored MLat/MLT."""
    mlat_bounds, mlt_bounds = _bounds(dataset, "mlat", path), _bounds(dataset, "mlt", path)
    corners = None
    if mlat_bounds is not None and mlt_bounds is not None:
        corners = corners_from_vertices(_Floats(mlat_bounds)), corners_from_vertices(_Floats(mlt_bounds, MLT_PERIOD_HOURS))
    lat, lon, geodetic_corners = geodetic_from_magnetic(
        str(getattr(dataset["mcrs"], "magnetic_model", "dipole")), (_floats(dataset["mlat"]), _floats(dataset["mlt"])), corners,
        altitude, time, str(path),
    )
    return (*(corners_from_centers(lat, lon) if geodetic_corners is None else geodetic_corners), lat, lon)


def _geodetic(dataset: netCDF4.Dataset, path: Path, altitude: float, time: datetime) -> tuple[np.ndarray, ...]:
    """lat_bounds, lon_bounds, lat, lon (2-D), from 1-D axes, 2-D auxiliary coordinates or MLat/MLT."""
    if "lat" not in dataset.variables or "lon" not in dataset.variables:
        return _from_magnetic(dataset, path, altitude, time)
    lat_variable, lon_variable = dataset["lat"], dataset["lon"]
    lat_bounds, lon_bounds = _bounds(dataset, "lat", path), _bounds(dataset, "lon", path)
    if lat_variable.ndim == 1:
        lat_axis, lon_axis = _floats(lat_variable), _floats(lon_variable)
        lat, lon = np.meshgrid(lat_axis, wrap_lon(lon_axis), indexing="ij")
        if lat_bounds is None or lon_bounds is None:
            return (*corners_from_centers(lat, lon), lat, lon)
        lat_edges, lon_edges = (_edges(_floats(b), name, path) for b, name in ((lat_bounds, "lat"), (lon_bounds, "lon")))
        corner_lat, corner_lon = np.meshgrid(lat_edges, wrap_lon(lon_edges), indexing="ij")
        return corner_lat, corner_lon, lat, lon
    lat, lon = _floats(lat_variable), _floats(lon_variable)
    if lat_bounds is None or lon_bounds is None:
        log.info("%s has no pixel corners; estimating them from the centers", path)
        return (*corners_from_centers(lat, lon), lat, lon)
    return corners_from_vertices(_Floats(lat_bounds)), corners_from_vertices(_Floats(lon_bounds)), lat, lon


def _edges(bounds: np.ndarray, name: str, path: Path) -> np.ndarray:
    """``n + 1`` edges from contiguous ``(n, 2)`` CF bounds."""
    if not np.array_equal(bounds[1:, 0], bounds[:-1, 1]):
        raise InputError(f"{path}: {name} bounds are not contiguous (each cell must start where the previous one ends)")
    return np.concatenate([bounds[:, 0], bounds[-1:, 1]])


def _image(dataset: netCDF4.Dataset, path: Path) -> tuple[np.ndarray, np.ndarray]:
    names = image_variables(dataset.variables, str(path))
    channels = ((name, dataset[name][:], getattr(dataset[name], "_FillValue", None)) for name in names)
    return decode_image(channels, str(path), "_FillValue")


def _attributes(dataset: netCDF4.Dataset) -> dict[str, Any]:
    return {name: dataset.getncattr(name) for name in dataset.ncattrs()}


def read_netcdf(path: str | os.PathLike) -> Mapping:
    """The mapping stored in a netCDF file.

    Raises
    ------
    InputError
        If the file is not readable or lacks a variable a mapping needs.
    """
    path = Path(path)
    with _open(path) as dataset:
        _require(dataset, path)
        attributes = _attributes(dataset)
        altitude, time = _altitude_km(dataset, path), _time(dataset, path)
        return restored_mapping(
            path, attributes, _geodetic(dataset, path, altitude, time), _floats(dataset["zenith_angle"]), _image(dataset, path),
            altitude, time, _camera_position_km(dataset, path),
        )


def _header(path: Path) -> tuple[datetime, str, float]:
    with _open(path) as dataset:
        _require(dataset, path)
        identifier = getattr(dataset, IDENTIFIER_ATTRIBUTE, path.stem)
        return _time(dataset, path), str(identifier), _altitude_km(dataset, path)


class NetcdfProvider(MappingFileProvider):
    """Mappings from one netCDF file or a folder of them (registered as provider ``netcdf``).

    See :class:`auromat_core.providers.MappingFileProvider` for the parameters.
    """

    suffix = ".nc"
    format_name = "netCDF"
    is_mapping_file = staticmethod(is_mapping_file)
    read_header = staticmethod(_header)
    read = staticmethod(read_netcdf)
