"""Fixtures shared by plugin tests: the real ISS photo mapped at 1/8 resolution, and synthetic mappings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_spacecraft import map_photo

from auromat_core import Mapping
from tests.conftest import binned_header, binned_image

FACTOR = 8
"""Downscaling of ISS029-E-8492 (4256 x 2832) for fast tests: 532 x 354 pixels."""


@pytest.fixture(scope="session")
def binned_iss_mapping(iss_fixtures: Path) -> Mapping:
    """ISS029-E-8492 at 110 km, mapped from its WCS at 1/8 resolution (read-only)."""
    header = binned_header(iss_fixtures / "ISS029-E-8492.wcs", FACTOR)
    image = binned_image(iss_fixtures / "ISS029-E-8492.jpg", FACTOR)
    return map_photo(image, header, identifier="ISS029-E-8492", metadata={"mission": "ISS029", "frame": 8492})


def synthetic_mapping(
    h: int = 24,
    w: int = 32,
    *,
    masked: bool = True,
    channels: int = 3,
    dtype: type = np.uint8,
    time: datetime = datetime(2012, 1, 25, 9, 26, 55, 60_123),
    identifier: str = "synthetic",
    seed: int = 0,
) -> Mapping:
    """A smooth, slightly rotated pixel grid across the antimeridian near 65°N.

    With ``masked`` a disc of corners in the lower right is undefined.
    """
    y, x = np.mgrid[0 : h + 1, 0 : w + 1].astype(float)
    lat_bounds = 68.0 - 0.11 * y + 0.013 * x
    lon_bounds = 178.0 + 0.23 * x + 0.031 * y
    lon_bounds = 180.0 - np.mod(180.0 - lon_bounds, 360.0)
    if masked:
        lat_bounds[(y - h) ** 2 + (x - w) ** 2 < (0.5 * min(h, w)) ** 2] = np.nan
    lat_r, lon_r = np.radians(lat_bounds), np.radians(lon_bounds)
    vectors = np.stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)], axis=-1)
    mean = (vectors[:-1, :-1] + vectors[:-1, 1:] + vectors[1:, :-1] + vectors[1:, 1:]) / 4
    lat = np.degrees(np.arctan2(mean[..., 2], np.hypot(mean[..., 0], mean[..., 1])))
    lon = np.degrees(np.arctan2(mean[..., 1], mean[..., 0]))
    elevation = 15.0 + 70.0 * (y[:-1, :-1] + x[:-1, :-1]) / (h + w)
    rng = np.random.default_rng(seed)
    image = rng.integers(0, np.iinfo(dtype).max, size=(h, w, channels), endpoint=True).astype(dtype)
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=elevation, image=image,
        altitude=110.0, time=time, camera_position=[-1512.25, -2340.5, 6035.125], identifier=identifier,
        metadata={"camera": "synthetic", "exposure_s": 0.5, "frame": 7, "lens_corrected": False},
    )


@pytest.fixture
def make_mapping() -> Callable[..., Mapping]:
    """:func:`synthetic_mapping`."""
    return synthetic_mapping
