"""The CDF exporter and reader: ISTP compliance, independent readers, exact round trips."""

from __future__ import annotations

import gc
import logging
import math
import weakref
from pathlib import Path

import cdflib
import cdflib.xarray
import numpy as np
import pyproj
import pytest
from auromat_cdf import CdfExporter, CdfProvider, read_cdf
from spacepy import pycdf
from spacepy.pycdf import istp

from auromat_core import ExportError, InputError, Mapping, detect_providers, get_exporter, get_provider
from auromat_core.magnetic import DipoleModel
from auromat_core.providers import SUFFIX_ONLY_CONFIDENCE
from auromat_core.testing import ExporterContract, ProviderContract
from tests.plugins.conftest import (
    assert_same_mapping,
    assert_truncated_file_is_reported,
    check_template_sequence,
    mapping_files_folder,
    position_error_m,
    synthetic_mapping,
)

REFERENCE_VARIABLES = {
    "Epoch", "lat", "lon", "altitude", "lat_bounds", "lon_bounds", "mlat", "mlt", "mlat_bounds", "mlt_bounds",
    "mcrs", "img_red", "img_green", "img_blue", "zenith_angle", "camera_pos", "crs",
}
"""The 17 variables of the original's default file (reference §12.2)."""
SUPPORT_VARIABLES = {"y_pixel", "x_pixel", "y_corner", "x_corner", "camera_pos_label"}
ISTP_GLOBALS = [
    "Project", "Discipline", "Data_type", "Descriptor", "Logical_source", "Logical_file_id",
    "Logical_source_description", "PI_name", "PI_affiliation", "Source_name", "TEXT", "Instrument_type",
    "Mission_group", "Generation_date",
]


def write(mapping: Mapping, folder: Path, **options) -> Path:
    exporter = CdfExporter()
    return exporter.write(mapping, folder / exporter.file_name(mapping.identifier, mapping.time), **options)


class TestContract(ExporterContract):
    @pytest.fixture
    def exporter(self):
        return CdfExporter()

    @pytest.fixture
    def mapping(self):
        return synthetic_mapping()


@pytest.fixture(scope="module")
def cdf_folder(tmp_path_factory) -> Path:
    return mapping_files_folder(tmp_path_factory.mktemp("cdf_folder"), write, "notes.cdf")


class TestProvider(ProviderContract):
    @pytest.fixture
    def provider(self, cdf_folder):
        return CdfProvider(cdf_folder)


@pytest.fixture(scope="module")
def iss_file(binned_iss_mapping, tmp_path_factory) -> Path:
    return write(binned_iss_mapping, tmp_path_factory.mktemp("iss"))


def test_registered(auromat_plugins):
    import auromat_cdf.plugin

    auromat_plugins.register(auromat_cdf.plugin)
    assert isinstance(get_exporter("cdf"), CdfExporter)
    assert get_exporter("cdf").extension == ".cdf"


def test_cdflib_reads_documented_variables_units_and_values(iss_file, binned_iss_mapping):
    cdf = cdflib.CDF(str(iss_file))
    variables = set(cdf.cdf_info().zVariables)
    assert variables == REFERENCE_VARIABLES | SUPPORT_VARIABLES
    units = {name: cdf.varattsget(name).get("UNITS") for name in variables}
    assert units["lat"] == units["lon"] == units["lat_bounds"] == "degrees"
    assert units["mlt"] == "hours" and units["altitude"] == "km" and units["camera_pos"] == "km"
    assert units["zenith_angle"] == "degrees" and units["img_red"] == "unitless"  # as the reference: JPEG values are not counts
    assert cdf.varattsget("img_green")["CATDESC"] == "Image values, green channel"
    for name in variables:
        attributes = cdf.varattsget(name)
        for key in ("CATDESC", "FIELDNAM", "VAR_TYPE", "FILLVAL"):
            assert key in attributes, (name, key)
        for key, value in attributes.items():
            if key.startswith(("DEPEND_", "LABL_PTR_")):
                assert value in variables, f"{name}.{key} names missing variable {value}"
    assert cdf.varattsget("img_red")["DISPLAY_TYPE"] == "image"
    assert cdf.varattsget("lat")["bounds"] == "lat_bounds"
    epoch = cdflib.cdfepoch.to_datetime(cdf.varget("Epoch"))[0]
    assert epoch == np.datetime64(binned_iss_mapping.time, "ns")
    assert cdf.varget("altitude") == 110.0
    np.testing.assert_array_equal(cdf.varget("camera_pos")[0], binned_iss_mapping.camera_position)
    lat = cdf.varget("lat")[0]
    assert lat.shape == binned_iss_mapping.shape and lat.dtype == np.float64
    assert position_error_m(lat, cdf.varget("lon")[0], binned_iss_mapping.lat, binned_iss_mapping.lon, 110.0) <= 1.0
    np.testing.assert_array_equal(np.isnan(lat), ~binned_iss_mapping.defined)
    red = cdf.varget("img_red")[0]
    assert red.dtype == np.int16
    np.testing.assert_array_equal(red[binned_iss_mapping.defined], binned_iss_mapping.image[..., 0][binned_iss_mapping.defined])
    assert (red[~binned_iss_mapping.defined] == cdf.varattsget("img_red")["FILLVAL"]).all()
    attributes = cdf.globalattsget()
    for key in ISTP_GLOBALS:
        assert key in attributes and str(attributes[key][0]).strip(), key
    assert attributes["mission"][0] == "ISS029" and attributes["frame"][0] == 8492
    assert attributes["Logical_file_id"][0] == iss_file.stem
    assert iss_file.name.startswith(attributes["Logical_source"][0])
    box = binned_iss_mapping.bounding_box
    assert attributes["geospatial_lat_min"][0] == box.lat_south and attributes["geospatial_lon_max"][0] == box.lon_east


def test_cdflib_xarray_uses_support_variables_and_fill_values(iss_file, binned_iss_mapping):
    dataset = cdflib.xarray.cdf_to_xarray(str(iss_file), to_datetime=True, fillval_to_nan=True)
    assert dataset["img_red"].dims == ("Epoch", "y_pixel", "x_pixel")
    assert dataset["lat_bounds"].dims == ("Epoch", "y_corner", "x_corner")
    np.testing.assert_array_equal(dataset["y_pixel"].values, np.arange(binned_iss_mapping.shape[0]))
    np.testing.assert_array_equal(np.isnan(dataset["lat"].values[0]), ~binned_iss_mapping.defined)
    red = dataset["img_red"].values[0]
    assert (red[~binned_iss_mapping.defined] == dataset["img_red"].attrs["FILLVAL"]).all()
    np.testing.assert_array_equal(red[binned_iss_mapping.defined], binned_iss_mapping.image[..., 0][binned_iss_mapping.defined])
    assert dataset["Epoch"].values[0] == np.datetime64(binned_iss_mapping.time, "ns")


def test_istp_checks(iss_file):
    """spacepy's ISTP checks pass except one rule that rejects DISPLAY_TYPE 'image' on any multi-dimensional
    variable; the ISTP guide defines 'image' for image data (THEMIS L1 ASI files carry it too)."""
    with pycdf.CDF(str(iss_file)) as cdf:
        problems = istp.FileChecks.all(cdf, catch=True)
    assert sorted(problems) == [f"{name}: Multi dim variable with image display type." for name in ("img_blue", "img_green", "img_red")]


def test_magnetic_variables_match_model(iss_file, binned_iss_mapping):
    magnetic = binned_iss_mapping.magnetic()
    cdf = cdflib.CDF(str(iss_file))
    mlat, mlt = cdf.varget("mlat")[0], cdf.varget("mlt")[0]
    np.testing.assert_array_equal(np.isnan(mlat), ~binned_iss_mapping.defined)
    assert np.nanmax(np.abs(mlat - magnetic.mlat)) <= 2**-18
    assert np.nanmax(np.abs(mlt - magnetic.mlt)) <= 2**-10
    pole = cdf.varattsget("mcrs")
    assert (pole["north_geomagnetic_pole_lat"], pole["north_geomagnetic_pole_lon"]) == DipoleModel().pole(binned_iss_mapping.time)
    assert pole["north_geomagnetic_pole_lat"].dtype == pole["north_geomagnetic_pole_lon"].dtype == np.float64


def test_reference_system_attributes_are_exact_doubles(iss_file):
    """The WGS84 constants as pyproj defines them, stored as CDF_DOUBLE (float32 would round the flattening)."""
    ellipsoid = pyproj.CRS("EPSG:4326").ellipsoid
    cdf = cdflib.CDF(str(iss_file))
    for name, expected in (("semi_major_axis", ellipsoid.semi_major_metre), ("inverse_flattening", ellipsoid.inverse_flattening)):
        entry = cdf.attget(name, "crs")
        assert (entry.Data_Type, entry.Data) == ("CDF_DOUBLE", expected), name


def test_round_trip_default_is_within_one_metre(iss_file, binned_iss_mapping):
    read = read_cdf(iss_file)
    read.check_invariants()
    assert_same_mapping(read, binned_iss_mapping, exact=False)


@pytest.mark.parametrize("masked", [True, False], ids=["masked", "unmasked"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["uint8", "uint16"])
def test_round_trip_exact(tmp_path, masked, dtype):
    original = synthetic_mapping(masked=masked, dtype=dtype)
    assert original.defined.all() != masked
    read = read_cdf(write(original, tmp_path, coordinate_precision=None))
    assert_same_mapping(read, original)


def test_round_trip_gray_image(tmp_path):
    original = synthetic_mapping(channels=1, dtype=np.uint16)
    path = write(original, tmp_path, coordinate_precision=None)
    assert "img" in cdflib.CDF(str(path)).cdf_info().zVariables
    assert_same_mapping(read_cdf(path), original)


def test_round_trip_resampled(tmp_path, binned_iss_mapping):
    resampled = binned_iss_mapping.resample(arcsec_per_px=400, grid="geo")
    assert not resampled.defined.all() and resampled.is_plate_carree
    read = read_cdf(write(resampled, tmp_path, coordinate_precision=None))
    assert_same_mapping(read, resampled)
    assert read.is_plate_carree


def test_float32_coordinates_are_float32_rounding(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path, float32_coordinates=True)
    assert cdflib.CDF(str(path)).varget("lat").dtype == np.float32
    read = read_cdf(path)
    for name in ("lat", "lon", "lat_bounds", "lon_bounds"):
        expected = getattr(original, name).astype(np.float32).astype(np.float64)
        np.testing.assert_array_equal(getattr(read, name), expected)
    assert position_error_m(read.lat, read.lon, original.lat, original.lon, 110.0) <= 1.0


def test_default_rounding_error_is_below_precision_and_steps_are_powers_of_two(tmp_path, binned_iss_mapping):
    path = write(binned_iss_mapping, tmp_path, coordinate_precision=0.25, include_mag=False)
    lat = cdflib.CDF(str(path)).varget("lat")[0]
    defined = np.isfinite(lat)
    assert position_error_m(lat, cdflib.CDF(str(path)).varget("lon")[0], binned_iss_mapping.lat, binned_iss_mapping.lon, 110.0) <= 0.25
    step = 2.0 ** math.floor(math.log2(0.25 / math.sqrt(2) * 2 / (6399.594 + 110) / 1000 / math.pi * 180))
    assert np.all(np.mod(lat[defined], step) == 0)


def test_without_bounds_estimates_corners(tmp_path):
    original = synthetic_mapping(masked=False)
    path = write(original, tmp_path, include_bounds=False, coordinate_precision=None)
    variables = set(cdflib.CDF(str(path)).cdf_info().zVariables)
    assert not variables & {"lat_bounds", "lon_bounds", "mlat_bounds", "mlt_bounds", "y_corner", "x_corner"}
    read = read_cdf(path)
    assert np.array_equal(read.lat, original.lat)
    assert position_error_m(read.lat_bounds, read.lon_bounds, original.lat_bounds, original.lon_bounds, 110.0) < 200.0


def test_without_geo_uses_magnetic_coordinates(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path, include_geo=False, coordinate_precision=None)
    variables = set(cdflib.CDF(str(path)).cdf_info().zVariables)
    assert not variables & {"lat", "lon", "lat_bounds", "lon_bounds"}
    read = read_cdf(path)
    assert np.array_equal(read.defined, original.defined)
    assert position_error_m(read.lat_bounds, read.lon_bounds, original.lat_bounds, original.lon_bounds, 110.0) < 1e-3


def test_without_geo_and_mag_is_rejected(tmp_path):
    with pytest.raises(InputError, match="geodetic or magnetic coordinates"):
        write(synthetic_mapping(), tmp_path, include_geo=False, include_mag=False)
    assert list(tmp_path.iterdir()) == []


def test_without_mag(tmp_path):
    path = write(synthetic_mapping(), tmp_path, include_mag=False)
    variables = set(cdflib.CDF(str(path)).cdf_info().zVariables)
    assert not variables & {"mlat", "mlt", "mlat_bounds", "mlt_bounds", "mcrs"}


@pytest.mark.parametrize("initial", [False, True])
def test_backward_mode_is_left_as_found(tmp_path, initial):
    previous = pycdf.lib.set_backward(initial)
    try:
        write(synthetic_mapping(), tmp_path)
        assert pycdf.lib.set_backward(None) is initial
    finally:
        pycdf.lib.set_backward(previous)


def test_unstorable_metadata_leaves_no_file(tmp_path):
    mapping = synthetic_mapping().replace(metadata={"stars": [1, 2]})
    with pytest.raises(ExportError, match="'stars'"):
        write(mapping, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_metadata_named_like_a_variable_attribute_is_rejected_without_output(tmp_path):
    with pytest.raises(ExportError, match="metadata key 'crs' is also the name of a CDF variable attribute"):
        write(synthetic_mapping(), tmp_path, metadata={"crs": "mine"})
    assert list(tmp_path.iterdir()) == []


def test_written_mapping_is_freed_without_garbage_collection(tmp_path):
    """Writing leaves no reference cycle that keeps the mapping (a full frame: GBs) alive until a collection."""
    mapping = synthetic_mapping()
    alive = weakref.ref(mapping)
    gc.collect()
    gc.disable()
    try:
        write(mapping, tmp_path)
        del mapping
        assert alive() is None
    finally:
        gc.enable()


def test_uint64_image_is_rejected_without_output(tmp_path):
    mapping = synthetic_mapping().replace(image=np.zeros((24, 32, 3), dtype=np.uint64))
    with pytest.raises(ExportError, match="image type uint64 cannot be stored"):
        write(mapping, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_invalid_compression_is_rejected(tmp_path):
    with pytest.raises(InputError, match="compression"):
        write(synthetic_mapping(), tmp_path, compression=12)
    assert list(tmp_path.iterdir()) == []


def test_can_open(cdf_folder, themis_fixtures, tmp_path):
    assert CdfProvider.can_open(cdf_folder)
    assert CdfProvider.can_open(next(cdf_folder.glob("auromat_*.cdf")))
    l1_file = themis_fixtures / "thg_l1_asf_gako_2011010617_v01.cdf"
    assert CdfProvider.can_open(l1_file) == SUFFIX_ONLY_CONFIDENCE, "a CDF, but no mapping"
    assert [registration.name for registration in detect_providers(l1_file)] == ["themis"]
    assert not CdfProvider.can_open(themis_fixtures)
    assert not CdfProvider.can_open(tmp_path)


def test_a_file_without_coordinates_is_no_mapping_file(cdf_folder, tmp_path):
    import shutil

    from auromat_cdf.reader import is_mapping_file

    path = tmp_path / "stripped.cdf"
    shutil.copy(next(cdf_folder.glob("auromat_*.cdf")), path)
    assert is_mapping_file(path)
    with pycdf.CDF(str(path), readonly=False) as cdf:
        for name in [name for name in ("lat", "lon", "mlat", "mlt") if name in cdf]:
            del cdf[name]
    assert not is_mapping_file(path)


def test_provider_ignores_foreign_files_with_a_warning_and_checks_altitude(cdf_folder, caplog):
    with caplog.at_level(logging.WARNING, logger="auromat_core.providers"):
        provider = CdfProvider(cdf_folder, altitude=110.0)
    assert provider.identifiers == ["frame-a", "frame-b", "frame-c"]
    assert [record.getMessage() for record in caplog.records] == [
        f"{cdf_folder}: ignoring 1 CDF file(s) that hold no auromat mapping or cannot be read: notes.cdf"
    ]
    with pytest.raises(InputError, match="mapped at 110 km, but altitude 90 km"):
        CdfProvider(cdf_folder, altitude=90.0)


def test_registered_provider_reads_folder(auromat_plugins, cdf_folder):
    import auromat_cdf.plugin

    auromat_plugins.register(auromat_cdf.plugin)
    provider = get_provider("cdf", cdf_folder)
    assert provider.get_by_id("frame-b").identifier == "frame-b"


def test_reading_a_broken_file_names_it(cdf_folder):
    with pytest.raises(InputError, match="notes.cdf: not a readable CDF file"):
        read_cdf(cdf_folder / "notes.cdf")


def cdf_contents(path: Path) -> dict:
    """Everything a reader sees in a CDF: global attributes and, per variable, values, type, compression, attributes."""
    with pycdf.CDF(str(path)) as cdf:
        variables = {}
        for name, variable in cdf.items():
            values = variable[...]
            values = values.tolist() if isinstance(values, np.ndarray) and values.dtype.kind in "OSU" else values
            attributes = {key: variable.attrs[key] for key in variable.attrs}
            variables[name] = (values, variable.type(), variable.compress(), {k: (v, variable.attrs.type(k)) for k, v in attributes.items()})
        globals_ = {key: (list(value), value.type(0)) for key, value in cdf.attrs.items()}
    return {"globals": globals_, "variables": variables}


def assert_same_contents(a: dict, b: dict) -> None:
    assert a["globals"] == b["globals"]
    assert a["variables"].keys() == b["variables"].keys()
    for name, (values, *rest) in a["variables"].items():
        other, *other_rest = b["variables"][name]
        assert rest == other_rest, name
        if isinstance(values, np.ndarray) and values.dtype.kind == "f":
            assert np.array_equal(values, other, equal_nan=True), name
        else:
            assert np.array_equal(values, other), name


def test_frames_of_a_fixed_camera_start_from_a_template_and_equal_files_written_from_scratch(tmp_path, monkeypatch):
    """Variables that repeat (the coordinates) come from a template; every file holds what a fresh write gives."""
    from auromat_cdf import writer

    frames, templated, template = check_template_sequence(writer, write, read_cdf, cdf_contents, assert_same_contents, tmp_path, monkeypatch)
    assert {"lat", "lon", "lat_bounds", "lon_bounds", "zenith_angle", "y_pixel"} <= set(template.names)
    assert not {"Epoch", "img_red", "mlt", "camera_pos"} & set(template.names)
    assert {"Epoch", "img_red", "mlt", "mlt_bounds", "camera_pos"} <= set(template.declared), "declared: each file stores only values"
    held_globals = {name.removeprefix("global attribute ") for name in template.names if name.startswith("global attribute ")}
    assert {"Project", "Generated_by", "Instrument_type"} <= held_globals and not {"Logical_file_id", "TEXT"} & held_globals
    with pycdf.CDF(str(templated[3])) as cdf:
        problems = istp.FileChecks.all(cdf, catch=True)
    assert sorted(problems) == [f"{name}: Multi dim variable with image display type." for name in ("img_blue", "img_green", "img_red")]
    independent = cdflib.CDF(str(templated[3]))
    expected = np.where(frames[3].defined, frames[3].image[..., 0].astype(np.int16), np.iinfo(np.int16).min)
    assert np.array_equal(independent.varget("img_red")[0], expected)


def test_a_truncated_file_is_detected_and_why_it_cannot_be_read_is_said(tmp_path: Path) -> None:
    assert_truncated_file_is_reported(write(synthetic_mapping(), tmp_path), tmp_path / "truncated", "cdf", "CDF")


def _in_metres(path: Path, units: str) -> None:
    with pycdf.CDF(str(path), readonly=False) as cdf:
        cdf["camera_pos"][0] = cdf["camera_pos"][0] * 1000.0
        cdf["altitude"][...] = cdf["altitude"][...] * 1000.0
        for name in ("camera_pos", "altitude"):
            cdf[name].attrs["UNITS"] = units


def test_lengths_in_metres_are_read_in_km(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path)
    _in_metres(path, "m")
    read = read_cdf(path)
    assert read.altitude == pytest.approx(original.altitude, rel=1e-15)
    np.testing.assert_allclose(read.camera_position, original.camera_position, rtol=1e-15)


def test_lengths_in_unknown_units_are_refused_naming_file_and_variable(tmp_path):
    path = write(synthetic_mapping(), tmp_path)
    _in_metres(path, "furlongs")
    with pytest.raises(InputError, match=f"{path}: altitude units 'furlongs', expected one of km, kilometers, m, meters"):
        read_cdf(path)


def test_a_copied_file_is_left_out_with_a_warning(iss_file, tmp_path, caplog):
    import shutil

    folder = tmp_path / "copied"
    folder.mkdir()
    first = shutil.copy(iss_file, folder / iss_file.name)
    copy = shutil.copy(iss_file, folder / f"copy of {iss_file.name}")
    caplog.set_level(logging.WARNING)
    provider = CdfProvider(folder)
    identifier = read_cdf(first).identifier
    assert provider.identifiers == [identifier] and provider.files == [Path(first)]
    message = f"{copy}: holds mapping {identifier}, as {Path(first).name} does"
    assert provider.skipped_inputs == [message]
    assert f"{message}; left out" in caplog.messages
