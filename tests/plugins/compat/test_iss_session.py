"""The user guide's "Visualizing downloaded data" session against the synthetic ESA ISS archive on 127.0.0.1.

The archive (tests/plugins/iss/archive.py) serves three RAW frames whose
solutions describe a 384x256 window of the real ISS029-E-8493..8495 frames
straddling the horizon. The sequence is fetched with ``auromat-download``,
then the session runs as written (with the archive's times and frame numbers).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from auromat_iss import IssProvider

from tests.plugins.compat.figures import assert_not_blank, colour_mask, png_pixels
from tests.plugins.iss.archive import (
    KEYS,
    SEQUENCE_METADATA,
    TIMES,
    ArchiveServer,
    frame_files,
)

SEQUENCE = 12


@pytest.fixture(scope="module")
def server(iss_fixtures: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ArchiveServer]:
    archive = ArchiveServer()
    seq_wcs = [iss_fixtures / "seq" / f"{key}.wcs" for key in KEYS]
    archive.files.update(frame_files(seq_wcs, tmp_path_factory.mktemp("iss-remote")))
    archive.add_sequence(SEQUENCE)
    archive.start()
    try:
        yield archive
    finally:
        archive.stop()


@pytest.fixture(scope="module")
def base_url(server: ArchiveServer) -> str:
    return f"{server.url}/api/georef_seqs/"


@pytest.fixture(scope="module")
def sequence_folder(server: ArchiveServer, base_url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``auromat-download esa-iss --id 12`` into ``<tmp>/iss/seq-12``."""
    from auromat.cli import download_main

    folder = tmp_path_factory.mktemp("iss") / f"seq-{SEQUENCE}"
    with pytest.raises(SystemExit) as exited:
        download_main(["esa-iss", "--id", str(SEQUENCE), "--out", str(folder), "--base-url", base_url, "--no-progress"])
    assert exited.value.code == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["api.json", "metadata.json", "bad_pixels.gz", *(f"{k}.dng" for k in KEYS), *(f"{k}.wcs" for k in KEYS)])
    return folder


def test_visualizing_downloaded_data(server: ArchiveServer, sequence_folder: Path, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig
    from auromat.mapping.iss import ISSMappingProvider
    from auromat.resample import resample

    requests_before = len(server.requests)
    provider = ISSMappingProvider(str(sequence_folder), altitude=110, raw_auto_bright=True, raw_gamma=None)
    assert provider.range == (TIMES[0], TIMES[-1])

    mapping = provider.get(TIMES[1] + timedelta(seconds=1))
    assert (mapping.metadata["mission"], mapping.metadata["frame"]) == (SEQUENCE_METADATA["mission"], 8494)
    assert mapping.identifier == KEYS[1] and mapping.photoTime == TIMES[1]
    # the same frame through a core provider of its own
    core = IssProvider(sequence_folder, altitude=110, raw_auto_bright=True, raw_gamma=None, offline=True).get_by_id(KEYS[1])
    box, expected = mapping.boundingBox, core.bounding_box
    assert (box.latSouth, box.lonWest, box.latNorth, box.lonEast) == (
        expected.lat_south, expected.lon_west, expected.lat_north, expected.lon_east)
    assert mapping.arcSecPerPx.width == core.pixel_scale.width
    np.testing.assert_array_equal(mapping.img_unmasked, core.image)
    assert mapping.img.dtype == np.uint16 and mapping.img.shape == (256, 384, 3)
    # the window straddles the horizon: its top row is sky, its bottom row Earth
    assert mapping.latsCenter.mask[0].all() and not mapping.latsCenter.mask[-1].any()

    resampled = resample(mapping, arcsecPerPx=100)
    assert resampled.arcSecPerPx.height.median == pytest.approx(100, rel=0.01)
    saveFig(str(tmp_path / "map.png"), draw.drawStereographic(resampled))
    assert_not_blank(png_pixels(tmp_path / "map.png"), 0.03)
    resampled = resample(mapping, arcsecPerPx=100, method="nearest")
    saveFig(str(tmp_path / "map.png"), draw.drawStereographic(resampled))
    masked = resample(mapping, arcsecPerPx=100).maskedByElevation(10)
    saveFig(str(tmp_path / "map.png"), draw.drawStereographic(masked))
    assert_not_blank(png_pixels(tmp_path / "map.png"), 0.03)

    saveFig(str(tmp_path / "grid.png"), draw.drawParallelsAndMeridians(mapping))
    assert png_pixels(tmp_path / "grid.png").shape == (256, 384, 3)
    assert len(server.requests) == requests_before  # everything came from the cache folder


def test_horizon_and_stars_on_the_photo(sequence_folder: Path, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig
    from auromat.mapping.iss import ISSMappingProvider

    ground = ISSMappingProvider(str(sequence_folder), offline=True).getById(KEYS[0])
    clouds = ISSMappingProvider(str(sequence_folder), altitude=12, offline=True).getById(KEYS[0])
    rows = {}
    for name, mapping, options in (("ground", ground, {}), ("clouds", clouds, {"useMappingAltitude": True})):
        path = tmp_path / f"horizon-{name}.png"
        saveFig(str(path), draw.drawHorizon(mapping, color="red", **options))
        red = colour_mask(png_pixels(path), (255, 0, 0))
        assert red.sum() > 384, name
        rows[name] = np.flatnonzero(red.any(axis=1)).mean()
    # a 12 km shell around the Earth reaches higher into the sky than the surface
    assert rows["clouds"] < rows["ground"]
    # the surface limb lies where the rays stop hitting the Earth
    earth = ground.intersectsEarth
    limb_row = int(np.argmax(earth[:, 192]))
    assert 0 < limb_row < 255 and abs(rows["ground"] - limb_row) < 10

    saveFig(str(tmp_path / "astrometry.jpg"), draw.drawReferenceStars(ground, scale=2))
    assert png_pixels(tmp_path / "astrometry.jpg").shape == (256, 384, 3)


def test_no_image_near_the_time(sequence_folder: Path) -> None:
    from auromat.mapping.iss import ISSMappingProvider

    provider = ISSMappingProvider(str(sequence_folder), offline=True)
    with pytest.raises(ValueError, match="nearest available: 2011-09-18T11:54:59"):
        provider.get(datetime(2011, 9, 18, 11, 50))
    with pytest.raises(LookupError, match="ISS030"):
        provider.getById("ISS030")
