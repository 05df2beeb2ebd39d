"""Fixtures of the compat (``auromat``) tests: folders laid out as the user guide's sessions expect.

* ``photo_folder``: ISS029-E-8492 (symlinks to the real JPEG and WCS), the
  "dcfolder = wcsfolder" of the astronaut-photography session.
* ``seq_folder``: the real ``seq/*.wcs`` solutions with 1x1 placeholder images:
  the astrometry plots must read only the solutions (mappings are lazy), so a
  placeholder ever used as a photo fails with a shape error.
* ``binned_folder``: three ``seq`` frames as if the camera binned 8x8 pixels
  (same geometry, 532x354 pixels) with gradient JPEGs, for the movie recipe.
"""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest
from auromat_spacecraft import write_header
from PIL import Image

from tests.conftest import binned_header, gradient_image

matplotlib.use("Agg")

BINNING = 8
MOVIE_FRAMES = ("ISS029-E-8493", "ISS029-E-8494", "ISS029-E-8495")


@pytest.fixture(scope="session")
def photo_folder(iss_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("iss_imgs_dc")
    for name in ("ISS029-E-8492.jpg", "ISS029-E-8492.wcs"):
        os.symlink(iss_fixtures / name, folder / name)
    return folder


@pytest.fixture(scope="session")
def seq_wcs_paths(iss_fixtures: Path) -> list[Path]:
    paths = sorted((iss_fixtures / "seq").glob("*.wcs"))
    assert len(paths) == 10, paths
    return paths


@pytest.fixture(scope="session")
def seq_folder(seq_wcs_paths: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seq")
    for path in seq_wcs_paths:
        os.symlink(path, folder / path.name)
        Image.new("RGB", (1, 1)).save(folder / f"{path.stem}.jpg")
    return folder


@pytest.fixture(scope="session")
def binned_folder(iss_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("binned")
    for name in MOVIE_FRAMES:
        header = binned_header(iss_fixtures / "seq" / f"{name}.wcs", BINNING)
        write_header(folder / f"{name}.wcs", header)
        Image.fromarray(gradient_image(header["IMAGEH"], header["IMAGEW"])).save(folder / f"{name}.jpg", quality=95)
    return folder
