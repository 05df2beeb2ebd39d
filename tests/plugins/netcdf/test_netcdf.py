"""The netCDF exporter and reader: CF-1.10 as seen by xarray, 1-D and 2-D layouts, exact round trips."""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path

import netCDF4
import numpy as np
import pytest
import xarray as xr
from auromat_netcdf import NetcdfExporter, NetcdfProvider, read_netcdf

from auromat_core import ExportError, InputError, Mapping, get_exporter, get_provider
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


def write(mapping: Mapping, folder: Path, **options) -> Path:
    return NetcdfExporter().write(mapping, folder / f"{mapping.identifier}.nc", **options)


class TestContract(ExporterContract):
    @pytest.fixture
    def exporter(self):
        return NetcdfExporter()

    @pytest.fixture
    def mapping(self):
        return synthetic_mapping()


@pytest.fixture(scope="module")
def nc_folder(tmp_path_factory) -> Path:
    return mapping_files_folder(tmp_path_factory.mktemp("nc_folder"), write, "notes.nc")


class TestProvider(ProviderContract):
    @pytest.fixture
    def provider(self, nc_folder):
        return NetcdfProvider(nc_folder)


@pytest.fixture(scope="module")
def iss_file(binned_iss_mapping, tmp_path_factory) -> Path:
    return write(binned_iss_mapping, tmp_path_factory.mktemp("iss"))


def test_registered(auromat_plugins):
    import auromat_netcdf.plugin

    auromat_plugins.register(auromat_netcdf.plugin)
    assert isinstance(get_exporter("netcdf"), NetcdfExporter)


def test_xarray_reads_cf_variables(iss_file, binned_iss_mapping):
    with xr.open_dataset(iss_file) as ds:
        assert ds.attrs["Conventions"] == "CF-1.10"
        assert ds.attrs["mission"] == "ISS029" and ds.attrs["frame"] == 8492
        assert set(ds.variables) == {
            "time", "altitude", "camera_pos", "crs", "lat", "lon", "lat_bounds", "lon_bounds",
            "mlat", "mlt", "mlat_bounds", "mlt_bounds", "mcrs", "img_red", "img_green", "img_blue", "zenith_angle",
        }
        assert {"lat", "lon", "mlat", "mlt", "time", "altitude"} <= set(ds.coords)
        assert ds.lat.dims == ("y", "x")
        for name, standard_name, units in (
            ("lat", "latitude", "degrees_north"), ("lon", "longitude", "degrees_east"),
            ("altitude", "height_above_reference_ellipsoid", "km"), ("zenith_angle", "sensor_zenith_angle", "degree"),
        ):
            assert ds[name].attrs["standard_name"] == standard_name and ds[name].attrs["units"] == units
        assert ds.time.values == np.datetime64(binned_iss_mapping.time, "ns")
        assert float(ds.altitude) == 110.0
        np.testing.assert_array_equal(ds.camera_pos.values, binned_iss_mapping.camera_position)
        for center in ("lat", "lon", "mlat", "mlt"):
            bounds = ds[ds[center].attrs["bounds"]]
            assert bounds.shape == (*binned_iss_mapping.shape, 4)
        assert ds.img_red.attrs["grid_mapping"] == "crs"
        assert ds.crs.attrs["grid_mapping_name"] == "latitude_longitude"
        assert ds.crs.attrs["semi_major_axis"] == 6378137.0 and ds.crs.attrs["inverse_flattening"] == 298.257223563
        red = ds.img_red.values
        np.testing.assert_array_equal(np.isnan(red), ~binned_iss_mapping.defined)
        np.testing.assert_array_equal(red[binned_iss_mapping.defined], binned_iss_mapping.image[..., 0][binned_iss_mapping.defined])
        np.testing.assert_array_equal(np.isnan(ds.lat.values), ~binned_iss_mapping.defined)
        assert position_error_m(ds.lat.values, ds.lon.values, binned_iss_mapping.lat, binned_iss_mapping.lon, 110.0) <= 1.0


def test_bounds_are_anticlockwise_pixel_corners(iss_file, binned_iss_mapping):
    """CF 7.1: the 4 vertices of each cell are its corners, anticlockwise seen from above."""
    with xr.open_dataset(iss_file) as ds:
        lat_v, lon_v = ds.lat_bounds.values, ds.lon_bounds.values
    h, w = binned_iss_mapping.shape
    corners_lat = np.stack([binned_iss_mapping.lat_bounds[dy : dy + h, dx : dx + w] for dy, dx in ((0, 0), (0, 1), (1, 1), (1, 0))], -1)
    full = binned_iss_mapping.defined
    assert np.allclose(np.sort(lat_v[full], axis=-1), np.sort(corners_lat[full], axis=-1), atol=1e-5, rtol=0)
    east = (np.mod(lon_v - lon_v[..., :1] + 180, 360) - 180) * np.cos(np.radians(lat_v[..., :1]))
    north = lat_v - lat_v[..., :1]
    area = 0.5 * sum(east[..., k] * north[..., (k + 1) % 4] - east[..., (k + 1) % 4] * north[..., k] for k in range(4))
    assert (area[full] > 0).mean() > 0.99


def test_round_trip_default_is_within_one_metre(iss_file, binned_iss_mapping):
    read = read_netcdf(iss_file)
    read.check_invariants()
    assert_same_mapping(read, binned_iss_mapping, exact=False)
    assert type(read.time) is datetime, "a plain datetime, as every provider gives"


@pytest.mark.parametrize("masked", [True, False], ids=["masked", "unmasked"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["uint8", "uint16"])
def test_round_trip_exact(tmp_path, masked, dtype):
    original = synthetic_mapping(masked=masked, dtype=dtype)
    read = read_netcdf(write(original, tmp_path, coordinate_precision=None))
    assert_same_mapping(read, original)


def test_round_trip_gray_image(tmp_path):
    original = synthetic_mapping(channels=1, dtype=np.uint16)
    path = write(original, tmp_path, coordinate_precision=None)
    with netCDF4.Dataset(path) as ds:
        assert ds["img"].dtype == np.int32 and ds["img"]._FillValue == -(2**31)
    assert_same_mapping(read_netcdf(path), original)


def test_resampled_mapping_has_1d_coordinates(tmp_path, binned_iss_mapping):
    resampled = binned_iss_mapping.resample(arcsec_per_px=400, grid="geo")
    assert not resampled.defined.all()
    path = write(resampled, tmp_path, coordinate_precision=None)
    with xr.open_dataset(path) as ds:
        assert ds.lat.dims == ("lat",) and ds.lon.dims == ("lon",) and ds.img_red.dims == ("lat", "lon")
        assert ds.lat.attrs["bounds"] == "lat_bounds" and ds.lat_bounds.shape == (resampled.shape[0], 2)
        assert (np.diff(ds.lat.values) < 0).all() and (np.diff(ds.lon.values) > 0).all()
        np.testing.assert_array_equal(ds.lat_bounds.values[1:, 0], ds.lat_bounds.values[:-1, 1])
        assert ds.mlat.dims == ("lat", "lon") and ds.mlat_bounds.shape == (*resampled.shape, 4)
    read = read_netcdf(path)
    assert_same_mapping(read, resampled)
    assert read.is_plate_carree


def test_resampled_across_the_antimeridian(tmp_path):
    original = synthetic_mapping(40, 60).resample(px_per_deg=20)
    assert (original.lon_bounds[np.isfinite(original.lon_bounds)] < 0).any() and np.nanmax(original.lon_bounds) > 179
    path = write(original, tmp_path, coordinate_precision=None)
    with xr.open_dataset(path) as ds:
        assert ds.lon.dims == ("lon",)
        assert (np.diff(ds.lon.values) > 0).all() and ds.lon.values.max() > 180
    assert_same_mapping(read_netcdf(path), original)


def test_magnetic_grid_is_written_2d(tmp_path, binned_iss_mapping):
    resampled = binned_iss_mapping.resample(arcsec_per_px=400, grid="mag")
    path = write(resampled, tmp_path, coordinate_precision=None)
    with xr.open_dataset(path) as ds:
        assert ds.lat.dims == ("y", "x")
    assert_same_mapping(read_netcdf(path), resampled)


def test_float32_coordinates_are_float32_rounding(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path, float32_coordinates=True, use_1d=False)
    with netCDF4.Dataset(path) as ds:
        assert ds["lat"].dtype == np.float32 and ds["lat_bounds"].dtype == np.float32
    read = read_netcdf(path)
    for name in ("lat", "lon", "lat_bounds", "lon_bounds"):
        np.testing.assert_array_equal(getattr(read, name), getattr(original, name).astype(np.float32).astype(np.float64))


def test_without_bounds_estimates_corners(tmp_path):
    original = synthetic_mapping(masked=False)
    path = write(original, tmp_path, include_bounds=False, coordinate_precision=None)
    with netCDF4.Dataset(path) as ds:
        assert not {"lat_bounds", "lon_bounds", "mlat_bounds", "mlt_bounds"} & set(ds.variables)
        assert "bounds" not in ds["lat"].ncattrs()
    read = read_netcdf(path)
    assert np.array_equal(read.lat, original.lat)
    assert position_error_m(read.lat_bounds, read.lon_bounds, original.lat_bounds, original.lon_bounds, 110.0) < 200.0


def test_without_geo_uses_magnetic_coordinates(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path, include_geo=False, coordinate_precision=None)
    with netCDF4.Dataset(path) as ds:
        assert not {"lat", "lon", "lat_bounds", "lon_bounds"} & set(ds.variables)
        assert ds["img_red"].coordinates == "time altitude mlat mlt" and "grid_mapping" not in ds["img_red"].ncattrs()
    read = read_netcdf(path)
    assert np.array_equal(read.defined, original.defined)
    assert position_error_m(read.lat_bounds, read.lon_bounds, original.lat_bounds, original.lon_bounds, 110.0) < 1e-3


def test_without_geo_and_mag_is_rejected(tmp_path):
    with pytest.raises(InputError, match="geodetic or magnetic coordinates"):
        write(synthetic_mapping(), tmp_path, include_geo=False, include_mag=False)
    assert list(tmp_path.iterdir()) == []


def test_reserved_metadata_key_leaves_no_file(tmp_path):
    with pytest.raises(ExportError, match="_FillValue"):
        write(synthetic_mapping().replace(metadata={"_FillValue": 1}), tmp_path)
    with pytest.raises(ExportError, match="metadata key 'Conventions' is reserved: the file follows CF-1.10, not 'COARDS'"):
        write(synthetic_mapping(), tmp_path, metadata={"Conventions": "COARDS"})
    assert list(tmp_path.iterdir()) == []


def test_can_open(nc_folder, tmp_path, themis_fixtures):
    assert NetcdfProvider.can_open(nc_folder)
    assert NetcdfProvider.can_open(nc_folder / "frame-a.nc")
    assert NetcdfProvider.can_open(nc_folder / "notes.nc") == SUFFIX_ONLY_CONFIDENCE, "a .nc file, but no mapping"
    assert not NetcdfProvider.can_open(themis_fixtures)
    assert not NetcdfProvider.can_open(tmp_path)


def test_registered_provider_reads_folder(auromat_plugins, nc_folder):
    import auromat_netcdf.plugin

    auromat_plugins.register(auromat_netcdf.plugin)
    provider = get_provider("netcdf", nc_folder, altitude=110.0)
    assert provider.identifiers == ["frame-a", "frame-b", "frame-c"]
    with pytest.raises(InputError, match="but altitude 90 km"):
        get_provider("netcdf", nc_folder, altitude=90.0)


def test_reading_a_broken_file_names_it(nc_folder):
    with pytest.raises(InputError, match="notes.nc: not a readable netCDF file"):
        read_netcdf(nc_folder / "notes.nc")


def test_bounds_of_the_wrong_shape_are_named(tmp_path):
    path = write(synthetic_mapping(), tmp_path)
    with netCDF4.Dataset(path, "a") as dataset:
        dataset.renameVariable("lat_bounds", "original_bounds")
        dataset.createDimension("vertex3", 3)
        dataset.createVariable("lat_bounds", "f8", (*dataset["lat"].dimensions, "vertex3"))
        shape = dataset["lat"].shape
    with pytest.raises(InputError, match=rf"{path.name}: lat_bounds \(bounds of lat\) has shape \({shape[0]}, {shape[1]}, 3\), "
                                         rf"expected \({shape[0]}, {shape[1]}, 4\)"):
        read_netcdf(path)


def netcdf_contents(path: Path) -> dict:
    """Everything a reader sees in a netCDF file: dimensions, global attributes and, per variable, layout, attributes, values."""
    with netCDF4.Dataset(path) as dataset:
        dataset.set_auto_mask(False)
        variables = {
            name: (
                variable.dtype, variable.dimensions, variable.chunking(), variable.filters(),
                {key: variable.getncattr(key) for key in variable.ncattrs()}, variable[...],
            )
            for name, variable in dataset.variables.items()
        }
        return {
            "dimensions": {name: len(dim) for name, dim in dataset.dimensions.items()},
            "globals": {key: dataset.getncattr(key) for key in dataset.ncattrs()},
            "variables": variables,
        }


def assert_same_contents(a: dict, b: dict) -> None:
    assert a["dimensions"] == b["dimensions"]
    assert a["globals"].keys() == b["globals"].keys()
    assert {k: v for k, v in a["globals"].items() if k != "history"} == {k: v for k, v in b["globals"].items() if k != "history"}
    assert a["variables"].keys() == b["variables"].keys()
    for name, (*layout, attributes, values) in a["variables"].items():
        *other_layout, other_attributes, other_values = b["variables"][name]
        assert layout == other_layout, name
        assert attributes.keys() == other_attributes.keys(), name
        for key, value in attributes.items():
            assert np.array_equal(value, other_attributes[key], equal_nan=np.asarray(value).dtype.kind == "f"), (name, key)
        assert np.array_equal(values, other_values, equal_nan=values.dtype.kind == "f"), name


def test_frames_of_a_fixed_camera_start_from_a_template_and_equal_files_written_from_scratch(tmp_path, monkeypatch):
    """Variables that repeat (the coordinates) come from a template; every file holds what a fresh write gives."""
    from auromat_netcdf import writer

    _, _, template = check_template_sequence(writer, write, read_netcdf, netcdf_contents, assert_same_contents, tmp_path, monkeypatch)
    assert {"lat", "lon", "lat_bounds", "lon_bounds", "zenith_angle", "crs", "altitude"} <= set(template.names)
    assert not {"time", "img_red", "mlt", "camera_pos"} & set(template.names)
    assert {"time", "img_red", "mlt", "mlt_bounds", "camera_pos"} <= set(template.declared), "declared: each file stores only values"


def test_a_truncated_file_is_detected_and_why_it_cannot_be_read_is_said(tmp_path: Path) -> None:
    assert_truncated_file_is_reported(write(synthetic_mapping(), tmp_path), tmp_path / "truncated", "netcdf", "netCDF")


def test_pixels_across_magnetic_midnight_have_bounds_around_their_center(tmp_path, binned_iss_mapping):
    """MLT vertices continue past 24 h (or below 0) across midnight; readers wrap them back."""
    magnetic = binned_iss_mapping.magnetic()
    corners = magnetic.mlt_bounds
    four = (corners[:-1, :-1], corners[:-1, 1:], corners[1:, :-1], corners[1:, 1:])
    across = functools.reduce(np.fmax, four) - functools.reduce(np.fmin, four) > 12
    assert across.sum() > 100, "the photograph spans magnetic midnight"
    path = write(binned_iss_mapping, tmp_path, include_geo=False)
    with netCDF4.Dataset(path) as ds:
        centers, bounds = ds["mlt"][:].filled(np.nan), ds["mlt_bounds"][:].filled(np.nan)
    offsets = np.abs(bounds - centers[..., None])
    assert np.nanmax(offsets) < 1
    assert (np.nanmin(bounds[across], axis=-1) < 0).any() and (np.nanmax(bounds[across], axis=-1) > 24).any()
    np.testing.assert_array_equal(bounds[~across], np.asarray(bounds[~across]) % 24)
    read = read_netcdf(path)
    assert position_error_m(read.lat_bounds, read.lon_bounds, binned_iss_mapping.lat_bounds, binned_iss_mapping.lon_bounds, 110.0) < 1.0


def test_a_template_of_files_without_bounds_serves_a_file_with_bounds(tmp_path, monkeypatch):
    """The image repeats in three files without bounds (a template holding it is built from the third); a fourth file
    with bounds starts from that template and needs a dimension it lacks."""
    from auromat_netcdf import writer

    from auromat_core.templates import TemplateCache

    monkeypatch.setattr(writer, "_TEMPLATES", TemplateCache())
    mapping = synthetic_mapping()
    for index, options in enumerate([{"float32_coordinates": True}, {"coordinate_precision": None}, {}]):
        write(mapping.replace(identifier=f"without-bounds-{index}"), tmp_path, include_bounds=False, **options)
    assert [template.names for template in writer._TEMPLATES.templates if "zenith_angle" not in template.names] == [
        ("time", "altitude", "camera_pos", "crs", "mcrs", "img_red", "img_green", "img_blue")
    ]
    path = write(mapping, tmp_path)
    with netCDF4.Dataset(path) as ds:
        assert ds.dimensions["vertex4"].size == 4
    assert_same_mapping(read_netcdf(path), mapping, exact=False)


def test_a_camera_position_in_metres_is_read_in_km_and_unknown_units_are_refused(tmp_path):
    original = synthetic_mapping()
    path = write(original, tmp_path)
    with netCDF4.Dataset(path, "a") as dataset:
        dataset["camera_pos"][:] = dataset["camera_pos"][:] * 1000.0
        dataset["camera_pos"].units = "m"
    np.testing.assert_allclose(read_netcdf(path).camera_position, original.camera_position, rtol=1e-15)
    with netCDF4.Dataset(path, "a") as dataset:
        dataset["camera_pos"].units = "parsec"
    with pytest.raises(InputError, match=f"{path}: camera_pos units 'parsec', expected one of km, kilometers, m, meters"):
        read_netcdf(path)
