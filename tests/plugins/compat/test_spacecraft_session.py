"""The user guide's "Georeferencing astronaut photography" session on the real ISS029-E-8492.

The session runs as written (``dcfolder``/``wcsfolder`` are one folder with the
real photo and its solution); results are checked against the core mapping,
the WCS header and physics.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation
from astropy.io import fits
from astropy.time import Time
from astropy.utils import iers

from auromat_core.geometry.ellipsoid import WGS84_A_KM
from tests.plugins.compat.figures import assert_not_blank, colour_mask, png_pixels

PHOTO_TIME = datetime(2011, 9, 18, 11, 54, 56)


@pytest.fixture(scope="module")
def session(photo_folder: Path):
    """``provider`` and ``mapping`` of the session, shared by the tests of this module."""
    from auromat.mapping.spacecraft import SpacecraftMappingProvider

    dcfolder = wcsfolder = str(photo_folder)
    provider = SpacecraftMappingProvider(dcfolder, wcsfolder)
    mapping = provider.getById("8492")  # id = any unique part of the filename
    return provider, mapping


def test_range_and_identifier(session) -> None:
    provider, mapping = session
    assert provider.range == (PHOTO_TIME, PHOTO_TIME)
    assert mapping.identifier == "ISS029-E-8492"
    assert mapping.photoTime == PHOTO_TIME
    assert mapping.altitude == 110


@pytest.mark.slow
def test_mapping_members(session, iss_fixtures: Path) -> None:
    _, mapping = session
    core = mapping.core
    # masked arrays, masked exactly where the core arrays are undefined
    assert isinstance(mapping.lats, np.ma.MaskedArray) and mapping.lats.shape == (2833, 4257)
    np.testing.assert_array_equal(mapping.lats.mask, np.isnan(core.lat_bounds))
    np.testing.assert_array_equal(mapping.latsCenter.mask, ~core.defined)
    np.testing.assert_array_equal(mapping.img.mask[:, :, 0], ~core.defined)
    assert mapping.img.shape == (2832, 4256, 3)
    # known fact: at 110 km, column 2000 has its bottom row mapped and its top row in the sky
    assert not mapping.lats.mask[-1, 2000] and mapping.lats.mask[0, 2000]
    box = mapping.boundingBox
    assert (box.latSouth, box.lonWest, box.latNorth, box.lonEast) == (
        core.bounding_box.lat_south, core.bounding_box.lon_west, core.bounding_box.lat_north, core.bounding_box.lon_east)
    assert repr(box).startswith(f"BoundingBox(latSouth={box.latSouth!r}, lonWest={box.lonWest!r}, ")
    # the box is the extent of the defined corners (no antimeridian crossing here)
    assert box.latSouth == mapping.lats.min() and box.latNorth == mapping.lats.max()
    assert box.lonWest == mapping.lons.min() and box.lonEast == mapping.lons.max()
    assert box.latNorth < 0  # southern aurora

    # camera footpoint against astropy's GCRS -> ITRS of the header position
    header = fits.getheader(iss_fixtures / "ISS029-E-8492.wcs")
    iers.conf.auto_download = False
    time = Time(header["DATE-OBS"], scale="utc")
    position = CartesianRepresentation([header["POSX"], header["POSY"], header["POSZ"]] * u.km)
    ground = GCRS(position, obstime=time).transform_to(ITRS(obstime=time)).earth_location
    footpoint = mapping.cameraFootpoint
    assert footpoint.lat == pytest.approx(ground.lat.deg, abs=1e-3)
    assert footpoint.lon == pytest.approx(ground.lon.deg, abs=1e-3)
    np.testing.assert_allclose(mapping.cameraPosGCRS, [header["POSX"], header["POSY"], header["POSZ"]])

    # no ground pixel is smaller than one seen from the camera height minus the mapping altitude
    scale = mapping.arcSecPerPx.width
    assert repr(scale).startswith("PixelScale(mean=")
    pixel_rad = np.radians(np.hypot(header["CD1_1"], header["CD2_1"]))
    height_km = ground.height.to_value(u.km)
    lower_bound = np.degrees((height_km - 110) * pixel_rad / (WGS84_A_KM + 110)) * 3600
    assert lower_bound < scale.min < scale.median < scale.mean < scale.max
    assert scale.min < 1.5 * lower_bound


@pytest.mark.slow
def test_resample_mask_and_map(session, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig
    from auromat.resample import resample

    _, mapping = session
    resampled = resample(mapping, arcsecPerPx=100)
    assert resampled.isPlateCarree
    # only the box center has the requested scale exactly (user guide: height 100.0-100.2, width 81-119)
    assert resampled.arcSecPerPx.height.median == pytest.approx(100, rel=0.01)
    assert resampled.arcSecPerPx.width.median == pytest.approx(100, rel=0.1)
    masked = resampled.maskedByElevation(10)
    assert masked.elevation.min() >= 10
    assert masked.latsCenter.count() < resampled.latsCenter.count()
    path = tmp_path / "map.png"
    saveFig(str(path), draw.drawStereographic(masked))
    assert_not_blank(png_pixels(path), 0.2)


@pytest.mark.slow
def test_grid_and_horizon_on_the_photo(session, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig

    _, mapping = session
    path = tmp_path / "map.png"
    saveFig(str(path), draw.drawParallelsAndMeridians(mapping))
    pixels = png_pixels(path)
    assert pixels.shape == (2832, 4256, 3)
    assert_not_blank(pixels, 0.5)

    path = tmp_path / "horizon.png"
    saveFig(str(path), draw.drawHorizon(mapping, color="red"))
    red = colour_mask(png_pixels(path), (255, 0, 0))
    assert red.sum() > 4256  # a line across the photo
    # the line lies where the camera's rays stop hitting the Earth (auromat_spacecraft.intersects_earth)
    earth = mapping.intersectsEarth
    assert earth[-1, 2000] and not earth[0, 2000]
    limb_row = int(np.argmax(earth[:, 2000]))
    red_rows = np.flatnonzero(red[:, 1995:2006].any(axis=1))
    assert red_rows.size and np.all(np.abs(red_rows - limb_row) <= 8), (limb_row, red_rows)


@pytest.mark.slow
def test_reference_stars(session, tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig

    _, mapping = session
    figure, ax = draw.drawReferenceStars(mapping, scale=2)
    stars = ax.collections[0].get_offsets()
    assert len(stars) >= 5
    # stars are drawn only in the sky: on pixels the mapping leaves undefined
    rows, cols = np.round(stars[:, 1]).astype(int), np.round(stars[:, 0]).astype(int)
    assert np.all(mapping.latsCenter.mask[rows, cols])
    path = tmp_path / "astrometry.jpg"
    saveFig(str(path), (figure, ax))
    assert png_pixels(path).shape == (2832, 4256, 3)
