"""Fixtures of the auromat-spacecraft tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from auromat_spacecraft.images import load_image
from auromat_spacecraft.mapping import map_photo
from auromat_spacecraft.sample import make_sample

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def tle_folder() -> Path:
    """Folder with ``25544.tle``: ISS TLEs fitted to the fixture headers (see data/derive_iss_tle.py)."""
    return DATA


@pytest.fixture(scope="session")
def iss_jpeg(iss_fixtures: Path) -> Path:
    return iss_fixtures / "ISS029-E-8492.jpg"


@pytest.fixture(scope="session")
def iss_wcs(iss_fixtures: Path) -> Path:
    return iss_fixtures / "ISS029-E-8492.wcs"


@pytest.fixture(scope="session")
def seq_wcs(iss_fixtures: Path) -> list[Path]:
    paths = sorted((iss_fixtures / "seq").glob("*.wcs"))
    assert len(paths) == 10
    return paths


@pytest.fixture(scope="session")
def iss_image(iss_jpeg: Path) -> np.ndarray:
    return load_image(iss_jpeg)


@pytest.fixture(scope="session")
def iss_mapping(iss_jpeg: Path, iss_wcs: Path):
    """ISS029-E-8492 at 110 km, mapped once per session (read-only for tests)."""
    return map_photo(iss_jpeg, iss_wcs)


@pytest.fixture(scope="session")
def sample_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The synthetic sample photo and its .wcs."""
    return make_sample(tmp_path_factory.mktemp("sample"))
