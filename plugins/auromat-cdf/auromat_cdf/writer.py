"""Write a Mapping to an ISTP-compliant CDF file (spacepy.pycdf).

One self-contained file per mapping; every array has a leading record
dimension of length 1 (``DEPEND_0 = Epoch``).

Variables (``geo``, ``mag`` and ``bounds`` follow the options):

============================  ==================  =======================================
``Epoch``                     (1,) TT2000         photo time (UTC, nanoseconds)
``lat``, ``lon``              (1, h, w)  geo      geodetic degrees of pixel centers
``lat_bounds``, ``lon_bounds``  (1, h+1, w+1)  geo+bounds  pixel corners
``mlat``, ``mlt``             (1, h, w)  mag      magnetic latitude (deg), local time (h)
``mlat_bounds``, ``mlt_bounds``  (1, h+1, w+1)  mag+bounds
``img`` / ``img_red``, ...    (1, h, w)           counts, signed, fill = type minimum
``zenith_angle``              (1, h, w)           90 - elevation (deg)
``camera_pos``                (1, 3)              GCRS km, labels in ``camera_pos_label``
``altitude``                  scalar              mapping altitude (km)
``crs``, ``mcrs``             scalar              reference systems (attributes only)
``y_pixel``, ``x_pixel``      (h,), (w,)          pixel center indices (DEPEND_1/2)
``y_corner``, ``x_corner``    (h+1,), (w+1,)      corner positions in pixels (DEPEND_1/2)
============================  ==================  =======================================

Undefined coordinates and zenith angles are NaN (FILLVAL is the ISTP -1e31,
which no value equals); undefined image pixels hold FILLVAL.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import time as timing
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as MappingABC
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from spacepy import pycdf
from spacepy.pycdf import istp

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

from .lock import IO_LOCK

log = logging.getLogger(__name__)

const = pycdf.const

EPOCH_VALID = (datetime(1957, 10, 4), datetime(2100, 1, 1))
SEMI_MAJOR_AXIS_M = WGS84_A_KM * 1000.0
INVERSE_FLATTENING = 1.0 / WGS84_F
_COMPRESS_MIN_VALUES = 1024
"""Smaller arrays are stored uncompressed (the CDF library warns when compression does not pay)."""
_TT2000_FORMAT = "A29"
"""ISTP FORMAT of TT2000 times (the length of ``9999-12-31T23:59:59.999999999``, as ``istp.format`` sets it)."""
_SPACE_CAMERA_MIN_RADIUS_KM = 6500.0
"""Cameras farther than this from the Earth's center count as space-borne (for ``Instrument_type``)."""

DEFAULT_GLOBALS: dict[str, str] = {
    "Project": "AUROMAT>Aurora Mapping Toolkit",
    "Discipline": "Space Physics>Ionospheric Science",
    "Source_name": "AUROMAT>Aurora Mapping Toolkit",
    "Descriptor": "MAP>Georeferenced aurora image",
    "Data_type": "L2>Level 2: image with the coordinates of every pixel",
    "Data_version": "1",
    "Logical_source_description": (
        "Aurora image with the geodetic and geomagnetic coordinates of every pixel center and corner "
        "at the mapping altitude"
    ),
    "PI_name": "not specified",
    "PI_affiliation": "not specified",
    "Mission_group": "AUROMAT",
    "File_naming_convention": "source_descriptor_datatype_yyyyMMddTHHmmss_identifier",
}
"""ISTP global attributes; the mapping's metadata and the ``metadata`` option override them."""


def logical_source(attributes: MappingABC[str, Any]) -> str:
    """``source_descriptor_datatype`` from the short names of the ISTP attributes, lower case."""
    parts = [str(attributes[key]).split(">")[0] for key in ("Source_name", "Descriptor", "Data_type")]
    return "_".join(part.strip().lower().replace(" ", "-") for part in parts)


class CdfExporter:
    """Writes mappings as ISTP-compliant CDF files; registered as exporter ``cdf``."""

    extension = ".cdf"

    def file_name(self, identifier: str, time: datetime, metadata: MappingABC[str, Any] | None = None, **_: Any) -> str:
        """ISTP file name ``<Logical_source>_<yyyymmddTHHMMSS>_<identifier>.cdf``."""
        attributes = {**DEFAULT_GLOBALS, **(metadata or {})}
        source = attributes.get("Logical_source") or logical_source(attributes)
        return f"{source}_{time:%Y%m%dT%H%M%S}_{identifier}{self.extension}"

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
        metadata: MappingABC[str, Any] | None = None,
    ) -> Path:
        """Write ``mapping`` to ``path`` atomically and return the path.

        Parameters
        ----------
        mapping
            The mapping to store.
        path
            The file to write (its folder is created).
        include_bounds, include_mag, include_geo
            Write pixel corners, MLat/MLT, geodetic lat/lon.
        compression
            GZIP level 0 (none) to 9.
        float32_coordinates, coordinate_precision
            Coordinate storage, see :class:`~auromat_core.encoding.CoordinateEncoding`
            (default: float64 rounded so the position error stays below 1 m).
        magnetic_model
            Registered magnetic model for MLat/MLT.
        metadata
            Global attributes overriding the defaults and the mapping's metadata.

        Raises
        ------
        InputError
            For an invalid option, or neither geodetic nor magnetic coordinates.
        ExportError
            If the mapping cannot be stored (image type, metadata value).
        """
        if not (isinstance(compression, int) and 0 <= compression <= 9):
            raise InputError(f"CDF compression must be a GZIP level 0..9, got {compression!r}")
        if not (include_geo or include_mag):
            raise InputError("a mapping file needs geodetic or magnetic coordinates: use include_geo or include_mag (not --without-geo with --without-mag)")
        encoding = CoordinateEncoding(float32_coordinates, coordinate_precision)
        signed_type(mapping.image.dtype, mapping.identifier)
        target = Path(path)
        start = timing.perf_counter()
        magnetic = mapping.magnetic(magnetic_model) if include_mag else None
        steps = encoding.steps(mapping.altitude, mapping.lat_bounds, None if magnetic is None else magnetic.mlat_bounds)
        globals_ = _global_attributes(mapping, target, metadata)
        variables = _Variables(mapping, encoding, steps)
        selected = variables.epoch_and_support(include_bounds)
        if include_geo:
            selected += variables.geodetic(include_bounds)
        if magnetic is not None:
            selected += variables.magnetic(magnetic, include_bounds, magnetic_model)
        selected += variables.images() + variables.zenith_angle()
        parts = [variable.part(compression) for variable in selected] + [_global_part(key, value) for key, value in globals_.items()]
        with IO_LOCK, atomic_output(target) as temporary:
            build = functools.partial(_build_template, temporary, mapping.identifier, compression, {v.name: v for v in selected}, globals_)
            template = _TEMPLATES.find(parts, build)
            with _cdf_file(temporary, None if template is None else template.content) as cdf:
                output = _Output(cdf, mapping.identifier, compression, () if template is None else template.extra)
                held, declared = ((), {}) if template is None else (template.names, template.declared)
                output.globals({key: value for key, value in globals_.items() if _GLOBAL + key not in held})
                for variable in selected:
                    if variable.name in declared:
                        output.fill(variable)
                    elif variable.name not in held:
                        output.add(variable)
        log.debug("wrote %s in %.2f s", target, timing.perf_counter() - start)
        return target

    def __repr__(self) -> str:
        return "CdfExporter()"


@contextlib.contextmanager
def _cdf_file(temporary: Path, template: bytes | None = None) -> Iterator[pycdf.CDF]:
    """A CDF at ``temporary``: new, or a copy of ``template`` opened for writing.

    It is written under a ``.cdf`` name, which the CDF library insists on, and
    renamed when closed. The CDF library's backward-compatible mode (CDF 2.7: no
    TT2000, no 64-bit integers) is a process-wide setting; if someone switched
    it on, it is switched off while the file is written and restored
    afterwards. ``set_backward(None)`` only queries it (its default argument
    switches it on).
    """
    created = temporary.with_name(temporary.name + ".cdf")
    backward = pycdf.lib.set_backward(None)
    if backward:
        pycdf.lib.set_backward(False)
    try:
        if template is None:
            cdf = pycdf.CDF(str(created), "")
        else:
            created.write_bytes(template)
            cdf = pycdf.CDF(str(created), readonly=False)
        try:
            yield cdf
        finally:
            try:
                cdf.close()
            except BaseException:  # a CDFError, or Ctrl-C during the close
                cdf._opened = False  # noqa: SLF001  the library dropped the handle; spacepy's destructor would close it again and print that
                raise
        os.replace(created, temporary)
    finally:
        if backward:
            pycdf.lib.set_backward(True)
        with contextlib.suppress(FileNotFoundError):
            created.unlink()


_TEMPLATES = TemplateCache()
"""Templates of this process: the variables that repeat from file to file, already compressed."""


_GLOBAL = "global attribute "
"""Prefix of the template parts that stand for global attributes."""


def _global_part(key: str, value: Any) -> Part:
    return Part(_GLOBAL + key, (_attribute_type(value).value,), (value,))


def _build_template(
    scratch: Path, identifier: str, level: int, variables: MappingABC[str, _Variable], globals_: MappingABC[str, Any],
    held: Sequence[Part], declared: Sequence[Part],
) -> tuple[bytes, tuple[str, ...]]:
    """A CDF holding the global attributes and variables of ``held`` and declaring the variables of ``declared``.

    Returns its bytes and the names of its variable attributes.
    """
    path = scratch.with_name(scratch.name + ".template")
    with _cdf_file(path) as cdf:
        output = _Output(cdf, identifier, level)
        held_names, declared_names = {part.name for part in held}, {part.name for part in declared}
        output.globals({key: value for key, value in globals_.items() if _GLOBAL + key in held_names})
        for name, variable in variables.items():
            if name in held_names:
                output.add(variable)
            elif name in declared_names:
                output.declare(variable)
        names = tuple(output.attributes)
    try:
        return path.read_bytes(), names
    finally:
        path.unlink()


def _instrument_type(mapping: Mapping) -> str:
    radius = float(np.linalg.norm(mapping.camera_position))
    return "Imagers (space)" if radius > _SPACE_CAMERA_MIN_RADIUS_KM else "Ground-Based Imagers"


def _global_attributes(mapping: Mapping, target: Path, metadata: MappingABC[str, Any] | None) -> dict[str, Any]:
    """Defaults, then the mapping's metadata, then the ``metadata`` option; plus file bookkeeping."""
    user = metadata_values({**mapping.metadata, **(metadata or {})}, mapping.identifier)
    attributes: dict[str, Any] = {
        **DEFAULT_GLOBALS,
        "Instrument_type": _instrument_type(mapping),
        "TEXT": (
            f"Image {mapping.identifier} taken {mapping.time.isoformat()} UTC, georeferenced pixel by pixel "
            f"at {mapping.altitude:g} km above the WGS84 ellipsoid by auromat {auromat_core.__version__}."
        ),
        "Generated_by": f"auromat {auromat_core.__version__}",
        "Generation_date": datetime.now(UTC).strftime("%Y%m%d"),
        **user,
    }
    attributes.setdefault("Logical_source", logical_source(attributes))
    attributes["Logical_file_id"] = target.stem
    return {**attributes, **bookkeeping_attributes(mapping, user)}


def _attribute_type(value: Any) -> Any:
    """CDF type of an attribute entry of a plain Python value (floats as double, never float32)."""
    if isinstance(value, bool):
        return const.CDF_INT1
    if isinstance(value, int):
        return const.CDF_INT8
    if isinstance(value, float):
        return const.CDF_DOUBLE
    if isinstance(value, datetime):
        return const.CDF_TIME_TT2000
    return const.CDF_CHAR


_VARIABLE_TYPED = ("VALIDMIN", "VALIDMAX", "FILLVAL")
"""Attributes stored in the type of their variable (ISTP)."""


@attrs.frozen(eq=False)
class _Variable:
    """A variable of the file, described before its values are encoded.

    ``values`` computes the stored values (one variable at a time, so a large
    frame never holds all its encoded arrays at once); they derive
    deterministically from ``sources`` and the description, which is what the
    template cache compares.
    """

    name: str
    values: Callable[[], Any]
    cdf_type: Any
    attributes: dict[str, Any]
    sources: tuple[Any, ...]
    size: int = 1
    record: bool = True
    compress: bool = False
    dims: tuple[int, ...] | None = None
    """Dimensions of a record, for a record-varying variable a template may declare without values."""

    def compressed(self, level: int) -> bool:
        return self.compress and level > 0 and self.size >= _COMPRESS_MIN_VALUES

    def options(self, level: int) -> dict[str, Any]:
        """Options of ``CDF.new``: type, record variance, GZIP level."""
        options: dict[str, Any] = {"type": self.cdf_type, "recVary": self.record}
        if self.compressed(level):
            options.update(compress=const.GZIP_COMPRESSION, compress_param=level)
        return options

    def part(self, level: int) -> Part:
        compressed = self.compressed(level)
        static = (self.cdf_type.value, self.record, level if compressed else 0, self.dims, sorted(self.attributes.items()))
        return Part(self.name, static, self.sources, worth=compressed, declare=self.dims is not None)


class _Output:
    """Adds attributes and variables to an open CDF.

    Attributes are created directly (``gAttr``/``zAttr`` with ``create=True``,
    each zAttribute once per file, or opened when a template already holds it)
    and every entry is written with its type and entry number. pycdf's
    dictionary interface would instead look every name up first (each miss
    raises and keeps a traceback in a reference cycle that holds the caller's
    frames, and with them the mapping, until a full garbage collection) and
    compare each new entry's type with every other entry of the attribute
    (quadratic in the number of variables).
    """

    def __init__(self, cdf: pycdf.CDF, identifier: str, level: int, existing_attributes: Sequence[str] = ()) -> None:
        self.cdf = cdf
        self.identifier = identifier
        self.level = level
        self.attributes: dict[str, pycdf.zAttr] = {name: pycdf.zAttr(cdf, name) for name in existing_attributes}

    def globals(self, attributes: MappingABC[str, Any]) -> None:
        for key, value in attributes.items():
            if key in self.attributes:
                raise self._clash(key, "the name of a CDF variable attribute")
            try:
                pycdf.gAttr(self.cdf, key, create=True).new(value, type=_attribute_type(value), number=0)
            except (pycdf.CDFError, ValueError, TypeError) as error:
                raise ExportError(f"mapping {self.identifier}: cannot store global attribute {key!r} = {value!r} in CDF: {error}") from None

    def add(self, variable: _Variable) -> None:
        """Create ``variable`` with its values and attributes."""
        self._describe(variable, self.cdf.new(variable.name, data=variable.values(), **variable.options(self.level)))

    def declare(self, variable: _Variable) -> None:
        """Create ``variable`` with its attributes and no records (for a template)."""
        self._describe(variable, self.cdf.new(variable.name, dims=list(variable.dims), **variable.options(self.level)))

    def fill(self, variable: _Variable) -> None:
        """Store the values of ``variable``, declared by the template the file started from."""
        self.cdf[variable.name][...] = variable.values()

    def _describe(self, variable: _Variable, created: pycdf.Var) -> None:
        number = self.cdf.var_num(variable.name.encode("ascii"))
        for key, value in {**variable.attributes, "FIELDNAM": variable.name, "FILLVAL": istp.fillval(created, ret=True)}.items():
            attribute = self.attributes.get(key)
            if attribute is None:  # not ``or``: an Attr is a sequence, empty before its first entry
                attribute = self._variable_attribute(key)
            attribute.new(value, type=variable.cdf_type if key in _VARIABLE_TYPED else _attribute_type(value), number=number)

    def _variable_attribute(self, key: str) -> pycdf.zAttr:
        try:
            attribute = self.attributes[key] = pycdf.zAttr(self.cdf, key, create=True)
        except pycdf.CDFError as error:
            raise self._clash(key, f"the name of a CDF variable attribute ({error})") from None
        return attribute

    def _clash(self, key: str, what: str) -> ExportError:
        return ExportError(f"mapping {self.identifier}: metadata key {key!r} is also {what}; rename it")


class _Variables:
    """The variables of one mapping (see the module docstring), grouped as the options select them."""

    def __init__(self, mapping: Mapping, encoding: CoordinateEncoding, steps: dict[str, float]) -> None:
        self.mapping = mapping
        self.encoding = encoding
        self.steps = steps
        self.float_type = const.CDF_FLOAT if encoding.float32 else const.CDF_DOUBLE

    def _image_variable(
        self, name: str, values: Callable[[], np.ndarray], sources: tuple[Any, ...], cdf_type: Any, corners: bool, attributes: MappingABC[str, Any]
    ) -> _Variable:
        """A (1, h, w) or (1, h+1, w+1) variable over pixel centers or corners."""
        axes = ("y_corner", "x_corner") if corners else ("y_pixel", "x_pixel")
        base = {"DEPEND_0": "Epoch", "DEPEND_1": axes[0], "DEPEND_2": axes[1], "SCALETYP": "linear"}
        h, w = self.mapping.shape
        dims = (h + 1, w + 1) if corners else (h, w)
        return _Variable(name, lambda: values()[np.newaxis], cdf_type, {**base, **attributes}, sources, size=dims[0] * dims[1], compress=True,
                         dims=dims)

    def _coordinate(self, name: str, values: np.ndarray, kind: str, corners: bool, attributes: MappingABC[str, Any]) -> _Variable:
        step = self.steps.get(kind)
        unit = "hours" if kind == "mlt" else "degrees"
        notes = f"{attributes.get('VAR_NOTES', '')} {self.encoding.describe(step, unit)}".strip()
        return self._image_variable(
            name, lambda: self.encoding.encode(values, step), (values, step), self.float_type, corners,
            {"VAR_TYPE": "support_data", **attributes, "VAR_NOTES": notes},
        )

    # -- variable groups ----------------------------------------------------------------------

    def _plain(
        self, name: str, data: Any, cdf_type: Any, attributes: MappingABC[str, Any], record: bool = True, sources: tuple[Any, ...] | None = None
    ) -> _Variable:
        dims = np.shape(data)[1:] if record and cdf_type != const.CDF_CHAR else None
        return _Variable(name, lambda: data, cdf_type, dict(attributes), (data,) if sources is None else sources, size=int(np.size(data)),
                         record=record, dims=dims)

    def epoch_and_support(self, bounds: bool) -> list[_Variable]:
        mapping = self.mapping
        h, w = mapping.shape
        variables = [
            self._plain(
                "Epoch", [mapping.time], const.CDF_TIME_TT2000,
                {
                    "CATDESC": "Time of the photograph (UTC)", "VAR_TYPE": "support_data", "UNITS": "ns",
                    "VALIDMIN": EPOCH_VALID[0], "VALIDMAX": EPOCH_VALID[1], "LABLAXIS": "Epoch", "SCALETYP": "linear",
                    "TIME_BASE": "J2000", "TIME_SCALE": "Terrestrial Time", "REFERENCE_POSITION": "Rotating Earth Geoid",
                    "MONOTON": "INCREASE", "FORMAT": _TT2000_FORMAT,
                },
                sources=(mapping.time.isoformat(),),
            ),
            self._plain(
                "altitude", mapping.altitude, const.CDF_DOUBLE,
                {
                    "CATDESC": "Mapping altitude above the WGS84 ellipsoid", "VAR_TYPE": "support_data", "UNITS": "km",
                    "VALIDMIN": 0.0, "VALIDMAX": 1.0e6, "LABLAXIS": "Altitude", "FORMAT": "F12.4", "crs": "crs",
                },
                record=False,
            ),
            self._plain(
                "camera_pos", mapping.camera_position[np.newaxis], const.CDF_DOUBLE,
                {
                    "CATDESC": "Camera position in cartesian GCRS coordinates", "VAR_TYPE": "support_data", "UNITS": "km",
                    "DEPEND_0": "Epoch", "LABL_PTR_1": "camera_pos_label", "VALIDMIN": -1.0e9, "VALIDMAX": 1.0e9,
                    "FORMAT": "F14.6", "VAR_NOTES": "Axis order: xyz",
                },
            ),
            self._plain(
                "camera_pos_label", ["x", "y", "z"], const.CDF_CHAR,
                {"CATDESC": "Labels of the camera_pos components", "VAR_TYPE": "metadata", "FORMAT": "A1"},
                record=False,
            ),
            self._plain(
                "crs", 0, const.CDF_INT1,
                {
                    "CATDESC": "Geodetic reference system of lat, lon and altitude", "VAR_TYPE": "metadata",
                    "grid_mapping_name": "latitude_longitude", "semi_major_axis": SEMI_MAJOR_AXIS_M,
                    "inverse_flattening": INVERSE_FLATTENING, "VAR_NOTES": "Geographic Coordinate System, WGS 84",
                },
                record=False,
            ),
            self._index("y_pixel", np.arange(h), "Row index of pixel centers (0 = top of the image)", "Row"),
            self._index("x_pixel", np.arange(w), "Column index of pixel centers (0 = left of the image)", "Column"),
        ]
        if bounds:
            variables += [
                self._index("y_corner", np.arange(h + 1) - 0.5, "Row position of pixel corners (pixel centers at whole numbers)", "Row"),
                self._index("x_corner", np.arange(w + 1) - 0.5, "Column position of pixel corners (pixel centers at whole numbers)", "Column"),
            ]
        return variables

    def _index(self, name: str, values: np.ndarray, description: str, label: str) -> _Variable:
        integer = values.dtype.kind == "i"
        cdf_type = const.CDF_INT4 if integer else const.CDF_DOUBLE
        return self._plain(
            name, values, cdf_type,
            {
                "CATDESC": description, "VAR_TYPE": "support_data", "UNITS": "pixel", "LABLAXIS": label,
                "VALIDMIN": values[0].item(), "VALIDMAX": values[-1].item(), "FORMAT": "I6" if integer else "F8.1",
            },
            record=False,
        )

    def geodetic(self, bounds: bool) -> list[_Variable]:
        mapping = self.mapping
        variables = []
        for name, values, kind, corners, description, label in (
            ("lat", mapping.lat, "lat", False, "Geodetic latitude of pixel centers", "Latitude"),
            ("lon", mapping.lon, "lon", False, "Geodetic longitude of pixel centers", "Longitude"),
            ("lat_bounds", mapping.lat_bounds, "lat", True, "Geodetic latitude of pixel corners", "Latitude"),
            ("lon_bounds", mapping.lon_bounds, "lon", True, "Geodetic longitude of pixel corners", "Longitude"),
        ):
            if corners and not bounds:
                continue
            limit = 90.0 if kind == "lat" else 180.0
            attributes = {
                "CATDESC": description, "UNITS": "degrees", "VALIDMIN": -limit, "VALIDMAX": limit,
                "LABLAXIS": label, "FORMAT": "F13.8", "crs": "crs", "VAR_NOTES": "WGS84, at the mapping altitude.",
            }
            if bounds and not corners:
                attributes["bounds"] = f"{name}_bounds"
            variables.append(self._coordinate(name, values, kind, corners, attributes))
        return variables

    def magnetic(self, magnetic: Any, bounds: bool, model_name: str) -> list[_Variable]:
        variables = []
        for name, values, kind, corners, description, label in (
            ("mlat", magnetic.mlat, "mlat", False, "Magnetic latitude of pixel centers", "MLat"),
            ("mlt", magnetic.mlt, "mlt", False, "Magnetic local time of pixel centers", "MLT"),
            ("mlat_bounds", magnetic.mlat_bounds, "mlat", True, "Magnetic latitude of pixel corners", "MLat"),
            ("mlt_bounds", magnetic.mlt_bounds, "mlt", True, "Magnetic local time of pixel corners", "MLT"),
        ):
            if corners and not bounds:
                continue
            low, high, unit = (-90.0, 90.0, "degrees") if kind == "mlat" else (0.0, 24.0, "hours")
            attributes = {
                "CATDESC": description, "UNITS": unit, "VALIDMIN": low, "VALIDMAX": high,
                "LABLAXIS": label, "FORMAT": "F13.8", "crs": "mcrs",
            }
            if bounds and not corners:
                attributes["bounds"] = f"{name}_bounds"
            variables.append(self._coordinate(name, values, kind, corners, attributes))
        attributes = {
            "CATDESC": "Magnetic coordinate system of mlat and mlt", "VAR_TYPE": "metadata",
            "magnetic_model": model_name,
            "VAR_NOTES": "Geocentric MLat/MLT system based on the given geomagnetic pole position",
        }
        attributes.update(pole_attributes(model_name, self.mapping.time))
        variables.append(self._plain("mcrs", 0, const.CDF_INT1, attributes, record=False))
        return variables

    def images(self) -> list[_Variable]:
        mapping = self.mapping
        image = mapping.image
        labels = {"img": "Image", "img_red": "Red", "img_green": "Green", "img_blue": "Blue"}
        signed = signed_type(image.dtype, mapping.identifier)
        cdf_type = {np.int16: const.CDF_INT2, np.int32: const.CDF_INT4, np.int64: const.CDF_INT8}[signed.type]
        maximum = int(np.iinfo(image.dtype).max)
        variables = []
        for index, name in enumerate(channel_names(image.shape[2])):
            channel = image[:, :, index]
            color = name.removeprefix("img").lstrip("_") or "gray"
            variables.append(self._image_variable(
                name, functools.partial(_encoded_channel, channel, mapping.defined, mapping.identifier), (channel, mapping.defined),
                cdf_type, False,
                {
                    "CATDESC": image_description(mapping, color), "VAR_TYPE": "data", "UNITS": "unitless",
                    "VALIDMIN": 0, "VALIDMAX": maximum, "DISPLAY_TYPE": "image",
                    "LABLAXIS": labels.get(name, name), "FORMAT": f"I{len(str(maximum)) + 1}",
                    "VAR_NOTES": f"Originally {image.dtype}; undefined pixels hold FILLVAL.",
                },
            ))
        return variables

    def zenith_angle(self) -> list[_Variable]:
        step = self.steps.get("zenith")
        elevation = self.mapping.elevation
        at, meaning = ZENITH_ANGLE_AT[self.mapping.seen_from_below]
        return [self._image_variable(
            "zenith_angle", lambda: self.encoding.encode(90.0 - elevation, step), (elevation, step), self.float_type, False,
            {
                "CATDESC": f"Zenith angle of the line of sight of pixel centers {at} (90 - elevation)", "VAR_TYPE": "support_data",
                "UNITS": "degrees", "VALIDMIN": 0.0, "VALIDMAX": 180.0, "LABLAXIS": "Zenith angle", "FORMAT": "F11.6",
                "VAR_NOTES": f"{meaning} {self.encoding.describe(step, 'degrees', position=False)}",
            },
        )]


def _encoded_channel(channel: np.ndarray, defined: np.ndarray, identifier: str) -> np.ndarray:
    return encode_channel(channel, defined, identifier)[0]
