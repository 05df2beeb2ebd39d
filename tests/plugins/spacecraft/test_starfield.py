"""Starfield masking on the real ISS photo (checked against its geometry) and on edge cases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from auromat_spacecraft.images import load_image
from auromat_spacecraft.mapping import intersects_earth as intersects_earth_of_solution
from auromat_spacecraft.starfield import mask_starfield

from auromat_core import InputError
from auromat_core.geometry.engine import intersects_earth, map_directions
from tests.conftest import astropy_wcs

STEP = 16


@pytest.fixture(scope="module")
def iss_starfield(iss_image: np.ndarray):
    return mask_starfield(iss_image)


@pytest.fixture(scope="module")
def iss_geometry(iss_wcs: Path) -> tuple[np.ndarray, np.ndarray]:
    """Every STEP-th pixel of ISS029-E-8492: (ray hits the Earth, ray hits the 110 km shell), from the fixture WCS."""
    header = fits.getheader(iss_wcs)
    wcs = astropy_wcs(header)
    y, x = np.mgrid[0 : header["IMAGEH"] : STEP, 0 : header["IMAGEW"] : STEP]
    ra, dec = np.radians(wcs.all_pix2world(x, y, 0))
    directions = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    position = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    time = datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f")
    earth = intersects_earth(position, directions, time)
    shell = np.isfinite(map_directions(position, directions, time, 110.0).lat)
    return earth, shell


def test_iss_mask_covers_the_sky_above_the_earth(iss_starfield) -> None:
    mask = iss_starfield.mask
    assert mask.shape == (2832, 4256) and mask.dtype == bool
    rows = np.flatnonzero(mask.any(axis=1))
    assert rows.max() < 1500
    assert mask.mean() >= 0.10
    assert mask[0, 2000]
    assert not mask[2831, 2000]


def test_iss_mask_excludes_everything_the_geometry_puts_on_or_near_earth(iss_starfield, iss_geometry) -> None:
    earth, shell = iss_geometry
    mask = iss_starfield.mask[::STEP, ::STEP]
    assert earth.any() and mask.any()
    assert not (mask & earth).any()
    assert not (mask & shell).any()
    sky = ~shell
    assert (mask & sky).sum() / sky.sum() > 0.25


def test_iss_stars_image_is_background_free(iss_starfield) -> None:
    stars = iss_starfield.stars_image()
    mask = iss_starfield.mask
    assert stars.shape == mask.shape and stars.dtype == np.float32
    assert (stars[~mask] == 0).all()
    inside = stars[mask]
    assert (inside >= 0).all()
    noise = iss_starfield.noise
    assert 5 < noise < 30
    assert np.median(inside) < 0.5 * noise
    assert (inside > 10 * noise).sum() > 500


def test_unlit_earth_of_the_synthetic_sample_is_excluded(sample_files) -> None:
    """The sample renders a dark (unlit) Earth a little brighter than the sky, with its exact WCS."""
    image_path, wcs_path = sample_files
    mask = mask_starfield(load_image(image_path), block_size=32).mask
    earth = intersects_earth_of_solution(wcs_path)
    assert not (mask & earth).any()
    assert (mask & ~earth).sum() / (~earth).sum() > 0.3


def _sky(height: int, width: int, stars: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = rng.normal(20.0, 3.0, (height, width))
    rows, columns = rng.integers(2, height - 2, stars), rng.integers(2, width - 2, stars)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            image[rows + dy, columns + dx] += 150.0 * (0.4 if dy or dx else 1.0)
    return image


def test_synthetic_earth_below_sky_is_removed_with_a_margin() -> None:
    image = _sky(768, 1024, 1500, seed=3)
    image[512:] = 180.0 + np.random.default_rng(4).normal(0, 3, (256, 1024))
    starfield = mask_starfield(np.clip(image, 0, 255).astype(np.uint8), block_size=32)
    mask = starfield.mask
    assert not mask[480:].any()
    assert mask[:448].mean() > 0.95


def test_spacecraft_structure_in_the_sky_is_removed() -> None:
    image = _sky(768, 1024, 1500, seed=5)
    image[:256, :320] = 200.0
    starfield = mask_starfield(np.clip(image, 0, 255).astype(np.uint8), block_size=32)
    mask = starfield.mask
    assert not mask[:288, :352].any()
    assert mask[:, 448:].mean() > 0.95


@pytest.mark.parametrize(
    "image",
    [
        np.full((600, 800, 3), 128, dtype=np.uint8),
        np.random.default_rng(1).integers(0, 256, (600, 800, 3), dtype=np.uint8),
        np.full((600, 800), 20, dtype=np.uint16),
    ],
    ids=["grey", "uniform-noise", "dark-blank"],
)
def test_images_without_stars_give_an_empty_mask(image: np.ndarray) -> None:
    starfield = mask_starfield(image)
    assert not starfield.mask.any()
    assert np.isnan(starfield.noise)


def test_bad_input_is_rejected() -> None:
    with pytest.raises(InputError, match="shape"):
        mask_starfield(np.zeros(100, dtype=np.uint8))
    with pytest.raises(InputError, match="block_size"):
        mask_starfield(np.zeros((64, 64), dtype=np.uint8), block_size=4)
    with pytest.raises(InputError, match="channel 3"):
        mask_starfield(np.zeros((64, 64, 3), dtype=np.uint8), channel=3)
    with pytest.raises(InputError, match="int8"):
        mask_starfield(np.zeros((64, 64), dtype=np.int8))
