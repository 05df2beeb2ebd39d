"""``auromat convert`` of the real Gakona L1 hour file (23 frames) to CDF and netCDF."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import netCDF4
import numpy as np
import pytest
from auromat_cdf import read_cdf
from auromat_netcdf import read_netcdf
from auromat_themis import ThemisProvider
from click.testing import CliRunner
from spacepy import pycdf
from spacepy.pycdf import istp

from auromat_core.cli import build_cli
from auromat_core.convert import convert
from tests.plugins.netcdf.compliance import cf_problems

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gakona_folder(themis_fixtures: Path, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("gakona")
    for path in themis_fixtures.iterdir():
        os.symlink(path, folder / path.name)
    return folder


@pytest.mark.parametrize(("format_", "suffix", "read"), [("cdf", ".cdf", read_cdf), ("netcdf", ".nc", read_netcdf)])
def test_hour_file_converts_to_23_files(gakona_folder: Path, tmp_path: Path, format_, suffix, read) -> None:
    out = tmp_path / format_
    result = CliRunner().invoke(build_cli(), [
        "convert", "--data", str(gakona_folder), "--format", format_, "--out", str(out),
        "--provider-option", "allow_later_skymap=true", "--workers", "2",
    ])
    assert result.exit_code == 0, result.output
    files = sorted(out.glob(f"*{suffix}"))
    assert len(files) == 23
    provider = ThemisProvider(gakona_folder, allow_later_skymap=True)
    expected = {m.identifier: m for step in provider.sequence() for m in step}
    assert len(expected) == 23
    for path in files[:: len(files) - 1]:
        mapping = read(path)
        original = expected[mapping.identifier]
        assert mapping.time == original.time
        np.testing.assert_array_equal(mapping.defined, original.defined)
        np.testing.assert_array_equal(mapping.image[mapping.defined], original.image[original.defined])
        np.testing.assert_allclose(mapping.lat_bounds, original.lat_bounds, atol=1e-5, equal_nan=True)
    assert original.seen_from_below
    if format_ == "cdf":
        with pycdf.CDF(str(files[0])) as cdf:
            described = str(cdf["zenith_angle"].attrs["CATDESC"]), str(cdf["zenith_angle"].attrs["VAR_NOTES"])
            assert istp.FileChecks.all(cdf, catch=True) == ["img: Multi dim variable with image display type."]
    else:
        assert cf_problems(files[0]) == []
        with netCDF4.Dataset(files[0]) as dataset:
            attributes = dataset["zenith_angle"].__dict__
            assert "standard_name" not in attributes, "CF's sensor_zenith_angle is the angle at the target"
            described = attributes["long_name"], attributes["comment"]
    assert "seen from the camera" in described[0] and described[1].startswith("Angle between the local vertical at the camera")


def test_later_skymap_needs_the_provider_option(gakona_folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(build_cli(), [
        "convert", "--data", str(gakona_folder), "--format", "cdf", "--out", str(tmp_path / "out"), "--workers", "0",
    ])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "allow_later_skymap" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_workers_warn_once_and_exit_cleanly(gakona_folder: Path, tmp_path: Path) -> None:
    """The command line shows the later-skymap warning once (not once per worker) and nothing else on stderr."""
    command = [
        sys.executable, "-m", "auromat_core", "convert", "--data", str(gakona_folder), "--format", "cdf",
        "--out", str(tmp_path), "-p", "allow_later_skymap=true", "--workers", "2",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and "convert to cdf" not in line and not _resource_tracker(line)]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("WARNING auromat_themis.skymap: THEMIS site gako: using skymap themis_skymap_gako_20110305")
    assert len(list(tmp_path.glob("*.cdf"))) == 23


def _resource_tracker(line: str) -> bool:
    """A line of CPython's resource-tracker process at exit: under load it may report a pool semaphore
    as leaked although it was unlinked (python/cpython#114062, seen with pool initializers)."""
    return "multiprocessing/resource_tracker.py" in line or line.lstrip().startswith("warnings.warn('resource_tracker:")


def test_a_rerun_skips_the_converted_frames_without_loading_them(gakona_folder: Path, tmp_path: Path, monkeypatch) -> None:
    options = {"allow_later_skymap": True}
    first = convert(gakona_folder, "cdf", provider_options=options, out=tmp_path, workers=0, progress=False)
    assert len(first.written) == 23 and first.skipped == 0
    loaded = []
    original = ThemisProvider._mapping

    def counting(self, frame):
        loaded.append(frame)
        return original(self, frame)

    monkeypatch.setattr(ThemisProvider, "_mapping", counting)
    again = convert(gakona_folder, "cdf", provider_options=options, out=tmp_path, workers=0, progress=False)
    assert (again.written, again.skipped, loaded) == ((), 23, [])
    first.written[5].unlink()
    redone = convert(gakona_folder, "cdf", provider_options=options, out=tmp_path, workers=0, progress=False)
    assert (redone.written, redone.skipped, len(loaded)) == ((first.written[5],), 22, 1)



def test_files_say_what_the_image_values_are(themis_fixtures: Path, tmp_path: Path) -> None:
    from auromat_core import get_exporter

    for brightness, content in ((None, "counts above dark offset"), ("original", "display brightness (original)")):
        mapping = ThemisProvider(themis_fixtures, allow_later_skymap=True, brightness=brightness).load(0)[0]
        cdf_path, nc_path = tmp_path / f"{brightness}.cdf", tmp_path / f"{brightness}.nc"
        get_exporter("cdf").write(mapping, cdf_path)
        get_exporter("netcdf").write(mapping, nc_path)
        with pycdf.CDF(str(cdf_path)) as cdf:
            assert (cdf["img"].attrs["CATDESC"], cdf["img"].attrs["UNITS"]) == (f"Image gray channel, {content}", "unitless")
        with netCDF4.Dataset(nc_path) as dataset:
            assert dataset["img"].long_name == f"image gray channel, {content}"


def test_the_summary_counts_time_steps_and_the_files_of_their_sites(two_sites: Path, tmp_path: Path) -> None:
    arguments = ["convert", "--data", str(two_sites), "--format", "netcdf", "--out", str(tmp_path), "--workers", "0", "--no-progress",
                 "-p", "allow_later_skymap=true", "--end", "2011-01-06T17:00:05"]
    first = CliRunner().invoke(build_cli(), arguments)
    assert first.exit_code == 0, first.output
    assert f"converted 2 frame(s) into 4 file(s), skipped 0 frame(s) already converted, in {tmp_path}" in first.output
    again = CliRunner().invoke(build_cli(), [*arguments[:-1], "2011-01-06T17:00:08"])
    assert f"converted 1 frame(s) into 2 file(s), skipped 2 frame(s) already converted, in {tmp_path}" in again.output
