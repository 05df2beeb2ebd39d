"""Bad input through the ``auromat`` command: one line naming the file, exit status 1."""

from __future__ import annotations

import shutil
from pathlib import Path

import auromat_spacecraft.plugin
import numpy as np
import pytest
from auromat_spacecraft.wcs import read_header, write_header
from click.testing import CliRunner

from auromat_core.cli import build_cli


@pytest.fixture
def run(auromat_plugins):
    auromat_plugins.register(auromat_spacecraft.plugin)

    def invoke(*args: str):
        return CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)

    return invoke


def error_line(result) -> str:
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    return lines[0]


def photo_folder(tmp_path: Path, sample_files: tuple[Path, Path]) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(sample_files[0], folder / "A.jpg")
    shutil.copy(sample_files[1], folder / "A.wcs")
    return folder


def test_info_prints_the_summary(run, sample_files, tmp_path: Path) -> None:
    result = run("info", "--data", str(photo_folder(tmp_path, sample_files)))
    assert result.exit_code == 0, result.output
    assert "A  2011-09-18T11:55:00 UTC  1200x800 px at 110 km" in result.output  # width x height
    assert "bounding box" in result.output and "centroid" in result.output


def test_truncated_jpeg(run, sample_files, tmp_path: Path) -> None:
    folder = photo_folder(tmp_path, sample_files)
    data = (folder / "A.jpg").read_bytes()
    (folder / "A.jpg").write_bytes(data[: len(data) // 2])
    line = error_line(run("info", "--data", str(folder)))
    assert str(folder / "A.jpg") in line and "truncated" in line


def test_wcs_without_date_obs(run, sample_files, tmp_path: Path) -> None:
    folder = photo_folder(tmp_path, sample_files)
    header = read_header(folder / "A.wcs")
    header.remove("DATE-OBS")
    write_header(folder / "A.wcs", header)
    line = error_line(run("info", "--data", str(folder)))
    assert str(folder / "A.wcs") in line and "DATE-OBS" in line


def test_size_mismatch(run, sample_files, tmp_path: Path) -> None:
    folder = photo_folder(tmp_path, sample_files)
    header = read_header(folder / "A.wcs")
    header["IMAGEW"] = 1000
    write_header(folder / "A.wcs", header)
    line = error_line(run("info", "--data", str(folder)))
    assert str(folder / "A.jpg") in line and "IMAGEW" in line


def test_unknown_raw(run, sample_files, tmp_path: Path) -> None:
    folder = photo_folder(tmp_path, sample_files)
    (folder / "A.jpg").unlink()
    (folder / "A.nef").write_bytes(np.random.default_rng(0).integers(0, 255, 5000, dtype=np.uint8).tobytes())
    line = error_line(run("info", "--data", str(folder)))
    assert str(folder / "A.nef") in line and "LibRaw" in line
