"""Shared test fixtures: paths to the real data in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = (REPO_ROOT / ".." / "shared" / "fixtures").resolve()


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real test data (``../shared/fixtures`` beside the repository)."""
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"real fixture data not found at {SHARED_FIXTURES}: ../shared must sit beside the repository")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def iss_fixtures(shared_fixtures: Path) -> Path:
    """``../shared/fixtures/iss``: ISS029-E-8492 (JPEG + WCS) and ``seq/*.wcs``."""
    return shared_fixtures / "iss"


@pytest.fixture(scope="session")
def themis_fixtures(shared_fixtures: Path) -> Path:
    """``../shared/fixtures/themis``: the Gakona L1 hour file and its UCalgary skymap."""
    return shared_fixtures / "themis"
