"""Lens distortion correction through lensfun against the published distortion models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from auromat_spacecraft.lens import LensCorrection, read_lens_exif
from PIL import Image

from auromat_core import InputError

WIDTH, HEIGHT = 300, 200


def model_source(model: str, params: list[float], x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distorted-image position seen by corrected pixel (x, y), by the lensfun model formulas.

    Radii are normalised so that 1 is half the short side of a 3:2 frame of the
    same diagonal (the Hugin/lensfun convention); the centre is ((w-1)/2, (h-1)/2).
    """
    cx, cy = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
    unit = np.hypot(WIDTH - 1, HEIGHT - 1) / np.hypot(3, 2)
    dx, dy = (x - cx) / unit, (y - cy) / unit
    r = np.hypot(dx, dy)
    if model == "poly3":
        (k1,) = params
        factor = 1 - k1 + k1 * r**2
    elif model == "poly5":
        k1, k2 = params
        factor = 1 + k1 * r**2 + k2 * r**4
    else:
        a, b, c = params
        factor = a * r**3 + b * r**2 + c * r + 1 - a - b - c
    return cx + dx * factor * unit, cy + dy * factor * unit


@pytest.mark.parametrize(
    ("model", "params", "tolerance"),
    [("poly5", [0.03, -0.01], 0.01), ("poly3", [0.05], 0.5), ("ptlens", [0.01, -0.02, 0.03], 0.2)],
)
def test_source_coordinates_follow_the_model(model: str, params: list[float], tolerance: float) -> None:
    # lensfun evaluates poly3/ptlens with SIMD approximations (errors in a 4-pixel pattern, ~0.45 px at the corners)
    correction = LensCorrection.from_model(model, params, scale=1.0)
    coordinates = correction.source_coordinates(WIDTH, HEIGHT)
    assert coordinates.shape == (HEIGHT, WIDTH, 2)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(float)
    sx, sy = model_source(model, params, x, y)
    assert np.abs(coordinates[..., 0] - sx).max() < tolerance
    assert np.abs(coordinates[..., 1] - sy).max() < tolerance


def test_apply_moves_a_point_to_its_undistorted_place() -> None:
    params = [0.03, -0.01]
    correction = LensCorrection.from_model("poly5", params, scale=1.0)
    target_x, target_y = 250.0, 170.0  # where the point must appear after correction
    sx, sy = model_source("poly5", params, np.array(target_x), np.array(target_y))
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH]
    spot = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * 2.0**2)) * 60000
    image = np.dstack([spot, spot / 2, spot / 4]).astype(np.uint16)
    corrected = correction.apply(image)
    assert corrected.shape == image.shape and corrected.dtype == np.uint16
    weights = corrected[..., 0].astype(float)
    weights[weights < 1000] = 0
    assert (weights * xx).sum() / weights.sum() == pytest.approx(target_x, abs=0.15)
    assert (weights * yy).sum() / weights.sum() == pytest.approx(target_y, abs=0.15)
    np.testing.assert_allclose(corrected[..., 1].astype(float), corrected[..., 0] / 2, atol=2)


def test_gray_images_keep_their_shape() -> None:
    correction = LensCorrection.from_model("poly3", [0.0])
    image = np.full((HEIGHT, WIDTH, 1), 77, np.uint8)
    corrected = correction.apply(image)
    assert corrected.shape == image.shape
    assert (corrected[50:150, 50:250] == 77).all()


def test_invalid_model_parameters() -> None:
    with pytest.raises(InputError, match="ptlens"):
        LensCorrection.from_model("fisheye", [1.0])
    with pytest.raises(InputError, match="needs 2 parameters"):
        LensCorrection.from_model("poly5", [1.0])


def test_lookup_by_names_and_exif(tmp_path: Path) -> None:
    correction = LensCorrection.from_names(
        "NIKON CORPORATION", "NIKON D3S", "Nikkor 50mm f/1.4D AF", focal_length=50, aperture=1.4
    )
    assert correction.camera.model == "Nikon D3S" and correction.lens.model == "Nikon AF Nikkor 50mm f/1.4D"
    path = tmp_path / "exif.jpg"
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "NIKON CORPORATION", "NIKON D3S"
    sub = exif.get_ifd(0x8769)
    sub[0xA434], sub[0x920A], sub[0x829D] = "AF Nikkor 50mm f/1.4D", 50.0, 1.4
    Image.fromarray(np.zeros((HEIGHT, WIDTH, 3), np.uint8)).save(path, exif=exif)
    assert read_lens_exif(path)["lens_model"] == "AF Nikkor 50mm f/1.4D"
    from_exif = LensCorrection.from_exif(path)
    assert from_exif.lens.model == correction.lens.model and from_exif.focal_length == 50.0
    # the database calibration (interpolated at 50 mm) is what the modifier applies
    calibration = from_exif.lens.interpolate_distortion(50.0)
    model = calibration.model.name.lower()
    terms = {"ptlens": 3, "poly3": 1, "poly5": 2}[model]
    explicit = LensCorrection.from_model(model, calibration.terms[:terms])
    coordinates = from_exif.source_coordinates(WIDTH, HEIGHT)
    assert np.abs(coordinates - explicit.source_coordinates(WIDTH, HEIGHT)).max() < 0.5


def test_exif_without_lens(tmp_path: Path) -> None:
    path = tmp_path / "plain.jpg"
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(path)
    with pytest.raises(InputError) as error:
        LensCorrection.from_exif(path)
    assert str(path) in str(error.value) and "lens_model" in str(error.value)
    with pytest.raises(InputError, match="not in the lensfun database"):
        LensCorrection.from_names("NIKON CORPORATION", "NIKON D3S", "Imaginary 13mm f/0.7", focal_length=13, aperture=0.7)
