"""Every layout the netCDF exporter writes passes the IOOS compliance checker's CF-1.10 checks, strictly."""

from __future__ import annotations

import numpy as np
import pytest
from auromat_netcdf import NetcdfExporter

from tests.plugins.conftest import synthetic_mapping
from tests.plugins.netcdf.compliance import cf_problems

LAYOUTS = {
    "default": {},
    "exact coordinates": {"coordinate_precision": None},
    "float32 coordinates": {"float32_coordinates": True},
    "without bounds": {"include_bounds": False},
    "without geo": {"include_geo": False},
    "without mag": {"include_mag": False},
    "uncompressed": {"compression": 0},
}


@pytest.mark.parametrize("options", LAYOUTS.values(), ids=LAYOUTS.keys())
def test_photo_layouts(binned_iss_mapping, tmp_path, options):
    path = NetcdfExporter().write(binned_iss_mapping, tmp_path / "iss.nc", **options)
    assert cf_problems(path) == []


@pytest.mark.parametrize("grid", ["geo", "mag"])
@pytest.mark.parametrize("float32", [False, True], ids=["float64", "float32"])
def test_resampled_layouts(binned_iss_mapping, tmp_path, grid, float32):
    resampled = binned_iss_mapping.resample(arcsec_per_px=400, grid=grid)
    path = NetcdfExporter().write(resampled, tmp_path / "resampled.nc", float32_coordinates=float32)
    assert cf_problems(path) == []


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("channels", [1, 3])
def test_images_across_the_antimeridian(tmp_path, dtype, channels):
    mapping = synthetic_mapping(channels=channels, dtype=dtype)
    assert cf_problems(NetcdfExporter().write(mapping, tmp_path / "synthetic.nc")) == []
    resampled = mapping.resample(px_per_deg=20)
    assert cf_problems(NetcdfExporter().write(resampled, tmp_path / "resampled.nc", float32_coordinates=True)) == []


def test_the_checker_finds_a_broken_attribute(binned_iss_mapping, tmp_path):
    """The check is not blind: a units attribute CF does not know is reported."""
    import netCDF4

    path = NetcdfExporter().write(binned_iss_mapping, tmp_path / "iss.nc")
    with netCDF4.Dataset(path, "a") as dataset:
        dataset["lat"].units = "furlongs"
    assert any("lat" in problem and "units" in problem for problem in cf_problems(path))
