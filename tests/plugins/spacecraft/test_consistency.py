"""intersects_earth / is_consistent (reference F20) with synthetic and real solutions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from auromat_spacecraft.mapping import SpacecraftCamera, intersects_earth, is_consistent
from auromat_spacecraft.sample import SampleCamera, sample_header


def pointed(depression: float, pixel_scale: float = 0.01) -> SpacecraftCamera:
    camera = SampleCamera(depression=depression, width=120, height=80, pixel_scale=pixel_scale)
    return SpacecraftCamera.from_wcs(sample_header(camera))


def test_fully_at_earth_is_inconsistent() -> None:
    nadir = pointed(90.0)
    assert nadir.intersects_earth().all()
    assert not nadir.is_consistent()


def test_fully_at_sky_is_inconsistent() -> None:
    zenith = pointed(-90.0)
    assert not zenith.intersects_earth().any()
    assert not zenith.is_consistent()


def test_horizon_view_is_consistent_unless_a_star_is_on_earth() -> None:
    # the limb from 400 km is 19.8 degrees below the horizontal
    camera = pointed(19.8, pixel_scale=0.1)
    hits = camera.intersects_earth()
    assert hits[-1].all() and not hits[0].any()
    assert camera.is_consistent()
    assert camera.is_consistent(star_pixels=np.array([[60.0, 2.0]]))
    assert not camera.is_consistent(star_pixels=np.array([[60.0, 2.0], [60.0, 78.0]]))


def test_real_photo(iss_wcs: Path) -> None:
    hits = intersects_earth(iss_wcs, step=16)
    assert hits.shape == (177, 266)
    assert hits[-1, 2000 // 16] and not hits[0, 2000 // 16]
    assert is_consistent(iss_wcs, step=16)
    assert not is_consistent(iss_wcs, star_pixels=np.array([[2000.0, 2800.0]]), step=16)
