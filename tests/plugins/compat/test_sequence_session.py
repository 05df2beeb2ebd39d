"""The user guide's sequence plots and movie recipe on the real ``seq`` solutions."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import imageio_ffmpeg
import matplotlib.dates as mdates
import numpy as np
import pytest
from astropy.io import fits

from tests.plugins.compat.conftest import MOVIE_FRAMES
from tests.plugins.compat.figures import assert_not_blank, png_pixels


def header_values(paths: list[Path]) -> tuple[list[datetime], np.ndarray, np.ndarray]:
    """DATE-OBS, celestial pixel scale sqrt(CD1_1² + CD2_1²) (arcsec) and atan2(CD2_1, CD1_1) (deg)."""
    headers = [fits.getheader(path) for path in paths]
    times = [datetime.fromisoformat(h["DATE-OBS"]) for h in headers]
    scales = np.array([np.hypot(h["CD1_1"], h["CD2_1"]) * 3600 for h in headers])
    angles = np.array([np.degrees(np.arctan2(h["CD2_1"], h["CD1_1"])) for h in headers])
    return times, scales, angles


def test_astrometry_plots_of_a_sequence(seq_folder: Path, seq_wcs_paths: list[Path], tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig
    from auromat.mapping.spacecraft import SpacecraftMappingProvider

    provider = SpacecraftMappingProvider(str(seq_folder), str(seq_folder))
    times, scales, angles = header_values(seq_wcs_paths)
    assert provider.range == (times[0], times[-1])
    assert len(provider) == 10

    figure, ax = draw.drawAstrometryPixelScales(provider.getSequence())
    points = ax.collections[0].get_offsets()
    np.testing.assert_allclose(points[:, 1], scales, rtol=1e-9)
    np.testing.assert_allclose(points[:, 0], mdates.date2num(times), atol=1e-9)
    assert 85 < scales.min() <= scales.max() < 95  # the known ~90"/px of the D3S solutions
    saveFig(str(tmp_path / "pxscales.png"), (figure, ax))
    assert_not_blank(png_pixels(tmp_path / "pxscales.png"))

    figure, ax = draw.drawAstrometryRotationAngles(provider.getSequence())
    rotation = ax.collections[0].get_offsets()[:, 1]
    np.testing.assert_allclose((rotation - angles + 180) % 360 - 180, 0, atol=1e-9)
    saveFig(str(tmp_path / "rotation.png"), (figure, ax))

    saveFig(str(tmp_path / "radec.png"), draw.drawRaDec(provider.getSequence()))
    assert_not_blank(png_pixels(tmp_path / "radec.png"))


def test_movie_recipe(binned_folder: Path, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig
    from auromat.mapping.mapping import BoundingBox, MaskByElevationProvider
    from auromat.mapping.spacecraft import SpacecraftMappingProvider
    from auromat.resample import ResampleProvider
    from auromat.util.movie import createMovie

    provider = SpacecraftMappingProvider(str(binned_folder), str(binned_folder))
    first, last = provider.range
    masked = MaskByElevationProvider(provider, 10)
    boundingboxes = [masked.get(first).boundingBox, masked.get(last).boundingBox]
    bb = BoundingBox.mergedBoundingBoxes(boundingboxes)
    assert bb.latSouth == min(b.latSouth for b in boundingboxes)
    assert bb.latNorth == max(b.latNorth for b in boundingboxes)
    assert bb.lonWest == min(b.lonWest for b in boundingboxes) and bb.lonEast == max(b.lonEast for b in boundingboxes)
    # the masked frames are smaller than the unmasked ones
    unmasked = provider.get(first).boundingBox
    assert unmasked.latSouth <= boundingboxes[0].latSouth and boundingboxes[0].latNorth <= unmasked.latNorth

    resampled = ResampleProvider(masked, arcsecPerPx=100)
    moviefolder = str(tmp_path / "iss_movie")
    os.mkdir(moviefolder)
    mappaths = []
    for m in resampled.getSequence():
        assert m.isPlateCarree and m.elevation.min() >= 10
        mappaths.append(os.path.join(moviefolder, m.identifier + ".png"))
        saveFig(mappaths[-1], draw.drawStereographic(m, boundingBox=bb))
    assert [Path(p).stem for p in mappaths] == list(MOVIE_FRAMES)
    frames = [png_pixels(Path(p)) for p in mappaths]
    for frame in frames:
        assert frame.shape == frames[0].shape
        assert_not_blank(frame, 0.2)
    assert not np.array_equal(frames[0], frames[-1])  # the ISS moved; the map (fixed box) did not

    moviepath = os.path.join(moviefolder, "movie.mp4")
    createMovie(moviepath, mappaths, frameRate=3)
    count, seconds = imageio_ffmpeg.count_frames_and_secs(moviepath)
    assert count == 3 and seconds == pytest.approx(1.0, abs=0.05)
