"""Fixtures of the auromat-iss tests: a synthetic ESA ISS archive on 127.0.0.1 (see archive.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.plugins.iss.archive import DISTORTION, KEYS, ArchiveServer, frame_files

RAW_SEQUENCE, UPSIDE_DOWN_SEQUENCE, PROCESSED_SEQUENCE, DISTORTED_SEQUENCE = 12, 13, 14, 15


@pytest.fixture(scope="session")
def seq_wcs(iss_fixtures: Path) -> list[Path]:
    """The real solutions of ISS029-E-8493 .. 8495."""
    return [iss_fixtures / "seq" / f"{key}.wcs" for key in KEYS]


@pytest.fixture(scope="session")
def remote_files(seq_wcs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Remote path -> bytes of the images, WCS files and bad pixels (built once)."""
    return frame_files(seq_wcs, tmp_path_factory.mktemp("iss-remote"))


@pytest.fixture
def server(remote_files: dict[str, bytes]) -> Iterator[ArchiveServer]:
    """The archive with sequences 12 (RAW), 13 (RAW, upside down), 14 (processed only), 15 (RAW, lens model)."""
    archive = ArchiveServer()
    archive.files.update(remote_files)
    archive.add_sequence(RAW_SEQUENCE)
    archive.add_sequence(UPSIDE_DOWN_SEQUENCE, upside_down=True)
    archive.add_sequence(PROCESSED_SEQUENCE, raw=False)
    archive.add_sequence(DISTORTED_SEQUENCE, distortion=DISTORTION)
    archive.start()
    try:
        yield archive
    finally:
        archive.stop()


@pytest.fixture
def base_url(server: ArchiveServer) -> str:
    return f"{server.url}/api/georef_seqs/"
