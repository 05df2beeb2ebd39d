"""Write a Mapping to a CF-1.10 netCDF-4 file (netCDF4).

Layout for a pixel grid (e.g. a photo): dimensions ``y``, ``x`` (``vertex4`` = 4,
``xyz`` = 3); ``lat(y, x)``, ``lon(y, x)`` are auxiliary coordinates named in
the data variables' ``coordinates`` attribute, with CF bounds
``lat_bounds(y, x, vertex4)`` (vertices anticlockwise seen from above).

Layout for a plate-carrée mapping (resampled onto a lat/lon grid): 1-D
coordinate variables ``lat(lat)``, ``lon(lon)`` with ``lat_bounds(lat, vertex2)``
and ``lon_bounds(lon, vertex2)``; longitudes continue past 180° across the
antimeridian (``valid_max`` then exceeds 180).

Variables: ``time`` (scalar, int64 microseconds since 1970 UTC), ``altitude``
(km), ``crs`` (grid mapping, WGS84), ``mlat``/``mlt`` with bounds and ``mcrs``
(magnetic, on the image dimensions; the vertices of a pixel across magnetic
midnight continue past 24 or below 0 h, so that each pixel's bounds enclose
its center), ``img`` or ``img_red``/``img_green``/
``img_blue`` (signed, ``_FillValue`` = type minimum), ``zenith_angle``
(``sensor_zenith_angle`` = 90 - elevation), ``camera_pos(xyz)`` (GCRS km).
Float variables use NaN for undefined values. Large variables are chunked by
rows (and one vertex) and compressed with shuffle + deflate. Without geodetic
coordinates (``include_geo=False``) the data variables name ``mlat mlt`` as
their coordinates and readers convert them back to lat/lon. Value range
attributes (``valid_min``, ``valid_max``) have the type of their variable.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time as timing
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as MappingABC
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import netCDF4
import numpy as np

import auromat_core
from auromat_core import (
    ExportError,
    InputError,
    Mapping,
    atomic_output,
)
from auromat_core.encoding import (
    ZENITH_ANGLE_AT,
    CoordinateEncoding,
    bookkeeping_attributes,
    channel_names,
    encode_channel,
    image_description,
    metadata_values,
    pole_attributes,
    signed_type,
)
from auromat_core.geometry import WGS84_A_KM, WGS84_F
from auromat_core.templates import Part, TemplateCache

from .grid import MLT_PERIOD_HOURS, Axes, plate_carree_axes, unwrap_vertices, vertex_order, vertices
from .lock import IO_LOCK

log = logging.getLogger(__name__)

TIME_UNITS = "microseconds since 1970-01-01 00:00:00"
_EPOCH = datetime(1970, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
CONVENTIONS = "CF-1.10"
"""The conventions the files follow (their ``Conventions`` attribute)."""
_CHUNK_BYTES = 1 << 22
SEMI_MAJOR_AXIS_M = WGS84_A_KM * 1000.0
INVERSE_FLATTENING = 1.0 / WGS84_F


class NetcdfExporter:
    """Writes mappings as CF-1.10 netCDF-4 files; registered as exporter ``netcdf``."""

    extension = ".nc"

    def write(
        self,
        mapping: Mapping,
        path: str | os.PathLike,
        *,
        include_bounds: bool = True,
        include_mag: bool = True,
        include_geo: bool = True,
        compression: int = 4,
        float32_coordinates: bool = False,
        coordinate_precision: float | None = 1.0,
        magnetic_model: str = "dipole",
        use_1d: bool = True,
        metadata: MappingABC[str, Any] | None = None,
    ) -> Path:
        """Write ``mapping`` to ``path`` atomically and return the path.

        Parameters
        ----------
        mapping
            The mapping to store.
        path
            The file to write (its folder is created).
        include_bounds, include_mag
            Write pixel corners (CF bounds) and MLat/MLT.
        include_geo
            Write geodetic lat/lon (the CF coordinates); without them the file
            needs MLat/MLT, from which a reader recovers lat/lon.
        compression
            Deflate level 0 (none) to 9, with shuffle.
        float32_coordinates, coordinate_precision
            Coordinate storage of pixel grids, see :class:`~auromat_core.encoding.CoordinateEncoding`.
        magnetic_model
            Registered magnetic model for MLat/MLT.
        use_1d
            Write 1-D lat/lon axes when the mapping is plate carrée; they are
            exact float64 whatever the coordinate storage (they are small).
        metadata
            Global attributes overriding the mapping's metadata.

        Raises
        ------
        InputError
            For an invalid option, or neither geodetic nor magnetic coordinates.
        ExportError
            If the mapping cannot be stored.
        """
        if not (include_geo or include_mag):
            raise InputError("a mapping file needs geodetic or magnetic coordinates: use include_geo or include_mag (not --without-geo with --without-mag)")
        if not (isinstance(compression, int) and 0 <= compression <= 9):
            raise InputError(f"netCDF compression must be a deflate level 0..9, got {compression!r}")
        encoding = CoordinateEncoding(float32_coordinates, coordinate_precision)
        signed_type(mapping.image.dtype, mapping.identifier)
        target = Path(path)
        start = timing.perf_counter()
        magnetic = mapping.magnetic(magnetic_model) if include_mag else None
        steps = encoding.steps(mapping.altitude, mapping.lat_bounds, None if magnetic is None else magnetic.mlat_bounds)
        axes = plate_carree_axes(mapping.lat_bounds, mapping.lon_bounds, mapping.lat, mapping.lon) if use_1d and include_geo else None
        attributes = _global_attributes(mapping, metadata)
        variables = _Variables(mapping, encoding, steps, include_bounds, include_geo)
        selected = variables.scalars()
        if axes is not None:
            selected += variables.axes(axes)
        else:
            variables.pixel_dimensions()
            if include_geo:
                selected += variables.auxiliary_geodetic()
        if magnetic is not None:
            selected += variables.magnetic(magnetic, magnetic_model)
        selected += variables.images() + variables.zenith_angle()
        _check_global_names(attributes, mapping.identifier)
        sizes = variables.sizes
        with IO_LOCK, atomic_output(target) as temporary:
            build = functools.partial(_build_template, temporary, sizes, compression, {v.name: v for v in selected})
            template = _TEMPLATES.find([variable.part(sizes, compression) for variable in selected], build)
            with _dataset(temporary, sizes, None if template is None else template.content) as dataset:
                _set_globals(dataset, attributes, mapping.identifier)
                held, declared = ((), {}) if template is None else (template.names, template.declared)
                written = [v for v in selected if v.name not in held]
                _add(dataset, [v for v in written if v.name not in declared], written, sizes, compression)
        log.debug("wrote %s in %.2f s", target, timing.perf_counter() - start)
        return target

    def __repr__(self) -> str:
        return "NetcdfExporter()"


def _global_attributes(mapping: Mapping, metadata: MappingABC[str, Any] | None) -> dict[str, Any]:
    user = metadata_values({**mapping.metadata, **(metadata or {})}, mapping.identifier)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    attributes: dict[str, Any] = {
        "Conventions": CONVENTIONS,
        "title": f"Aurora image {mapping.identifier} georeferenced at {mapping.altitude:g} km",
        "source": f"auromat {auromat_core.__version__}",
        "history": f"{now} written by auromat {auromat_core.__version__}",
        "comment": "Every pixel of the image with the geodetic (and geomagnetic) coordinates of its center and corners.",
        **user,
    }
    return {**attributes, **bookkeeping_attributes(mapping, user)}


def _attribute_value(value: Any) -> Any:
    if isinstance(value, bool):
        return np.uint8(value)
    if isinstance(value, int):
        return np.int64(value)
    if isinstance(value, float):
        return np.float64(value)
    return value


def _check_global_names(attributes: MappingABC[str, Any], identifier: str) -> None:
    for key in attributes:
        if key.startswith("_"):
            raise ExportError(f"mapping {identifier}: metadata key {key!r} is reserved in netCDF (leading underscore)")
    if attributes["Conventions"] != CONVENTIONS:
        raise ExportError(f"mapping {identifier}: metadata key 'Conventions' is reserved: the file follows {CONVENTIONS}, "
                          f"not {attributes['Conventions']!r}")


def _set_globals(dataset: netCDF4.Dataset, attributes: MappingABC[str, Any], identifier: str) -> None:
    for key, value in attributes.items():
        try:
            dataset.setncattr(key, _attribute_value(value))
        except (RuntimeError, TypeError, ValueError) as error:
            raise ExportError(f"mapping {identifier}: cannot store global attribute {key!r} = {value!r} in netCDF: {error}") from None


@contextlib.contextmanager
def _dataset(path: Path, sizes: MappingABC[str, int], template: bytes | None = None) -> Iterator[netCDF4.Dataset]:
    """A netCDF-4 dataset at ``path`` with the dimensions ``sizes``: new, or a copy of ``template`` opened to append.

    A template has the dimensions of the file it was built from; those of its
    variables equal this file's, others this file needs (e.g. ``vertex4`` after
    a template of a file without bounds) are added.
    """
    if template is None:
        dataset = netCDF4.Dataset(path, "w", format="NETCDF4")
    else:
        path.write_bytes(template)
        dataset = netCDF4.Dataset(path, "a")
    for name, size in sizes.items():
        if name not in dataset.dimensions:
            dataset.createDimension(name, size)
    with dataset:
        yield dataset


_TEMPLATES = TemplateCache()
"""Templates of this process: the variables that repeat from file to file, already compressed."""


def _build_template(
    scratch: Path, sizes: MappingABC[str, int], level: int, variables: MappingABC[str, _Variable], held: Sequence[Part],
    declared: Sequence[Part],
) -> tuple[bytes, None]:
    """A netCDF file with all dimensions, the variables of ``held`` and those of ``declared`` without values, as bytes."""
    path = scratch.with_name(scratch.name + ".template")
    held_names = {part.name for part in held}
    defined = {part.name for part in declared} | held_names
    try:
        with _dataset(path, sizes) as dataset:
            _add(dataset, [v for v in variables.values() if v.name in defined], [v for v in variables.values() if v.name in held_names], sizes, level)
        return path.read_bytes(), None
    finally:
        path.unlink(missing_ok=True)


@attrs.frozen(eq=False)
class _Variable:
    """A variable of the file, described before its values are encoded.

    ``write`` stores the values into the created netCDF variable (one variable
    at a time, so a large frame never holds all its encoded arrays at once);
    they derive deterministically from ``sources`` and the description, which
    is what the template cache compares.
    """

    name: str
    dtype: np.dtype
    dims: tuple[str, ...]
    attributes: dict[str, Any]
    write: Callable[[netCDF4.Variable], None]
    sources: tuple[Any, ...]
    fill: Any = False

    def options(self, sizes: MappingABC[str, int], level: int) -> dict[str, Any]:
        """``createVariable`` options: fill value; row chunks and shuffle + deflate for 2-D and larger."""
        options: dict[str, Any] = {"fill_value": self.fill}
        if len(self.dims) >= 2:
            # chunks of whole rows and one vertex: each chunk holds one plane, which compresses best
            shape = [sizes[dim] for dim in self.dims]
            rows = max(1, min(shape[0], _CHUNK_BYTES // (shape[1] * self.dtype.itemsize)))
            options["chunksizes"] = [rows, shape[1]] + [1] * (len(shape) - 2)
            if level:
                options.update(compression="zlib", complevel=level, shuffle=True)
        return options

    def part(self, sizes: MappingABC[str, int], level: int) -> Part:
        options = self.options(sizes, level)
        static = (self.dtype.str, self.dims, [sizes[dim] for dim in self.dims], repr(options), sorted(self.attributes.items()))
        return Part(self.name, static, self.sources, worth="compression" in options, declare=True)


def _add(
    dataset: netCDF4.Dataset, defined: Sequence[_Variable], written: Sequence[_Variable], sizes: MappingABC[str, int], level: int
) -> None:
    """Define the variables ``defined``, then write the values of ``written`` (defined now, or declared by a template).

    The library leaves define mode once, at the first write, and writes the
    file's metadata then; defining a variable after data were written would
    enter define mode again and write all metadata once more (~5 ms each).
    """
    for variable in defined:
        created = dataset.createVariable(variable.name, variable.dtype, variable.dims, **variable.options(sizes, level))
        created.setncatts({key: variable.dtype.type(value) if key in _RANGE_ATTRIBUTES else value for key, value in variable.attributes.items()})
    for variable in written:
        variable.write(dataset[variable.name])


_RANGE_ATTRIBUTES = frozenset({"valid_min", "valid_max"})
"""Attributes that CF (2.5.1) requires to have the type of their variable."""


def _assign(value: Any) -> Callable[[netCDF4.Variable], None]:
    return lambda variable: variable.assignValue(value)


def _store(values: Callable[[], Any]) -> Callable[[netCDF4.Variable], None]:
    def write(variable: netCDF4.Variable) -> None:
        variable[:] = values()

    return write


class _Variables:
    """The dimensions and variables of one mapping, grouped as the options select them."""

    def __init__(
        self, mapping: Mapping, encoding: CoordinateEncoding, steps: dict[str, float], bounds: bool, geo: bool,
    ) -> None:
        self.mapping = mapping
        self.encoding = encoding
        self.steps = steps
        self.bounds = bounds
        self.geo = geo
        self.sizes: dict[str, int] = {"xyz": 3}
        self.dims: tuple[str, str] = ("y", "x")
        self.auxiliary: list[str] = []
        self.order = vertex_order(mapping.lat_bounds, mapping.lon_bounds) if bounds else "A"

    def scalars(self) -> list[_Variable]:
        mapping = self.mapping
        time = np.int64((mapping.time - _EPOCH) // _MICROSECOND)
        return [
            _Variable(
                "time", np.dtype(np.int64), (),
                {"standard_name": "time", "long_name": "time of the photograph (UTC)", "units": TIME_UNITS,
                 "calendar": "standard", "axis": "T"},
                _assign(time), (time,),
            ),
            _Variable(
                "altitude", np.dtype(np.float64), (),
                {"standard_name": "height_above_reference_ellipsoid", "long_name": "mapping altitude above the WGS84 ellipsoid",
                 "units": "km", "positive": "up", "axis": "Z"},
                _assign(mapping.altitude), (mapping.altitude,),
            ),
            _Variable(
                "camera_pos", np.dtype(np.float64), ("xyz",),
                {"long_name": "camera position in cartesian GCRS coordinates", "units": "km",
                 "coordinates": "time", "comment": "Axis order: xyz"},
                _store(lambda: mapping.camera_position), (mapping.camera_position,),
            ),
            _Variable(
                "crs", np.dtype(np.int8), (),
                {"grid_mapping_name": "latitude_longitude", "semi_major_axis": SEMI_MAJOR_AXIS_M,
                 "inverse_flattening": INVERSE_FLATTENING, "longitude_of_prime_meridian": 0.0,
                 "comment": "Geographic Coordinate System, WGS 84"},
                _assign(0), (0,),
            ),
        ]

    def axes(self, axes: Axes) -> list[_Variable]:
        """1-D coordinate variables of a plate-carrée mapping."""
        h, w = self.mapping.shape
        self.sizes.update(lat=h, lon=w)
        self.dims = ("lat", "lon")
        lon_max = max(180.0, float(axes.lon_edges[-1]))
        variables = []
        for name, values, edges, attributes in (
            ("lat", axes.lat, axes.lat_edges,
             {"standard_name": "latitude", "long_name": "geodetic latitude of pixel centers", "units": "degrees_north",
              "axis": "Y", "valid_min": -90.0, "valid_max": 90.0}),
            ("lon", axes.lon, axes.lon_edges,
             {"standard_name": "longitude", "long_name": "geodetic longitude of pixel centers", "units": "degrees_east",
              "axis": "X", "valid_min": -180.0, "valid_max": lon_max}),
        ):
            if self.bounds:
                attributes["bounds"] = f"{name}_bounds"
            variables.append(_Variable(name, np.dtype(np.float64), (name,), attributes, _store(lambda values=values: values), (values,)))
            if self.bounds:
                self.sizes["vertex2"] = 2
                pairs = np.column_stack([edges[:-1], edges[1:]])
                variables.append(_Variable(f"{name}_bounds", np.dtype(np.float64), (name, "vertex2"), {}, _store(lambda pairs=pairs: pairs), (pairs,)))
        return variables

    def _grid_variable(
        self, name: str, centers: np.ndarray, corners: np.ndarray | None, kind: str, attributes: dict[str, Any], period: float | None = None,
    ) -> list[_Variable]:
        """A 2-D coordinate on the image dimensions, with 4-vertex CF bounds from the corner grid.

        The vertices of a cyclic coordinate (``period``) are unwrapped towards
        their pixel's center, so the bounds of a pixel across the wrap enclose it.
        """
        step = self.steps.get(kind)
        unit = "hours" if kind == "mlt" else "degrees"
        attributes["comment"] = " ".join(filter(None, [attributes.get("comment"), self.encoding.describe(step, unit)]))
        if corners is not None:
            attributes["bounds"] = f"{name}_bounds"
        dtype = self.encoding.dtype
        self.auxiliary.append(name)
        variables = [
            _Variable(name, dtype, self.dims, attributes, _store(lambda: self.encoding.encode(centers, step)), (centers, step), fill=dtype.type(np.nan))
        ]
        if corners is None:
            return variables
        self.sizes["vertex4"] = 4
        h = self.mapping.shape[0]

        def write_bounds(variable: netCDF4.Variable) -> None:
            stored = self.encoding.encode(corners, step)
            rows = variable.chunking()[0]
            for first in range(0, h, rows):
                block = slice(first, min(first + rows, h))
                block_vertices = vertices(stored, block, self.order)
                if period:  # the unrounded centers: rounding cannot move a vertex across half a period
                    block_vertices = unwrap_vertices(block_vertices, centers[block], period)
                variable[block] = block_vertices

        variables.append(_Variable(f"{name}_bounds", dtype, self.dims + ("vertex4",), {}, write_bounds, (corners, centers, step, self.order, period)))
        return variables

    def pixel_dimensions(self) -> None:
        h, w = self.mapping.shape
        self.sizes.update(y=h, x=w)

    def auxiliary_geodetic(self) -> list[_Variable]:
        mapping = self.mapping
        corners = self.bounds
        return self._grid_variable(
            "lat", mapping.lat, mapping.lat_bounds if corners else None, "lat",
            {"standard_name": "latitude", "long_name": "geodetic latitude of pixel centers", "units": "degrees_north",
             "valid_min": -90.0, "valid_max": 90.0},
        ) + self._grid_variable(
            "lon", mapping.lon, mapping.lon_bounds if corners else None, "lon",
            {"standard_name": "longitude", "long_name": "geodetic longitude of pixel centers", "units": "degrees_east",
             "valid_min": -180.0, "valid_max": 180.0},
        )

    def magnetic(self, magnetic: Any, model_name: str) -> list[_Variable]:
        corners = self.bounds
        variables = self._grid_variable(
            "mlat", magnetic.mlat, magnetic.mlat_bounds if corners else None, "mlat",
            {"long_name": "magnetic latitude of pixel centers", "units": "degrees", "valid_min": -90.0, "valid_max": 90.0,
             "magnetic_coordinate_system": "mcrs"},
        ) + self._grid_variable(
            "mlt", magnetic.mlt, magnetic.mlt_bounds if corners else None, "mlt",
            {"long_name": "magnetic local time of pixel centers", "units": "hours", "valid_min": 0.0, "valid_max": 24.0,
             "magnetic_coordinate_system": "mcrs"},
            period=MLT_PERIOD_HOURS,
        )
        attributes: dict[str, Any] = {
            "long_name": "magnetic coordinate system of mlat and mlt",
            "magnetic_model": model_name,
            "comment": "Geocentric MLat/MLT system based on the given geomagnetic pole position",
        }
        attributes.update(pole_attributes(model_name, self.mapping.time))
        return [*variables, _Variable("mcrs", np.dtype(np.int8), (), attributes, _assign(0), (0,))]

    def _data_attributes(self) -> dict[str, str]:
        attributes = {"coordinates": " ".join(["time", "altitude", *self.auxiliary])}
        if self.geo:
            attributes["grid_mapping"] = "crs"
        return attributes

    def images(self) -> list[_Variable]:
        mapping = self.mapping
        image = mapping.image
        signed = signed_type(image.dtype, mapping.identifier)
        fill = signed.type(np.iinfo(signed).min)
        variables = []
        for index, name in enumerate(channel_names(image.shape[2])):
            channel = image[:, :, index]
            color = name.removeprefix("img").lstrip("_") or "gray"
            variables.append(_Variable(
                name, signed, self.dims,
                {"long_name": image_description(mapping, color).lower(), "units": "1",
                 "valid_min": signed.type(0), "valid_max": signed.type(np.iinfo(image.dtype).max),
                 "comment": f"Originally {image.dtype}; undefined pixels hold _FillValue.",
                 **self._data_attributes()},
                _store(lambda channel=channel: encode_channel(channel, mapping.defined, mapping.identifier)[0]),
                (channel, mapping.defined),
                fill=fill,
            ))
        return variables

    def zenith_angle(self) -> list[_Variable]:
        step = self.steps.get("zenith")
        dtype = self.encoding.dtype
        elevation = self.mapping.elevation
        below = self.mapping.seen_from_below
        at, meaning = ZENITH_ANGLE_AT[below]
        standard = {} if below else {"standard_name": "sensor_zenith_angle"}  # CF's is the angle at the target
        return [_Variable(
            "zenith_angle", dtype, self.dims,
            {**standard, "long_name": f"zenith angle of the line of sight {at} (90 - elevation)",
             "units": "degree", "valid_min": 0.0, "valid_max": 180.0,
             "comment": f"{meaning} {self.encoding.describe(step, 'degrees', position=False)}",
             **self._data_attributes()},
            _store(lambda: self.encoding.encode(90.0 - elevation, step)), (elevation, step),
            fill=dtype.type(np.nan),
        )]
